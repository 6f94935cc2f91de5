"""EPCIS partner look-ups on both backends: EQ_bizTransaction_<type>, EQ_source_<type>,
EQ_destination_<type> (EPCIS 2.0 §8.2.7.1), and the 501 of standard parameters not implemented.

The dataset writes each CBV type in a different spelling (bare or one of the web URIs; GS1's
schema refuses the 1.x URNs in documents, queries may still use them), puts one
value under two types and leaves one business transaction untyped, so a filter that matched on
the value alone, or on one spelling only, returns events it must not.
"""

from __future__ import annotations

import pytest

from tests.integration._epcis import epcis_document, event_ids, ids_in, module_dataset
from tests.support import bearer

CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]
PO_1 = "urn:htx:TN-0001:doc:po:DH-0001"
PO_2 = "https://buyer.example.vn/po/2025-17"
PO_UNTYPED = "urn:htx:TN-0001:doc:po:DH-0003"
DESADV = "urn:epcglobal:cbv:bt:0614141000005:DA-77"
RECADV = "urn:htx:TN-0001:doc:recadv:NK-0009"
SLIP = "urn:htx:TN-0001:doc:slip:PC-12"
COOP_PARTY = "urn:epc:id:pgln:0614141.00000"
COOP_PLACE = "urn:htx:TN-0001:loc:coop"
BUYER_PARTY = "https://id.example.vn/buyer/42"
BUYER_STORE = "https://id.example.vn/buyer/42/warehouse"
CARRIER = "urn:epc:id:pgln:4012345.00000"


def _event(number: int, day_time: str, **fields) -> dict:
    return {
        "type": "ObjectEvent",
        "eventID": f"urn:uuid:00000000-0000-4000-8000-10000000000{number}",
        "eventTime": f"2025-06-{day_time}+07:00",
        "eventTimeZoneOffset": "+07:00",
        "epcList": [f"urn:htx:TN-0001:unit:U-{number}"],
        "action": "OBSERVE",
        **fields,
    }


SHIPPED = _event(
    1,
    "02T08:00:00",
    bizStep="shipping",
    bizTransactionList=[
        {"type": "po", "bizTransaction": PO_1},
        {"type": "https://ref.gs1.org/cbv/BTT-desadv", "bizTransaction": DESADV},
    ],
    sourceList=[
        {"type": "owning_party", "source": COOP_PARTY},
        {"type": "https://ref.gs1.org/cbv/SDT-location", "source": COOP_PLACE},
    ],
    destinationList=[
        {"type": "http://gs1.org/voc/SDT-owning_party", "destination": BUYER_PARTY},
        {"type": "location", "destination": BUYER_STORE},
    ],
)
RECEIVED = _event(
    2,
    "03T09:00:00",
    bizStep="receiving",
    bizTransactionList=[
        {"type": "https://ref.gs1.org/cbv/BTT-po", "bizTransaction": PO_1},
        {"type": "recadv", "bizTransaction": RECADV},
    ],
    destinationList=[{"type": "https://gs1.org/voc/SDT-possessing_party", "destination": BUYER_PARTY}],
)
SOLD = _event(
    3,
    "04T10:00:00",
    bizStep="retail_selling",
    bizTransactionList=[{"type": "po", "bizTransaction": PO_2}, {"bizTransaction": PO_UNTYPED}],
    sourceList=[{"type": "possessing_party", "source": COOP_PARTY}],  # the same party, another type
)
WEIGHED = _event(
    4,
    "01T07:00:00",
    bizStep="inspecting",
    bizTransactionList=[{"type": "urn:htx:btt:weighing-slip", "bizTransaction": SLIP}],
    sourceList=[{"type": "urn:htx:sdt:carrier", "source": CARRIER}],
)
INVOICED = _event(
    5,
    "05T11:00:00",
    bizStep="inspecting",
    bizTransactionList=[{"type": "inv", "bizTransaction": PO_1}],  # PO_1's value under another type
    destinationList=[{"type": "location", "destination": BUYER_PARTY}],
)
PLAIN = _event(6, "06T12:00:00", bizStep="storing")
EVENTS = [SHIPPED, RECEIVED, SOLD, WEIGHED, INVOICED, PLAIN]
DOCUMENT = epcis_document(EVENTS, CONTEXT, "2025-06-10T00:00:00Z")


def ids(*events: dict) -> list[str]:
    return ids_in(EVENTS, *events)


pytestmark = pytest.mark.asyncio(loop_scope="module")

backend, client = module_dataset(DOCUMENT, "epcis-partners")


LOOKUPS = {
    # business transactions
    "po, captured bare and as web URI": ({"EQ_bizTransaction_po": PO_1}, ids(SHIPPED, RECEIVED)),
    "po as URN": ({"EQ_bizTransaction_urn:epcglobal:cbv:btt:po": PO_1}, ids(SHIPPED, RECEIVED)),
    "po as web URI": ({"EQ_bizTransaction_https://ref.gs1.org/cbv/BTT-po": PO_1}, ids(SHIPPED, RECEIVED)),
    "po as older web URI": ({"EQ_bizTransaction_http://gs1.org/voc/BTT-po": PO_1}, ids(SHIPPED, RECEIVED)),
    "po, several values": ({"EQ_bizTransaction_po": f"{PO_1}|{PO_2}"}, ids(SHIPPED, RECEIVED, SOLD)),
    "po, a value of another type": ({"EQ_bizTransaction_po": DESADV}, []),
    "po, an untyped transaction": ({"EQ_bizTransaction_po": PO_UNTYPED}, []),
    "po, unknown value": ({"EQ_bizTransaction_po": "urn:htx:TN-0001:doc:po:none"}, []),
    "desadv, captured as web URI": ({"EQ_bizTransaction_desadv": DESADV}, ids(SHIPPED)),
    "inv: the value under its own type only": ({"EQ_bizTransaction_inv": PO_1}, ids(INVOICED)),
    "recadv as web URI": ({"EQ_bizTransaction_https://ref.gs1.org/cbv/BTT-recadv": RECADV}, ids(RECEIVED)),
    "a private type": ({"EQ_bizTransaction_urn:htx:btt:weighing-slip": SLIP}, ids(WEIGHED)),
    "a bare word is a CBV type, not the end of a private one": ({"EQ_bizTransaction_slip": SLIP}, []),
    # sources
    "owning_party source": ({"EQ_source_owning_party": COOP_PARTY}, ids(SHIPPED)),
    "possessing_party source: the same party": ({"EQ_source_possessing_party": COOP_PARTY}, ids(SOLD)),
    "location source, captured as web URI": ({"EQ_source_location": COOP_PLACE}, ids(SHIPPED)),
    "location source as URN": ({"EQ_source_urn:epcglobal:cbv:sdt:location": COOP_PLACE}, ids(SHIPPED)),
    "source, several values": (
        {"EQ_source_https://ref.gs1.org/cbv/SDT-owning_party": f"{BUYER_PARTY}|{COOP_PARTY}"},
        ids(SHIPPED),
    ),
    "a destination is no source": ({"EQ_source_owning_party": BUYER_PARTY}, []),
    "a private source type": ({"EQ_source_urn:htx:sdt:carrier": CARRIER}, ids(WEIGHED)),
    # destinations
    "owning_party destination, captured as older web URI": ({"EQ_destination_owning_party": BUYER_PARTY}, ids(SHIPPED)),
    "possessing_party destination, captured as web URI": (
        {"EQ_destination_possessing_party": BUYER_PARTY},
        ids(RECEIVED),
    ),
    "location destination, several values": (
        {"EQ_destination_location": f"{BUYER_STORE}|{BUYER_PARTY}"},
        ids(SHIPPED, INVOICED),
    ),
    "location destination as web URI": (
        {"EQ_destination_https://ref.gs1.org/cbv/SDT-location": BUYER_STORE},
        ids(SHIPPED),
    ),
    "a source is no destination": ({"EQ_destination_owning_party": COOP_PARTY}, []),
    # with each other and with other filters: every parameter must hold
    "two types together": ({"EQ_bizTransaction_po": PO_1, "EQ_bizTransaction_desadv": DESADV}, ids(SHIPPED)),
    "transaction and destination": (
        {"EQ_bizTransaction_po": PO_1, "EQ_destination_possessing_party": BUYER_PARTY},
        ids(RECEIVED),
    ),
    "with EQ_bizStep": ({"EQ_bizTransaction_po": PO_1, "EQ_bizStep": "receiving"}, ids(RECEIVED)),
    "with an event time window": (
        {"EQ_source_owning_party": COOP_PARTY, "GE_eventTime": "2025-06-03T00:00:00+07:00"},
        [],
    ),
}


@pytest.mark.parametrize(("params", "expected"), LOOKUPS.values(), ids=LOOKUPS.keys())
async def test_partner_lookup(client, params, expected):
    assert await event_ids(client, params) == expected


async def test_spellings_of_one_type_are_one_parameter_whose_values_add_up(client):
    params = [
        ("EQ_bizTransaction_po", PO_2),
        ("EQ_bizTransaction_urn:epcglobal:cbv:btt:po", RECADV),
        ("EQ_bizTransaction_https://ref.gs1.org/cbv/BTT-po", PO_1),
    ]
    assert await event_ids(client, params) == ids(SHIPPED, RECEIVED, SOLD)


async def test_partner_lookups_count_and_page(client):
    over = await client.get(
        "/epcis/events", params={"EQ_bizTransaction_po": PO_1, "maxEventCount": 1}, headers=bearer()
    )
    assert over.status_code == 413, over.text
    assert await event_ids(client, {"EQ_bizTransaction_po": PO_1, "maxEventCount": 2}) == ids(SHIPPED, RECEIVED)
    first = await client.get(
        "/epcis/events", params={"EQ_bizTransaction_po": f"{PO_1}|{PO_2}", "perPage": 2}, headers=bearer()
    )
    link = first.headers["Link"]
    second = await client.get(link[1 : link.index(">")], headers=bearer())
    pages = [first.json(), second.json()]
    seen = [e["eventID"] for page in pages for e in page["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]
    assert seen == ids(SHIPPED, RECEIVED, SOLD) and "Link" not in second.headers


NOT_YET = [
    ("EQ_quantity", "5"),
    ("GE_quantity_KGM", "5"),
    ("WD_readPoint", COOP_PLACE),
    ("WD_bizLocation", COOP_PLACE),
    ("GE_time", "2025-06-01T00:00:00Z"),
    ("LT_time", "2025-06-01T00:00:00Z"),
    ("EQ_type", "gs1:Temperature"),
    ("GE_minValue_CEL", "2"),
    ("LT_percRank", "50"),
    ("EQ_htx:round", "1"),
    ("EXISTS_htx:round", ""),
    ("GT_ILMD_htx:harvestRound", "1"),
    ("EQ_INNER_htx:grade", "A"),
    ("EXISTS_ERROR_DECLARATION_htx:note", ""),
    ("EQ_ATTR_bizLocation_htx:ward", "x"),
    ("EQATTR_readPoint_htx:ward", "x"),
    ("HASATTR_bizLocation", "htx:ward"),
    ("EQ_readPoint_htx:ward", "x"),
]


@pytest.mark.parametrize(("name", "value"), NOT_YET, ids=[name for name, _ in NOT_YET])
async def test_standard_parameters_not_implemented_answer_501_naming_them(client, name, value):
    answer = await client.get("/epcis/events", params={name: value}, headers={**bearer(), "Accept-Language": "en"})
    assert answer.status_code == 501, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["type"] == "epcisException:ImplementationException" and problem["status"] == 501
    assert (
        problem["title"]
        == f"{name} is a standard EPCIS 2.0 query parameter that this EPCIS repository does not support yet."
    )


async def test_the_501_is_vietnamese_by_default(client):
    answer = await client.get("/epcis/events", params={"WD_bizLocation": COOP_PLACE}, headers=bearer())
    assert answer.status_code == 501
    assert (
        answer.json()["title"]
        == "WD_bizLocation là tham số truy vấn chuẩn của EPCIS 2.0 nhưng kho EPCIS này chưa hỗ trợ."
    )


async def test_ordering_by_an_extension_field_is_501_and_says_what_works(client):
    answer = await client.get(
        "/epcis/events", params={"orderBy": "htx:round"}, headers={**bearer(), "Accept-Language": "en"}
    )
    assert answer.status_code == 501
    assert "eventTime or recordTime" in answer.json()["title"]


UNKNOWN = {
    "misspelt partner parameter": ({"EQ_bizTransactions_po": PO_1}, "is not an EPCIS 2.0 query parameter"),
    "no type": ({"EQ_source_": COOP_PARTY}, "is not an EPCIS 2.0 query parameter"),
    "a type that is neither word nor URI": ({"EQ_source_owning party": COOP_PARTY}, "must be followed by a CBV type"),
    "no value": ({"EQ_bizTransaction_po": "|"}, "has no value"),
    "a misspelt field": ({"EQ_bizstep": "shipping"}, "is not an EPCIS 2.0 query parameter"),
}


@pytest.mark.parametrize(("params", "says"), UNKNOWN.values(), ids=UNKNOWN.keys())
async def test_unknown_parameters_stay_400(client, params, says):
    answer = await client.get("/epcis/events", params=params, headers={**bearer(), "Accept-Language": "en"})
    assert answer.status_code == 400, answer.text
    problem = answer.json()
    assert problem["type"] == "epcisException:QueryParameterException"
    assert says in problem["title"]
