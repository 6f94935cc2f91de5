"""EPCIS 2.0 conformance: every GS1 example is captured and comes back equivalent; documents
the schema refuses are refused whole. Real databases (SQLite and PostgreSQL), real HTTP app.

"Equivalent" is compared on meaning: the same fields and values once CBV values are in one
spelling (bare "shipping" = "urn:epcglobal:cbv:bizstep:shipping" =
"https://ref.gs1.org/cbv/BizStep-shipping"), without @context and without what the
repository adds (recordTime; eventID where the example has none).
"""

from __future__ import annotations

import copy
import json
import re
from urllib.parse import quote

import jsonschema
import pytest

from services.supplychain.epcis.contexts import SCHEMA
from services.supplychain.epcis.tables import EpcisCapture, EpcisErrorDeclaration, EpcisEvent, EpcisEventIdentifier
from tests.integration._epcis import EXAMPLES, JSON_LD, capture, example, gs1_schema, query
from tests.integration._supplychain import count
from tests.support import bearer, running_app

SCHEMA_VALIDATOR = jsonschema.Draft7Validator(gs1_schema(), format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)

# CBV vocabulary -> (URN prefix, web URI term prefix); written independently of the service.
CBV = {
    "bizStep": ("urn:epcglobal:cbv:bizstep:", "BizStep-"),
    "disposition": ("urn:epcglobal:cbv:disp:", "Disp-"),
    "btt": ("urn:epcglobal:cbv:btt:", "BTT-"),
    "sdt": ("urn:epcglobal:cbv:sdt:", "SDT-"),
    "er": ("urn:epcglobal:cbv:er:", "ER-"),
}


def bare(vocabulary: str, value: str) -> str:
    urn, term = CBV[vocabulary]
    match = re.fullmatch(rf"(?:{re.escape(urn)}|https?://(?:ref\.gs1\.org/cbv|gs1\.org/voc)/{term})(.+)", value)
    return match.group(1) if match else value


def normalised(event: dict) -> dict:
    """The event's meaning: CBV values bare, no @context, no recordTime."""
    event = copy.deepcopy(event)
    event.pop("@context", None)
    event.pop("recordTime", None)
    for field in ("bizStep", "disposition"):
        if field in event:
            event[field] = bare(field, event[field])
    for transaction in event.get("bizTransactionList", []):
        if "type" in transaction:
            transaction["type"] = bare("btt", transaction["type"])
    for party in event.get("sourceList", []) + event.get("destinationList", []):
        party["type"] = bare("sdt", party["type"])
    persistent = event.get("persistentDisposition", {})
    for which in ("set", "unset"):
        if which in persistent:
            persistent[which] = [bare("disposition", value) for value in persistent[which]]
    declaration = event.get("errorDeclaration", {})
    if "reason" in declaration:
        declaration["reason"] = bare("er", declaration["reason"])
    return event


def events_in(document: dict) -> list[dict]:
    body = document["epcisBody"]
    if document["type"] == "EPCISQueryDocument":
        return body["queryResults"]["resultsBody"]["eventList"]
    return body["eventList"]


def assert_equivalent(returned: dict, original: dict) -> None:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", returned["recordTime"])
    if "eventID" not in original:
        assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", returned["eventID"])
        returned = {key: value for key, value in returned.items() if key != "eventID"}
    assert normalised(returned) == normalised(original)


PARTNER_LISTS = {
    "bizTransaction": ("bizTransactionList", "btt"),
    "source": ("sourceList", "sdt"),
    "destination": ("destinationList", "sdt"),
}


async def assert_partner_lookups(client, originals: list[dict]) -> None:
    """Each typed business transaction, source and destination of the events is found by
    EQ_<kind>_<type>, the type written as the event writes it and as a CBV 1.x URN, with exactly
    the events having an entry of that type and value (evaluated here, apart from the service)."""
    for kind, (key, vocabulary) in PARTNER_LISTS.items():
        for entry in [entry for event in originals for entry in event.get(key, []) if "type" in entry]:
            entry_type, value = bare(vocabulary, entry["type"]), entry[kind]
            expected = [
                event
                for event in originals
                if any(
                    bare(vocabulary, e.get("type", "")) == entry_type and e[kind] == value for e in event.get(key, [])
                )
            ]
            urn = CBV[vocabulary][0] + entry_type if re.fullmatch(r"\w+", entry_type) else entry_type
            for spelling in {entry["type"], urn}:
                params = {f"EQ_{kind}_{spelling}": value, "perPage": 1000}
                answer = await client.get("/epcis/events", params=params, headers=bearer())
                assert answer.status_code == 200, answer.text
                returned = events_in(answer.json())
                assert len(returned) == len(expected), params
                for got, original in zip(returned, expected):
                    assert_equivalent(got, original)


def test_the_corpus_is_complete():
    assert len(EXAMPLES) == 47
    assert {example(path.name)["type"] for path in EXAMPLES} == {"EPCISDocument", "EPCISQueryDocument"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
async def test_gs1_example_is_captured_and_queried_back_equivalent(path, supplychain_app_factory):
    document = example(path.name)
    originals = events_in(document)
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        job = await capture(client, document)
        assert job["success"] is True, job
        assert job["errors"] == [] and job["eventCount"] == len(originals)

        answer = await client.get("/epcis/events", params={"perPage": 1000}, headers=bearer())
        assert answer.status_code == 200, answer.text
        exported = answer.json()
        assert not list(SCHEMA_VALIDATOR.iter_errors(exported)), list(SCHEMA_VALIDATOR.iter_errors(exported))[:3]
        returned = exported["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        assert len(returned) == len(originals)
        for got, original in zip(returned, originals):  # capture order is the default order
            assert_equivalent(got, original)

        # Extension prefixes the events use are declared again in the answer's @context.
        # A redefinition of a term GS1's context protects is not kept: it cannot change meaning (ADR 0010).
        gs1 = json.loads((SCHEMA / "epcis-context.jsonld").read_text(encoding="utf-8"))["@context"]
        declared = {
            key: value
            for entry in document["@context"]
            if isinstance(entry, dict)
            for key, value in entry.items()
            if gs1.get(key, value) == value
        }
        answered = {
            key: value for entry in exported["@context"] if isinstance(entry, dict) for key, value in entry.items()
        }
        assert answered == declared

        await assert_partner_lookups(client, originals)

        for original in originals:
            if "eventID" in original:
                single = await client.get(f"/epcis/events/{quote(original['eventID'], safe='')}", headers=bearer())
                assert single.status_code == 200, single.text
                assert not list(SCHEMA_VALIDATOR.iter_errors(single.json()))
                [got] = single.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
                assert_equivalent(got, original)


async def test_a_captured_document_exported_is_captured_again_elsewhere_unchanged(
    supplychain_app_factory, stream_prefix
):
    """Round trip between two repositories: the export of one is a valid capture for the other."""
    source, target = (
        await supplychain_app_factory(stream_prefix=stream_prefix + "a."),
        await supplychain_app_factory(stream_prefix=stream_prefix + "b."),
    )
    document = example("WithFullCombinationOfFields_object_event_all_possible_fields.jsonld")
    async with running_app(source) as first, running_app(target) as second:
        await capture(first, document)
        exported = (await first.get("/epcis/events", headers=bearer())).json()
        assert not list(SCHEMA_VALIDATOR.iter_errors(exported))
        job = await capture(second, exported)
        assert job["success"] is True and job["eventCount"] == len(events_in(document))
        again = await query(second)
        for got, original in zip(again, events_in(document)):
            assert_equivalent(got, original)


# --- refusals ---------------------------------------------------------------------------------


def _valid() -> dict:
    return example("Example_9.6.1-ObjectEvent.jsonld")


def _first_event(document: dict) -> dict:
    return document["epcisBody"]["eventList"][0]


def _second_event(document: dict) -> dict:
    return document["epcisBody"]["eventList"][1]


INVALID = {
    "event without eventTime": lambda d: _second_event(d).pop("eventTime"),
    "unknown action": lambda d: _second_event(d).update(action="MOVE"),
    "EPC that is not a URI": lambda d: _second_event(d)["epcList"].append("lô chè số 5"),
    "field outside any namespace": lambda d: _second_event(d).update(colour="green"),
    "time zone offset out of range": lambda d: _second_event(d).update(eventTimeZoneOffset="+25:00"),
    "eventTime without offset": lambda d: _second_event(d).update(eventTime="2005-04-04T20:33:31"),
    "readPoint without id": lambda d: _second_event(d).update(readPoint={"name": "gate 4"}),
    "quantity element without class": lambda d: _second_event(d).update(quantityList=[{"quantity": 5, "uom": "KGM"}]),
    "bizStep in the EPCIS 1.x URN form": lambda d: _second_event(d).update(
        bizStep="urn:epcglobal:cbv:bizstep:shipping"
    ),
    "document without schemaVersion": lambda d: d.pop("schemaVersion"),
    "document without @context": lambda d: d.pop("@context"),
    "body without eventList": lambda d: d["epcisBody"].pop("eventList"),
    "unknown document type": lambda d: d.update(type="EPCISDoc"),
}


@pytest.mark.parametrize("mutate", INVALID.values(), ids=INVALID.keys())
async def test_schema_violation_is_refused_whole_and_nothing_is_stored(mutate, supplychain_app_factory):
    document = _valid()
    mutate(document)
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        answer = await client.post("/epcis/capture", json=document, headers={**bearer(), **JSON_LD})
        assert answer.status_code == 400, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        problem = answer.json()
        assert problem["type"] == "epcisException:ValidationException"
        assert problem["status"] == 400
        assert "JSON Schema" in problem["title"]
        assert problem["errors"] and all(error.startswith("$") for error in problem["errors"])
        assert "Location" not in answer.headers
    for model in (EpcisEvent, EpcisEventIdentifier, EpcisErrorDeclaration, EpcisCapture):
        assert await count(app, model) == 0


async def test_refusal_is_in_english_on_request(supplychain_app_factory):
    document = _valid()
    _first_event(document)["action"] = "MOVE"
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        answer = await client.post(
            "/epcis/capture", json=document, headers={**bearer(), **JSON_LD, "Accept-Language": "en"}
        )
        assert answer.status_code == 400
        assert answer.json()["title"].startswith("The EPCIS document does not conform")
        assert any("epcisBody.eventList[0]" in error and "MOVE" in error for error in answer.json()["errors"])


async def test_body_that_is_not_json_or_not_json_ld(supplychain_app_factory):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        broken = await client.post(
            "/epcis/capture", content=b'{"type": "EPCISDocument",', headers={**bearer(), **JSON_LD}
        )
        assert broken.status_code == 400
        assert broken.json()["type"] == "epcisException:ValidationException"
        xml = await client.post(
            "/epcis/capture", content=b"<epcis:EPCISDocument/>", headers={**bearer(), "Content-Type": "application/xml"}
        )
        assert xml.status_code == 415
        assert xml.headers["content-type"].startswith("application/problem+json")
    assert await count(app, EpcisEvent) == 0


def test_the_service_judges_documents_exactly_as_gs1s_schema_does():
    """The service validates with GS1's schema, its `$ref`s inlined for speed: same verdicts."""
    from services.supplychain.epcis.validation import _formats, schema_errors, validator

    gs1 = jsonschema.Draft7Validator(gs1_schema(), format_checker=_formats)
    assert validator().schema != gs1.schema  # really the inlined one
    documents = [example(path.name) for path in EXAMPLES]
    for mutate in INVALID.values():
        document = _valid()
        mutate(document)
        documents.append(document)
    for document in documents:
        expected = sorted(f"{error.json_path}: {error.message}" for error in gs1.iter_errors(document))
        assert sorted(f"{error.json_path}: {error.message}" for error in validator().iter_errors(document)) == expected
        assert bool(schema_errors(document)) == bool(expected)
    assert sum(1 for document in documents if schema_errors(document)) == len(INVALID)
