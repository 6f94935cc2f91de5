"""How much one EPCIS query may ask, and EPC patterns matched by prefix, on both backends.

Before: no limit. `MATCH_epc` with 1,000 EPC patterns took 23–40 s for a buyer on PostgreSQL (one
LIKE per pattern and per identifier row) and was a 500 on SQLite from about 330 patterns ("Expression
tree is too large"). Now: at most 500 values per parameter and 100 EPC patterns per query (the
settings' defaults), beyond them 413 QueryTooComplexException saying what to do; patterns are
compared as prefixes, a few set lookups per row.
"""

from __future__ import annotations

import pytest

from services.supplychain.app import create_app
from services.supplychain.epcis.query import QueryLimits
from tests.fixtures.supplychain import UNREACHABLE_REGISTRY
from tests.integration._epcis import capture, event_ids, module_dataset
from tests.support import bearer, running_app, service_settings

SGTIN = "urn:epc:id:sgtin:0614141.107346.2017"
OTHER_SERIAL = "urn:epc:id:sgtin:0614141.107346.20170"
OTHER_ITEM = "urn:epc:id:sgtin:0614141.812345.9"
LOT_CLASS = "urn:epc:class:lgtin:0614141.107346.L-7"
PRIVATE = "urn:htx:TN-0001:unit:U-1"


def _event(number: int, **fields) -> dict:
    return {
        "type": "ObjectEvent",
        "eventID": f"urn:uuid:00000000-0000-4000-8000-0000000000{number:02d}",
        "eventTime": f"2025-05-{10 + number:02d}T08:00:00+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "bizStep": "shipping",
        **fields,
    }


SHIPPED = _event(1, epcList=[SGTIN])
LONGER_SERIAL = _event(2, epcList=[OTHER_SERIAL])
OTHER = _event(3, epcList=[OTHER_ITEM, PRIVATE])
CLASSED = _event(4, quantityList=[{"epcClass": LOT_CLASS, "quantity": 12, "uom": "KGM"}])
EVENTS = [SHIPPED, LONGER_SERIAL, OTHER, CLASSED]
DOCUMENT = {
    "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
    "type": "EPCISDocument",
    "schemaVersion": "2.0",
    "creationDate": "2025-05-21T00:00:00Z",
    "epcisBody": {"eventList": EVENTS},
}
LIMITS = QueryLimits()  # the settings' defaults: what the app below runs with
ENGLISH = {**bearer(), "Accept-Language": "en"}


def ids(*events: dict) -> list[str]:
    return [event["eventID"] for event in events]


def unknown_epcs(count: int) -> list[str]:
    return [f"urn:epc:id:sgtin:0614141.555555.{n}" for n in range(count)]


def unknown_patterns(count: int) -> list[str]:
    return [f"urn:epc:idpat:sgtin:0614141.{600000 + n}.*" for n in range(count)]


pytestmark = pytest.mark.asyncio(loop_scope="module")


backend, client = module_dataset(DOCUMENT, "epcis-limits")


async def _refusal(client, params, headers=ENGLISH) -> dict:
    answer = await client.get("/epcis/events", params=params, headers=headers)
    assert answer.status_code == 413, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.headers["GS1-EPCIS-Version"] == "2.0.0"
    problem = answer.json()
    assert problem["type"] == "epcisException:QueryTooComplexException" and problem["status"] == 413
    return problem


async def test_values_at_the_limit_are_answered(client):
    values = [*unknown_epcs(LIMITS.values_per_parameter - 1), SGTIN]
    assert await event_ids(client, {"MATCH_epc": "|".join(values)}) == ids(SHIPPED)
    event_list = [*(f"urn:uuid:{n}" for n in range(LIMITS.values_per_parameter - 1)), OTHER["eventID"]]
    assert await event_ids(client, {"EQ_eventID": "|".join(event_list)}) == ids(OTHER)


async def test_one_value_more_is_refused_and_the_answer_says_how_to_ask(client):
    params = {"MATCH_epc": "|".join([*unknown_epcs(LIMITS.values_per_parameter), SGTIN])}
    problem = await _refusal(client, params)
    assert problem["title"] == (
        "The parameter MATCH_epc has 501 values; at most 500 per parameter. Split the list over several queries."
    )
    vietnamese = await _refusal(client, params, headers=bearer())
    assert vietnamese["title"] == (
        "Tham số MATCH_epc có 501 giá trị; mỗi tham số tối đa 500 giá trị. Hãy chia danh sách ra nhiều truy vấn."
    )


async def test_a_repeated_parameter_counts_all_its_values(client):
    half = LIMITS.values_per_parameter // 2
    params = [("EQ_bizStep", "|".join(["shipping"] * (half + 1))), ("EQ_bizStep", "|".join(["receiving"] * half))]
    problem = await _refusal(client, params)
    assert "EQ_bizStep has 501 values" in problem["title"]


async def test_patterns_at_the_limit_are_answered(client):
    patterns = [*unknown_patterns(LIMITS.patterns_per_query - 1), "urn:epc:idpat:sgtin:0614141.107346.*"]
    assert await event_ids(client, {"MATCH_epc": "|".join(patterns)}) == ids(SHIPPED, LONGER_SERIAL)


async def test_patterns_over_the_limit_in_all_parameters_together_are_refused(client):
    patterns = unknown_patterns(LIMITS.patterns_per_query + 1)
    params = {"MATCH_epc": "|".join(patterns[:60]), "MATCH_anyEPCClass": "|".join(patterns[60:])}
    problem = await _refusal(client, params)
    assert problem["title"].startswith("The query has 101 EPC patterns (urn:epc:idpat:…); at most 100 per query.")
    assert "broader pattern" in problem["title"]


async def test_a_buyer_asking_a_thousand_patterns_is_refused_at_once(client):
    # The finding: 23-40 s for a buyer's token. Refused before its scope is even computed.
    params = {"MATCH_epc": "|".join(unknown_patterns(1000))}
    problem = await _refusal(client, params, headers={**bearer("buyer", partner_id=5), "Accept-Language": "en"})
    assert "MATCH_epc has 1000 values; at most 500" in problem["title"]


PATTERNS = {
    "trailing star: the item's serials, not another item": ("urn:epc:idpat:sgtin:0614141.107346.*", [1, 2]),
    "two trailing stars: the company's items": ("urn:epc:idpat:sgtin:0614141.*.*", [1, 2, 3]),
    "no star: that EPC only, not a longer serial": ("urn:epc:idpat:sgtin:0614141.107346.2017", [1]),
    "star in the middle (outside TDS), still matched": ("urn:epc:idpat:sgtin:*.812345.*", [3]),
    "a pattern beside an exact URI": (f"urn:epc:idpat:sgtin:0614141.812345.*|{SGTIN}", [1, 3]),
    "a pattern of a component with LIKE's characters, taken literally": ("urn:epc:idpat:sgtin:0614_41.*.*", []),
}


@pytest.mark.parametrize(("pattern", "numbers"), PATTERNS.values(), ids=PATTERNS.keys())
async def test_epc_patterns_match_as_tds_says(client, pattern, numbers):
    assert await event_ids(client, {"MATCH_epc": pattern}) == ids(*(EVENTS[n - 1] for n in numbers))


async def test_an_sgtin_pattern_matches_its_lot_classes(client):
    pattern = "urn:epc:idpat:sgtin:0614141.107346.*"
    assert await event_ids(client, {"MATCH_anyEPCClass": pattern}) == ids(CLASSED)


@pytest.mark.asyncio(loop_scope="function")  # an app of its own, with its own limits
async def test_the_limits_are_the_settings(database_url_factory, redis_url, stream_prefix):
    settings = service_settings(
        database_url=await database_url_factory("supplychain"),
        redis_url=redis_url,
        stream_prefix=stream_prefix,
        registry_url=UNREACHABLE_REGISTRY,
        epcis_max_values_per_parameter=3,
        epcis_max_patterns_per_query=1,
    )
    async with running_app(create_app(settings)) as client:
        await capture(client, DOCUMENT)
        assert await event_ids(client, {"MATCH_epc": f"{SGTIN}|{OTHER_ITEM}|{PRIVATE}"}) == ids(SHIPPED, OTHER)
        refused = await _refusal(client, {"MATCH_epc": f"{SGTIN}|{OTHER_ITEM}|{PRIVATE}|{OTHER_SERIAL}"})
        assert "has 4 values; at most 3" in refused["title"]
        one = "urn:epc:idpat:sgtin:0614141.107346.*"
        assert await event_ids(client, {"MATCH_epc": one}) == ids(SHIPPED, LONGER_SERIAL)
        refused = await _refusal(client, {"MATCH_epc": one, "MATCH_anyEPC": "urn:epc:idpat:sgtin:0614141.*.*"})
        assert "2 EPC patterns" in refused["title"] and "at most 1" in refused["title"]
