"""Chain invariants and corrections, on both backends.

Every refusal is a clear 4xx and leaves nothing behind: no rows in any table, no outbox row,
no EPCIS event, no stream entry. Corrections are an error declaration plus a corrective
event; nothing is edited in place and quantities follow the correction.
"""

from __future__ import annotations

import json
from datetime import date

from sqlmodel import select

from services.supplychain.epcis.tables import EpcisErrorDeclaration, EpcisEvent
from shared.events import registry as registry_contracts
from tests.integration._supplychain import (
    coop_registered,
    group_caught_up,
    member_joined,
    not_found_registry,
    publish,
    table_counts,
)
from tests.support import bearer, running_app, wait_until

COOP, OTHER_COOP, PARTNER = 1, 2, 501


async def _seed(redis, stream_prefix):
    await publish(redis, stream_prefix, coop_registered(COOP))
    await publish(
        redis, stream_prefix, registry_contracts.PartnerRegistered(partner_id=PARTNER, name="Công ty Trà", kind="buyer")
    )
    await publish(redis, stream_prefix, member_joined(10, COOP))
    await publish(redis, stream_prefix, member_joined(11, COOP, name="Trần Văn Nam"))
    await publish(
        redis, stream_prefix, registry_contracts.MemberLeft(member_id=11, coop_id=COOP, left_on=date(2025, 6, 3))
    )
    await publish(redis, stream_prefix, coop_registered(OTHER_COOP, name="HTX Chè La Bằng"))
    await publish(redis, stream_prefix, member_joined(20, OTHER_COOP, name="Phạm Văn Đức"))
    await publish(redis, stream_prefix, coop_registered(3, name="HTX Tạm Ngừng"))
    await publish(redis, stream_prefix, member_joined(30, 3))
    await publish(
        redis,
        stream_prefix,
        registry_contracts.CoopStatusChanged(
            coop_id=3, status="suspended", effective_on=date(2025, 1, 1), reason="tạm ngừng"
        ),
    )
    await wait_until(lambda: group_caught_up(redis, f"{stream_prefix}registry.events"), message="replica seeded")


def harvest(code, member_id=10, kg="250", on="2025-06-01", coop_id=COOP):
    return {
        "type": "harvest",
        "coop_id": coop_id,
        "member_id": member_id,
        "lot_code": code,
        "quantity_kg": kg,
        "harvested_on": on,
        "harvest_round": 1,
        "plot_code": "VT-01",
    }


def processing(inputs, outputs, on="2025-06-05", batch=None):
    body = {
        "type": "processing",
        "coop_id": COOP,
        "transformed_on": on,
        "inputs": [{"lot_code": c, "quantity": q} for c, q in inputs],
        "outputs": [{"lot_code": c, "product": "chè khô", "quantity_kg": q} for c, q in outputs],
    }
    if batch:
        body["batch_id"] = batch
    return body


def packing_hop():
    """20 kg of CK into lot HOP: 40 packs of 0.5 kg, on 06-06."""
    return {
        "type": "packing",
        "coop_id": COOP,
        "transformed_on": "2025-06-06",
        "lot_code": "HOP",
        "product": "Chè hộp",
        "units": 40,
        "net_kg_per_unit": "0.5",
        "inputs": [{"lot_code": "CK", "quantity": "20"}],
    }


async def test_every_invariant_violation_is_refused_and_writes_nothing(supplychain_app_factory, redis, stream_prefix):
    app = await supplychain_app_factory(registry_http=not_found_registry())
    coop = bearer("coop", coop_id=COOP)
    async with running_app(app) as client:
        await _seed(redis, stream_prefix)
        setup = await client.post(
            "/batch",
            headers=bearer(),
            json={
                "commands": [
                    harvest("A"),
                    harvest("B", kg="100"),
                    harvest("X", member_id=20, coop_id=OTHER_COOP),
                    processing([("A", "200")], [("CK", "44")], batch="ME-1"),
                    packing_hop(),
                    {
                        "type": "shipment",
                        "coop_id": COOP,
                        "partner_id": PARTNER,
                        "partner_name": "Công ty Trà",
                        "document_number": "PX-1",
                        "shipped_on": "2025-06-07",
                        "lines": [{"lot_code": "HOP", "quantity": "10", "unit": "pcs"}],
                    },
                ]
            },
        )
        assert setup.status_code == 201, setup.text
        shipment_id = setup.json()["results"][-1]["id"]
        harvest_a = setup.json()["results"][0]["event_id"]
        # HOP was packed on 06-06 and shipped on 06-07: invoicing that shipment on 06-06 is too early.
        early_invoice = {
            "coop_id": COOP,
            "lot_code": "HOP",
            "quantity": "1",
            "unit": "pcs",
            "shipment_id": shipment_id,
            "buyer_name": "Công ty Trà",
            "unit_price_vnd": 100_000,
            "sold_on": "2025-06-06",
            "invoice_number": "HD-8",
        }
        before = await table_counts(app, redis, stream_prefix)
        assert before["lot"] == 5 and before["stream"] == 6

        refusals = [
            # (path, body, headers, status, code)
            ("/processings", processing([("B", "100.001")], [("C1", "20")]), coop, 409, "lot.insufficient"),
            (
                "/processings",
                processing([("B", "50")], [("C1", "10")], on="2025-05-31"),
                coop,
                422,
                "lot.before_creation",
            ),
            ("/processings", processing([("X", "10")], [("C1", "2")]), coop, 409, "lot.other_coop"),
            ("/processings", processing([("B", "50")], [("C1", "50.001")]), coop, 422, "transform.impossible_yield"),
            ("/processings", processing([("NOPE", "5")], [("C1", "1")]), coop, 404, "lot.not_found"),
            ("/processings", processing([("B", "50")], [("CK", "10")]), coop, 409, "lot.duplicate"),
            ("/processings", processing([("B", "50")], [("C1", "10")], batch="ME-1"), coop, 409, "batch.duplicate"),
            (
                "/processings",
                processing([("B", "50")], [("C1", "10")]),
                bearer("coop", coop_id=OTHER_COOP),
                403,
                "auth.other_coop",
            ),
            (
                "/processings",
                processing([("B", "50")], [("C1", "10")]),
                bearer("buyer", partner_id=PARTNER),
                403,
                "auth.role",
            ),
            (
                "/gradings",
                {
                    "type": "grading",
                    "coop_id": COOP,
                    "transformed_on": "2025-06-06",
                    "inputs": [{"lot_code": "CK", "quantity": "10"}],
                    "outputs": [{"product": "chè khô", "grade": "móc câu", "quantity_kg": "10.5"}],
                },
                coop,
                422,
                "transform.impossible_yield",
            ),
            (
                "/purchases",
                {
                    "coop_id": COOP,
                    "lot_code": "B",
                    "quantity_kg": "100.5",
                    "price_per_kg_vnd": 12000,
                    "purchased_on": "2025-06-01",
                },
                coop,
                409,
                "purchase.exceeds_harvest",
            ),
            (
                "/purchases",
                {
                    "coop_id": COOP,
                    "lot_code": "CK",
                    "quantity_kg": "1",
                    "price_per_kg_vnd": 12000,
                    "purchased_on": "2025-06-05",
                },
                coop,
                422,
                "purchase.not_harvest",
            ),
            ("/harvests", harvest("Z", member_id=30, coop_id=3), bearer(), 409, "coop.not_active"),
            ("/harvests", harvest("Z", member_id=11, on="2025-06-04"), coop, 422, "member.not_member_on_date"),
            (
                "/shipments",
                {
                    "coop_id": COOP,
                    "partner_id": PARTNER,
                    "partner_name": "Công ty Trà",
                    "document_number": "PX-2",
                    "shipped_on": "2025-06-07",
                    "lines": [{"lot_code": "HOP", "quantity": "5"}],
                },
                coop,
                422,
                "lot.unit_mismatch",
            ),
            (
                "/shipments",
                {
                    "coop_id": COOP,
                    "partner_id": PARTNER,
                    "partner_name": "Công ty Trà",
                    "document_number": "PX-2",
                    "shipped_on": "2025-06-07",
                    "lines": [{"lot_code": "HOP", "quantity": "1.5", "unit": "pcs"}],
                },
                coop,
                422,
                "lot.whole_units",
            ),
            (
                "/shipments",
                {
                    "coop_id": COOP,
                    "partner_id": PARTNER,
                    "partner_name": "Công ty Trà",
                    "document_number": "PX-2",
                    "shipped_on": "2025-06-07",
                    "lines": [{"lot_code": "HOP", "quantity": "31", "unit": "pcs"}],
                },
                coop,
                409,
                "lot.insufficient",
            ),
            (
                "/receipts",
                {"shipment_id": shipment_id, "received_on": "2025-06-08"},
                bearer("buyer", partner_id=999),
                403,
                "shipment.other_partner",
            ),
            ("/receipts", {"shipment_id": shipment_id, "received_on": "2025-06-08"}, coop, 403, "auth.role"),
            (
                "/receipts",
                {"shipment_id": shipment_id, "received_on": "2025-06-06"},
                bearer("buyer", partner_id=PARTNER),
                422,
                "shipment.received_before_shipped",
            ),
            (
                "/receipts",
                {"shipment_id": shipment_id + 100, "received_on": "2025-06-08"},
                bearer(),
                404,
                "shipment.not_found",
            ),
            (
                "/sales",
                {
                    "coop_id": COOP,
                    "lot_code": "HOP",
                    "quantity_kg": "11",
                    "unit": "pcs",
                    "shipment_id": shipment_id,
                    "buyer_name": "Công ty Trà",
                    "price_per_kg_vnd": 100_000,
                    "sold_on": "2025-06-08",
                    "invoice_number": "HD-9",
                },
                coop,
                409,
                "sale.exceeds_shipment",
            ),
            (
                "/sales",
                {
                    "coop_id": COOP,
                    "lot_code": "HOP",
                    "quantity_kg": "1",
                    "unit": "pcs",
                    "shipment_id": shipment_id,
                    "buyer_partner_id": 777,
                    "buyer_name": "Công ty Khác",
                    "price_per_kg_vnd": 100_000,
                    "sold_on": "2025-06-08",
                    "invoice_number": "HD-9",
                },
                coop,
                422,
                "sale.other_buyer",
            ),
            ("/sales", early_invoice, coop, 422, "sale.before_shipment"),
            ("/corrections", {"event_id": harvest_a, "declared_on": "2025-05-31"}, coop, 422, "correction.before_fact"),
            # A batch is all or nothing: the first two commands are fine, the third is not.
            (
                "/batch",
                {
                    "commands": [
                        harvest("NEW-1"),
                        processing([("B", "10")], [("NEW-2", "2")]),
                        processing([("B", "95")], [("NEW-3", "20")]),
                    ]
                },
                coop,
                409,
                "lot.insufficient",
            ),
            ("/corrections", {"event_id": "no-such-event"}, coop, 404, "correction.unknown_event"),
        ]
        for path, body, headers, status, code in refusals:
            answer = await client.post(path, json=body, headers={**headers, "Accept-Language": "en"})
            assert answer.status_code == status, (path, body, answer.text)
            assert answer.json()["detail"]["code"] == code, (path, answer.text)
            assert answer.json()["detail"]["message"]
        batch = await client.post("/batch", headers=coop, json=refusals[-2][1])
        assert batch.json()["detail"]["params"]["command"] == "2"
        # A sale before its shipment is told so, not that the lot did not exist yet.
        messages = [
            (await client.post("/sales", json=early_invoice, headers={**coop, "Accept-Language": language})).json()[
                "detail"
            ]["message"]
            for language in ("vi", "en")
        ]
        assert messages == [
            f"Ngày bán 2025-06-06 trước ngày gửi chuyến hàng {shipment_id} (2025-06-07); "
            "không thể lập hoá đơn lô HOP cho hàng chưa gửi.",
            f"Sold on 2025-06-06, before shipment {shipment_id} left (2025-06-07); "
            "lot HOP cannot be invoiced before it is shipped.",
        ]
        assert await table_counts(app, redis, stream_prefix) == before

        # The yield rule is data: the province may change it, then the same batch is no longer flagged.
        flagged = (
            await client.post("/processings", headers=coop, json=processing([("B", "10")], [("CK-3", "3")]))
        ).json()
        assert (flagged["yield_ratio"], flagged["yield_flagged"]) == ("0.3000", True)
        assert (
            await client.put("/yield-rules/chè khô", headers=coop, json={"min_ratio": "0.1", "max_ratio": "0.35"})
        ).status_code == 403
        assert (
            await client.put("/yield-rules/chè khô", headers=bearer(), json={"min_ratio": "0.3", "max_ratio": "0.2"})
        ).status_code == 422
        rule = await client.put(
            "/yield-rules/chè khô", headers=bearer(), json={"min_ratio": "0.1", "max_ratio": "0.35"}
        )
        assert rule.status_code == 200
        again = (
            await client.post("/processings", headers=coop, json=processing([("B", "10")], [("CK-4", "3")]))
        ).json()
        assert again["yield_flagged"] is False
        assert (await client.get("/lots/CK-3", headers=bearer())).json()["yield_flagged"] is True


async def test_correction_declares_the_error_and_quantities_follow(supplychain_app_factory, redis, stream_prefix):
    app = await supplychain_app_factory(registry_http=not_found_registry())
    coop = bearer("coop", coop_id=COOP)
    async with running_app(app) as client:
        await _seed(redis, stream_prefix)
        made = await client.post(
            "/batch",
            headers=coop,
            json={
                "commands": [
                    harvest("A"),
                    {
                        "type": "purchase",
                        "coop_id": COOP,
                        "lot_code": "A",
                        "quantity_kg": "250",
                        "price_per_kg_vnd": 12_000,
                        "purchased_on": "2025-06-01",
                    },
                    processing([("A", "200")], [("CK", "44")], batch="ME-1"),
                ]
            },
        )
        assert made.status_code == 201, made.text
        harvest_event, purchase_event, wrong_event = [r["event_id"] for r in made.json()["results"]]

        # The batch really took 180 kg and gave 41.4 kg.
        corrected = await client.post(
            "/corrections",
            headers=coop,
            json={
                "event_id": wrong_event,
                "reason": "incorrect_data",
                "explanation": "cân sai",
                "corrective": processing([("A", "180")], [("CK-R", "41.4")], batch="ME-1R"),
            },
        )
        assert corrected.status_code == 201, corrected.text
        corrective_event = corrected.json()["corrective"]["event_id"]
        lot_a = (await client.get("/lots/A", headers=bearer())).json()
        assert lot_a["quantity_kg"] == "70.000"  # 250 - 200 + 200 - 180
        assert [(e["kind"], e["quantity_delta_kg"], e["corrected"]) for e in lot_a["events"]] == [
            ("harvested", "250.000", False),
            ("purchased", "0.000", False),
            ("consumed", "-200.000", True),
            ("corrected", "200.000", False),
            ("consumed", "-180.000", False),
        ]
        assert (await client.get("/lots/CK", headers=bearer())).json()["quantity_kg"] == "0.000"
        assert (await client.get("/lots/CK-R", headers=bearer())).json()["quantity_kg"] == "41.400"
        forward = (await client.get("/lots/A/trace", params={"direction": "forward"}, headers=bearer())).json()
        assert [s["batch_id"] for s in forward["steps"]] == ["ME-1R"]
        assert {lot["code"] for lot in forward["lots"]} == {"A", "CK-R"}

        # A fact is declared wrong once; a harvest whose lot was bought, only after the purchase.
        again = await client.post("/corrections", headers=coop, json={"event_id": wrong_event})
        assert again.status_code == 409 and again.json()["detail"]["code"] == "correction.already"
        blocked = await client.post("/corrections", headers=coop, json={"event_id": harvest_event})
        assert blocked.status_code == 409 and blocked.json()["detail"]["code"] == "correction.has_dependants"
        # A correction that would leave a consumed lot negative is refused, with nothing written.
        negative = await client.post(
            "/corrections",
            headers=coop,
            json={"event_id": corrective_event, "corrective": processing([("A", "10")], [("CK-X", "2")], batch="ME-X")},
        )
        assert negative.status_code == 201  # A holds 70 + 180 - 10: fine
        # ... but correcting a lot's making after the lot was used is not.
        used = await client.post(
            "/processings", headers=coop, json=processing([("CK-X", "2")], [("CK-Y", "0.4")], on="2025-06-06")
        )
        assert used.status_code == 201, used.text
        before = await table_counts(app, redis, stream_prefix)
        consumed = await client.post(
            "/corrections", headers=coop, json={"event_id": negative.json()["corrective"]["event_id"]}
        )
        assert consumed.status_code == 409 and consumed.json()["detail"]["code"] == "correction.consumed"
        assert await table_counts(app, redis, stream_prefix) == before

        # A purchase at the wrong price: payables follow the corrective purchase.
        fixed = await client.post(
            "/corrections",
            headers=coop,
            json={
                "event_id": purchase_event,
                "corrective": {
                    "type": "purchase",
                    "coop_id": COOP,
                    "lot_code": "A",
                    "quantity_kg": "250",
                    "price_per_kg_vnd": 12_500,
                    "purchased_on": "2025-06-01",
                },
            },
        )
        assert fixed.status_code == 201, fixed.text
        owed = (await client.get(f"/coops/{COOP}/payables", headers=coop)).json()
        assert owed == [
            {
                "member_id": 10,
                "household_name": "Nguyễn Thị Hoa",
                "harvest_year": 2025,
                "harvest_round": 1,
                "purchases": 1,
                "quantity_kg": "250.000",
                "amount_vnd": 3_125_000,
                "paid_vnd": 0,
                "outstanding_vnd": 3_125_000,
            }
        ]

        # EventCorrected on the stream; the wrong EPCIS event carries its error declaration.
        entries = await wait_until(
            lambda: _typed(redis, stream_prefix, "supplychain.event_corrected", 3), message="three EventCorrected"
        )
        first = json.loads(entries[0]["payload"])
        assert (first["corrected_event_id"], first["reason"], first["corrective_event_ids"]) == (
            wrong_event,
            "incorrect_data",
            [corrective_event],
        )
        async with app.state.runtime.sessions() as session:
            declared = (
                await session.exec(select(EpcisEvent).where(EpcisEvent.event_id == f"urn:uuid:{wrong_event}"))
            ).one()
            declaration = (
                await session.exec(select(EpcisErrorDeclaration).where(EpcisErrorDeclaration.event_pk == declared.id))
            ).one()
        assert declared.event_type == "TransformationEvent"
        assert json.loads(declaration.body)["correctiveEventIDs"] == [f"urn:uuid:{corrective_event}"]
        assert declaration.reason == "incorrect_data"
        events = (await client.get("/lots/CK/trace", params={"direction": "backward"}, headers=bearer())).json()
        assert events["steps"] == []  # the wrong batch is no longer a link in any trace


async def _typed(redis, stream_prefix, event_type, n):
    raw = await redis.xrange(f"{stream_prefix}supplychain.events")
    entries = [{k.decode(): v.decode() for k, v in fields.items()} for _, fields in raw]
    entries = [e for e in entries if e["event_type"] == event_type]
    return entries if len(entries) >= n else None


async def test_a_sale_of_packs_counts_pieces_and_publishes_kilograms(supplychain_app_factory, redis, stream_prefix):
    app = await supplychain_app_factory(registry_http=not_found_registry())
    coop = bearer("coop", coop_id=COOP)
    async with running_app(app) as client:
        await _seed(redis, stream_prefix)
        made = await client.post(
            "/batch",
            headers=coop,
            json={"commands": [harvest("A"), processing([("A", "200")], [("CK", "44")]), packing_hop()]},
        )
        assert made.status_code == 201, made.text

        sold = await client.post(
            "/sales",
            headers=coop,
            json={
                "coop_id": COOP,
                "lot_code": "HOP",
                "quantity": "12",
                "unit": "pcs",
                "unit_price_vnd": 60_000,
                "buyer_name": "Công ty Trà",
                "sold_on": "2025-06-07",
                "invoice_number": "HD-1",
            },
        )
        assert sold.status_code == 201, sold.text
        answer = sold.json()
        assert (answer["quantity"], answer["unit"], answer["unit_price_vnd"], answer["amount_vnd"]) == (
            "12.000",
            "pcs",
            60_000,
            720_000,
        )
        assert answer["quantity_kg"] == "12.000"  # deprecated, kept for older clients: pieces, as it always was
        assert answer["price_per_kg_vnd"] == 60_000  # deprecated, kept for older clients: per piece, as it always was
        lot = (await client.get("/lots/HOP", headers=bearer())).json()
        assert (lot["quantity"], lot["quantity_kg"]) == ("28.000", "28.000")
        assert [(e["kind"], e["quantity_delta"], e["quantity_delta_kg"]) for e in lot["events"]] == [
            ("produced", "40.000", "40.000"),
            ("sold", "-12.000", "-12.000"),
        ]

        # The event contract counts kilograms: 12 packs of 0.5 kg are 6 kg, at 120 000 VND a kg.
        [event] = await wait_until(
            lambda: _typed(redis, stream_prefix, "supplychain.lot_sold", 1), message="LotSold published"
        )
        payload = json.loads(event["payload"])
        assert (payload["quantity_kg"], payload["price_per_kg_vnd"], payload["amount_vnd"]) == (
            "6.000",
            120_000,
            720_000,
        )
        assert (payload["unit"], payload["quantity_units"], payload["price_per_unit_vnd"]) == ("pcs", 12, 60_000)
