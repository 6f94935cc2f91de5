"""The EPCIS events the platform builds itself are stored without being validated (they are valid
by construction): here every kind of them, as the chain commands store them, is checked against
GS1's schema, with its `uri` and `date-time` formats. Real endpoints, both backends."""

from __future__ import annotations

import json
from datetime import date, timedelta

import jsonschema
from sqlmodel import select

from services.supplychain.epcis import chain_mapping
from services.supplychain.epcis.tables import EpcisErrorDeclaration, EpcisEvent
from services.supplychain.epcis.validation import EPCIS_CONTEXT, _formats
from shared.events import registry as registry_contracts
from tests.integration._epcis import gs1_schema
from tests.integration._supplychain import coop_registered, group_caught_up, member_joined, publish
from tests.support import bearer, running_app, wait_until

SCHEMA = jsonschema.Draft7Validator(gs1_schema(), format_checker=_formats)
DAY = date.today() - timedelta(days=10)
PARTNER = 501
COOP = bearer("coop", coop_id=1)


async def _post(client, path: str, body: dict, headers: dict = COOP) -> dict:
    answer = await client.post(path, json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


def _on(days: int) -> str:
    return (DAY + timedelta(days=days)).isoformat()


async def _record_every_kind_of_fact(client) -> None:
    harvest = {"coop_id": 1, "member_id": 10, "harvest_round": 2, "harvested_on": _on(0)}
    await _post(client, "/harvests", {**harvest, "quantity_kg": "100.5", "plot_code": "VT-1", "lot_code": "TH-1"})
    await _post(client, "/harvests", {**harvest, "quantity_kg": "50", "lot_code": "TH-2"})  # no plot
    mistaken = await _post(client, "/harvests", {**harvest, "quantity_kg": "7"})
    purchase = {"coop_id": 1, "price_per_kg_vnd": 12_000, "purchased_on": _on(0)}
    wrong = await _post(client, "/purchases", {**purchase, "lot_code": "TH-2", "quantity_kg": "50"})
    step = {"coop_id": 1, "transformed_on": _on(1)}
    await _post(
        client,
        "/processings",
        {
            **step,
            "process": "sao sấy",
            "inputs": [{"lot_code": "TH-1", "quantity": "100.5"}, {"lot_code": "TH-2", "quantity": "50"}],
            "outputs": [{"lot_code": "CK-1", "product": "chè khô", "quantity_kg": "60"}],  # a flagged yield
        },
    )
    await _post(
        client,
        "/gradings",
        {
            **step,
            "inputs": [{"lot_code": "CK-1", "quantity": "60"}],
            "outputs": [
                {"lot_code": "TN-1", "product": "chè khô", "grade": "tôm nõn", "quantity_kg": "30"},
                {"lot_code": "MC-1", "product": "chè khô", "grade": "móc câu", "quantity_kg": "29.5"},
            ],
        },
    )
    await _post(
        client,
        "/packings",
        {
            "coop_id": 1,
            "transformed_on": _on(2),
            "lot_code": "HOP-1",
            "product": "Chè tôm nõn hộp 0,5 kg",
            "units": 30,
            "net_kg_per_unit": "0.5",
            "units_per_carton": 20,  # two cartons, the second not full
            "inputs": [{"lot_code": "TN-1", "quantity": "15"}],
        },
    )
    shipment = await _post(
        client,
        "/shipments",
        {
            "coop_id": 1,
            "partner_id": PARTNER,
            "partner_name": "Công ty TNHH Trà Thái Nguyên",
            "document_number": "PX 0001/2025",
            "shipped_on": _on(3),
            "lines": [{"lot_code": "HOP-1", "quantity": "20", "unit": "pcs"}, {"lot_code": "MC-1", "quantity": "10"}],
        },
    )
    await _post(
        client, "/receipts", {"shipment_id": shipment["id"], "received_on": _on(4)}, bearer("buyer", partner_id=PARTNER)
    )
    sale = {"coop_id": 1, "price_per_kg_vnd": 150_000, "sold_on": _on(4)}
    await _post(
        client,
        "/sales",
        {
            **sale,
            "lot_code": "HOP-1",
            "quantity_kg": "20",
            "unit": "pcs",
            "shipment_id": shipment["id"],
            "buyer_name": "Công ty TNHH Trà Thái Nguyên",
            "invoice_number": "HD-0001",
        },
    )
    await _post(
        client,
        "/sales",
        {**sale, "lot_code": "MC-1", "quantity_kg": "5", "buyer_name": "Chị Lan", "invoice_number": "HD-2"},
    )
    await _post(client, "/corrections", {"event_id": mistaken["events"][0]["event_id"], "reason": "did_not_occur"})
    await _post(
        client,
        "/corrections",
        {
            "event_id": wrong["event_id"],
            "corrective": {**purchase, "type": "purchase", "lot_code": "TH-1", "quantity_kg": "20"},
        },
    )


async def test_every_kind_of_event_the_chain_stores_is_valid_against_gs1s_schema(
    supplychain_app_factory, redis, stream_prefix
):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        await publish(redis, stream_prefix, coop_registered(1))
        await publish(redis, stream_prefix, member_joined(10, 1, name="Đỗ Thị Hằng"))
        await publish(
            redis,
            stream_prefix,
            registry_contracts.PartnerRegistered(
                partner_id=PARTNER, name="Công ty TNHH Trà Thái Nguyên", kind="enterprise", ward_code="05488"
            ),
        )
        await wait_until(lambda: group_caught_up(redis, f"{stream_prefix}registry.events"), message="replica seeded")
        await _record_every_kind_of_fact(client)

    async with app.state.runtime.sessions() as session:
        rows = (await session.exec(select(EpcisEvent).order_by(EpcisEvent.id))).all()
        declared = dict((await session.exec(select(EpcisErrorDeclaration.event_pk, EpcisErrorDeclaration.body))).all())
    # The events exactly as stored (the store keeps no @context of the chain's own; it names "htx").
    events = [json.loads(row.body) for row in rows]
    events += [
        {**json.loads(row.body), "errorDeclaration": json.loads(declared[row.id])} for row in rows if row.id in declared
    ]
    document = {
        "@context": [EPCIS_CONTEXT, {"htx": chain_mapping.HTX_NAMESPACE}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2025-06-01T00:00:00Z",
        "epcisBody": {"eventList": events},
    }
    errors = [f"{error.json_path}: {error.message}" for error in SCHEMA.iter_errors(document)]
    assert not errors, errors[:5]

    kinds = {(event["type"], event.get("bizStep"), event.get("action")) for event in events}
    assert kinds == {
        ("ObjectEvent", "commissioning", "ADD"),  # harvests
        ("ObjectEvent", "receiving", "OBSERVE"),  # purchases, the receipt
        ("ObjectEvent", "shipping", "OBSERVE"),
        ("TransformationEvent", "commissioning", None),  # processing, grading, packing
        ("AggregationEvent", "packing", "ADD"),  # cartons
        ("TransactionEvent", None, "ADD"),  # sales
    }
    steps = [event["ilmd"]["htx:step"] for event in events if event["type"] == "TransformationEvent"]
    assert sorted(steps) == ["grading", "packing", "processing"]
    assert sum(1 for event in events if event["type"] == "AggregationEvent") == 2
    reasons = sorted(
        (e["errorDeclaration"]["reason"], len(e["errorDeclaration"]["correctiveEventIDs"]))
        for e in events
        if "errorDeclaration" in e
    )
    assert reasons == [("did_not_occur", 0), ("incorrect_data", 1)]
    # 3 harvests, a purchase and its corrective one, processing, grading, packing and its 2 cartons,
    # the shipment, its receipt, 2 sales; the 2 declarations repeat stored events
    assert len(rows) == 14 and len(declared) == 2


def test_the_test_above_knows_every_builder_of_chain_events():
    """A new kind of chain event fails here until the test above records it and checks it."""
    builders = {
        name
        for name, value in vars(chain_mapping).items()
        if callable(value) and (name.endswith(("_event", "_events")) or name == "error_declaration")
    }
    assert builders == {
        "harvest_event",
        "purchase_event",
        "transformation_event",
        "packing_events",
        "shipping_event",
        "receiving_event",
        "sale_event",
        "error_declaration",
    }
