"""Pure chain rules: yields, serials, cartons, units; every chain fact as a schema-valid EPCIS 2.0 event."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from pydantic import ValidationError

from services.supplychain import lots
from services.supplychain.epcis import chain_mapping as epcis
from services.supplychain.schemas import BatchCreate, CorrectionCreate, PackingCreate

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "services/supplychain/epcis/schema/EPCIS-JSON-Schema.json").read_text()
)
REG = "TN-HX/01"  # a registration code with a slash: must not break the URN
EVENT_ID = str(uuid.UUID("6f1c1c9e-3d7e-4f7b-9a34-0d1b7c2b5a10"))
FRESH = lots.DEFAULT_YIELD_RULES["chè khô"]


def test_yield_is_flagged_outside_the_range_and_refused_when_impossible():
    assert lots.judge_yield(Decimal(1000), Decimal(220), FRESH) == lots.YieldVerdict(Decimal("0.2200"), False, False)
    assert lots.judge_yield(Decimal(1000), Decimal(180), FRESH).flagged is False  # the bounds are inside
    assert lots.judge_yield(Decimal(1000), Decimal("179.9"), FRESH).flagged is True
    assert lots.judge_yield(Decimal(1000), Decimal(260), FRESH).flagged is True
    assert lots.judge_yield(Decimal(1000), Decimal("1000.001"), FRESH).impossible is True
    assert lots.judge_yield(Decimal(1000), Decimal(0), FRESH).impossible is True
    # No rule: never flagged, but no step makes kilograms out of nothing.
    assert lots.judge_yield(Decimal(100), Decimal(99), None) == lots.YieldVerdict(Decimal("0.9900"), False, False)
    assert lots.judge_yield(Decimal(100), Decimal(101), None).impossible is True
    # A rule for a step that need not lose mass (say, blending with water) allows a gain.
    assert lots.judge_yield(Decimal(100), Decimal(120), (Decimal("1.1"), Decimal("1.3"), False)).impossible is False


def test_generated_codes_per_step_serials_and_cartons():
    assert lots.lot_code(3, date(2025, 6, 2), 4, "processing") == "CB-3-20250602-4"
    assert lots.next_sequence(["ME-3-20250602-2", "CB-3-20250602-9"], 3, date(2025, 6, 2), "batch") == 3
    assert lots.serials("HOP", 3) == ["HOP-0001", "HOP-0002", "HOP-0003"]
    assert lots.serials("HOP", 10_000)[-1] == "HOP-10000"
    serials = lots.serials("HOP", 5)
    assert lots.cartons("HOP", serials, 2) == {"HOP-C1": serials[:2], "HOP-C2": serials[2:4], "HOP-C3": serials[4:]}
    assert lots.cartons("HOP", serials, None) == {"HOP-C1": serials}
    assert lots.kg_of(Decimal(150), "pcs", Decimal("0.5")) == Decimal("75.000")
    assert lots.kg_of(Decimal("12.5"), "kg", None) == Decimal("12.5")


def test_commands_are_picked_by_type_and_validated():
    batch = BatchCreate.model_validate(
        {
            "commands": [
                {"type": "receipt", "shipment_id": 1, "received_on": "2025-06-01"},
                {
                    "type": "grading",
                    "coop_id": 1,
                    "transformed_on": "2025-06-01",
                    "inputs": [{"lot_code": "A", "quantity": "1"}],
                    "outputs": [{"product": "chè khô", "grade": "tôm nõn", "quantity_kg": "0.5"}],
                },
            ]
        }
    )
    assert [type(c).__name__ for c in batch.commands] == ["ReceiptCreate", "GradingCreate"]
    with pytest.raises(ValidationError):  # a grading output without a grade
        BatchCreate.model_validate(
            {
                "commands": [
                    {
                        "type": "grading",
                        "coop_id": 1,
                        "transformed_on": "2025-06-01",
                        "inputs": [{"lot_code": "A", "quantity": "1"}],
                        "outputs": [{"product": "chè khô", "quantity_kg": "0.5"}],
                    }
                ]
            }
        )
    with pytest.raises(ValidationError):
        BatchCreate.model_validate({"commands": [{"type": "teleport", "coop_id": 1}]})
    with pytest.raises(ValidationError):  # future dates are refused
        PackingCreate(
            coop_id=1,
            transformed_on=date(2999, 1, 1),
            product="Chè hộp",
            units=1,
            net_kg_per_unit="0.5",
            inputs=[{"lot_code": "A", "quantity": "1"}],
        )
    correction = CorrectionCreate.model_validate(
        {
            "event_id": EVENT_ID,
            "corrective": {
                "type": "purchase",
                "coop_id": 1,
                "lot_code": "A",
                "quantity_kg": "1",
                "price_per_kg_vnd": 1,
                "purchased_on": "2025-06-01",
            },
        }
    )
    assert correction.reason == "incorrect_data" and type(correction.corrective).__name__ == "PurchaseCreate"


def _chain_events() -> list[dict]:
    day = date(2025, 6, 1)
    packing = epcis.packing_events(
        EVENT_ID,
        REG,
        batch_id="ME-1",
        packed_on=day,
        inputs=[epcis.Line("TN-1", Decimal(100))],
        lot_code="HOP-1",
        product="Chè hộp",
        net_kg_per_unit=Decimal("0.5"),
        cartons={"HOP-1-C1": ["HOP-1-0001", "HOP-1-0002"], "HOP-1-C2": ["HOP-1-0003"]},
    )
    return [
        epcis.harvest_event(
            EVENT_ID,
            REG,
            lot_code="TH-1",
            product="chè búp tươi",
            quantity_kg=Decimal("120.5"),
            harvested_on=day,
            harvest_round=3,
            member_id=10,
            plot_code="VT-01",
        ),
        epcis.purchase_event(
            EVENT_ID, REG, purchase_id=7, lot_code="TH-1", quantity_kg=Decimal("120.5"), purchased_on=day, member_id=10
        ),
        epcis.transformation_event(
            EVENT_ID,
            REG,
            batch_id="ME-1",
            step="processing",
            transformed_on=day,
            inputs=[epcis.Line("TH-1", Decimal("120.5"))],
            outputs=[epcis.Line("CK-1", Decimal("26.51"))],
            yield_ratio=Decimal("0.22"),
            process="sao sấy",
        ),
        *packing,
        epcis.shipping_event(
            EVENT_ID,
            REG,
            shipment_id=4,
            document_number="PX 0001",
            shipped_on=day,
            lines=[epcis.Line("HOP-1", Decimal(3), "pcs"), epcis.Line("MC-1", Decimal(300))],
            partner_id=501,
        ),
        epcis.receiving_event(
            EVENT_ID,
            REG,
            shipment_id=4,
            document_number="PX 0001",
            received_on=day,
            lines=[epcis.Line("HOP-1", Decimal(3), "pcs")],
            partner_id=501,
        ),
        epcis.sale_event(
            EVENT_ID,
            REG,
            sale_id=9,
            invoice_number="HD-1",
            sold_on=day,
            line=epcis.Line("HOP-1", Decimal(3), "pcs"),
            buyer_partner_id=None,
        ),
    ]


@pytest.mark.parametrize("index", range(9))
def test_every_chain_fact_is_a_schema_valid_epcis_event(index):
    event = _chain_events()[index]
    document = {
        "@context": event["@context"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2025-06-01T00:00:00+07:00",
        "epcisBody": {"eventList": [event]},
    }
    jsonschema.validate(document, SCHEMA, format_checker=jsonschema.FormatChecker())


def test_mapping_follows_cbv_and_private_urns():
    harvest, purchase, processing, packed, carton_1, carton_2, shipping, receiving, sale = _chain_events()
    assert (harvest["type"], harvest["action"], harvest["bizStep"]) == ("ObjectEvent", "ADD", "commissioning")
    assert harvest["eventID"] == f"urn:uuid:{EVENT_ID}" and harvest["eventTime"] == "2025-06-01T00:00:00+07:00"
    assert harvest["quantityList"] == [{"epcClass": "urn:htx:TN-HX%2F01:lot:TH-1", "quantity": 120.5, "uom": "KGM"}]
    assert harvest["readPoint"] == {"id": "urn:htx:TN-HX%2F01:loc:plot:VT-01"}
    assert harvest["ilmd"]["htx:harvestRound"] == 3 and harvest["ilmd"]["htx:household"] == "urn:htx:party:member:10"
    assert (purchase["action"], purchase["bizStep"], purchase["bizTransactionList"][0]["type"]) == (
        "OBSERVE",
        "receiving",
        "po",
    )
    assert purchase["sourceList"] == [{"type": "owning_party", "source": "urn:htx:party:member:10"}]
    assert processing["type"] == "TransformationEvent" and processing["ilmd"]["htx:yieldRatio"] == 0.22
    assert processing["outputQuantityList"] == [
        {"epcClass": "urn:htx:TN-HX%2F01:lot:CK-1", "quantity": 26.51, "uom": "KGM"}
    ]
    assert packed["outputEPCList"] == [f"urn:htx:TN-HX%2F01:unit:HOP-1-000{n}" for n in (1, 2, 3)]
    assert packed["outputQuantityList"] == [
        {"epcClass": "urn:htx:TN-HX%2F01:lot:HOP-1", "quantity": 3}
    ]  # pieces: no uom
    assert (carton_1["type"], carton_1["action"], carton_1["bizStep"]) == ("AggregationEvent", "ADD", "packing")
    assert carton_1["parentID"] == "urn:htx:TN-HX%2F01:carton:HOP-1-C1" and len(carton_2["childEPCs"]) == 1
    assert len({e["eventID"] for e in _chain_events()[3:6]}) == 3  # one fact, three distinct EPCIS ids
    assert (shipping["bizStep"], shipping["disposition"]) == ("shipping", "in_transit")
    assert shipping["destinationList"][0] == {"type": "owning_party", "destination": "urn:htx:party:partner:501"}
    assert shipping["bizTransactionList"] == [
        {"type": "desadv", "bizTransaction": "urn:htx:TN-HX%2F01:doc:desadv:PX%200001"}
    ]
    assert (receiving["bizStep"], receiving["readPoint"]) == ("receiving", {"id": "urn:htx:party:partner:501:loc"})
    assert (sale["type"], sale["bizTransactionList"][0]["type"]) == ("TransactionEvent", "inv")


def test_error_declaration_repeats_the_event_and_names_the_corrective_ones():
    harvest = _chain_events()[0]
    corrective = epcis.epcis_event_id(str(uuid.uuid4()))
    declared = epcis.error_declaration(
        harvest,
        declared_at=datetime(2025, 6, 3, tzinfo=UTC),
        reason="incorrect_data",
        corrective_event_ids=[corrective],
    )
    assert declared["eventID"] == harvest["eventID"] and "errorDeclaration" not in harvest
    assert declared["errorDeclaration"] == {
        "declarationTime": "2025-06-03T00:00:00+00:00",
        "reason": "incorrect_data",
        "correctiveEventIDs": [corrective],
    }
