"""Validation of EPCIS documents against GS1's EPCIS 2.0 JSON Schema (draft-07).

The schema is GS1's file unchanged (schema/EPCIS-JSON-Schema.json). Its `uri` and
`date-time` formats are checked too (jsonschema leaves them unchecked unless told): a URI
is any absolute URI, a date-time must carry its offset.

Two validators of that one schema and those two formats: a compiled one (jsonschema-rs)
judges every document, about 20 times faster; only a document it refuses goes through
jsonschema's, whose errors make the report (their paths and messages are what clients and
tests read, and the compiled one words them differently). The platform's own events are
not validated when stored: they are built valid (chain_mapping), which the tests check.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote

import jsonschema_rs
from jsonschema import Draft7Validator, FormatChecker

from services.supplychain.epcis.vocabulary import is_uri, parse_timestamp

SCHEMA_PATH = Path(__file__).parent / "schema" / "EPCIS-JSON-Schema.json"
EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
# Spellings of the standard context seen in the wild; documents name one of them.
EPCIS_CONTEXTS = (
    EPCIS_CONTEXT,
    "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
    "https://gs1.github.io/EPCIS/epcis-context.jsonld",
)

_formats = FormatChecker([])


@_formats.checks("uri")
def _uri(value: object) -> bool:
    return not isinstance(value, str) or is_uri(value)


@_formats.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    if isinstance(value, str):
        parse_timestamp(value)
    return True


@lru_cache(maxsize=1)
def compiled_validator() -> jsonschema_rs.Draft7Validator:
    """GS1's schema compiled, with the same two format checks as `validator()`."""
    return jsonschema_rs.Draft7Validator(
        json.loads(SCHEMA_PATH.read_text(encoding="utf-8")),
        formats={"uri": _uri, "date-time": _is_date_time},
        validate_formats=True,
        offline=True,  # the schema refers to nothing outside itself; never fetch
    )


def _is_date_time(value: object) -> bool:
    try:
        return _date_time(value)
    except ValueError:
        return False


@lru_cache(maxsize=1)
def validator() -> Draft7Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return Draft7Validator(_inline_references(schema), format_checker=_formats)


def _inline_references(schema: dict) -> dict:
    """The same schema with every `#/definitions/...` reference replaced by its definition.

    An equivalent schema (GS1's has no recursive definitions), validated about twice as fast:
    jsonschema resolves each `$ref` anew for every value it checks. `definitions` stays for
    any reference written another way.
    """
    definitions = schema["definitions"]

    def inline(node, seen: tuple[str, ...]):
        if isinstance(node, dict):
            reference = node.get("$ref")
            if len(node) == 1 and isinstance(reference, str) and reference.startswith("#/definitions/"):
                name = unquote(reference[len("#/definitions/") :])
                if name in seen:  # recursive: leave this one to the resolver
                    return node
                return inline(definitions[name], (*seen, name))
            return {key: value if key in ("enum", "const") else inline(value, seen) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(item, seen) for item in node]
        return node

    return {
        **{key: inline(value, ()) for key, value in schema.items() if key != "definitions"},
        "definitions": definitions,
    }


def schema_errors(document: object, *, limit: int = 20) -> list[str]:
    """Human-readable schema violations of `document`, at most `limit`, each with its JSON path."""
    return [] if compiled_validator().is_valid(document) else report(document, limit=limit)


def report(document: object, *, limit: int = 20) -> list[str]:
    """`schema_errors` as jsonschema words them, whatever the compiled validator said."""
    errors = []
    for error in validator().iter_errors(document):
        errors.append(f"{error.json_path}: {_innermost(error).message}")
        if len(errors) >= limit:
            break
    return errors


def _innermost(error):
    # anyOf/allOf failures hide the useful message in their deepest context.
    while error.context:
        error = max(error.context, key=lambda e: len(e.absolute_path))
    return error


def document_of(events: list[dict], context: list | None = None) -> dict:
    """An EPCISDocument carrying `events` (used to validate single events as the schema sees them)."""
    return {
        "@context": context or [EPCIS_CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "epcisBody": {"eventList": events},
    }
