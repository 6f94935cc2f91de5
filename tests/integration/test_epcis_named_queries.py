"""Named queries (`/epcis/queries`, EPCIS 2.0 REST binding), on both backends (issue 14, item 4).

A query is its organisation's: another party neither sees it nor collides with its name; it runs
in the caller's read scope when it runs, and answers what `/epcis/events` answers for the same
parameters.
"""

from __future__ import annotations

from urllib.parse import quote

from services.supplychain.epcis.tables import EpcisNamedQuery
from tests.integration._epcis import JSON_LD, capture, epcis_document, event_ids
from tests.integration._supplychain import count
from tests.support import bearer, running_app

CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]
EN = {"Accept-Language": "en"}


def _event(number: int, step: str) -> dict:
    return {
        "type": "ObjectEvent",
        "eventID": f"urn:uuid:00000000-0000-4000-8000-0000000004{number:02d}",
        "eventTime": f"2025-08-{number:02d}T08:00:00+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "epcList": [f"urn:epc:id:sgtin:0614141.107346.{number}"],
        "bizStep": step,
    }


EVENTS = [_event(n, step) for n, step in enumerate(["shipping", "receiving", "shipping", "packing"], start=1)]
SHIPMENTS = {"name": "Chè đi Hà Nội", "query": {"EQ_bizStep": ["shipping", "receiving"], "eventType": "ObjectEvent"}}


async def _post(client, definition, headers=None):
    return await client.post("/epcis/queries", json=definition, headers={**(headers or bearer()), **JSON_LD})


async def _events(client, url: str, headers=None, **params) -> list[str]:
    answer = await client.get(url, params=params, headers=headers or bearer())
    assert answer.status_code == 200, answer.text
    return [event["eventID"] for event in answer.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]


async def test_a_saved_query_answers_what_the_query_does(supplychain_app_factory):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        await capture(client, epcis_document(EVENTS, CONTEXT, "2025-08-31T00:00:00Z"))
        created = await _post(client, SHIPMENTS)
        assert created.status_code == 201, created.text
        location = created.headers["Location"]
        assert location == "/epcis/queries/" + quote(SHIPMENTS["name"], safe="")

        definition = await client.get(location, headers=bearer())
        assert definition.json() == SHIPMENTS  # the name with its diacritics, the query as given
        expected = await event_ids(client, {"EQ_bizStep": "shipping|receiving", "eventType": "ObjectEvent"})
        assert expected == [e["eventID"] for e in EVENTS[:3]]
        assert await _events(client, location + "/events") == expected
        # Paged like /epcis/events, and further parameters narrow it.
        first = await client.get(location + "/events", params={"perPage": 2}, headers=bearer())
        assert 'rel="next"' in first.headers["Link"]
        narrowed = await _events(client, location + "/events", MATCH_epc=EVENTS[1]["epcList"][0])
        assert narrowed == [EVENTS[1]["eventID"]]
        widened = await client.get(location + "/events", params={"EQ_bizStep": "packing"}, headers=bearer())
        assert widened.status_code == 400  # it would add packing to the saved steps
        assert widened.json()["type"] == "epcisException:QueryParameterException"

        assert (await client.get("/epcis/queries", headers=bearer())).json() == [SHIPMENTS]
        again = await _post(client, SHIPMENTS, {**bearer(), **EN})
        assert again.status_code == 409
        assert again.json()["type"] == "epcisException:ResourceAlreadyExistsException"
        assert "already has a query named" in again.json()["title"]

        assert (await client.delete(location, headers=bearer())).status_code == 204
        assert (await client.get(location, headers=bearer())).status_code == 404
        assert (await client.get(location + "/events", headers=bearer())).status_code == 404
        assert (await client.delete(location, headers=bearer())).status_code == 404
    assert await count(app, EpcisNamedQuery) == 0


async def test_each_organisation_has_its_own_names(supplychain_app_factory):
    app = await supplychain_app_factory()
    buyer, other_buyer, coop = bearer("buyer", partner_id=7), bearer("buyer", partner_id=8), bearer("coop", coop_id=3)
    async with running_app(app) as client:
        await capture(client, epcis_document(EVENTS, CONTEXT, "2025-08-31T00:00:00Z"))
        assert (await _post(client, SHIPMENTS, buyer)).status_code == 201
        assert (await _post(client, SHIPMENTS, coop)).status_code == 201  # the same name, another organisation
        colleague = bearer("buyer", partner_id=7)  # another person of the same buyer
        assert (await client.get("/epcis/queries", headers=colleague)).json() == [SHIPMENTS]
        assert (await client.get("/epcis/queries", headers=other_buyer)).json() == []
        location = "/epcis/queries/" + quote(SHIPMENTS["name"], safe="")
        assert (await client.get(location, headers=other_buyer)).status_code == 404
        assert (await client.delete(location, headers=other_buyer)).status_code == 404
        # Run in the caller's scope: the province's events are none of the buyer's or the co-op's.
        assert await _events(client, location + "/events", buyer) == []
        assert await _events(client, location + "/events", coop) == []
        assert (await client.get("/epcis/queries")).status_code == 401
    assert await count(app, EpcisNamedQuery) == 2


async def test_a_query_that_cannot_be_saved_says_why_and_saves_nothing(supplychain_app_factory):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        cases = [
            ({"query": {"EQ_bizStep": ["shipping"]}}, 400, "ValidationException"),  # no name
            ({"name": "a/b", "query": {}}, 400, "ValidationException"),
            ({"name": "x", "query": ["EQ_bizStep"]}, 400, "ValidationException"),
            ({"name": "x", "query": {"EQ_bizStep": [{"nested": 1}]}}, 400, "ValidationException"),
            ({"name": "x", "query": {"EQ_colour": ["red"]}}, 400, "QueryParameterException"),
            ({"name": "x", "query": {"GE_eventTime": "yesterday"}}, 400, "QueryParameterException"),
            ({"name": "x", "query": {"nextPageToken": "abc"}}, 400, "QueryParameterException"),
            ({"name": "x", "query": {"EQ_quantity": 5}}, 501, "ImplementationException"),
        ]
        for definition, status, exception in cases:
            answer = await _post(client, definition, {**bearer(), **EN})
            assert answer.status_code == status, (definition, answer.text)
            assert answer.json()["type"] == f"epcisException:{exception}"
            assert answer.json()["title"]
    assert await count(app, EpcisNamedQuery) == 0


async def test_the_queries_resource_is_listed_and_paged(supplychain_app_factory):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        assert "queries" in (await client.get("/epcis", headers=bearer())).json()["member"]
        assert "POST" in (await client.options("/epcis/queries")).headers["Allow"]
        assert "DELETE" in (await client.options("/epcis/queries/x")).headers["Allow"]
        names = [f"q{n:02d}" for n in range(5)]
        for name in reversed(names):
            assert (await _post(client, {"name": name, "query": {"EXISTS_errorDeclaration": True}})).status_code == 201
        seen, url, params = [], "/epcis/queries", {"perPage": 2}
        while True:
            answer = await client.get(url, params=params, headers=bearer())
            seen += [query["name"] for query in answer.json()]
            if "Link" not in answer.headers:
                break
            url, params = answer.headers["Link"].split(">")[0].lstrip("<"), None
        assert seen == names
