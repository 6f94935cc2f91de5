"""EPCIS query interface: each filter, CBV spellings, ordering, limits and pages, on both backends.

The dataset is a small tea chain written as EPCIS by hand, with private (non-GS1) URNs next to
GS1 EPC URNs and a GS1 Digital Link, so each filter has events it must and must not return.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.integration._epcis import capture, epcis_document, event_ids, ids_in, module_dataset, query
from tests.support import bearer, running_app

CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", {"htx": "https://htx.example.vn/epcis/"}]
COOP = "urn:htx:TN-0001:loc:coop"
PLOT = "urn:htx:TN-0001:loc:plot:VT-19-05488-001"
BUYER_STORE = "https://id.example.vn/buyer/42/warehouse"
LOT_FRESH = "urn:htx:TN-0001:lot:TH-1-20250510-1"
LOT_DRY = "urn:htx:TN-0001:lot:CB-1-20250511-1"
CARTON = "urn:htx:TN-0001:carton:C-001"
SGTIN = "urn:epc:id:sgtin:0614141.107346.2017"
DIGITAL_LINK = "https://id.gs1.org/01/09506000134352/21/2018"


def _event(number: int, event_type: str, day_time: str, **fields) -> dict:
    return {
        "type": event_type,
        "eventID": f"urn:uuid:00000000-0000-4000-8000-00000000000{number}",
        "eventTime": f"2025-05-{day_time}+07:00",
        "eventTimeZoneOffset": "+07:00",
        **fields,
    }


HARVEST = _event(
    1,
    "ObjectEvent",
    "10T07:00:00",
    action="ADD",
    bizStep="commissioning",
    disposition="active",
    quantityList=[{"epcClass": LOT_FRESH, "quantity": 85.5, "uom": "KGM"}],
    readPoint={"id": PLOT},
    bizLocation={"id": COOP},
    ilmd={"htx:harvestRound": 1},
)
SHIPPING = _event(
    2,
    "ObjectEvent",
    "12T08:00:00",
    action="OBSERVE",
    bizStep="https://ref.gs1.org/cbv/BizStep-shipping",
    disposition="https://ref.gs1.org/cbv/Disp-in_transit",
    epcList=[SGTIN, DIGITAL_LINK],
    bizLocation={"id": COOP},
)
RECEIVING = _event(
    3,
    "ObjectEvent",
    "13T09:30:00",
    action="OBSERVE",
    bizStep="receiving",
    disposition="in_progress",
    epcList=[SGTIN],
    bizLocation={"id": BUYER_STORE},
)
PACKING = _event(
    4,
    "AggregationEvent",
    "11T16:00:00",
    action="ADD",
    bizStep="packing",
    parentID=CARTON,
    childEPCs=["urn:htx:TN-0001:unit:U-1", "urn:htx:TN-0001:unit:U-2"],
    childQuantityList=[{"epcClass": "urn:epc:class:lgtin:4012345.012345.998877", "quantity": 10}],
)
PROCESSING = _event(
    5,
    "TransformationEvent",
    "11T15:00:00",
    bizStep="urn:htx:bizstep:withering",
    transformationID="urn:htx:TN-0001:batch:B-7",
    inputEPCList=["urn:epc:id:sgtin:4012345.011111.987"],
    outputEPCList=["urn:epc:id:sgtin:4012345.033333.AGHFG"],
    inputQuantityList=[{"epcClass": LOT_FRESH, "quantity": 85.5, "uom": "KGM"}],
    outputQuantityList=[{"epcClass": LOT_DRY, "quantity": 17.1, "uom": "KGM"}],
)
WRONG = _event(
    6,
    "ObjectEvent",
    "14T10:00:00",
    action="OBSERVE",
    bizStep="inspecting",
    epcList=[SGTIN],
    errorDeclaration={
        "declarationTime": "2025-05-20T08:00:00+07:00",
        "reason": "incorrect_data",
        "correctiveEventIDs": ["urn:uuid:00000000-0000-4000-8000-000000000007"],
    },
)
CORRECTED = _event(
    7,
    "ObjectEvent",
    "15T10:00:00",
    action="OBSERVE",
    bizStep="inspecting",
    epcList=[SGTIN],
    persistentDisposition={"set": ["https://ref.gs1.org/cbv/Disp-completeness_verified"]},
)
SALE = _event(
    8,
    "TransactionEvent",
    "16T11:00:00",
    action="ADD",
    parentID=CARTON,
    epcList=["urn:htx:TN-0001:unit:U-3"],
    bizStep="retail_selling",
    disposition="retail_sold",
    bizTransactionList=[{"type": "inv", "bizTransaction": "urn:htx:TN-0001:doc:inv:HD-0001"}],
)
EVENTS = [HARVEST, SHIPPING, RECEIVING, PACKING, PROCESSING, WRONG, CORRECTED, SALE]
DOCUMENT = epcis_document(EVENTS, CONTEXT, "2025-05-21T00:00:00Z")


def ids(*events: dict) -> list[str]:
    return ids_in(EVENTS, *events)


# The queries only read: one captured dataset per backend serves the whole module, on one loop.
pytestmark = pytest.mark.asyncio(loop_scope="module")


backend, client = module_dataset(DOCUMENT, "epcis-query")


FILTERS = {
    "no filter": ({}, ids(*EVENTS)),
    "eventType": ({"eventType": "AggregationEvent|TransformationEvent"}, ids(PACKING, PROCESSING)),
    "GE_eventTime": ({"GE_eventTime": "2025-05-13T09:30:00+07:00"}, ids(RECEIVING, WRONG, CORRECTED, SALE)),
    "GE_eventTime in UTC": ({"GE_eventTime": "2025-05-13T02:30:00Z"}, ids(RECEIVING, WRONG, CORRECTED, SALE)),
    "LT_eventTime": ({"LT_eventTime": "2025-05-12T08:00:00+07:00"}, ids(HARVEST, PACKING, PROCESSING)),
    "GE and LT_eventTime": (
        {"GE_eventTime": "2025-05-11T00:00:00+07:00", "LT_eventTime": "2025-05-12T00:00:00+07:00"},
        ids(PACKING, PROCESSING),
    ),
    "EQ_action": ({"EQ_action": "ADD"}, ids(HARVEST, PACKING, SALE)),
    "EQ_bizStep bare, captured as URI": ({"EQ_bizStep": "shipping"}, ids(SHIPPING)),
    "EQ_bizStep URN, captured bare": ({"EQ_bizStep": "urn:epcglobal:cbv:bizstep:receiving"}, ids(RECEIVING)),
    "EQ_bizStep web URI, captured bare": (
        {"EQ_bizStep": "https://ref.gs1.org/cbv/BizStep-commissioning"},
        ids(HARVEST),
    ),
    "EQ_bizStep list": ({"EQ_bizStep": "shipping|receiving"}, ids(SHIPPING, RECEIVING)),
    "EQ_bizStep custom URI": ({"EQ_bizStep": "urn:htx:bizstep:withering"}, ids(PROCESSING)),
    "EQ_disposition bare, captured as URI": ({"EQ_disposition": "in_transit"}, ids(SHIPPING)),
    "EQ_disposition URN, captured bare": ({"EQ_disposition": "urn:epcglobal:cbv:disp:in_progress"}, ids(RECEIVING)),
    "EQ_readPoint": ({"EQ_readPoint": PLOT}, ids(HARVEST)),
    "EQ_bizLocation": ({"EQ_bizLocation": COOP}, ids(HARVEST, SHIPPING)),
    "EQ_bizLocation non-GS1 URL": ({"EQ_bizLocation": BUYER_STORE}, ids(RECEIVING)),
    "MATCH_epc": ({"MATCH_epc": SGTIN}, ids(SHIPPING, RECEIVING, WRONG, CORRECTED)),
    "MATCH_epc Digital Link": ({"MATCH_epc": DIGITAL_LINK}, ids(SHIPPING)),
    "MATCH_epc pattern": (
        {"MATCH_epc": "urn:epc:idpat:sgtin:0614141.107346.*"},
        ids(SHIPPING, RECEIVING, WRONG, CORRECTED),
    ),
    "MATCH_epc child EPCs": ({"MATCH_epc": "urn:htx:TN-0001:unit:U-2"}, ids(PACKING)),
    "MATCH_epc is not parentID": ({"MATCH_epc": CARTON}, []),
    "MATCH_parentID": ({"MATCH_parentID": CARTON}, ids(PACKING, SALE)),
    "MATCH_inputEPC": ({"MATCH_inputEPC": "urn:epc:id:sgtin:4012345.011111.987"}, ids(PROCESSING)),
    "MATCH_outputEPC": ({"MATCH_outputEPC": "urn:epc:idpat:sgtin:4012345.033333.*"}, ids(PROCESSING)),
    "MATCH_anyEPC": (
        {"MATCH_anyEPC": f"{CARTON}|urn:epc:id:sgtin:4012345.033333.AGHFG"},
        ids(PACKING, PROCESSING, SALE),
    ),
    "MATCH_epcClass": ({"MATCH_epcClass": LOT_FRESH}, ids(HARVEST)),
    "MATCH_epcClass pattern on lgtin": ({"MATCH_epcClass": "urn:epc:idpat:sgtin:4012345.012345.*"}, ids(PACKING)),
    "MATCH_inputEPCClass": ({"MATCH_inputEPCClass": LOT_FRESH}, ids(PROCESSING)),
    "MATCH_outputEPCClass": ({"MATCH_outputEPCClass": LOT_DRY}, ids(PROCESSING)),
    "MATCH_anyEPCClass": ({"MATCH_anyEPCClass": LOT_FRESH}, ids(HARVEST, PROCESSING)),
    "EQ_transformationID": ({"EQ_transformationID": "urn:htx:TN-0001:batch:B-7"}, ids(PROCESSING)),
    "EQ_eventID": ({"EQ_eventID": f"{SALE['eventID']}|{HARVEST['eventID']}"}, ids(HARVEST, SALE)),
    "EXISTS_errorDeclaration": ({"EXISTS_errorDeclaration": "true"}, ids(WRONG)),
    "EQ_errorReason URN": ({"EQ_errorReason": "urn:epcglobal:cbv:er:incorrect_data"}, ids(WRONG)),
    "EQ_errorReason other": ({"EQ_errorReason": "did_not_occur"}, []),
    "GE_errorDeclarationTime": ({"GE_errorDeclarationTime": "2025-05-20T01:00:00Z"}, ids(WRONG)),
    "LT_errorDeclarationTime": ({"LT_errorDeclarationTime": "2025-05-20T01:00:00Z"}, []),
    "EQ_correctiveEventID": ({"EQ_correctiveEventID": CORRECTED["eventID"]}, ids(WRONG)),
    "EQ_persistentDisposition_set": ({"EQ_persistentDisposition_set": "completeness_verified"}, ids(CORRECTED)),
    "two filters together": ({"MATCH_epc": SGTIN, "EQ_bizStep": "inspecting"}, ids(WRONG, CORRECTED)),
}


@pytest.mark.parametrize(("params", "expected"), FILTERS.values(), ids=FILTERS.keys())
async def test_filter(client, params, expected):
    assert await event_ids(client, params) == expected


async def test_repeated_parameter_is_a_list(client):
    params = [("EQ_bizStep", "shipping"), ("EQ_bizStep", "packing")]
    assert await event_ids(client, params) == ids(SHIPPING, PACKING)


async def test_unencoded_plus_in_a_time_is_read_as_plus(client):
    # "?GE_eventTime=2025-05-13T09:30:00+07:00" typed into a browser: the "+" arrives as a space.
    answer = await client.get("/epcis/events?GE_eventTime=2025-05-13T09:30:00+07:00", headers=bearer())
    events = answer.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert [event["eventID"] for event in events] == ids(RECEIVING, WRONG, CORRECTED, SALE)


async def test_error_declaration_is_returned_with_the_event(client):
    [wrong] = await query(client, {"EQ_eventID": WRONG["eventID"]})
    assert wrong["errorDeclaration"] == WRONG["errorDeclaration"]
    [corrected] = await query(client, {"EQ_eventID": CORRECTED["eventID"]})
    assert "errorDeclaration" not in corrected


async def test_order_by_event_time_both_directions(client):
    by_time = sorted(EVENTS, key=lambda event: event["eventTime"])
    ascending = await event_ids(client, {"orderBy": "eventTime", "orderDirection": "ASC"})
    assert ascending == [event["eventID"] for event in by_time]
    assert await event_ids(client, {"orderBy": "eventTime"}) == ascending[::-1]  # DESC is the default


async def test_event_count_limit_keeps_the_first_n_in_order(client):
    latest = await event_ids(client, {"orderBy": "eventTime", "orderDirection": "DESC", "eventCountLimit": 2})
    assert latest == [SALE["eventID"], CORRECTED["eventID"]]


async def test_max_event_count(client):
    assert len(await event_ids(client, {"maxEventCount": len(EVENTS)})) == len(EVENTS)
    answer = await client.get("/epcis/events", params={"maxEventCount": len(EVENTS) - 1}, headers=bearer())
    assert answer.status_code == 413
    assert answer.json()["type"] == "epcisException:QueryTooLargeException"


@pytest.mark.parametrize("order", [{}, {"orderBy": "eventTime", "orderDirection": "ASC"}, {"orderBy": "recordTime"}])
async def test_pages_follow_link_next_until_done(client, order):
    expected = await event_ids(client, order)
    seen, url, params, pages = [], "/epcis/events", {**order, "perPage": 3}, 0
    while url:
        answer = await client.get(url, params=params, headers=bearer())
        assert answer.status_code == 200, answer.text
        events = answer.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        assert 1 <= len(events) <= 3
        seen += [event["eventID"] for event in events]
        pages += 1
        link = answer.headers.get("Link")
        if link is None:
            url = None
            continue
        assert link.startswith("<") and link.endswith('>; rel="next"')
        next_url = urlsplit(link[1 : -len('>; rel="next"')])
        query_string = parse_qs(next_url.query)
        assert query_string["perPage"] == ["3"] and "nextPageToken" in query_string
        url, params = f"{next_url.path}?{next_url.query}", None
    assert seen == expected
    assert pages == 3


async def test_pages_with_event_count_limit_stop_at_the_limit(client):
    answer = await client.get(
        "/epcis/events", params={"orderBy": "eventTime", "eventCountLimit": 4, "perPage": 3}, headers=bearer()
    )
    first = [event["eventID"] for event in answer.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]
    link = answer.headers["Link"]
    second_page = await client.get(link[1 : link.index(">")], headers=bearer())
    second = [event["eventID"] for event in second_page.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]
    assert "Link" not in second_page.headers
    assert first + second == await event_ids(client, {"orderBy": "eventTime", "eventCountLimit": 4})
    assert len(second) == 1


@pytest.mark.asyncio(loop_scope="function")  # a dataset of its own
async def test_record_time_filters(supplychain_app_factory):
    app = await supplychain_app_factory()
    early = {**DOCUMENT, "epcisBody": {"eventList": EVENTS[:3]}}
    late = {**DOCUMENT, "epcisBody": {"eventList": EVENTS[3:]}}
    async with running_app(app) as client:
        await capture(client, early)
        await capture(client, late)
        [first_late] = await query(client, {"EQ_eventID": EVENTS[3]["eventID"]})
        boundary = first_late["recordTime"]
        assert await event_ids(client, {"GE_recordTime": boundary}) == ids(*EVENTS[3:])
        assert await event_ids(client, {"LT_recordTime": boundary}) == ids(*EVENTS[:3])


BAD = {
    "unknown parameter": ({"EQ_bizstep": "shipping", "colour": "green"}, 400, "QueryParameterException"),
    "time without zone": ({"GE_eventTime": "2025-05-13T09:30:00"}, 400, "QueryParameterException"),
    "action outside ADD/OBSERVE/DELETE": ({"EQ_action": "MOVE"}, 400, "QueryParameterException"),
    "perPage zero": ({"perPage": "0"}, 400, "QueryParameterException"),
    "eventCountLimit without orderBy": ({"eventCountLimit": "2"}, 400, "QueryParameterException"),
    "both limits": (
        {"orderBy": "eventTime", "eventCountLimit": "2", "maxEventCount": "3"},
        400,
        "QueryParameterException",
    ),
    "garbage page token": ({"nextPageToken": "not-a-token"}, 400, "QueryParameterException"),
    "empty list": ({"EQ_bizStep": "|"}, 400, "QueryParameterException"),
    "quantity filters are not implemented": ({"GE_quantity": "5"}, 501, "ImplementationException"),
    "WD_ needs master data, not implemented": ({"WD_bizLocation": COOP}, 501, "ImplementationException"),
    "extension field filters are not implemented": ({"EQ_ILMD_htx:harvestRound": "1"}, 501, "ImplementationException"),
    "sensor value filters are not implemented": ({"GE_maxValue_CEL": "30"}, 501, "ImplementationException"),
}


@pytest.mark.parametrize(("params", "status", "exception"), BAD.values(), ids=BAD.keys())
async def test_bad_query_is_refused_with_a_problem(client, params, status, exception):
    answer = await client.get("/epcis/events", params=params, headers={**bearer(), "Accept-Language": "en"})
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["type"] == f"epcisException:{exception}" and problem["status"] == status
    assert problem["title"] and "{" not in problem["title"]


async def test_page_token_of_another_order_is_refused(client):
    answer = await client.get("/epcis/events", params={"perPage": 2}, headers=bearer())
    token = parse_qs(urlsplit(answer.headers["Link"][1 : answer.headers["Link"].index(">")]).query)["nextPageToken"][0]
    other = await client.get(
        "/epcis/events", params={"perPage": 2, "orderBy": "eventTime", "nextPageToken": token}, headers=bearer()
    )
    assert other.status_code == 400
    assert "nextPageToken" in other.json()["title"]


async def test_language_switch_is_not_taken_for_a_query_parameter(client):
    answer = await client.get("/epcis/events", params={"lang": "en", "EQ_bizStep": "bogus-step"}, headers=bearer())
    assert answer.status_code == 200
    assert answer.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"] == []


async def test_vietnamese_is_the_default_language_of_problems(client):
    answer = await client.get("/epcis/events", params={"colour": "green"}, headers=bearer())
    assert answer.json()["title"] == "Tham số truy vấn colour không có trong EPCIS 2.0."
