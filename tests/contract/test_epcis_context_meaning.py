"""Every event of a query answer means in RDF what it meant in the document it was captured with.

The corpus is GS1's 47 examples plus documents built to clash: two documents giving the prefix `example:`
different namespaces, one using `example:` without defining it, one redefining GS1's protected `cbvmda`
before the standard context (GS1's definition wins there), one under GS1's "simple" context. All are
captured into one repository and read back in pages of several sizes; each event's graph, as a JSON-LD
1.1 processor reads it (pyld, URDNA2015 canonical N-Quads), must equal its graph in the captured
document. GS1's contexts come from the project's copies (no network).
"""

from __future__ import annotations

import copy
import json
import uuid
from urllib.parse import parse_qs, urlparse

import pytest
from pyld import jsonld

from services.supplychain.epcis.contexts import SCHEMA, SIMPLE_CONTEXT, SIMPLE_CONTEXTS
from services.supplychain.epcis.validation import EPCIS_CONTEXT, EPCIS_CONTEXTS
from tests.integration._epcis import EXAMPLES, capture, epcis_document, example
from tests.support import bearer, running_app

LOCAL = {
    **dict.fromkeys(EPCIS_CONTEXTS, SCHEMA / "epcis-context.jsonld"),
    **dict.fromkeys(SIMPLE_CONTEXTS, SCHEMA / "epcis-context-simple.jsonld"),
}


def _loader(url: str, options: dict | None = None) -> dict:
    if url not in LOCAL:
        raise jsonld.JsonLdError(
            f"no network in tests: {url}", "jsonld.LoadDocumentError", code="loading document failed"
        )
    document = json.loads(LOCAL[url].read_text(encoding="utf-8"))
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url, "document": document}


def graph(context: object, event: dict) -> str:
    """The event's canonical N-Quads under a document @context (the event's own @context, if any, applies
    on top of it, as in a document)."""
    return jsonld.normalize(
        {"@context": context, "@graph": [event]},
        {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": _loader},
    )


def _event(event_id: str, day: str, **extension) -> dict:
    return {
        "type": "ObjectEvent",
        "eventID": event_id,
        "eventTime": f"{day}T08:00:00+07:00",
        "eventTimeZoneOffset": "+07:00",
        "epcList": [f"urn:htx:TEST:lot:{event_id[-4:]}"],
        "action": "OBSERVE",
        "bizStep": "inspecting",
        **extension,
    }


def clashing_documents() -> list[dict]:
    return [
        epcis_document(
            [_event("urn:uuid:00000000-0000-4000-8000-00000000000a", "2025-06-01", **{"example:grade": "A"})],
            [EPCIS_CONTEXT, {"example": "http://a.example.com/epcis/"}],
            "2025-06-01T09:00:00+07:00",
        ),
        epcis_document(
            [_event("urn:uuid:00000000-0000-4000-8000-00000000000b", "2025-06-01", **{"example:grade": "B"})],
            [EPCIS_CONTEXT, {"example": "http://b.example.com/epcis/"}],
            "2025-06-01T09:00:00+07:00",
        ),
        # `example:` never defined here: a compact IRI of its own scheme, whatever other pages define.
        epcis_document(
            [_event("urn:uuid:00000000-0000-4000-8000-00000000000c", "2025-06-01", **{"example:grade": "C"})],
            [EPCIS_CONTEXT],
            "2025-06-01T09:00:00+07:00",
        ),
        # GS1's context comes after the redefinition, so GS1's `cbvmda` is the one in force.
        epcis_document(
            [
                _event(
                    "urn:uuid:00000000-0000-4000-8000-00000000000d",
                    "2025-06-02",
                    action="ADD",
                    bizStep="commissioning",
                    ilmd={"cbvmda:lotNumber": "L-1", "ext:note": "x"},
                )
            ],
            [{"cbvmda": "http://bad.example.com/cbvmda/", "ext": "http://ext.example.com/"}, EPCIS_CONTEXT],
            "2025-06-02T09:00:00+07:00",
        ),
        epcis_document(
            [_event("urn:uuid:00000000-0000-4000-8000-00000000000e", "2025-06-02")],
            [SIMPLE_CONTEXT],
            "2025-06-02T09:00:00+07:00",
        ),
    ]


def corpus() -> list[dict]:
    """GS1's examples and the clashing documents, every event with an eventID of its own."""
    documents, seen = [], set()
    for n, document in enumerate([*(example(path.name) for path in EXAMPLES), *clashing_documents()]):
        document = copy.deepcopy(document)
        for i, event in enumerate(events_of(document)):
            if event.get("eventID") in seen or "eventID" not in event:
                event["eventID"] = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'corpus/{n}/{i}')}"
            seen.add(event["eventID"])
        documents.append(document)
    return documents


def events_of(document: dict) -> list[dict]:
    body = document["epcisBody"]
    return body["queryResults"]["resultsBody"]["eventList"] if "queryResults" in body else body["eventList"]


def captured_graphs(documents: list[dict]) -> tuple[dict[str, str], int]:
    """Each event's graph in its document, and how many documents a JSON-LD 1.1 processor refuses.

    One of GS1's examples redefines its protected `cbvmda` after GS1's context, which JSON-LD 1.1 forbids;
    the meaning a processor can keep there is GS1's, read with GS1's context last."""
    graphs, refused = {}, 0
    for document in documents:
        context = document["@context"]
        try:
            found = {event["eventID"]: graph(context, _as_stored(event)) for event in events_of(document)}
        except jsonld.JsonLdError:
            refused += 1
            gs1_last = sorted(context, key=lambda entry: isinstance(entry, str) and entry in LOCAL)
            found = {event["eventID"]: graph(gs1_last, _as_stored(event)) for event in events_of(document)}
        graphs.update(found)
    return graphs, refused


def _as_stored(event: dict) -> dict:
    """The event without the recordTime a query document carried: the repository records its own."""
    return {key: value for key, value in event.items() if key != "recordTime"}


async def answered_graphs(client, per_page: int, declared: set[str]) -> tuple[dict[str, str], int]:
    """Every event's graph as the paged answers give it, and how many events carried their own @context."""
    graphs, own, params = {}, 0, {"perPage": per_page}
    while True:
        answer = await client.get("/epcis/events", params=params, headers=bearer())
        assert answer.status_code == 200, answer.text
        document = answer.json()
        for event in events_of(document):
            event.pop("recordTime")
            if event["eventID"] not in declared:
                event.pop("errorDeclaration", None)  # declared later by another document
            own += "@context" in event
            graphs[event["eventID"]] = graph(document["@context"], event)
        link = answer.headers.get("Link")
        if not link:
            return graphs, own
        params = {key: values[0] for key, values in parse_qs(urlparse(link.split(";")[0].strip("<>")).query).items()}


@pytest.mark.parametrize("per_page", [1000, 7])
async def test_every_answered_event_keeps_its_captured_meaning(supplychain_app_factory, per_page):
    documents = corpus()
    expected, refused = captured_graphs(documents)
    assert refused == 1
    declared = {e["eventID"] for d in documents for e in events_of(d) if "errorDeclaration" in e}
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        for document in documents:
            job = await capture(client, document)
            assert job["success"] is True, job
        answered, own = await answered_graphs(client, per_page, declared)
    assert set(answered) == set(expected)
    changed = sorted(event_id for event_id in expected if answered[event_id] != expected[event_id])
    assert changed == [], [
        (event_id, sorted(set(expected[event_id].splitlines()) ^ set(answered[event_id].splitlines())))
        for event_id in changed
    ]
    assert own > 0  # the clashing documents' events did need their own @context
    # The clash is real: one prefix, three meanings.
    grades = {expected[f"urn:uuid:00000000-0000-4000-8000-00000000000{k}"] for k in "abc"}
    assert len(grades) == 3 and any("<http://a.example.com/epcis/grade>" in g for g in grades)
