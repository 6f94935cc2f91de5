"""GS1 Digital Link and EPC URN forms of one GS1 key match each other in queries (issue 14, item 5),
and `GS1-EPC-Format` chooses the form of the answer's EPCs (EPCIS 2.0 REST binding), on both backends.

Before: `MATCH_epc` with the URN of an item captured as a Digital Link found nothing (0 of 31 in the
issue's corpus), and the header was ignored. Keys and their twins are TDS 2.1's own examples
(urn:epc:id:sgtin:0614141.107346.2017 is (01)10614141073464(21)2017).
"""

from __future__ import annotations

import pytest

from tests.integration._epcis import epcis_document, event_ids, ids_in, module_dataset, query
from tests.support import bearer

CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]
SGTIN_URN = "urn:epc:id:sgtin:0614141.107346.2017"
SGTIN_LINK = "https://example.com/01/10614141073464/21/2017"  # the same item, on a brand's own domain
SGTIN_CANONICAL = "https://id.gs1.org/01/10614141073464/21/2017"
OTHER_SERIAL_LINK = "https://id.gs1.org/01/10614141073464/21/2018"
LGTIN_URN = "urn:epc:class:lgtin:0614141.712345.998877"
LGTIN_LINK = "https://id.gs1.org/01/70614141123451/10/998877"
SSCC_URN = "urn:epc:id:sscc:0614141.1234567890"
SSCC_LINK = "https://logistics.example.org/00/106141412345678908"
# A Vietnamese GTIN: GS1 publishes no company prefix length for it, so it has no EPC URN.
VIETNAMESE_LINK = "https://truyxuat.example.vn/01/08930000123459/21/HOP-1-0001"


def _event(number: int, event_type: str = "ObjectEvent", **fields) -> dict:
    return {
        "type": event_type,
        "eventID": f"urn:uuid:00000000-0000-4000-8000-0000000001{number:02d}",
        "eventTime": f"2025-06-{number:02d}T08:00:00+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        **fields,
    }


AS_URN = _event(1, epcList=[SGTIN_URN])
AS_LINK = _event(2, epcList=[SGTIN_LINK])
OTHER_SERIAL = _event(3, epcList=[OTHER_SERIAL_LINK])
CLASS_AS_LINK = _event(4, quantityList=[{"epcClass": LGTIN_LINK, "quantity": 200, "uom": "KGM"}])
CLASS_AS_URN = _event(5, quantityList=[{"epcClass": LGTIN_URN, "quantity": 20, "uom": "KGM"}])
PALLET_AS_URN = _event(6, "AggregationEvent", parentID=SSCC_URN, childEPCs=[SGTIN_LINK])
PALLET_AS_LINK = _event(7, "AggregationEvent", parentID=SSCC_LINK, childEPCs=[OTHER_SERIAL_LINK])
VIETNAMESE = _event(8, epcList=[VIETNAMESE_LINK])
PRIVATE = _event(9, epcList=["urn:htx:TN-0001:unit:HOP-1-0001"])
EVENTS = [
    AS_URN,
    AS_LINK,
    OTHER_SERIAL,
    CLASS_AS_LINK,
    CLASS_AS_URN,
    PALLET_AS_URN,
    PALLET_AS_LINK,
    VIETNAMESE,
    PRIVATE,
]
DOCUMENT = epcis_document(EVENTS, CONTEXT, "2025-06-30T00:00:00Z")

pytestmark = pytest.mark.asyncio(loop_scope="module")
backend, client = module_dataset(DOCUMENT, "epcis-equivalence")


def ids(*events: dict) -> list[str]:
    return ids_in(EVENTS, *events)


FILTERS = {
    "MATCH_epc by URN finds the Digital Link": ({"MATCH_epc": SGTIN_URN}, ids(AS_URN, AS_LINK, PALLET_AS_URN)),
    "MATCH_epc by Digital Link finds the URN": ({"MATCH_epc": SGTIN_LINK}, ids(AS_URN, AS_LINK, PALLET_AS_URN)),
    "any domain": ({"MATCH_epc": SGTIN_CANONICAL}, ids(AS_URN, AS_LINK, PALLET_AS_URN)),
    "another indicator digit is another GTIN": ({"MATCH_epc": "https://a.example/01/0614141073464/21/2017"}, []),
    "another serial is another item": ({"MATCH_epc": OTHER_SERIAL_LINK}, ids(OTHER_SERIAL, PALLET_AS_LINK)),
    "EPC pattern finds Digital Links": (
        {"MATCH_epc": "urn:epc:idpat:sgtin:0614141.107346.*"},
        ids(AS_URN, AS_LINK, OTHER_SERIAL, PALLET_AS_URN, PALLET_AS_LINK),
    ),
    "MATCH_anyEPC": ({"MATCH_anyEPC": SGTIN_LINK}, ids(AS_URN, AS_LINK, PALLET_AS_URN)),
    "MATCH_epcClass by URN": ({"MATCH_epcClass": LGTIN_URN}, ids(CLASS_AS_LINK, CLASS_AS_URN)),
    "MATCH_epcClass by Digital Link": ({"MATCH_epcClass": LGTIN_LINK}, ids(CLASS_AS_LINK, CLASS_AS_URN)),
    "MATCH_anyEPCClass pattern": (
        {"MATCH_anyEPCClass": "urn:epc:idpat:sgtin:0614141.712345.*"},
        ids(CLASS_AS_LINK, CLASS_AS_URN),
    ),
    "MATCH_parentID SSCC by URN": ({"MATCH_parentID": SSCC_URN}, ids(PALLET_AS_URN, PALLET_AS_LINK)),
    "MATCH_parentID SSCC by Digital Link": ({"MATCH_parentID": SSCC_LINK}, ids(PALLET_AS_URN, PALLET_AS_LINK)),
    "a GTIN without a known prefix, by another domain": (
        {"MATCH_epc": "https://id.gs1.org/01/08930000123459/21/HOP-1-0001"},
        ids(VIETNAMESE),
    ),
    "a wrong check digit is no GS1 key": ({"MATCH_epc": "https://id.gs1.org/01/10614141073465/21/2017"}, []),
    "private URNs match exactly": ({"MATCH_epc": "urn:htx:TN-0001:unit:HOP-1-0001"}, ids(PRIVATE)),
}


@pytest.mark.parametrize(("params", "expected"), FILTERS.values(), ids=FILTERS.keys())
async def test_both_forms_match(client, params, expected):
    assert await event_ids(client, params) == expected


def _epcs(events: list[dict]) -> dict[str, list[str]]:
    found = {}
    for event in events:
        named = [event.get("parentID")] + event.get("epcList", []) + event.get("childEPCs", [])
        named += [element["epcClass"] for element in event.get("quantityList", [])]
        found[event["eventID"]] = [epc for epc in named if epc]
    return found


async def test_the_answer_gives_epcs_in_the_form_asked_for(client):
    province = bearer("province")
    as_captured = _epcs(EVENTS)
    for asked in (None, "No_Preference", "Never_Translates"):
        headers = province | ({"GS1-EPC-Format": asked} if asked else {})
        assert _epcs(await query(client, headers=headers)) == as_captured
    links = _epcs(await query(client, headers={**province, "GS1-EPC-Format": "Always_GS1_Digital_Link"}))
    assert links[AS_URN["eventID"]] == [SGTIN_CANONICAL]
    assert links[CLASS_AS_URN["eventID"]] == [LGTIN_LINK]
    assert links[PALLET_AS_URN["eventID"]] == ["https://id.gs1.org/00/106141412345678908", SGTIN_LINK]
    assert links[AS_LINK["eventID"]] == [SGTIN_LINK]  # a Digital Link keeps its domain
    assert links[PRIVATE["eventID"]] == as_captured[PRIVATE["eventID"]]
    urns = _epcs(await query(client, headers={**province, "GS1-EPC-Format": "Always_EPC_URN"}))
    assert urns[AS_LINK["eventID"]] == [SGTIN_URN]
    assert urns[CLASS_AS_LINK["eventID"]] == [LGTIN_URN]
    assert urns[PALLET_AS_LINK["eventID"]] == [SSCC_URN, "urn:epc:id:sgtin:0614141.107346.2018"]
    assert urns[VIETNAMESE["eventID"]] == [VIETNAMESE_LINK]  # no URN without the prefix's length


async def test_the_header_is_answered_and_a_wrong_one_refused(client):
    province = bearer("province")
    answer = await client.get("/epcis/events", headers=province)
    assert answer.headers["GS1-EPC-Format"] == "No_Preference"
    one = await client.get(
        f"/epcis/events/{AS_URN['eventID']}", headers={**province, "GS1-EPC-Format": "Always_GS1_Digital_Link"}
    )
    assert one.status_code == 200 and one.headers["GS1-EPC-Format"] == "Always_GS1_Digital_Link"
    assert one.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"][0]["epcList"] == [SGTIN_CANONICAL]
    wrong = await client.get(
        "/epcis/events", headers={**province, "GS1-EPC-Format": "Always_URN", "Accept-Language": "en"}
    )
    assert wrong.status_code == 400 and wrong.json()["type"] == "epcisException:QueryParameterException"
    assert "GS1-EPC-Format accepts only: No_Preference" in wrong.json()["title"]
