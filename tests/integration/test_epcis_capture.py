"""EPCIS capture interface: capture jobs, all-or-nothing, duplicates, error declarations, who may
capture and query. Both backends."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from urllib.parse import quote

from services.supplychain.epcis.tables import EpcisCapture, EpcisErrorDeclaration, EpcisEvent
from tests.integration._epcis import JSON_LD, capture, event_ids, example, query
from tests.integration._supplychain import count
from tests.support import bearer, running_app

OBJECT_EVENTS = "Example_9.6.1-ObjectEvent.jsonld"


def _without_event_ids(document: dict) -> dict:
    document = copy.deepcopy(document)
    for event in document["epcisBody"]["eventList"]:
        event.pop("eventID", None)
    return document


async def test_capture_options_announce_limits(supplychain_app_factory):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        answer = await client.options("/epcis/capture")
        assert answer.status_code == 204
        assert int(answer.headers["GS1-EPCIS-Capture-Limit"]) >= 1000
        assert "rollback" in answer.headers["GS1-Capture-Error-Behaviour"]
        assert answer.headers["GS1-EPCIS-Version"] == "2.0.0"


async def test_events_without_event_id_get_a_uuid_urn_and_record_time(supplychain_app_factory):
    app = await supplychain_app_factory()
    document = _without_event_ids(example(OBJECT_EVENTS))
    document["epcisBody"]["eventList"][0]["recordTime"] = "1999-01-01T00:00:00Z"  # the repository sets it
    async with running_app(app) as client:
        job = await capture(client, document)
        events = await query(client)
    assert job["eventCount"] == 2
    assert len({event["eventID"] for event in events}) == 2
    assert all(event["eventID"].startswith("urn:uuid:") for event in events)
    captured_at = datetime.fromisoformat(job["createdAt"])
    for event in events:  # recorded in the capture's transaction, not when the sender said
        assert abs(datetime.fromisoformat(event["recordTime"]) - captured_at) < timedelta(minutes=1)


async def test_same_event_id_again_fails_the_job_and_stores_nothing(supplychain_app_factory):
    app = await supplychain_app_factory()
    first = example(OBJECT_EVENTS)
    second = example("Example_9.6.2-ObjectEvent.jsonld")
    second["epcisBody"]["eventList"].append(first["epcisBody"]["eventList"][1])
    async with running_app(app) as client:
        await capture(client, first)
        before = await count(app, EpcisEvent)
        job = await capture(client, second, {**bearer(), "Accept-Language": "en"})
        assert job["success"] is False and job["eventCount"] == 0
        assert job["captureErrorBehaviour"] == "rollback"
        [error] = job["errors"]
        assert error["type"] == "epcisException:ValidationException"
        assert first["epcisBody"]["eventList"][1]["eventID"] in error["title"]
        assert "already stored" in error["title"]
    assert await count(app, EpcisEvent) == before == 2


async def test_twice_in_one_document_rollback_or_proceed(supplychain_app_factory):
    app = await supplychain_app_factory()
    document = example(OBJECT_EVENTS)
    events = document["epcisBody"]["eventList"]
    events.append(copy.deepcopy(events[0]))
    async with running_app(app) as client:
        rolled_back = await capture(client, document)
        assert rolled_back["success"] is False and rolled_back["eventCount"] == 0
        assert await count(app, EpcisEvent) == 0
        proceeded = await capture(client, document, {**bearer(), "GS1-Capture-Error-Behaviour": "proceed"})
        assert proceeded["success"] is False and proceeded["eventCount"] == 2
        assert proceeded["captureErrorBehaviour"] == "proceed"
        assert len(proceeded["errors"]) == 1 and "(vị trí 2)" in proceeded["errors"][0]["title"]
        assert await event_ids(client) == [event["eventID"] for event in events[:2]]
        wrong = await client.post(
            "/epcis/capture", json=document, headers={**bearer(), **JSON_LD, "GS1-Capture-Error-Behaviour": "sometimes"}
        )
        assert wrong.status_code == 400 and wrong.json()["type"] == "epcisException:ValidationException"


async def test_error_declaration_of_a_stored_event(supplychain_app_factory):
    """EPCIS §7.4.1.4: the declaration repeats the wrong event (same eventID) with errorDeclaration;
    the event stays as first recorded and is returned with the declaration."""
    app = await supplychain_app_factory()
    original = example(OBJECT_EVENTS)
    wrong = original["epcisBody"]["eventList"][0]
    declaration = {
        "declarationTime": "2005-04-05T10:00:00.000+07:00",
        "reason": "did_not_occur",
        "correctiveEventIDs": ["urn:uuid:9b9e0d4e-5c3b-4ad5-9a0f-3a2f0e6b1c11"],
    }
    declaring = {
        **original,
        "epcisBody": {"eventList": [{**wrong, "bizStep": "receiving", "errorDeclaration": declaration}]},
    }
    async with running_app(app) as client:
        await capture(client, original, bearer("coop", coop_id=1))
        other = await client.post("/epcis/capture", json=declaring, headers={**bearer("coop", coop_id=2), **JSON_LD})
        assert other.status_code == 403 and other.json()["type"] == "epcisException:SecurityException"
        job = await capture(client, declaring, bearer("coop", coop_id=1))
        assert job["success"] is True, job
        answer = await client.get(f"/epcis/events/{quote(wrong['eventID'], safe='')}", headers=bearer())
        [event] = answer.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        assert event["errorDeclaration"] == declaration
        assert event["bizStep"] == "shipping"  # as first recorded: wrong data is not edited in place
        assert await event_ids(client, {"EXISTS_errorDeclaration": "true"}) == [wrong["eventID"]]
        again = await capture(client, declaring)
        assert again["success"] is False and "khai báo lỗi" in again["errors"][0]["title"]
    assert await count(app, EpcisEvent) == 2
    assert await count(app, EpcisErrorDeclaration) == 1


async def test_unknown_event_and_capture_job_are_404_problems(supplychain_app_factory):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        for url in (
            "/epcis/events/urn%3Auuid%3A00000000-0000-4000-8000-00000000dead",
            "/epcis/capture/00000000-0000-4000-8000-000000000000",
        ):
            answer = await client.get(url, headers={**bearer(), "Accept-Language": "en"})
            assert answer.status_code == 404
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert answer.json()["type"] == "epcisException:NoSuchResourceException"
            assert answer.json()["title"].startswith("No ")


async def test_event_id_with_slashes_and_query_characters_is_addressable(supplychain_app_factory):
    app = await supplychain_app_factory()
    document = example(OBJECT_EVENTS)
    event_id = document["epcisBody"]["eventList"][0]["eventID"]  # ni:///sha-256;...?ver=CBV2.0
    async with running_app(app) as client:
        await capture(client, document)
        answer = await client.get(f"/epcis/events/{quote(event_id, safe='')}", headers=bearer())
        assert answer.status_code == 200
        [event] = answer.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        assert event["eventID"] == event_id


async def test_who_may_capture_and_query(supplychain_app_factory):
    app = await supplychain_app_factory()
    document = example(OBJECT_EVENTS)
    async with running_app(app) as client:
        anonymous = await client.post("/epcis/capture", json=document, headers=JSON_LD)
        assert anonymous.status_code == 401
        assert anonymous.json()["type"] == "epcisException:SecurityException"
        buyer = await client.post("/epcis/capture", json=document, headers={**bearer("buyer", partner_id=5), **JSON_LD})
        assert buyer.status_code == 403
        assert buyer.json()["type"] == "epcisException:SecurityException"
        assert await count(app, EpcisCapture) == 0

        answer = await client.post("/epcis/capture", json=document, headers={**bearer("coop", coop_id=1), **JSON_LD})
        location = answer.headers["Location"]
        assert (await client.get(location, headers=bearer("coop", coop_id=1))).status_code == 200
        assert (await client.get(location, headers=bearer("coop", coop_id=2))).status_code == 404
        assert (await client.get(location, headers=bearer("province"))).status_code == 200
        assert (await client.get(location, headers=bearer("buyer", partner_id=5))).status_code == 403
        own = (await client.get("/epcis/capture", headers=bearer("coop", coop_id=1))).json()
        assert [job["captureID"] for job in own] == [location.rsplit("/", 1)[1]]
        assert (await client.get("/epcis/capture", headers=bearer("coop", coop_id=2))).json() == []

        assert (await client.get("/epcis/events")).status_code == 401
        for role, seen in ((bearer("province"), 2), (bearer("coop", coop_id=1), 2), (bearer("coop", coop_id=2), 0)):
            assert len(await query(client, headers=role)) == seen  # a co-op reads its own events only
        assert await query(client, headers=bearer("buyer", partner_id=5)) == []  # nothing was shipped to it
