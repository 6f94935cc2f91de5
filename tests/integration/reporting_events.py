"""A small known dataset for the reporting tests, with its KPI figures worked out by hand.

Year 2024 by hand:
- co-ops founded by 31 Dec 2024: C1 (2010), C2 (15 Mar), C3 (31 Dec, counts), C4 (tổ hợp tác,
  dissolved 30 Nov), C5 (liên hiệp 2023, suspended 1 Aug); C6 is founded 1 Jan 2025.
  total 5; active C1 C2 C3 = 3, suspended C5 = 1, dissolved C4 = 1.
  new hợp tác xã in 2024: C2, C3 = 2 (< 30, not met); unions since 2021: C5 = 1 (< 5).
- memberships on 31 Dec 2024: M1 official, M2 worker, M4 official (left on 31 Dec: still
  a member that day), M6 official (joined 31 Dec, its event XADDed twice) -> 3 official,
  1 worker. M3 left 1 Oct; M5 joins in 2025.
- harvests in 2024: 12.500 + 7.250 kg (31 Dec) = 19.750 kg in 2 lots (H0 is 2023, H3 2025).
- sales in 2024: S1 (XADDed twice) 2.000 kg 600 000 VND + S2 1.500 kg 750 000 VND
  = 2 sales, 3.500 kg, 1 350 000 VND (S3 is 2025).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import redis.asyncio as aioredis

from shared.clock import start_of_local_day
from shared.events.envelope import Event, EventEnvelope
from shared.events.registry import CoopRegistered, CoopStatusChanged, MemberJoined, MemberLeft
from shared.events.supplychain import HouseholdPaymentVoided, LotHarvested, LotPurchased, LotSold

REGISTRY = "registry.events"
SUPPLYCHAIN = "supplychain.events"


def coop(coop_id: int, form: str, founded_on: date) -> CoopRegistered:
    return CoopRegistered(
        coop_id=coop_id,
        name=f"HTX Chè số {coop_id}",
        form=form,
        registration_code=f"TN-{coop_id:04d}",
        ward_code="05488",
        founded_on=founded_on,
        status="active",
    )


def status(coop_id: int, value: str, on: date) -> CoopStatusChanged:
    return CoopStatusChanged(coop_id=coop_id, status=value, effective_on=on, reason="quyết định của UBND")


def joined(member_id: int, coop_id: int, membership: str, on: date) -> MemberJoined:
    return MemberJoined(
        member_id=member_id,
        coop_id=coop_id,
        name=f"Hộ Nguyễn Văn {member_id}",
        kind="household",
        membership=membership,
        joined_on=on,
    )


def left(member_id: int, coop_id: int, on: date) -> MemberLeft:
    return MemberLeft(member_id=member_id, coop_id=coop_id, left_on=on)


def harvest(lot: str, coop_id: int, member_id: int, kg: str, on: date, round_: int) -> LotHarvested:
    return LotHarvested(
        lot_code=lot,
        coop_id=coop_id,
        member_id=member_id,
        product="chè búp tươi",
        quantity_kg=Decimal(kg),
        harvested_on=on,
        harvest_round=round_,
        plot_code="VT-05488-01",
    )


def sale(sale_id: int, lot: str, coop_id: int, kg: str, price: int, on: date) -> LotSold:
    quantity = Decimal(kg)
    return LotSold(
        sale_id=sale_id,
        lot_code=lot,
        coop_id=coop_id,
        buyer_name="Công ty CP Chè Thái Nguyên",
        quantity_kg=quantity,
        price_per_kg_vnd=price,
        amount_vnd=int(quantity * price),
        sold_on=on,
        invoice_number=f"HD-{sale_id:05d}",
    )


def purchase(
    purchase_id: int, lot: str, coop_id: int, member_id: int, kg: str, price: int, on: date, round_: int | None = None
) -> LotPurchased:
    quantity = Decimal(kg)
    return LotPurchased(
        purchase_id=purchase_id,
        lot_code=lot,
        coop_id=coop_id,
        member_id=member_id,
        quantity_kg=quantity,
        price_per_kg_vnd=price,
        amount_vnd=int(quantity * price),
        purchased_on=on,
        harvest_round=round_,
    )


def voided(paid: EventEnvelope, on: date, reason: str = "Nhập nhầm hộ") -> HouseholdPaymentVoided:
    """The payment `paid` (a HouseholdPaid's envelope) voided on `on`."""
    payment = paid.payload
    return HouseholdPaymentVoided(
        payment_id=payment["payment_id"],
        paid_event_id=str(paid.event_id),
        coop_id=payment["coop_id"],
        member_id=payment["member_id"],
        amount_vnd=payment["amount_vnd"],
        reason=reason,
        voided_on=on,
    )


def _day(event: Event) -> date:
    dates = (
        "founded_on",
        "effective_on",
        "joined_on",
        "left_on",
        "harvested_on",
        "sold_on",
        "purchased_on",
        "declared_on",
        "paid_on",
        "voided_on",
        "changed_on",
        "inspected_on",
        "resolved_on",
        "transformed_on",
        "valid_from",
    )
    for name in dates:
        if hasattr(event, name):
            return getattr(event, name)
    if hasattr(event, "year"):  # a grading, recorded once its year has ended
        return date(event.year + 1, 1, 15)
    raise ValueError(event)


def envelope(event: Event) -> EventEnvelope:
    # As producers do: a fact known by its date occurs at local midnight (31 Dec 00:00 +07
    # is 30 Dec in UTC, which is why the figures read payload dates).
    return EventEnvelope.wrap(event, occurred_at=start_of_local_day(_day(event)), actor="province:test")


async def publish(redis: aioredis.Redis, stream: str, *envelopes: EventEnvelope) -> list[str]:
    return [(await redis.xadd(stream, env.to_fields())).decode() for env in envelopes]


def registry_dataset() -> tuple[list[EventEnvelope], list[EventEnvelope]]:
    """(published before the service starts, published while it runs); M6 appears twice."""
    m6 = envelope(joined(6, 1, "official", date(2024, 12, 31)))
    before = [
        envelope(coop(1, "hop_tac_xa", date(2010, 5, 1))),
        envelope(coop(2, "hop_tac_xa", date(2024, 3, 15))),
        envelope(coop(3, "hop_tac_xa", date(2024, 12, 31))),
        envelope(coop(4, "to_hop_tac", date(2024, 6, 1))),
        envelope(coop(5, "lien_hiep", date(2023, 2, 1))),
        envelope(joined(1, 1, "official", date(2015, 3, 1))),
        envelope(joined(2, 1, "worker", date(2020, 1, 1))),
        envelope(joined(3, 2, "associate", date(2024, 4, 1))),
        m6,
        m6,
    ]
    after = [
        envelope(status(4, "dissolved", date(2024, 11, 30))),
        envelope(status(5, "suspended", date(2024, 8, 1))),
        envelope(joined(4, 2, "official", date(2024, 5, 1))),
        envelope(left(3, 2, date(2024, 10, 1))),
        envelope(left(4, 2, date(2024, 12, 31))),
        envelope(coop(6, "hop_tac_xa", date(2025, 1, 1))),
        envelope(joined(5, 3, "official", date(2025, 1, 2))),
    ]
    return before, after


def supplychain_dataset() -> tuple[list[EventEnvelope], list[EventEnvelope]]:
    s1 = envelope(sale(1, "L1", 1, "2.000", 300_000, date(2024, 6, 1)))
    before = [
        envelope(harvest("L0", 1, 1, "100", date(2023, 6, 1), 3)),
        envelope(harvest("L1", 1, 1, "12.500", date(2024, 5, 10), 1)),
        s1,
        s1,
    ]
    after = [
        envelope(harvest("L2", 1, 1, "7.250", date(2024, 12, 31), 7)),
        envelope(sale(2, "L2", 1, "1.500", 500_000, date(2024, 12, 31))),
        envelope(harvest("L3", 2, 4, "3.125", date(2025, 1, 1), 1)),
        envelope(sale(3, "L3", 2, "3.125", 200_000, date(2025, 1, 3))),
    ]
    return before, after


def without_definitions(answer):
    """`answer` with every `definition` left out (the figures compared by hand; the words are tested apart)."""
    if isinstance(answer, dict):
        return {key: without_definitions(value) for key, value in answer.items() if key != "definition"}
    if isinstance(answer, list):
        return [without_definitions(value) for value in answer]
    return answer


def figure(value, target=None, comparison=None, met=None, since=None, note=None):
    """A KPI figure as the API shows it."""
    return {
        "value": value,
        "target": target,
        "comparison": comparison,
        "met": met,
        "since": since,
        "available": value is not None,
        "note": note,
    }


EXPECTED_2024 = {
    "coops": {
        "total": 5,
        "by_status": {"active": 3, "suspended": 1, "dissolved": 1},
        "by_form": {
            "hop_tac_xa": {"total": 3, "active": 3, "suspended": 0, "dissolved": 0},
            "to_hop_tac": {"total": 1, "active": 0, "suspended": 0, "dissolved": 1},
            "lien_hiep": {"total": 1, "active": 0, "suspended": 1, "dissolved": 0},
        },
    },
    "new_coops": figure(2, 30, ">=", False, "2024-01-01"),
    "new_unions": figure(1, 5, ">=", False, "2021-01-01"),
    "members": {"total": 4, "members": 3, "workers": 1, "by_membership": {"official": 3, "associate": 0, "worker": 1}},
    "harvest": {"lots": 2, "kg": "19.750"},
    "sales": {"count": 2, "kg": "3.500", "amount_vnd": 1_350_000},
}
