"""Acceptance: the Tân Hương tea chain end to end, on both backends.

50 households, two harvest rounds, purchases, two processing batches, grading, packing,
a shipment, its receipt by the buyer and the sale; then the backward trace of one pack and
the forward trace of one household, asserted lot by lot and kilogram by kilogram.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import openpyxl
from sqlmodel import select

from services.supplychain.epcis.tables import EpcisEvent
from shared import formats
from shared.events import registry as registry_contracts
from tests.integration._supplychain import coop_registered, count, group_caught_up, publish
from tests.support import bearer, running_app, wait_until

COOP = 1
MEMBERS = list(range(101, 151))  # 50 households
PARTNER = 501
ROUND_1, ROUND_2 = date(2025, 6, 1), date(2025, 7, 6)


def kg(value) -> str:
    return f"{Decimal(value):.3f}"


def harvest_kg(member_id: int, harvest_round: int) -> Decimal:
    offset = member_id - MEMBERS[0]
    return Decimal(20 + offset) if harvest_round == 1 else Decimal(30 + offset) + Decimal("0.5")


def lot_code(member_id: int, harvest_round: int) -> str:
    return f"TH{harvest_round}-{member_id}"


def plot_code(member_id: int) -> str:
    return f"VT-19-05488-{member_id}"


async def seed_registry(redis, stream_prefix) -> None:
    """The co-op, its buyer, its 50 households with one plot each, and three certificates."""
    await publish(redis, stream_prefix, coop_registered(COOP))
    await publish(
        redis,
        stream_prefix,
        registry_contracts.PartnerRegistered(
            partner_id=PARTNER, name="Công ty TNHH Trà Thái Nguyên", kind="enterprise", ward_code="05488"
        ),
    )
    for member_id in MEMBERS:
        await publish(
            redis,
            stream_prefix,
            registry_contracts.MemberJoined(
                member_id=member_id,
                coop_id=COOP,
                name=f"Hộ Nguyễn Văn {member_id}",
                kind="household",
                membership="official",
                joined_on=date(2015, 1, 1),
            ),
        )
        await publish(
            redis,
            stream_prefix,
            registry_contracts.PlotRegistered(
                plot_id=member_id * 10,
                coop_id=COOP,
                member_id=member_id,
                planting_area_code=plot_code(member_id),
                area_ha=Decimal("0.4"),
                crop="chè",
            ),
        )
    certificates = [
        # VietGAP on the first 25 households' plots; organic on the first 10, revoked on 20 June;
        # OCOP for the whole co-op.
        registry_contracts.CertificateIssued(
            certificate_id=1,
            coop_id=COOP,
            kind="vietgap",
            code="VG-0001",
            issuer="Trung tâm Chứng nhận",
            valid_from=date(2024, 1, 1),
            valid_to=date(2026, 12, 31),
            plot_ids=[m * 10 for m in MEMBERS[:25]],
        ),
        registry_contracts.CertificateIssued(
            certificate_id=2,
            coop_id=COOP,
            kind="organic",
            code="HC-0002",
            issuer="Tổ chức Hữu cơ",
            valid_from=date(2024, 1, 1),
            valid_to=date(2026, 12, 31),
            plot_ids=[m * 10 for m in MEMBERS[:10]],
        ),
        registry_contracts.CertificateIssued(
            certificate_id=3,
            coop_id=COOP,
            kind="ocop",
            code="OCOP-4S",
            issuer="UBND tỉnh Thái Nguyên",
            valid_from=date(2023, 1, 1),
            valid_to=date(2025, 12, 31),
            ocop_stars=4,
        ),
    ]
    for certificate in certificates:
        await publish(redis, stream_prefix, certificate)
    await publish(
        redis,
        stream_prefix,
        registry_contracts.CertificateRevoked(
            certificate_id=2, coop_id=COOP, revoked_on=date(2025, 6, 20), reason="vi phạm quy trình"
        ),
    )
    await wait_until(
        lambda: group_caught_up(redis, f"{stream_prefix}registry.events"), timeout=30, message="registry replica seeded"
    )


def expected_certificates(member_id: int, day: date) -> list[str]:
    codes = []
    if member_id in MEMBERS[:10] and day < date(2025, 6, 20):
        codes.append("HC-0002")
    codes.append("OCOP-4S")
    if member_id in MEMBERS[:25]:
        codes.append("VG-0001")
    return codes


def harvest_and_purchase_commands() -> list[dict]:
    commands = []
    for harvest_round, day, price in ((1, ROUND_1, 12_000), (2, ROUND_2, 13_000)):
        for member_id in MEMBERS:
            commands.append(
                {
                    "type": "harvest",
                    "coop_id": COOP,
                    "member_id": member_id,
                    "lot_code": lot_code(member_id, harvest_round),
                    "quantity_kg": str(harvest_kg(member_id, harvest_round)),
                    "harvested_on": day.isoformat(),
                    "harvest_round": harvest_round,
                    "plot_code": plot_code(member_id),
                }
            )
            commands.append(
                {
                    "type": "purchase",
                    "coop_id": COOP,
                    "lot_code": lot_code(member_id, harvest_round),
                    "quantity_kg": str(harvest_kg(member_id, harvest_round)),
                    "price_per_kg_vnd": price,
                    "purchased_on": day.isoformat(),
                }
            )
    return commands


ROUND_1_KG = sum(harvest_kg(m, 1) for m in MEMBERS)  # 2225
ROUND_2_KG = sum(harvest_kg(m, 2) for m in MEMBERS)  # 2750


async def test_tan_huong_chain_traces_exactly(supplychain_app_factory, redis, stream_prefix):
    app = await supplychain_app_factory()
    coop = bearer("coop", coop_id=COOP)
    async with running_app(app) as client:
        await seed_registry(redis, stream_prefix)

        done = await client.post("/batch", json={"commands": harvest_and_purchase_commands()}, headers=coop)
        assert done.status_code == 201, done.text
        assert len(done.json()["results"]) == 200
        assert ROUND_1_KG == Decimal(2225) and ROUND_2_KG == Decimal(2750)

        # What the co-op owes each household, per round.
        owed = (await client.get(f"/coops/{COOP}/payables", params={"round": 2}, headers=coop)).json()
        assert len(owed) == 50
        assert owed[0] == {
            "member_id": 101,
            "household_name": "Hộ Nguyễn Văn 101",
            "harvest_year": ROUND_2.year,
            "harvest_round": 2,
            "purchases": 1,
            "quantity_kg": "30.500",
            "amount_vnd": 396_500,
            "paid_vnd": 0,
            "outstanding_vnd": 396_500,
        }
        assert sum(p["amount_vnd"] for p in owed) == int(ROUND_2_KG * 13_000)
        dated = (
            await client.get(f"/coops/{COOP}/payables", params={"from": "2025-06-01", "to": "2025-06-30"}, headers=coop)
        ).json()
        assert {p["harvest_round"] for p in dated} == {1} and len(dated) == 50

        processing_1 = await client.post(
            "/processings",
            headers=coop,
            json={
                "coop_id": COOP,
                "batch_id": "ME-CB-1",
                "process": "sao sấy",
                "transformed_on": "2025-06-02",
                "inputs": [{"lot_code": lot_code(m, 1), "quantity": str(harvest_kg(m, 1))} for m in MEMBERS],
                "outputs": [{"lot_code": "CK-1", "product": "chè khô", "quantity_kg": "489.5"}],
            },
        )
        assert processing_1.status_code == 201, processing_1.text
        assert (processing_1.json()["yield_ratio"], processing_1.json()["yield_flagged"]) == ("0.2200", False)
        processing_2 = await client.post(
            "/processings",
            headers=coop,
            json={
                "coop_id": COOP,
                "batch_id": "ME-CB-2",
                "process": "sao sấy",
                "transformed_on": "2025-07-07",
                "inputs": [{"lot_code": lot_code(m, 2), "quantity": str(harvest_kg(m, 2))} for m in MEMBERS],
                "outputs": [{"lot_code": "CK-2", "product": "chè khô", "quantity_kg": "715"}],
            },
        )
        assert (processing_2.json()["yield_ratio"], processing_2.json()["yield_flagged"]) == ("0.2600", True)
        ck2 = (await client.get("/lots/CK-2", headers=bearer())).json()
        assert (ck2["yield_flagged"], ck2["batch_id"], ck2["step"], ck2["quantity_kg"]) == (
            True,
            "ME-CB-2",
            "processing",
            "715.000",
        )

        grading = await client.post(
            "/gradings",
            headers=coop,
            json={
                "coop_id": COOP,
                "batch_id": "ME-PL-1",
                "transformed_on": "2025-07-10",
                "inputs": [{"lot_code": "CK-1", "quantity": "400"}, {"lot_code": "CK-2", "quantity": "500"}],
                "outputs": [
                    {"lot_code": "MC-1", "product": "chè khô", "grade": "móc câu", "quantity_kg": "600"},
                    {"lot_code": "TN-1", "product": "chè khô", "grade": "tôm nõn", "quantity_kg": "250"},
                    {"lot_code": "DI-1", "product": "chè khô", "grade": "đinh", "quantity_kg": "40"},
                ],
            },
        )
        assert grading.status_code == 201, grading.text
        packing = await client.post(
            "/packings",
            headers=coop,
            json={
                "coop_id": COOP,
                "batch_id": "ME-DG-1",
                "transformed_on": "2025-07-11",
                "lot_code": "HOP-1",
                "product": "Chè tôm nõn Tân Hương hộp 500 g",
                "units": 200,
                "net_kg_per_unit": "0.5",
                "units_per_carton": 20,
                "inputs": [{"lot_code": "TN-1", "quantity": "100"}],
            },
        )
        assert packing.status_code == 201, packing.text
        assert packing.json()["serials"][:2] == ["HOP-1-0001", "HOP-1-0002"] and len(packing.json()["serials"]) == 200

        shipment = await client.post(
            "/shipments",
            headers=coop,
            json={
                "coop_id": COOP,
                "partner_id": PARTNER,
                "partner_name": "Công ty TNHH Trà Thái Nguyên",
                "document_number": "PX-0001",
                "shipped_on": "2025-07-12",
                "lines": [
                    {"lot_code": "HOP-1", "quantity": "150", "unit": "pcs"},
                    {"lot_code": "MC-1", "quantity": "300"},
                ],
            },
        )
        assert shipment.status_code == 201, shipment.text
        shipment_id = shipment.json()["id"]
        receipt = await client.post(
            "/receipts",
            headers=bearer("buyer", partner_id=PARTNER),
            json={"shipment_id": shipment_id, "received_on": "2025-07-13"},
        )
        assert receipt.status_code == 201, receipt.text
        for line, price, invoice in (
            (("HOP-1", "150", "pcs"), 180_000, "HD-0101"),
            (("MC-1", "300", "kg"), 350_000, "HD-0102"),
        ):
            sale = await client.post(
                "/sales",
                headers=coop,
                json={
                    "coop_id": COOP,
                    "lot_code": line[0],
                    "quantity_kg": line[1],
                    "unit": line[2],
                    "shipment_id": shipment_id,
                    "buyer_name": "Công ty TNHH Trà Thái Nguyên",
                    "price_per_kg_vnd": price,
                    "sold_on": "2025-07-13",
                    "invoice_number": invoice,
                },
            )
            assert sale.status_code == 201, sale.text
            assert sale.json()["amount_vnd"] == int(line[1]) * price
            assert sale.json()["buyer_partner_id"] == PARTNER

        # --- backward from one pack, by its serial ------------------------------------------
        back = await client.get("/lots/HOP-1-0007/trace", params={"direction": "backward"}, headers=coop)
        assert back.status_code == 200, back.text
        back = back.json()
        assert (back["serial"], back["start"]) == ("HOP-1-0007", ["HOP-1"])
        harvest_codes = {lot_code(m, r) for m in MEMBERS for r in (1, 2)}
        assert {lot["code"] for lot in back["lots"]} == harvest_codes | {"CK-1", "CK-2", "TN-1", "HOP-1"}
        held = {lot["code"]: lot["quantity_held"] for lot in back["lots"]}
        assert (held["HOP-1"], held["TN-1"], held["CK-1"], held["CK-2"]) == ("50.000", "150.000", "89.500", "215.000")
        assert all(held[code] == "0.000" for code in harvest_codes)
        steps = {step["batch_id"]: step for step in back["steps"]}
        assert set(steps) == {"ME-CB-1", "ME-CB-2", "ME-PL-1", "ME-DG-1"}
        assert steps["ME-DG-1"]["inputs"] == [{"lot_code": "TN-1", "quantity": "100.000", "unit": "kg"}]
        assert steps["ME-DG-1"]["outputs"] == [{"lot_code": "HOP-1", "quantity": "200.000", "unit": "pcs"}]
        assert steps["ME-PL-1"]["inputs"] == [
            {"lot_code": "CK-1", "quantity": "400.000", "unit": "kg"},
            {"lot_code": "CK-2", "quantity": "500.000", "unit": "kg"},
        ]
        assert [(o["lot_code"], o["quantity"]) for o in steps["ME-PL-1"]["outputs"]] == [
            ("DI-1", "40.000"),
            ("MC-1", "600.000"),
            ("TN-1", "250.000"),
        ]
        for batch, harvest_round in (("ME-CB-1", 1), ("ME-CB-2", 2)):
            assert sorted((i["lot_code"], i["quantity"]) for i in steps[batch]["inputs"]) == sorted(
                (lot_code(m, harvest_round), kg(harvest_kg(m, harvest_round))) for m in MEMBERS
            )
        assert (steps["ME-CB-2"]["yield_ratio"], steps["ME-CB-2"]["yield_flagged"]) == ("0.2600", True)
        origins = {o["lot_code"]: o for o in back["origins"]}
        assert set(origins) == harvest_codes
        assert {o["member_id"] for o in back["origins"]} == set(MEMBERS)
        for member_id in MEMBERS:
            for harvest_round, day in ((1, ROUND_1), (2, ROUND_2)):
                origin = origins[lot_code(member_id, harvest_round)]
                assert (
                    origin["member_id"],
                    origin["household_name"],
                    origin["plot_code"],
                    origin["harvest_round"],
                    origin["harvested_on"],
                    origin["harvested_quantity_kg"],
                    origin["coop_name"],
                ) == (
                    member_id,
                    f"Hộ Nguyễn Văn {member_id}",
                    plot_code(member_id),
                    harvest_round,
                    day.isoformat(),
                    kg(harvest_kg(member_id, harvest_round)),
                    "HTX Chè Tân Hương",
                )
                assert sorted(c["code"] for c in origin["certificates"]) == sorted(
                    expected_certificates(member_id, day)
                )
        assert back["shipments"] == [] and back["sales"] == []

        # --- forward from one household ------------------------------------------------------
        forward = (await client.get("/households/101/trace", headers=coop)).json()
        assert forward["start"] == ["TH1-101", "TH2-101"]
        assert {lot["code"] for lot in forward["lots"]} == {
            "TH1-101",
            "TH2-101",
            "CK-1",
            "CK-2",
            "MC-1",
            "TN-1",
            "DI-1",
            "HOP-1",
        }
        assert [o["lot_code"] for o in forward["origins"]] == ["TH1-101", "TH2-101"]
        assert {s["batch_id"] for s in forward["steps"]} == {"ME-CB-1", "ME-CB-2", "ME-PL-1", "ME-DG-1"}
        assert forward["shipments"] == [
            {
                "shipment_id": shipment_id,
                "partner_id": PARTNER,
                "partner_name": "Công ty TNHH Trà Thái Nguyên",
                "shipped_on": "2025-07-12",
                "received_on": "2025-07-13",
                "lines": [
                    {"lot_code": "HOP-1", "quantity": "150.000", "unit": "pcs"},
                    {"lot_code": "MC-1", "quantity": "300.000", "unit": "kg"},
                ],
            }
        ]
        assert sorted((s["lot_code"], s["quantity"], s["unit"], s["buyer_name"]) for s in forward["sales"]) == [
            ("HOP-1", "150.000", "pcs", "Công ty TNHH Trà Thái Nguyên"),
            ("MC-1", "300.000", "kg", "Công ty TNHH Trà Thái Nguyên"),
        ]
        assert (await client.get("/households/999/trace", headers=coop)).status_code == 404
        assert (await client.get("/plots/VT-NONE/trace", headers=coop)).json()["detail"]["code"] == "plot.no_lots"
        by_plot = (await client.get(f"/plots/{plot_code(150)}/trace", headers=coop)).json()
        assert by_plot["start"] == ["TH1-150", "TH2-150"] and len(by_plot["shipments"]) == 1
        public_text = json.dumps(forward, ensure_ascii=False) + json.dumps(back, ensure_ascii=False)
        assert "350000" not in public_text and "HD-0101" not in public_text and "PX-0001" not in public_text

        # --- recall exports -------------------------------------------------------------------
        recall = await client.get("/lots/CK-1/recall.csv", headers=coop)
        assert recall.status_code == 200 and recall.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(recall.content.decode("utf-8-sig"))))
        assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
        harvest_rows = [r for r in rows if r["event_type"] == "harvest"]
        assert len(harvest_rows) == 50  # one step back: the 50 round-1 harvests
        assert {r["party"] for r in harvest_rows} == {f"Hộ Nguyễn Văn {m}" for m in MEMBERS}
        shipped = [r for r in rows if r["event_type"] == "shipment"]
        assert {(r["lot_code"], r["quantity"], r["unit"], r["reference_document"]) for r in shipped} == {
            ("HOP-1", "-150.000", "pcs", "delivery PX-0001"),
            ("MC-1", "-300.000", "kg", "delivery PX-0001"),
        }
        assert {r["reference_document"] for r in rows if r["event_type"] == "sale"} == {
            "invoice HD-0101",
            "invoice HD-0102",
        }
        by_lot = await client.get("/lots/CK-1/recall.csv", params={"sort": "lot"}, headers=coop)
        lot_rows = list(csv.DictReader(io.StringIO(by_lot.content.decode("utf-8-sig"))))
        assert [r["lot_code"] for r in lot_rows] == sorted(r["lot_code"] for r in lot_rows)
        assert len(lot_rows) == len(rows)
        xlsx = await client.get("/lots/CK-1/recall.xlsx", headers=coop)
        sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
        assert [c.value for c in sheet[1]][:6] == ["event_type", "date", "lot_code", "product", "quantity", "unit"]
        assert sheet.max_row == len(rows) + 1 and sheet.auto_filter.ref
        assert (await client.get("/lots/CK-1/recall.csv")).status_code == 401
        assert (await client.get("/lots/CK-1/recall.csv", headers=bearer("coop", coop_id=2))).status_code == 403

        # --- public page and QR ---------------------------------------------------------------
        # The QR code names the lot's public token; its serial and code are for staff.
        token = (await client.get("/lots/HOP-1", headers=coop)).json()["public_token"]
        assert (await client.get("/t/HOP-1-0007")).status_code == 404
        # A phone set to Vietnamese (or to nothing) opens the Vietnamese page; English is one link away.
        page = await client.get(f"/t/{token}", headers={"Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5"})
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert "Thu hoạch" in page.text and "Đóng gói" in page.text and "HTX Chè Tân Hương" in page.text
        assert "Xã Đại Phúc" in page.text  # the commune's name, not its code
        assert "Bán cho" in page.text  # the sale is a stage of its own
        assert "Công ty TNHH Trà Thái Nguyên" in page.text and "180000" not in page.text and "HD-0101" not in page.text
        assert "H. N. V." in page.text and "Nguyễn Văn 101" not in page.text  # households as initials
        english = await client.get(f"/t/{token}", headers={"Accept-Language": "en-US,en;q=0.9"})
        assert english.text == (await client.get(f"/t/{token}", params={"lang": "en"})).text
        assert "Harvest" in english.text and "Packing" in english.text and "Thu hoạch" not in english.text
        # Figures as each language writes them (shared.formats): the yield as a percentage, 86,5 kg in Vietnamese.
        traced = (await client.get(f"/lots/{token}/trace")).json()
        ratio = next(Decimal(str(s["yield_ratio"])) for s in traced["steps"] if s.get("yield_ratio") is not None)
        assert formats.percent(ratio, "vi") in page.text and str(ratio) not in page.text
        first = Decimal(str(traced["origins"][0]["harvested_quantity_kg"]))
        assert f"{formats.number(first, 'vi')} kg" in page.text and f"{formats.number(first, 'en')} kg" in english.text
        svg = await client.get(f"/t/{token}/qr.svg")
        assert svg.headers["content-type"] == "image/svg+xml" and svg.text.lstrip().startswith("<?xml")
        png = await client.get("/t/HOP-1/qr.png", headers=coop)  # staff may name the lot by its code
        assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
        assert (await client.get("/t/NO-SUCH/qr.png")).status_code == 404

        # --- every fact on the stream and in the EPCIS store ------------------------------------
        # 100 harvests, 100 purchases, 2 processings, grading, packing, shipment, receipt, 2 sales
        entries = await wait_until(
            lambda: _entries(redis, stream_prefix, 208), timeout=30, message="208 events published"
        )
        types = [e["event_type"] for e in entries]
        assert types.count("supplychain.lot_harvested") == 100 and types.count("supplychain.lot_purchased") == 100
        assert types.count("supplychain.lots_transformed") == 4 and types.count("supplychain.lot_shipped") == 1
        assert types.count("supplychain.shipment_received") == 1 and types.count("supplychain.lot_sold") == 2
        # packing is one TransformationEvent plus an AggregationEvent per carton (10 of 20 units)
        assert len(entries) == 208
        assert await count(app, EpcisEvent) == 208 + 10
        async with app.state.runtime.sessions() as session:
            packed = (await session.exec(select(EpcisEvent).where(EpcisEvent.event_type == "AggregationEvent"))).all()
        assert len(packed) == 10 and all(row.biz_step == "packing" for row in packed)


async def _entries(redis, stream_prefix, n):
    raw = await redis.xrange(f"{stream_prefix}supplychain.events")
    entries = [{k.decode(): v.decode() for k, v in fields.items()} for _, fields in raw]
    return entries if len(entries) >= n else None
