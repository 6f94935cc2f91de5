"""Capture judges documents with a compiled validator and reports with jsonschema's: the two must
give the same verdict, formats included, and the report must be jsonschema's exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.supplychain.epcis.validation import compiled_validator, report, schema_errors, validator

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "contract" / "epcis_examples").glob("*.jsonld"))
OBJECT_EVENT = "Example_9.6.1-ObjectEvent.jsonld"


def _example(name: str = OBJECT_EVENT) -> dict:
    return json.loads((EXAMPLES[0].parent / name).read_text(encoding="utf-8"))


def _event(document: dict) -> dict:
    return document["epcisBody"]["eventList"][1]


# Values on the edge of the two formats and of the schema's patterns, each way.
EDGES = {
    "uri, any scheme": lambda e: e["epcList"].append("x-htx:lô/5"),
    "uri with a space": lambda e: e["epcList"].append("urn:htx:lô 5"),
    "uri without scheme": lambda e: e["epcList"].append("lo-5"),
    "uri with an empty body": lambda e: e["epcList"].append("urn:"),
    "uri with a tab": lambda e: e.update(readPoint={"id": "urn:htx:a\tb"}),
    "date-time with Z": lambda e: e.update(eventTime="2025-05-10T07:30:00Z"),
    "date-time with z and a fraction": lambda e: e.update(eventTime="2025-05-10t07:30:00.123456789z"),
    "date-time without offset": lambda e: e.update(eventTime="2025-05-10T07:30:00"),
    "date-time, a day that is not": lambda e: e.update(eventTime="2025-02-30T07:30:00+07:00"),
    "date-time with a space": lambda e: e.update(eventTime="2025-05-10 07:30:00+07:00"),
    "offset +14:00": lambda e: e.update(eventTimeZoneOffset="+14:00"),
    "offset +14:30": lambda e: e.update(eventTimeZoneOffset="+14:30"),
    "bizStep in the 1.x URN form": lambda e: e.update(bizStep="urn:epcglobal:cbv:bizstep:shipping"),
    "bizStep of another vocabulary": lambda e: e.update(bizStep="https://example.org/steps/drying"),
    "extension field with a prefix": lambda e: e.update({"htx:round": 3}),
    "field outside any namespace": lambda e: e.update(colour="green"),
    "quantity as a string": lambda e: e.update(quantityList=[{"epcClass": "urn:htx:a", "quantity": "5"}]),
}


def _documents() -> list[dict]:
    documents = [json.loads(path.read_text(encoding="utf-8")) for path in EXAMPLES]
    for mutate in EDGES.values():
        document = _example()
        mutate(_event(document))
        documents.append(document)
    return documents


def test_the_compiled_validator_judges_every_document_as_jsonschema_does():
    verdicts = [(compiled_validator().is_valid(d), validator().is_valid(d)) for d in _documents()]
    assert all(fast == slow for fast, slow in verdicts), verdicts
    # Both kinds are among them, so agreeing is not trivially "all valid".
    assert {slow for _, slow in verdicts} == {True, False}


@pytest.mark.parametrize("name", EDGES, ids=EDGES)
def test_a_refused_document_is_reported_by_jsonschema(name):
    document = _example()
    EDGES[name](_event(document))
    if validator().is_valid(document):
        assert schema_errors(document) == []
    else:
        assert schema_errors(document) == report(document) != []
        assert all(error.startswith("$") for error in report(document))
