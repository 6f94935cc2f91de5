"""`POST /epcis/events`: the binding's synchronous capture of one event, on both backends; and a
capture job's times in order (issue 14, item 6)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from services.supplychain.epcis.tables import EpcisCapture, EpcisEvent
from tests.integration._epcis import JSON_LD, epcis_document
from tests.integration._supplychain import count
from tests.support import bearer, running_app

CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]
ITEM = "urn:epc:id:sgtin:0614141.107346.2017"
EN = {"Accept-Language": "en"}


def _event(number: int, **fields) -> dict:
    return {
        "type": "ObjectEvent",
        "eventID": f"urn:uuid:00000000-0000-4000-8000-0000000003{number:02d}",
        "eventTime": f"2025-07-{number:02d}T08:00:00+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "epcList": [ITEM],
        **fields,
    }


async def test_posting_one_event_stores_it_once(supplychain_app_factory):
    app = await supplychain_app_factory()
    event = {**_event(9, epcList=[ITEM], bizStep="inspecting"), "@context": CONTEXT}
    async with running_app(app) as client:
        created = await client.post("/epcis/events", json=event, headers={**bearer(), **JSON_LD})
        assert created.status_code == 201, created.text
        assert created.headers["Location"] == "/epcis/events/" + quote(event["eventID"], safe="")
        assert created.json()["eventID"] == event["eventID"] and "recordTime" in created.json()
        fetched = await client.get(created.headers["Location"], headers=bearer())
        assert fetched.status_code == 200
        [stored] = fetched.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        assert stored["bizStep"] == "inspecting"

        again = await client.post("/epcis/events", json=event, headers={**{**bearer(), **EN}, **JSON_LD})
        assert again.status_code == 409
        assert again.json()["type"] == "epcisException:ResourceAlreadyExistsException"
        assert event["eventID"] in again.json()["title"]

        invalid = await client.post("/epcis/events", json={**event, "eventID": "urn:uuid:x", "action": "JUMP"})
        assert invalid.status_code == 401  # no token: nothing looked at
        invalid = await client.post(
            "/epcis/events", json={**event, "eventID": "urn:uuid:x", "action": "JUMP"}, headers=bearer()
        )
        assert invalid.status_code == 400 and invalid.json()["errors"]
        buyer = await client.post("/epcis/events", json=_event(10), headers=bearer("buyer", partner_id=1))
        assert buyer.status_code == 403
        without_id = await client.post(
            "/epcis/events", json={k: v for k, v in _event(11).items() if k != "eventID"}, headers=bearer()
        )
        assert without_id.status_code == 201 and without_id.json()["eventID"].startswith("urn:uuid:")
    assert await count(app, EpcisEvent) == 2


async def test_a_capture_job_is_created_before_it_finishes(supplychain_app_factory):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        answer = await client.post(
            "/epcis/capture", json=epcis_document([_event(12)], CONTEXT, "2025-07-31T00:00:00Z"), headers=bearer()
        )
        job = (await client.get(answer.headers["Location"], headers=bearer())).json()
    assert datetime.fromisoformat(job["createdAt"]) <= datetime.fromisoformat(job["finishedAt"])
    assert await count(app, EpcisCapture) == 1
