"""The JSON-LD @context of an answer, so that every event keeps the meaning it was captured with.

Each stored event keeps the @context entries its document gave it beyond GS1's standard context
(`EpcisEvent.context`: extension prefixes such as `{"example": "http://ns.example.com/epcis/"}`, or
GS1's "simple" context instead of the standard one). An answer holds events of many documents, and
merging their prefixes into one document @context changed meaning (issue 14): an event whose document
never defined `example:` got another document's definition, and one document's redefinition of a term
GS1 protects (`cbvmda`) made the whole page unreadable to a JSON-LD 1.1 processor. So:

- the document's @context names the standard context, plus the extra entries only when every event on
  the page has exactly the same ones (a page from one captured document reads as that document did);
  otherwise each event with extra entries carries them in its own @context;
- extra definitions of a term the standard context protects are dropped: where the document put GS1's
  context after them, GS1's definition won there too, and where it put them after, the document was not
  valid JSON-LD 1.1 (redefining a protected term is an error) and GS1's meaning is the one a processor
  can keep;
- events captured with the simple context are answered under it: alone on a page, it is the page's
  context; on a page with standard-context events, both are protected and neither may sit under the
  other, so the page's @context is an unprotected vocabulary and every event names its own context.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from services.supplychain.epcis.validation import EPCIS_CONTEXT

SCHEMA = Path(__file__).parent / "schema"
SIMPLE_CONTEXT = "https://gs1.github.io/EPCIS/epcis-context-simple.jsonld"
SIMPLE_CONTEXTS = (
    SIMPLE_CONTEXT,
    "https://ref.gs1.org/standards/epcis/epcis-context-simple.jsonld",
    "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context-simple.jsonld",
)
# A page mixing both GS1 contexts: the page's own words as GS1's context defines them, unprotected and
# nothing more (no @vocab, no prefix), so that nothing of it reaches the events under their own context.
_EPCIS = "https://ref.gs1.org/epcis/"
UNPROTECTED = {
    "id": "@id",
    "type": "@type",
    "schemaVersion": "http://www.w3.org/2002/07/owl#versionInfo",
    "creationDate": {"@id": "http://purl.org/dc/terms/created", "@type": "http://www.w3.org/2001/XMLSchema#dateTime"},
    **{term: f"{_EPCIS}{term}" for term in ("epcisBody", "queryResults", "resultsBody", "queryName", "subscriptionID")},
    "eventList": {"@id": f"{_EPCIS}eventList"},
    "EPCISQueryDocument": f"{_EPCIS}EPCISQueryDocument",
    "EPCISDocument": f"{_EPCIS}EPCISDocument",
}


@cache
def protected_terms(simple: bool) -> dict[str, Any]:
    """The terms GS1's standard (or simple) context protects, with their definitions: every term it
    defines, as it is `@protected` as a whole. Read from the copies in schema/ (GS1's files, unchanged)."""
    name = "epcis-context-simple.jsonld" if simple else "epcis-context.jsonld"
    context = json.loads((SCHEMA / name).read_text(encoding="utf-8"))["@context"]
    return {term: value for term, value in context.items() if not term.startswith("@")}


def _own_entries(extra: list) -> tuple[bool, list]:
    """(captured with the simple context, the other entries)."""
    simple = any(isinstance(entry, str) and entry in SIMPLE_CONTEXTS for entry in extra)
    return simple, [entry for entry in extra if not (isinstance(entry, str) and entry in SIMPLE_CONTEXTS)]


def _without_protected(entries: list, simple: bool) -> list:
    protected = protected_terms(simple)
    kept = []
    for entry in entries:
        if isinstance(entry, dict):
            # A definition equal to GS1's may stay (JSON-LD allows it); another may not.
            entry = {term: value for term, value in entry.items() if protected.get(term, value) == value}
            if not entry:
                continue
        kept.append(entry)
    return kept


def with_contexts(events: list[dict]) -> tuple[list, list[dict]]:
    """The document @context and the events ready to put in it (`_context`, each stored event's extra
    entries, taken off)."""
    prepared: list[tuple[dict, bool, list]] = []
    for event in events:
        simple, own = _own_entries(event.pop("_context", None) or [])
        prepared.append((event, simple, _without_protected(own, simple)))
    bases = {simple for _, simple, _ in prepared}
    if len(bases) > 1:
        return [UNPROTECTED], [
            _carrying([SIMPLE_CONTEXT if simple else EPCIS_CONTEXT, *own], event) for event, simple, own in prepared
        ]
    base = SIMPLE_CONTEXT if bases == {True} else EPCIS_CONTEXT
    first = prepared[0][2] if prepared else []
    if all(own == first for _, _, own in prepared):
        return [base, *first], [event for event, _, _ in prepared]
    return [base], [_carrying(own, event) if own else event for event, _, own in prepared]


def _carrying(entries: list, event: dict[str, Any]) -> dict[str, Any]:
    """The event with `entries` first in its own @context, before any it was captured with (which came
    after its document's there too)."""
    captured = event.get("@context")
    kept = [] if captured is None else captured if isinstance(captured, list) else [captured]
    return {"@context": [*entries, *kept], **{key: value for key, value in event.items() if key != "@context"}}
