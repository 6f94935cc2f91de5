"""The full reporting read model against a small known dataset, figures worked out by hand.

Year 2024, by hand (product "chè búp tươi" unless said otherwise):

Co-ops. C1 (hợp tác xã, 2010, legacy ward 05491 = old Xã Quyết Thắng, now 05455 Phường
Quyết Thắng, by shared.places' dataset); C2 (15 Mar 2024, ward 05500, moved to 05503 on 1 Jul 2024); C3 (founded 31 Dec 2024,
05488); C4 (2020, 05503, dissolved 30 Nov 2024); C5 (liên hiệp, 2022, 05488).
  at 31 Dec: 5 organisations, 4 active + 1 dissolved; hợp tác xã 4 (3 active, 1 dissolved).
  new hợp tác xã 2024: C2, C3 = 2 (< 30, not met); unions since 2021: C5 = 1 (< 5, not met).
Members. M1 M2 official (C1), M3 worker (C1), M4 official (C2, Apr 2024), M5 official (C4,
left 30 Nov 2024) -> 3 members, 1 worker on 31 Dec.
Grading 2024. C1 tốt; C2 trung bình, then regraded khá (revision 2); C4 yếu; C3 not graded (left out)
  -> graded 3, Tốt/Khá 2, share 2/3 = 0.6667 > 0.65: met. (2023: C1 khá, not counted.)
Chain. Active hợp tác xã on 31 Dec: C1 C2 C3 = 3. Contracts valid in 2024: C1 (to 1 Jan
  2024), C4 (dissolved, not in the base); C2's starts 2025 -> 1/3 = 0.3333. Sales in 2024:
  C1, C2; C3's only sale is corrected -> 2/3 = 0.6667.
Harvests 2024. L1 C1/M1 plot 001 100 kg 10 May r1; L2 C1/M2 plot 002 50.5 kg 15 Jun r2;
  L3 C1/M2 plot 002 40 kg 1 Jul r3; L4 C1/M1 plot 001 30 kg 1 Sep r4; L5 C2/M4 plot C2-001
  20.25 kg 20 Jun r2; L8 C2/M4 "chè búp khô" 5 kg 25 Jun r2; L6 999 kg (corrected) replaced
  by L6b C1/M1 plot 001 9.99 kg 1 Jun r2. Total 7 lots 255.740 kg (L0 is 2023).
Certificates. #1 VietGAP plot 001, 1 Jun 2023 - 31 Aug 2024; #2 organic plot 002, 2024 - 2026,
  revoked 1 Jul 2024; #3 C2's plot, from 2025. Certified: L1 (100), L2 (50.5), L6b (9.99) =
  160.490 kg; L3 falls on the revocation day, L4 after #1 ended. C1: 160.490 of 230.490 =
  0.6963; C2: 0 of 25.250; province 160.490 / 255.740 = 0.6276.
Purchases 2024 (what co-ops owe households). M1: r1 1 200 000, r2 119 880 (L6b; L6's
  11 988 000 corrected), r4 300 000 -> 1 619 880; M2: r2 606 000, r3 600 000 -> 1 206 000;
  M4: r2 405 000. Average over the 3 sellers 3 230 880 / 3 = 1 076 960. 2023: M1 500 000,
  M2 1 300 000 -> 900 000. Growth 1 076 960 / 900 000 - 1 = 0.1966 >= 0.10: met.
Sales 2024. D1 "móc câu", D2 "tôm nõn" from batch B1. S1 D1 10 kg 3 000 000 to partner P1
  (May); S2 D2 2 kg 1 400 000 to "Chị Lan (thương lái)" (May); S3 D1 5 kg 1 600 000 to P1 (Jun);
  S4 L5 (ungraded) 20.25 kg 506 250 to "Chợ Tân Cương" (Jun); S6 K1 3 kg 1 050 000 to P1 (Jun),
  K1 packed from D1 without a grade of its own, so "móc câu"; S5 C3 corrected.
  -> 5 sales, 40.250 kg, 7 556 250 VND.
Inspections 2024. C1: I1 (Mar, 2 violations: one resolved Apr, one in Jan 2025 -> open at
  year end), I2 (Oct, commended); C2: I3 (May, 1 violation resolved May). I4 (C2, 2023) out.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import httpx
from openpyxl import load_workbook

from shared.events import registry as R
from shared.events import supplychain as S
from shared.events.envelope import Event, EventEnvelope
from tests.integration.reporting_events import REGISTRY, SUPPLYCHAIN, figure, publish, purchase, without_definitions
from tests.integration.test_reporting_projections import consumed
from tests.integration.test_reporting_rebuild import rebuilt, snapshot
from tests.support import bearer, running_app

TEA, DRY = "chè búp tươi", "chè búp khô"
P1_NAME = "Công ty CP Chè Thái Nguyên"


def env(event: Event) -> EventEnvelope:
    return EventEnvelope.wrap(event, actor="test")


def coop(coop_id, form, founded_on, ward):
    return R.CoopRegistered(
        coop_id=coop_id,
        name=f"HTX số {coop_id}",
        form=form,
        registration_code=f"TN-{coop_id}",
        ward_code=ward,
        founded_on=founded_on,
        status="active",
    )


def member(member_id, coop_id, membership, joined_on):
    return R.MemberJoined(
        member_id=member_id,
        coop_id=coop_id,
        name=f"Hộ Đỗ Thị {member_id}",
        kind="household",
        membership=membership,
        joined_on=joined_on,
    )


def graded(grading_id, coop_id, year, grade, revision=1):
    return R.CoopGraded(
        grading_id=grading_id,
        coop_id=coop_id,
        year=year,
        scheme="TT01/2020",
        total_score=None if grade == "not_graded" else 70,
        grade=grade,
        revision=revision,
    )


def certificate(certificate_id, coop_id, kind, code, issuer, valid_from, valid_to, plot_id):
    return R.CertificateIssued(
        certificate_id=certificate_id,
        coop_id=coop_id,
        kind=kind,
        code=code,
        issuer=issuer,
        valid_from=valid_from,
        valid_to=valid_to,
        plot_ids=[plot_id],
    )


def registry_events() -> list[EventEnvelope]:
    events = [
        coop(1, "hop_tac_xa", date(2010, 5, 1), "05491"),
        coop(2, "hop_tac_xa", date(2024, 3, 15), "05500"),
        coop(3, "hop_tac_xa", date(2024, 12, 31), "05488"),
        coop(4, "hop_tac_xa", date(2020, 1, 1), "05503"),
        coop(5, "lien_hiep", date(2022, 2, 1), "05488"),
        R.CoopDetailsChanged(coop_id=2, name="HTX số 2", ward_code="05503", changed_on=date(2024, 7, 1)),
        R.CoopStatusChanged(coop_id=4, status="dissolved", effective_on=date(2024, 11, 30), reason="giải thể"),
        R.UnionMemberAdded(union_id=5, coop_id=1, joined_on=date(2022, 2, 1)),
        member(1, 1, "official", date(2015, 1, 1)),
        member(2, 1, "official", date(2016, 1, 1)),
        member(3, 1, "worker", date(2020, 1, 1)),
        member(4, 2, "official", date(2024, 4, 1)),
        member(5, 4, "official", date(2021, 1, 1)),
        R.MemberLeft(member_id=5, coop_id=4, left_on=date(2024, 11, 30)),
        graded(1, 1, 2024, "tot"),
        graded(2, 2, 2024, "trung_binh"),
        graded(3, 4, 2024, "yeu"),
        graded(4, 3, 2024, "not_graded"),
        graded(5, 1, 2023, "kha"),
        graded(6, 2, 2024, "kha", revision=2),  # the regrade replaces C2's first grading
        R.PartnerRegistered(partner_id=1, name=P1_NAME, kind="enterprise", ward_code="05488"),
        R.ChainContractSigned(
            contract_id=1, coop_id=1, partner_id=1, product=TEA, valid_from=date(2023, 1, 1), valid_to=date(2024, 1, 1)
        ),
        R.ChainContractSigned(contract_id=2, coop_id=2, partner_id=1, product=TEA, valid_from=date(2025, 1, 1)),
        R.ChainContractSigned(contract_id=3, coop_id=4, partner_id=1, product=TEA, valid_from=date(2024, 1, 1)),
        R.PlotRegistered(
            plot_id=1, coop_id=1, member_id=1, planting_area_code="VT-05488-001", area_ha=Decimal("0.5"), crop="chè"
        ),
        R.PlotRegistered(
            plot_id=2, coop_id=1, member_id=2, planting_area_code="VT-05488-002", area_ha=Decimal("0.3"), crop="chè"
        ),
        R.PlotRegistered(
            plot_id=3, coop_id=2, member_id=4, planting_area_code="VT-05503-001", area_ha=Decimal("0.4"), crop="chè"
        ),
        certificate(1, 1, "vietgap", "VG-1", "Trung tâm KN", date(2023, 6, 1), date(2024, 8, 31), plot_id=1),
        certificate(2, 1, "organic", "HC-2", "TQC", date(2024, 1, 1), date(2026, 12, 31), plot_id=2),
        R.CertificateRevoked(certificate_id=2, coop_id=1, revoked_on=date(2024, 7, 1), reason="vi phạm"),
        certificate(3, 2, "vietgap", "VG-3", "Trung tâm KN", date(2025, 1, 1), date(2027, 12, 31), plot_id=3),
        R.InspectionRecorded(
            inspection_id=1, coop_id=1, inspected_on=date(2024, 3, 1), body="Sở NN", kind="định kỳ", violations=2
        ),
        R.ViolationResolved(inspection_id=1, violation_id=1, coop_id=1, resolved_on=date(2024, 4, 1)),
        R.ViolationResolved(inspection_id=1, violation_id=2, coop_id=1, resolved_on=date(2025, 1, 15)),
        # Published as v1 (a yes/no), read through the upcaster as one commendation.
        R.InspectionRecordedV1(
            inspection_id=2, coop_id=1, inspected_on=date(2024, 10, 1), body="Sở NN", kind="định kỳ", commended=True
        ),
        R.InspectionRecorded(
            inspection_id=3, coop_id=2, inspected_on=date(2024, 5, 5), body="UBND xã", kind="đột xuất", violations=1
        ),
        R.ViolationResolved(inspection_id=3, violation_id=1, coop_id=2, resolved_on=date(2024, 5, 20)),
        R.InspectionRecorded(
            inspection_id=4, coop_id=2, inspected_on=date(2023, 5, 5), body="UBND xã", kind="đột xuất", violations=3
        ),
    ]
    return [env(e) for e in events]


def harvest(lot, coop_id, member_id, kg, on, round_, plot=None, product=TEA):
    return S.LotHarvested(
        lot_code=lot,
        coop_id=coop_id,
        member_id=member_id,
        product=product,
        quantity_kg=Decimal(kg),
        harvested_on=on,
        harvest_round=round_,
        plot_code=plot,
    )


def sale(sale_id, lot, coop_id, kg, price, on, buyer, partner=None):
    return S.LotSold(
        sale_id=sale_id,
        lot_code=lot,
        coop_id=coop_id,
        buyer_name=buyer,
        buyer_partner_id=partner,
        quantity_kg=Decimal(kg),
        price_per_kg_vnd=price,
        amount_vnd=int(Decimal(kg) * price),
        sold_on=on,
        invoice_number=f"HD-{sale_id}",
    )


def supplychain_events() -> tuple[list[EventEnvelope], list[EventEnvelope], list[EventEnvelope]]:
    """(facts, wrong facts, corrections with their corrective facts)."""
    facts = [
        env(e)
        for e in [
            harvest("L0", 1, 1, "10", date(2023, 6, 1), 3, "VT-05488-001"),
            purchase(1, "L0", 1, 1, "10", 50_000, date(2023, 6, 2), 3),
            purchase(2, "LX", 1, 2, "65", 20_000, date(2023, 7, 2), 4),
            harvest("L1", 1, 1, "100", date(2024, 5, 10), 1, "VT-05488-001"),
            harvest("L2", 1, 2, "50.5", date(2024, 6, 15), 2, "VT-05488-002"),
            harvest("L3", 1, 2, "40", date(2024, 7, 1), 3, "VT-05488-002"),
            harvest("L4", 1, 1, "30", date(2024, 9, 1), 4, "VT-05488-001"),
            harvest("L5", 2, 4, "20.25", date(2024, 6, 20), 2, "VT-05503-001"),
            harvest("L8", 2, 4, "5", date(2024, 6, 25), 2, None, DRY),
            purchase(3, "L1", 1, 1, "100", 12_000, date(2024, 5, 11), 1),
            purchase(4, "L2", 1, 2, "50.5", 12_000, date(2024, 6, 16), 2),
            purchase(5, "L3", 1, 2, "40", 15_000, date(2024, 7, 2), 3),
            purchase(6, "L4", 1, 1, "30", 10_000, date(2024, 9, 2), 4),
            purchase(7, "L5", 2, 4, "20.25", 20_000, date(2024, 6, 21), 2),
            S.LotsTransformed(
                batch_id="B1",
                coop_id=1,
                step="processing",
                transformed_on=date(2024, 5, 12),
                inputs=[S.LotQuantity(lot_code="L1", quantity_kg=Decimal("100"))],
                outputs=[
                    S.LotQuantity(lot_code="D1", quantity_kg=Decimal("18"), product="chè xanh", grade="móc câu"),
                    S.LotQuantity(lot_code="D2", quantity_kg=Decimal("2"), product="chè xanh", grade="tôm nõn"),
                ],
            ),
            sale(1, "D1", 1, "10", 300_000, date(2024, 5, 20), "Cty Chè TN", partner=1),
            sale(2, "D2", 1, "2", 700_000, date(2024, 5, 25), "Chị Lan (thương lái)"),
            sale(3, "D1", 1, "5", 320_000, date(2024, 6, 3), "Cty Chè TN", partner=1),
            sale(4, "L5", 2, "20.25", 25_000, date(2024, 6, 22), "Chợ Tân Cương"),
            S.LotsTransformed(
                batch_id="B2",
                coop_id=1,
                step="packing",
                transformed_on=date(2024, 6, 10),
                inputs=[S.LotQuantity(lot_code="D1", quantity_kg=Decimal("3"))],
                outputs=[S.LotQuantity(lot_code="K1", quantity_kg=Decimal("3"), product="chè xanh hộp")],
            ),
            sale(6, "K1", 1, "3", 350_000, date(2024, 6, 12), "Cty Chè TN", partner=1),
            S.LotShipped(
                shipment_id=1,
                coop_id=1,
                partner_id=1,
                shipped_on=date(2024, 6, 3),
                document_number="PX-1",
                lots=[S.LotQuantity(lot_code="D1", quantity_kg=Decimal("5"))],
            ),
            S.ShipmentReceived(shipment_id=1, partner_id=1, received_on=date(2024, 6, 4)),
        ]
    ]
    wrong = [
        env(e)
        for e in [
            harvest("L6", 1, 1, "999", date(2024, 6, 1), 2, "VT-05488-001"),
            purchase(8, "L6", 1, 1, "999", 12_000, date(2024, 6, 2), 2),
            sale(5, "L9", 3, "1", 100_000, date(2024, 12, 31), "Chợ Đại Phúc"),
        ]
    ]
    corrective = [
        env(e)
        for e in [
            harvest("L6b", 1, 1, "9.99", date(2024, 6, 1), 2, "VT-05488-001"),
            purchase(9, "L6b", 1, 1, "9.99", 12_000, date(2024, 6, 2), 2),
        ]
    ]
    corrections = [
        env(
            S.EventCorrected(
                corrected_event_id=str(w.event_id),
                reason="nhập sai",
                declared_on=date(2024, 12, 31),
                corrective_event_ids=[str(c.event_id)] if c else [],
            )
        )
        for w, c in zip(wrong, [*corrective, None])
    ]
    return facts, wrong, corrections + corrective


def kg(value: str) -> str:
    return str(Decimal(value).quantize(Decimal("0.001")))


EXPECTED_REPORTS = {
    "production": [
        {
            "product": DRY,
            "commune_code": "05503",
            "commune_name": "Xã Tân Cương",
            "month": "2024-06",
            "harvest_round": 2,
            "lots": 1,
            "kg": kg("5"),
        },
        {
            "product": TEA,
            "commune_code": "05455",
            "commune_name": "Phường Quyết Thắng",
            "month": "2024-05",
            "harvest_round": 1,
            "lots": 1,
            "kg": kg("100"),
        },
        {
            "product": TEA,
            "commune_code": "05455",
            "commune_name": "Phường Quyết Thắng",
            "month": "2024-06",
            "harvest_round": 2,
            "lots": 2,
            "kg": kg("60.49"),
        },
        {
            "product": TEA,
            "commune_code": "05455",
            "commune_name": "Phường Quyết Thắng",
            "month": "2024-07",
            "harvest_round": 3,
            "lots": 1,
            "kg": kg("40"),
        },
        {
            "product": TEA,
            "commune_code": "05455",
            "commune_name": "Phường Quyết Thắng",
            "month": "2024-09",
            "harvest_round": 4,
            "lots": 1,
            "kg": kg("30"),
        },
        {
            "product": TEA,
            "commune_code": "05503",
            "commune_name": "Xã Tân Cương",
            "month": "2024-06",
            "harvest_round": 2,
            "lots": 1,
            "kg": kg("20.25"),
        },
    ],
    "sales": [
        {
            "grade": "chưa phân loại",
            "buyer": "Chợ Tân Cương",
            "month": "2024-06",
            "sales": 1,
            "kg": kg("20.25"),
            "amount_vnd": 506_250,
        },
        {"grade": "móc câu", "buyer": P1_NAME, "month": "2024-05", "sales": 1, "kg": kg("10"), "amount_vnd": 3_000_000},
        {"grade": "móc câu", "buyer": P1_NAME, "month": "2024-06", "sales": 2, "kg": kg("8"), "amount_vnd": 2_650_000},
        {
            "grade": "tôm nõn",
            "buyer": "Chị Lan (thương lái)",
            "month": "2024-05",
            "sales": 1,
            "kg": kg("2"),
            "amount_vnd": 1_400_000,
        },
    ],
    "payables": [
        {
            "coop_id": 1,
            "coop_name": "HTX số 1",
            "member_id": 1,
            "member_name": "Hộ Đỗ Thị 1",
            "harvest_year": 2024,
            "harvest_round": 1,
            "purchases": 1,
            "kg": kg("100"),
            "amount_vnd": 1_200_000,
        },
        {
            "coop_id": 1,
            "coop_name": "HTX số 1",
            "member_id": 1,
            "member_name": "Hộ Đỗ Thị 1",
            "harvest_year": 2024,
            "harvest_round": 2,
            "purchases": 1,
            "kg": kg("9.99"),
            "amount_vnd": 119_880,
        },
        {
            "coop_id": 1,
            "coop_name": "HTX số 1",
            "member_id": 1,
            "member_name": "Hộ Đỗ Thị 1",
            "harvest_year": 2024,
            "harvest_round": 4,
            "purchases": 1,
            "kg": kg("30"),
            "amount_vnd": 300_000,
        },
        {
            "coop_id": 1,
            "coop_name": "HTX số 1",
            "member_id": 2,
            "member_name": "Hộ Đỗ Thị 2",
            "harvest_year": 2024,
            "harvest_round": 2,
            "purchases": 1,
            "kg": kg("50.5"),
            "amount_vnd": 606_000,
        },
        {
            "coop_id": 1,
            "coop_name": "HTX số 1",
            "member_id": 2,
            "member_name": "Hộ Đỗ Thị 2",
            "harvest_year": 2024,
            "harvest_round": 3,
            "purchases": 1,
            "kg": kg("40"),
            "amount_vnd": 600_000,
        },
        {
            "coop_id": 2,
            "coop_name": "HTX số 2",
            "member_id": 4,
            "member_name": "Hộ Đỗ Thị 4",
            "harvest_year": 2024,
            "harvest_round": 2,
            "purchases": 1,
            "kg": kg("20.25"),
            "amount_vnd": 405_000,
        },
    ],
    "inspections": [
        {
            "coop_id": 1,
            "coop_name": "HTX số 1",
            "inspections": 2,
            "violations": 2,
            "resolved": 1,
            "open": 1,
            "commendations": 1,
        },
        {
            "coop_id": 2,
            "coop_name": "HTX số 2",
            "inspections": 1,
            "violations": 1,
            "resolved": 1,
            "open": 0,
            "commendations": 0,
        },
    ],
    "certified": [
        {
            "coop_id": 1,
            "coop_name": "HTX số 1",
            "harvested_kg": kg("230.49"),
            "certified_kg": kg("160.49"),
            "certified_share": 0.6963,
        },
        {
            "coop_id": 2,
            "coop_name": "HTX số 2",
            "harvested_kg": kg("25.25"),
            "certified_kg": kg("0"),
            "certified_share": 0.0,
        },
    ],
}
# No payment in this dataset: every row is still owed in full (payments: test_reporting_payments.py).
for _row in EXPECTED_REPORTS["payables"]:
    _row.update(paid_vnd=0, outstanding_vnd=_row["amount_vnd"])

EXPECTED_TOTALS = {
    "production": {"lots": 7, "kg": kg("255.74")},
    "sales": {"sales": 5, "kg": kg("40.25"), "amount_vnd": 7_556_250},
    "payables": {
        "purchases": 6,
        "kg": kg("250.74"),
        "amount_vnd": 3_230_880,
        "paid_vnd": 0,
        "outstanding_vnd": 3_230_880,
    },
    "inspections": {"inspections": 3, "violations": 3, "resolved": 2, "open": 1, "commendations": 1},
    "certified": {"harvested_kg": kg("255.74"), "certified_kg": kg("160.49"), "certified_share": 0.6276},
}


def scorecard(report: dict) -> dict:
    keys = (
        "coops",
        "new_coops",
        "new_unions",
        "effective_share",
        "grading",
        "members",
        "harvest",
        "sales",
        "member_income",
        "member_income_growth",
        "chain",
        "contract_share",
        "traced_sales_share",
    )
    return without_definitions({key: report[key] for key in keys})


EXPECTED_KPIS_2024 = {
    "coops": {
        "total": 5,
        "by_status": {"active": 4, "suspended": 0, "dissolved": 1},
        "by_form": {
            "to_hop_tac": {"total": 0, "active": 0, "suspended": 0, "dissolved": 0},
            "hop_tac_xa": {"total": 4, "active": 3, "suspended": 0, "dissolved": 1},
            "lien_hiep": {"total": 1, "active": 1, "suspended": 0, "dissolved": 0},
        },
    },
    "new_coops": figure(2, 30, ">=", False, "2024-01-01"),
    "new_unions": figure(1, 5, ">=", False, "2021-01-01"),
    "effective_share": figure(0.6667, 0.65, ">", True),
    "grading": {
        "graded": 3,
        "effective": 2,
        "not_graded": 1,
        "share": 0.6667,
        "by_grade": {"tot": 1, "kha": 1, "trung_binh": 0, "yeu": 1, "not_graded": 1},
    },
    "members": {"total": 4, "members": 3, "workers": 1, "by_membership": {"official": 3, "associate": 0, "worker": 1}},
    "harvest": {"lots": 7, "kg": kg("255.74")},
    "sales": {"count": 5, "kg": kg("40.25"), "amount_vnd": 7_556_250},
    "member_income": {
        "members_selling": 3,
        "total_vnd": 3_230_880,
        "average_vnd": 1_076_960,
        "previous_average_vnd": 900_000,
        "growth": 0.1966,
        "paid_vnd": 0,
    },
    "member_income_growth": figure(0.1966, 0.10, ">=", True),
    "chain": {
        "coops": 3,
        "with_contract": 1,
        "with_traced_sales": 2,
        "contract_share": 0.3333,
        "traced_sales_share": 0.6667,
    },
    "contract_share": figure(0.3333),
    "traced_sales_share": figure(0.6667),
}


async def all_reports(client: httpx.AsyncClient, **params) -> dict[str, dict]:
    answers = {}
    for name in EXPECTED_REPORTS:
        response = await client.get(f"/reports/{name}", params={"year": 2024, **params}, headers=bearer())
        assert response.status_code == 200, response.text
        answers[name] = response.json()
    return answers


async def test_every_kpi_and_report_matches_the_hand_computed_figures_and_rebuild_equals_live(
    reporting_app,
    redis,
    stream_prefix,
):
    url = reporting_app.state.settings.database_url
    facts, wrong, corrections = supplychain_events()
    streams = {stream_prefix + REGISTRY, stream_prefix + SUPPLYCHAIN}
    await publish(redis, stream_prefix + REGISTRY, *registry_events())
    await publish(redis, stream_prefix + SUPPLYCHAIN, *facts, *wrong)
    async with running_app(reporting_app) as client:
        await consumed(client, streams)
        # Before the corrections, the wrong facts count.
        before = (await client.get("/kpis", params={"year": 2024})).json()
        assert before["harvest"] == {"lots": 7, "kg": kg("1244.75")}  # 255.74 - 9.99 + 999
        assert before["sales"]["amount_vnd"] == 7_556_250 + 100_000
        assert before["chain"]["with_traced_sales"] == 3

        await publish(redis, stream_prefix + SUPPLYCHAIN, *corrections)
        await consumed(client, streams)
        kpis = (await client.get("/kpis", params={"year": 2024})).json()
        assert scorecard(kpis) == EXPECTED_KPIS_2024
        live = await all_reports(client)
        for name, answer in live.items():
            assert answer["rows"] == EXPECTED_REPORTS[name], name
            assert answer["totals"] == EXPECTED_TOTALS[name], name
        previous = (await client.get("/kpis", params={"year": 2023})).json()
        assert previous["member_income"]["average_vnd"] == 900_000 and previous["member_income_growth"]["value"] is None
        assert previous["effective_share"]["value"] == 1.0 and previous["coops"]["total"] == 3  # C1 C4 C5

        rows = await snapshot(url)
        assert len(rows["rpt_correction"]) == 3
        job = await rebuilt(client)
        assert job["streams"][stream_prefix + SUPPLYCHAIN]["applied"] == len(facts) + len(wrong) + len(corrections)
        assert await snapshot(url) == rows
        assert (await client.get("/kpis", params={"year": 2024})).json() == kpis
        assert await all_reports(client) == live


async def test_filters_access_and_exports(reporting_app, redis, stream_prefix):
    facts, wrong, corrections = supplychain_events()
    await publish(redis, stream_prefix + REGISTRY, *registry_events())
    await publish(redis, stream_prefix + SUPPLYCHAIN, *facts, *wrong, *corrections)
    async with running_app(reporting_app) as client:
        await consumed(client, {stream_prefix + REGISTRY, stream_prefix + SUPPLYCHAIN})
        production = EXPECTED_REPORTS["production"]

        # Commune: the current code and the legacy ones it absorbed give C1's rows.
        for commune in ("05455", "05491", "5485"):
            answer = await all_reports(client, commune=commune)
            assert answer["production"]["rows"] == [r for r in production if r["commune_code"] == "05455"]
            assert [r["coop_id"] for r in answer["payables"]["rows"]] == [1] * 5
        # C2 moved from 05500 to 05503: it counts under its current commune only; C3 and C5 have no data.
        assert (await all_reports(client, commune="05500"))["production"]["rows"] == []
        assert (await all_reports(client, commune="05488"))["payables"]["rows"] == []
        tan_cuong = await all_reports(client, commune="05503")
        assert tan_cuong["production"]["rows"] == [r for r in production if r["commune_code"] == "05503"]
        assert tan_cuong["inspections"]["rows"] == [EXPECTED_REPORTS["inspections"][1]]

        # Product and period.
        dry = await client.get("/reports/production", params={"year": 2024, "product": DRY}, headers=bearer())
        assert dry.json()["rows"] == [production[0]]
        june = await client.get("/reports/sales", params={"from": "2024-06-01", "to": "2024-06-30"}, headers=bearer())
        assert june.json()["rows"] == [r for r in EXPECTED_REPORTS["sales"] if r["month"] == "2024-06"]
        assert june.json()["filters"] == {
            "first": "2024-06-01",
            "last": "2024-06-30",
            "commune": None,
            "coop_id": None,
            "product": None,
        }

        # Access: a co-op sees its own figures only; the public sees the scorecard only.
        own = await client.get("/reports/payables", params={"year": 2024}, headers=bearer("coop", coop_id=2))
        assert own.status_code == 200 and own.json()["rows"] == EXPECTED_REPORTS["payables"][5:]
        other = await client.get(
            "/reports/payables",
            params={"year": 2024, "coop_id": 1},
            headers=bearer("coop", coop_id=2) | {"Accept-Language": "en"},
        )
        assert other.status_code == 403 and "co-op 2" in other.json()["detail"]["message"]
        assert (await client.get("/reports/payables", params={"year": 2024})).status_code == 401
        assert (
            await client.get("/reports/sales", params={"year": 2024}, headers=bearer("buyer", partner_id=1))
        ).status_code == 403
        province_c1 = await client.get("/reports/payables", params={"year": 2024, "coop_id": 1}, headers=bearer())
        assert province_c1.json()["rows"] == EXPECTED_REPORTS["payables"][:5]
        assert (await client.get("/kpis", params={"year": 2024})).status_code == 200

        # Bad input: clear 4xx in the asker's language.
        unknown = await client.get("/reports/profits", params={"year": 2024}, headers=bearer())
        assert unknown.status_code == 404 and "production" in unknown.json()["detail"]["message"]
        for params, field, words in (
            ({}, "from", "Cần chọn kỳ báo cáo"),
            ({"year": 2024, "from": "2024-01-01"}, "year", "không cả hai"),
            ({"from": "2024-13-01", "to": "2024-12-31"}, "from", "YYYY-MM-DD"),
            ({"from": "2024-12-31", "to": "2024-01-01"}, "from", "sau ngày kết thúc"),
            ({"year": 2024, "format": "pdf"}, "format", "json, csv hoặc xlsx"),
            ({"year": 2024, "commune": "Đại Phúc"}, "commune", "chữ số"),
            ({"year": 2024, "commune": "99999"}, "commune", "không có trong danh mục"),
        ):
            bad = await client.get("/reports/sales", params=params, headers=bearer())
            assert bad.status_code == 422, (params, bad.text)
            [error] = bad.json()["detail"]
            assert error["loc"] == ["query", field] and words in error["msg"], (params, error)

        # Exports hold the numbers of the API, under Vietnamese headers.
        for name, rows in EXPECTED_REPORTS.items():
            api = (await client.get(f"/reports/{name}", params={"year": 2024}, headers=bearer())).json()
            headers = [column["vi"] for column in api["columns"]]
            keys = [column["key"] for column in api["columns"]]

            as_xlsx = await client.get(f"/reports/{name}", params={"year": 2024, "format": "xlsx"}, headers=bearer())
            assert as_xlsx.status_code == 200
            assert (
                as_xlsx.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            )
            assert f'filename="bao-cao-{name}_2024-01-01_2024-12-31.xlsx"' in as_xlsx.headers["content-disposition"]
            sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
            table = [list(row) for row in sheet.iter_rows(values_only=True)]
            assert table[0] == headers
            assert [_plain(cells, keys) for cells in table[1:-1]] == [_plain_row(r, keys) for r in rows]
            assert table[-1][0] == "Tổng cộng"

            as_csv = await client.get(f"/reports/{name}", params={"year": 2024, "format": "csv"}, headers=bearer())
            assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
            assert f'filename="bao-cao-{name}_2024-01-01_2024-12-31.csv"' in as_csv.headers["content-disposition"]

            lines = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
            assert lines[0] == headers
            assert [_plain(cells, keys) for cells in lines[1:-1]] == [_plain_row(r, keys) for r in rows]

        # The dashboard: the public scorecard, Vietnamese by default.
        page = await client.get("/dashboard", params={"year": 2024}, headers={"Accept-Language": "en"})
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        # Vietnamese numbers: a decimal comma, a dot between thousands, a space that never breaks before % and ₫
        assert "Tỷ lệ HTX xếp loại Tốt, Khá" in page.text and "66,7\u00a0%" in page.text
        assert "1.076.960\u00a0₫" in page.text and "ít nhất 30" in page.text and "&gt;=" not in page.text
        english = await client.get("/dashboard", params={"year": 2024, "lang": "en"})
        assert "Share of co-ops graded Good or Fair" in english.text and 'lang="en"' in english.text
        assert "at least 30" in english.text and "more than 65.0%" in english.text
        assert "66.7%" in english.text and "₫1,076,960" in english.text
        assert (await client.get("/dashboard", params={"year": "x"})).status_code == 422


def _plain(cells, keys) -> list[str]:
    """A spreadsheet or CSV row as text, numbers normalised, to compare with the API's row."""
    return [_normal(value) for value, _ in zip(cells, keys)]


def _plain_row(row: dict, keys) -> list[str]:
    return [_normal(row[key]) for key in keys]


def _normal(value) -> str:
    if value is None or value == "":
        return ""
    try:
        return str(Decimal(str(value)).normalize())
    except Exception:
        return str(value)


async def test_a_correction_applied_before_the_event_it_corrects_still_undoes_it(
    reporting_app,
    redis,
    stream_prefix,
):
    """As when the wrong fact sat in the dead-letter stream and was replayed after its correction."""
    wrong_harvest = env(harvest("W1", 1, 1, "999", date(2024, 6, 1), 2))
    wrong_purchase = env(purchase(1, "W1", 1, 1, "999", 12_000, date(2024, 6, 2), 2))
    kept = env(harvest("K1", 1, 1, "10", date(2024, 6, 1), 2))
    corrections = [
        env(S.EventCorrected(corrected_event_id=str(w.event_id), reason="nhập sai", declared_on=date(2024, 6, 3)))
        for w in (wrong_harvest, wrong_purchase)
    ]
    await publish(redis, stream_prefix + SUPPLYCHAIN, *corrections, *corrections, wrong_harvest, wrong_purchase, kept)
    async with running_app(reporting_app) as client:
        await consumed(client, {stream_prefix + REGISTRY, stream_prefix + SUPPLYCHAIN})
        report = (await client.get("/kpis", params={"year": 2024})).json()
        assert report["harvest"] == {"lots": 1, "kg": kg("10")}
        assert report["member_income"]["members_selling"] == 0
        payables = await client.get("/reports/payables", params={"year": 2024}, headers=bearer())
        assert payables.json()["rows"] == []
        assert payables.json()["totals"] == {
            "purchases": 0,
            "kg": "0.000",
            "amount_vnd": 0,
            "paid_vnd": 0,
            "outstanding_vnd": 0,
        }
