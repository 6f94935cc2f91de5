"""Who may capture and read what through EPCIS, as a role matrix, on both backends.

Before: a co-op token could declare another co-op's sale wrong (and /corrections then answered 500
for ever), inject events into another co-op's lot document, and read every co-op's purchases with
household ids; a buyer token listed the shipments made to other buyers.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from services.supplychain.epcis.tables import EpcisErrorDeclaration, EpcisEvent
from shared.events import registry as registry_contracts
from tests.integration._epcis import JSON_LD, query
from tests.integration._supplychain import coop_registered, count, group_caught_up, member_joined, publish
from tests.support import bearer, running_app, wait_until

DAY = "2025-06-01"


def partner(partner_id: int, name: str = "Công ty TNHH Trà Thái Nguyên") -> registry_contracts.PartnerRegistered:
    return registry_contracts.PartnerRegistered(partner_id=partner_id, name=name, kind="enterprise", ward_code="05488")


PROVINCE, COOP_1, COOP_2 = bearer(), bearer("coop", coop_id=1), bearer("coop", coop_id=2)
BUYER_5, BUYER_6, BUYER_7 = (bearer("buyer", partner_id=n) for n in (5, 6, 7))


async def _chain(client, redis, stream_prefix) -> dict[str, str]:
    """Co-op 1 harvests lot A from household 10 and ships it to buyer 5; co-op 2 lot B from household 20
    to buyer 6. Answers the chain facts' EPCIS eventIDs by name."""
    for event in (
        coop_registered(1),
        member_joined(10, 1),
        coop_registered(2, name="HTX Chè La Bằng"),
        member_joined(20, 2, name="Phạm Văn Đức"),
        partner(5),
        partner(6, name="Công ty CP Chè Hà Nội"),
    ):
        await publish(redis, stream_prefix, event)
    await wait_until(lambda: group_caught_up(redis, f"{stream_prefix}registry.events"), message="replica seeded")
    ids = {}
    for coop, token, member, lot, buyer in ((1, COOP_1, 10, "A", 5), (2, COOP_2, 20, "B", 6)):
        harvest = {
            "coop_id": coop,
            "member_id": member,
            "lot_code": lot,
            "quantity_kg": "100",
            "harvested_on": DAY,
            "harvest_round": 1,
        }
        made = await client.post("/harvests", json=harvest, headers=token)
        assert made.status_code == 201, made.text
        shipped = await client.post(
            "/shipments",
            json={
                "coop_id": coop,
                "partner_id": buyer,
                "document_number": f"PX-{lot}",
                "shipped_on": "2025-06-02",
                "lines": [{"lot_code": lot, "quantity": "40", "unit": "kg"}],
            },
            headers=token,
        )
        assert shipped.status_code == 201, shipped.text
        ids[f"harvest {lot}"] = f"urn:uuid:{made.json()['events'][0]['event_id']}"
        ids[f"shipment {lot}"] = f"urn:uuid:{shipped.json()['event_id']}"
    return ids


def _document(*events: dict) -> dict:
    return {
        "@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2025-06-03T08:00:00+07:00",
        "epcisBody": {"eventList": list(events)},
    }


def _observation(event_id: str, *epcs: str, **extra) -> dict:
    return {
        "type": "ObjectEvent",
        "eventID": event_id,
        "eventTime": "2025-06-03T08:00:00+07:00",
        "eventTimeZoneOffset": "+07:00",
        "epcList": list(epcs),
        "action": "OBSERVE",
        "bizStep": "inspecting",
        **extra,
    }


DECLARED = {"declarationTime": "2025-06-04T08:00:00+07:00", "reason": "incorrect_data"}
OWN_LOT, OTHER_LOT = "urn:htx:TN-0001:lot:A", "urn:htx:TN-0002:lot:B"

# (case, token, event, status, problem key): what a capture of one event is answered.
CAPTURES = [
    ("co-op, its own lot", COOP_1, _observation("urn:uuid:c1-own", OWN_LOT), 202, None),
    ("co-op, another co-op's lot", COOP_1, _observation("urn:uuid:c1-other", OTHER_LOT), 403, "not_own_identifier"),
    (
        "co-op, another co-op's place",
        COOP_1,
        _observation("urn:uuid:c1-place", OWN_LOT, bizLocation={"id": "urn:htx:TN-0002:loc:coop"}),
        403,
        "not_own_identifier",
    ),
    (
        "co-op, its own household",
        COOP_1,
        _observation(
            "urn:uuid:c1-hh", OWN_LOT, sourceList=[{"type": "owning_party", "source": "urn:htx:party:member:10"}]
        ),
        202,
        None,
    ),
    (
        "co-op, another co-op's household",
        COOP_1,
        _observation(
            "urn:uuid:c1-hh2", OWN_LOT, sourceList=[{"type": "owning_party", "source": "urn:htx:party:member:20"}]
        ),
        403,
        "not_own_identifier",
    ),
    (
        "co-op, a partner as destination",
        COOP_1,
        _observation(
            "urn:uuid:c1-dest",
            OWN_LOT,
            destinationList=[{"type": "owning_party", "destination": "urn:htx:party:partner:5"}],
        ),
        202,
        None,
    ),
    (
        "co-op, identifiers of other systems",
        COOP_1,
        _observation("urn:uuid:c1-gs1", "urn:epc:id:sgtin:0614141.107346.2017"),
        202,
        None,
    ),
    (
        "co-op without a co-op id",
        bearer("coop", coop_id=99),
        _observation("urn:uuid:c99", OWN_LOT),
        403,
        "not_own_identifier",
    ),
    ("province, any co-op's lot", PROVINCE, _observation("urn:uuid:p-other", OTHER_LOT), 202, None),
    ("buyer", BUYER_5, _observation("urn:uuid:b5", OWN_LOT), 403, "auth.role"),
]


@pytest.mark.parametrize(("case", "token", "event", "status", "key"), CAPTURES, ids=[c[0] for c in CAPTURES])
async def test_capture_matrix(supplychain_app_factory, redis, stream_prefix, case, token, event, status, key):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        await _chain(client, redis, stream_prefix)
        before = await count(app, EpcisEvent)
        answer = await client.post("/epcis/capture", json=_document(event), headers={**token, **JSON_LD})
        assert answer.status_code == status, answer.text
        if status == 202:
            job = (await client.get(answer.headers["Location"], headers=token)).json()
            assert job["success"] is True, job
            assert await count(app, EpcisEvent) == before + 1
        else:
            assert answer.json()["type"] == "epcisException:SecurityException"
            assert await count(app, EpcisEvent) == before  # nothing stored


# (case, who captured the event, who declares it wrong, status): error declarations.
DECLARATIONS = [
    ("the co-op, its own capture", COOP_1, COOP_1, 202),
    ("another co-op", COOP_1, COOP_2, 403),
    ("the province, a co-op's capture", COOP_1, PROVINCE, 202),
    ("a co-op, the province's capture", PROVINCE, COOP_1, 403),
]


@pytest.mark.parametrize(("case", "recorder", "declarer", "status"), DECLARATIONS, ids=[d[0] for d in DECLARATIONS])
async def test_declaration_matrix(supplychain_app_factory, redis, stream_prefix, case, recorder, declarer, status):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        await _chain(client, redis, stream_prefix)
        event = _observation("urn:uuid:observed", OWN_LOT)
        recorded = await client.post("/epcis/capture", json=_document(event), headers={**recorder, **JSON_LD})
        assert recorded.status_code == 202
        declaring = _document({**event, "errorDeclaration": DECLARED})
        answer = await client.post("/epcis/capture", json=declaring, headers={**declarer, **JSON_LD})
        assert answer.status_code == status, answer.text
        assert await count(app, EpcisErrorDeclaration) == (1 if status == 202 else 0)


async def test_chain_facts_are_corrected_through_corrections_not_capture(supplychain_app_factory, redis, stream_prefix):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        ids = await _chain(client, redis, stream_prefix)
        harvest = ids["harvest A"]
        stored = await query(client, {"EQ_eventID": harvest})
        for token in (COOP_2, COOP_1, PROVINCE):
            declaring = _document({**stored[0], "errorDeclaration": DECLARED})
            answer = await client.post(
                "/epcis/capture", json=declaring, headers={**token, **JSON_LD, "Accept-Language": "en"}
            )
            assert answer.status_code in (403, 409), answer.text
            if token is not COOP_2:
                assert answer.status_code == 409 and "POST /corrections" in answer.json()["title"]
        assert await count(app, EpcisErrorDeclaration) == 0

        shipment = await client.post(
            "/corrections", json={"event_id": ids["shipment A"].removeprefix("urn:uuid:")}, headers=COOP_1
        )
        assert shipment.status_code == 201, shipment.text


def _ids(events: list[dict]) -> set[str]:
    return {event["eventID"] for event in events}


async def test_each_reader_sees_its_part(supplychain_app_factory, redis, stream_prefix):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        ids = await _chain(client, redis, stream_prefix)
        everything = await query(client, {"perPage": 1000}, headers=PROVINCE)
        a_side = {ids["harvest A"], ids["shipment A"]}
        b_side = {ids["harvest B"], ids["shipment B"]}
        assert a_side | b_side <= _ids(everything)

        coop_1 = await query(client, {"perPage": 1000}, headers=COOP_1)
        assert a_side <= _ids(coop_1) and not b_side & _ids(coop_1)
        assert all("urn:htx:TN-0002" not in str(event) for event in coop_1)

        buyer_5 = await query(client, {"perPage": 1000}, headers=BUYER_5)
        assert _ids(buyer_5) == a_side  # its lot's origin and its own shipment, nothing of buyer 6's
        assert "urn:htx:party:member:" not in str(buyer_5)  # the household is not a buyer's business
        harvest = next(event for event in buyer_5 if event["eventID"] == ids["harvest A"])
        assert "htx:household" not in harvest["ilmd"] and "sourceList" not in harvest
        assert harvest["ilmd"]["htx:harvestRound"] == 1  # the origin stays
        assert _ids(await query(client, {"perPage": 1000}, headers=BUYER_6)) == b_side
        assert await query(client, headers=BUYER_7) == []

        other = quote(ids["shipment B"], safe="")
        assert (await client.get(f"/epcis/events/{other}", headers=BUYER_5)).status_code == 404
        assert (await client.get(f"/epcis/events/{other}", headers=COOP_1)).status_code == 404
        assert (await client.get(f"/epcis/events/{other}", headers=BUYER_6)).status_code == 200

        lot_b = (await client.get("/lots/B/epcis", headers=COOP_1)).json()
        assert lot_b["epcisBody"]["eventList"] == []
        lot_a = (await client.get("/lots/A/epcis", headers=BUYER_5)).json()
        assert _ids(lot_a["epcisBody"]["eventList"]) == a_side
        assert (await client.get("/epcis/events")).status_code == 401
