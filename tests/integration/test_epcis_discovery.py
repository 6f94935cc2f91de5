"""The REST binding's discovery resources, OPTIONS, and version and media negotiation (406), on
both backends (issue 14, item 6; one event's capture is in test_epcis_single_capture.py).

Listings show only what an event the caller may read names; a value's `/events` is `/epcis/events`
with that value as one more filter, so the answers are compared with the plain query's.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.integration._epcis import epcis_document, event_ids, ids_in, module_dataset
from tests.support import bearer

CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]
SHOP = "urn:epc:id:sgln:0614141.00777.0"
HILL = "urn:epc:id:sgln:0614141.00888.0"
DOCK = "urn:epc:id:sgln:0614141.00999.0"
CUSTOM_STEP = "https://htx.example.vn/voc/withering"
ITEM = "urn:epc:id:sgtin:0614141.107346.2017"
ITEM_LINK = "https://example.com/01/10614141073464/21/2017"  # the same item as a Digital Link
EN = {"Accept-Language": "en"}


def _event(number: int, **fields) -> dict:
    return {
        "type": "ObjectEvent",
        "eventID": f"urn:uuid:00000000-0000-4000-8000-0000000002{number:02d}",
        "eventTime": f"2025-07-{number:02d}T08:00:00+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        **fields,
    }


SHIPPED = _event(1, epcList=[ITEM], bizStep="shipping", disposition="in_transit", readPoint={"id": DOCK})
RECEIVED = _event(2, epcList=[ITEM_LINK], bizStep="receiving", bizLocation={"id": SHOP}, readPoint={"id": SHOP})
WITHERED = _event(3, epcList=["urn:epc:id:sgtin:0614141.107346.2018"], bizStep=CUSTOM_STEP, bizLocation={"id": HILL})
EVENTS = [SHIPPED, RECEIVED, WITHERED]

pytestmark = pytest.mark.asyncio(loop_scope="module")
backend, client = module_dataset(epcis_document(EVENTS, CONTEXT, "2025-07-31T00:00:00Z"), "epcis-discovery")


async def members(client, path: str, headers: dict | None = None, **params) -> list[str]:
    answer = await client.get(path, params=params, headers=headers or bearer())
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["type"] == "Collection" and answer.headers["GS1-EPCIS-Version"] == "2.0.0"
    return body["member"]


async def test_the_top_level_lists_what_the_repository_answers(client):
    listed = await members(client, "/epcis")
    assert {"capture", "events", "eventTypes", "epcs", "bizSteps", "bizLocations", "readPoints"} <= set(listed)
    for resource in listed:  # each one it lists answers
        assert (await client.options(f"/epcis/{resource}")).status_code == 204


async def test_listings_hold_the_standard_values_and_what_events_name(client):
    assert await members(client, "/epcis/eventTypes") == [
        "AggregationEvent",
        "AssociationEvent",
        "ObjectEvent",
        "TransactionEvent",
        "TransformationEvent",
    ]
    steps = await members(client, "/epcis/bizSteps", perPage=1000)
    assert {"shipping", "receiving", "commissioning", CUSTOM_STEP} <= set(steps)
    assert steps == sorted(steps)
    assert await members(client, "/epcis/bizLocations") == [SHOP, HILL]
    assert await members(client, "/epcis/readPoints") == [SHOP, DOCK]
    assert "in_transit" in await members(client, "/epcis/dispositions", perPage=1000)
    epcs = await members(client, "/epcis/epcs")
    assert {ITEM, ITEM_LINK, "urn:epc:id:sgtin:0614141.107346.2018"} <= set(epcs)


async def test_a_listing_pages_through_every_value_once(client):
    everything = await members(client, "/epcis/bizSteps", perPage=1000)
    seen, url, params = [], "/epcis/bizSteps", {"perPage": 7}
    while True:
        answer = await client.get(url, params=params, headers=bearer())
        assert answer.status_code == 200, answer.text
        page = answer.json()["member"]
        assert 0 < len(page) <= 7
        seen += page
        if "Link" not in answer.headers:
            break
        url, params = answer.headers["Link"].split(">")[0].lstrip("<"), None
    assert seen == everything


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (f"/epcis/bizSteps/{quote(CUSTOM_STEP, safe='')}/events", [WITHERED]),
        ("/epcis/bizSteps/receiving/events", [RECEIVED]),
        (f"/epcis/bizLocations/{quote(SHOP, safe='')}/events", [RECEIVED]),
        (f"/epcis/readPoints/{quote(DOCK, safe='')}/events", [SHIPPED]),
        ("/epcis/dispositions/in_transit/events", [SHIPPED]),
        ("/epcis/eventTypes/ObjectEvent/events", EVENTS),
        (f"/epcis/epcs/{quote(ITEM, safe='')}/events", [SHIPPED, RECEIVED]),  # either form of the item
        (f"/epcis/epcs/{quote(ITEM_LINK, safe='')}/events", [SHIPPED, RECEIVED]),
    ],
)
async def test_a_values_events_are_the_query_by_that_value(client, path, expected):
    answer = await client.get(path, headers=bearer())
    assert answer.status_code == 200, answer.text
    found = [event["eventID"] for event in answer.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]
    assert found == ids_in(EVENTS, *expected)


async def test_a_values_events_take_the_other_query_parameters(client):
    answer = await client.get(
        f"/epcis/epcs/{quote(ITEM, safe='')}/events", params={"EQ_bizStep": "shipping"}, headers=bearer()
    )
    found = [event["eventID"] for event in answer.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]
    assert found == ids_in(EVENTS, SHIPPED) == await event_ids(client, {"MATCH_anyEPC": ITEM, "EQ_bizStep": "shipping"})


async def test_a_values_events_refuse_widening_its_own_filter(client):
    answer = await client.get("/epcis/bizSteps/shipping/events", params={"EQ_bizStep": "receiving"}, headers=bearer())
    assert answer.status_code == 400
    assert "EQ_bizStep" in answer.json()["title"]


async def test_a_value_names_its_sub_resources_and_an_unknown_one_is_404(client):
    assert await members(client, f"/epcis/bizLocations/{quote(SHOP, safe='')}") == ["events"]
    assert await members(client, "/epcis/bizSteps/packing") == ["events"]  # a CBV step, none captured
    unknown = await client.get("/epcis/bizLocations/urn:epc:id:sgln:0614141.00000.0", headers={**bearer(), **EN})
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")
    assert unknown.json()["type"] == "epcisException:NoSuchResourceException"
    assert "urn:epc:id:sgln:0614141.00000.0" in unknown.json()["title"]
    assert (await client.get("/epcis/eventTypes/SensorEvent/events", headers=bearer())).status_code == 404


async def test_a_co_op_sees_only_what_its_own_events_name(client):
    coop = bearer("coop", coop_id=1)
    assert await members(client, "/epcis/bizLocations", coop) == []
    assert await members(client, "/epcis/epcs", coop) == []
    assert "shipping" in await members(client, "/epcis/bizSteps", coop, perPage=1000)  # standard, listed to all
    assert CUSTOM_STEP not in await members(client, "/epcis/bizSteps", coop, perPage=1000)
    # Another's place is not found, the same answer as a place nobody named: nothing to probe.
    assert (await client.get(f"/epcis/bizLocations/{quote(SHOP, safe='')}", headers=coop)).status_code == 404
    assert (await client.get(f"/epcis/bizLocations/{quote(SHOP, safe='')}/events", headers=coop)).status_code == 404


async def test_listings_need_a_token_and_options_do_not(client):
    assert (await client.get("/epcis/bizSteps")).status_code == 401
    for path in ("/epcis", "/epcis/events", "/epcis/bizSteps", "/epcis/epcs/x/events", f"/epcis/events/{quote(ITEM)}"):
        answer = await client.options(path)
        assert answer.status_code == 204, path
        assert answer.headers["GS1-EPCIS-Version"] == "2.0.0"
        assert "GET" in answer.headers["Allow"]
    assert "POST" in (await client.options("/epcis/events")).headers["Allow"]


async def test_a_bad_page_size_or_token_is_400(client):
    for params in ({"perPage": "0"}, {"perPage": "many"}, {"nextPageToken": "%%%"}):
        answer = await client.get("/epcis/bizSteps", params=params, headers=bearer())
        assert answer.status_code == 400, params
        assert answer.json()["type"] == "epcisException:QueryParameterException"


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"GS1-EPCIS-Min": "2.1.0"}, 406),
        ({"GS1-EPCIS-Max": "1.2"}, 406),
        ({"GS1-CBV-Min": "3.0.0"}, 406),
        ({"GS1-CBV-Max": "1.2.0"}, 406),
        ({"Accept": "application/xml"}, 406),
        ({"GS1-EPCIS-Min": "two"}, 400),
        ({"GS1-EPCIS-Min": "1.2", "GS1-EPCIS-Max": "2.0.0", "GS1-CBV-Min": "2.0"}, 200),
        ({"Accept": "application/xml, application/json;q=0.5"}, 200),
        ({"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}, 200),
        ({"Accept": "application/ld+json"}, 200),
    ],
)
async def test_versions_and_media_are_negotiated(client, headers, status):
    answer = await client.get("/epcis/events", headers={**bearer(), **EN, **headers})
    assert answer.status_code == status, answer.text
    if status == 406:
        assert answer.json()["type"] == "epcisException:NotAcceptableException"
        assert "2.0.0" in answer.json()["title"] or "JSON" in answer.json()["title"]
