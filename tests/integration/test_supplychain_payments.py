"""Payments to households, on both backends: recorded, refused (nothing written), replayed, voided;
payables show owed, paid and still owed per household and round."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from shared.auth import issue_token
from shared.clock import today_in_vietnam
from tests.integration._supplychain import (
    coop_registered,
    group_caught_up,
    member_joined,
    not_found_registry,
    publish,
    table_counts,
)
from tests.support import TEST_SECRET, bearer, running_app, wait_until

COOP, OTHER_COOP, PARTNER = 1, 2, 501
MANAGER = bearer("coop", coop_id=COOP)  # an operator's coop token stands for the co-op's manager
CLERK = {
    "Authorization": "Bearer "
    + issue_token(TEST_SECRET, subject="thu-ngan", role="coop", coop_id=COOP, staff="clerk", account_id=7)
}


async def _seed(redis, stream_prefix):
    await publish(redis, stream_prefix, coop_registered(COOP))
    await publish(redis, stream_prefix, member_joined(10, COOP))
    await publish(redis, stream_prefix, member_joined(11, COOP, name="Trần Văn Nam"))
    await publish(redis, stream_prefix, coop_registered(OTHER_COOP, name="HTX Chè La Bằng"))
    await publish(redis, stream_prefix, member_joined(20, OTHER_COOP, name="Phạm Văn Đức"))
    await wait_until(lambda: group_caught_up(redis, f"{stream_prefix}registry.events"), message="replica seeded")


def _harvest(code, harvest_round, kg, member_id=10, on="2025-06-01"):
    return {
        "type": "harvest",
        "coop_id": COOP,
        "member_id": member_id,
        "lot_code": code,
        "quantity_kg": kg,
        "harvested_on": on,
        "harvest_round": harvest_round,
    }


def _purchase(code, kg, price, on="2025-06-02"):
    return {
        "type": "purchase",
        "coop_id": COOP,
        "lot_code": code,
        "quantity_kg": kg,
        "price_per_kg_vnd": price,
        "purchased_on": on,
    }


async def _setup(client):
    """Household 10 is owed 3,000,000 ₫ for round 1 and 1,000,000 ₫ for round 2; household 11 800,000 ₫."""
    made = await client.post(
        "/batch",
        headers=MANAGER,
        json={
            "commands": [
                _harvest("A", 1, "250"),
                _harvest("B", 2, "100", on="2025-07-01"),
                _harvest("C", 1, "80", member_id=11),
                _purchase("A", "250", 12_000),
                _purchase("B", "100", 10_000, on="2025-07-02"),
                _purchase("C", "80", 10_000),
            ]
        },
    )
    assert made.status_code == 201, made.text


def _payment(amount, harvest_round=None, **more):
    return (
        {"member_id": 10, "amount_vnd": amount, "method": "cash", "paid_on": "2025-07-10"}
        | ({"harvest_round": harvest_round} if harvest_round else {})
        | more
    )


async def _events(redis, stream_prefix, event_type):
    raw = await redis.xrange(f"{stream_prefix}supplychain.events")
    entries = [{k.decode(): v.decode() for k, v in fields.items()} for _, fields in raw]
    return [json.loads(e["payload"]) for e in entries if e["event_type"] == event_type]


def _row(payables, member_id, harvest_round):
    [row] = [r for r in payables if (r["member_id"], r["harvest_round"]) == (member_id, harvest_round)]
    return (row["amount_vnd"], row["paid_vnd"], row["outstanding_vnd"])


async def test_payments_settle_payables_refusals_write_nothing_and_a_void_undoes_one(
    supplychain_app_factory, redis, stream_prefix
):
    app = await supplychain_app_factory(registry_http=not_found_registry())
    async with running_app(app) as client:
        await _seed(redis, stream_prefix)
        await _setup(client)
        payments = f"/coops/{COOP}/payments"

        # A clerk pays round 1 in part; the same request retried under its key is answered, not redone.
        key = {"Idempotency-Key": str(uuid.uuid4())}
        first = await client.post(payments, headers=CLERK | key, json=_payment(1_000_000, 1, note="Trả đợt 1"))
        assert first.status_code == 201, first.text
        assert first.json()["household_name"] == "Nguyễn Thị Hoa" and first.json()["note"] == "Trả đợt 1"
        before = await table_counts(app, redis, stream_prefix)
        replay = await client.post(payments, headers=CLERK | key, json=_payment(1_000_000, 1, note="Trả đợt 1"))
        assert (replay.status_code, replay.json()) == (201, first.json())
        assert await table_counts(app, redis, stream_prefix) == before

        # Without a round, a transfer settles the oldest round first: 2,000,000 there, 500,000 on round 2.
        transfer = _payment(2_500_000, method="bank_transfer", reference="FT25191XYZ")
        second = await client.post(payments, headers=MANAGER, json=transfer)
        assert second.status_code == 201, second.text
        owed = (await client.get(f"/coops/{COOP}/payables", headers=CLERK)).json()
        assert _row(owed, 10, 1) == (3_000_000, 3_000_000, 0)
        assert _row(owed, 10, 2) == (1_000_000, 500_000, 500_000)
        assert _row(owed, 11, 1) == (800_000, 0, 800_000)
        totals = (await client.get(f"/coops/{COOP}/payables/totals", headers=bearer())).json()
        assert totals == {
            "households": 2,
            "purchases": 3,
            "quantity_kg": "430.000",
            "amount_vnd": 4_800_000,
            "paid_vnd": 3_500_000,
            "outstanding_vnd": 1_300_000,
        }
        round_2 = (await client.get(f"/coops/{COOP}/payables", params={"round": 2}, headers=MANAGER)).json()
        assert [(r["member_id"], r["outstanding_vnd"]) for r in round_2] == [(10, 500_000)]

        # Every refusal is a clear 4xx and writes nothing.
        before = await table_counts(app, redis, stream_prefix)
        tomorrow = (today_in_vietnam() + timedelta(days=1)).isoformat()
        refusals = [
            (_payment(500_001, 2), CLERK, 409, "payment.exceeds_round"),
            (_payment(500_001), CLERK, 409, "payment.exceeds_owed"),
            (_payment(1, 3), CLERK, 409, "payment.exceeds_round"),
            (_payment(100, reference="FT25191XYZ", method="bank_transfer"), CLERK, 409, "payment.duplicate_reference"),
            (_payment(100, member_id=20), CLERK, 404, "member.not_found"),
            (_payment(100, member_id=99), CLERK, 404, "member.not_found"),
            (_payment(100), bearer(), 403, "payment.coop_staff_only"),
            (_payment(100), bearer("coop", coop_id=OTHER_COOP), 403, "auth.other_coop"),
            (_payment(100), bearer("buyer", partner_id=PARTNER), 403, "payment.coop_staff_only"),
        ]
        for body, headers, status, code in refusals:
            answer = await client.post(payments, headers=headers, json=body)
            assert answer.status_code == status, (body, answer.text)
            assert answer.json()["detail"]["code"] == code, (body, answer.text)
        for body in (
            _payment(0),
            _payment(-5),
            _payment(100, paid_on=tomorrow),
            _payment(100, method="cheque"),
            _payment(100) | {"harvest_round": 0},
        ):
            answer = await client.post(payments, headers=CLERK, json=body)
            assert answer.status_code == 422, (body, answer.text)
        assert await table_counts(app, redis, stream_prefix) == before

        # The clerk reads the refusal in Vietnamese by default, in English on request, amounts formatted.
        over = _payment(600_000, 2)
        vi = (await client.post(payments, headers=CLERK, json=over)).json()["detail"]["message"]
        assert "500.000\xa0₫" in vi and "600.000\xa0₫" in vi and "Nguyễn Thị Hoa" in vi and "trả trước" in vi
        en = (await client.post(payments, headers=CLERK | {"Accept-Language": "en"}, json=over)).json()
        assert "₫500,000" in en["detail"]["message"] and "Advances are not recorded" in en["detail"]["message"]

        # Voiding: the manager only, never before the payment's day, once.
        transfer_id = second.json()["id"]
        void = f"{payments}/{transfer_id}/void"
        refused_voids = [
            (void, CLERK, {"reason": "Nhập nhầm số tiền"}, 403, "payment.manager_only"),
            (void, MANAGER, {"reason": "Nhập nhầm", "voided_on": "2025-07-09"}, 422, "payment.void_before_paid"),
            (
                f"/coops/{OTHER_COOP}/payments/{transfer_id}/void",
                bearer("coop", coop_id=OTHER_COOP),
                {"reason": "xyz"},
                404,
                "payment.not_found",
            ),
            (f"{payments}/9999/void", MANAGER, {"reason": "Nhập nhầm"}, 404, "payment.not_found"),
        ]
        for path, headers, body, status, code in refused_voids:
            answer = await client.post(path, headers=headers, json=body)
            assert (answer.status_code, answer.json()["detail"]["code"]) == (status, code), answer.text
        assert (await client.post(void, headers=MANAGER, json={"reason": "x"})).status_code == 422  # too short
        assert await table_counts(app, redis, stream_prefix) == before

        voided = await client.post(
            void, headers=MANAGER, json={"reason": "Nhập nhầm số tiền", "voided_on": "2025-07-11"}
        )
        assert voided.status_code == 201, voided.text
        assert voided.json()["voided"]["reason"] == "Nhập nhầm số tiền"
        again = await client.post(void, headers=MANAGER, json={"reason": "Nhập nhầm số tiền"})
        assert (again.status_code, again.json()["detail"]["code"]) == (409, "payment.already_voided")
        owed = (await client.get(f"/coops/{COOP}/payables", headers=MANAGER)).json()
        assert _row(owed, 10, 1) == (3_000_000, 1_000_000, 2_000_000)
        assert _row(owed, 10, 2) == (1_000_000, 0, 1_000_000)

        # The voided transfer is listed, marked; its reference is free again for the right payment.
        listed = (await client.get(payments, headers=CLERK)).json()
        assert [(p["id"], p["voided"] is not None) for p in listed] == [
            (transfer_id, True),
            (first.json()["id"], False),
        ]
        right = await client.post(
            payments, headers=CLERK, json=_payment(2_000_000, 1, method="bank_transfer", reference="FT25191XYZ")
        )
        assert right.status_code == 201, right.text
        one = (await client.get(payments, params={"member_id": 11}, headers=bearer())).json()
        assert one == []
        assert (await client.get(payments, headers=bearer("coop", coop_id=OTHER_COOP))).status_code == 403
        assert (await client.get(payments)).status_code == 401

        # `htx reporting verify` reads the payments /totals counts: the voided one left out.
        chain = (
            await client.get("/totals", params={"from": "2025-01-01", "to": "2025-12-31"}, headers=bearer())
        ).json()
        assert chain["payments"] == {"count": 2, "amount_vnd": 3_000_000}

        # On the stream: three payments and one void, as the commands recorded them.
        paid = await wait_until(
            lambda: _at_least(redis, stream_prefix, "supplychain.household_paid", 3), message="three HouseholdPaid"
        )
        assert [(p["amount_vnd"], p["method"], p["harvest_round"], p["reference"]) for p in paid] == [
            (1_000_000, "cash", 1, None),
            (2_500_000, "bank_transfer", None, "FT25191XYZ"),
            (2_000_000, "bank_transfer", 1, "FT25191XYZ"),
        ]
        [void_event] = await _events(redis, stream_prefix, "supplychain.household_payment_voided")
        assert void_event["payment_id"] == transfer_id and void_event["paid_event_id"] == second.json()["event_id"]
        assert (void_event["amount_vnd"], void_event["voided_on"]) == (2_500_000, "2025-07-11")


async def _at_least(redis, stream_prefix, event_type, n):
    found = await _events(redis, stream_prefix, event_type)
    return found if len(found) >= n else None


async def test_a_payment_beyond_a_corrected_purchase_stays_visible_as_paid_for_no_round(
    supplychain_app_factory, redis, stream_prefix
):
    """A purchase corrected away after it was paid: the money is not lost from sight, it shows under no round."""
    app = await supplychain_app_factory(registry_http=not_found_registry())
    async with running_app(app) as client:
        await _seed(redis, stream_prefix)
        made = await client.post(
            "/batch", headers=MANAGER, json={"commands": [_harvest("A", 1, "100"), _purchase("A", "100", 10_000)]}
        )
        purchase_event = made.json()["results"][1]["event_id"]
        paid = await client.post(f"/coops/{COOP}/payments", headers=MANAGER, json=_payment(1_000_000))
        assert paid.status_code == 201, paid.text
        fixed = await client.post(
            "/corrections",
            headers=MANAGER,
            json={"event_id": purchase_event, "corrective": _purchase("A", "100", 9_000)},
        )
        assert fixed.status_code == 201, fixed.text
        owed = (await client.get(f"/coops/{COOP}/payables", headers=MANAGER)).json()
        assert _row(owed, 10, 1) == (900_000, 900_000, 0)
        assert _row(owed, 10, None) == (0, 100_000, -100_000)
        nothing_owed = await client.post(f"/coops/{COOP}/payments", headers=MANAGER, json=_payment(1))
        assert nothing_owed.json()["detail"]["code"] == "payment.exceeds_owed"


async def test_a_round_is_a_seasons_and_a_payment_names_its_season(supplychain_app_factory, redis, stream_prefix):
    """Round 1 of 2024 and round 1 of 2025 are two rows; a payment naming round 1 without a year pays
    the latest season's, and the payment keeps the season it paid."""
    app = await supplychain_app_factory(registry_http=not_found_registry())
    async with running_app(app) as client:
        await _seed(redis, stream_prefix)
        made = await client.post(
            "/batch",
            headers=MANAGER,
            json={
                "commands": [
                    _harvest("OLD", 1, "100", on="2024-06-01"),
                    _purchase("OLD", "100", 10_000, on="2024-06-02"),  # 1,000,000 ₫ for round 1 of 2024
                    _harvest("NEW", 1, "50", on="2025-06-01"),
                    _purchase("NEW", "50", 12_000),  # 600,000 ₫ for round 1 of 2025
                ]
            },
        )
        assert made.status_code == 201, made.text
        payables = f"/coops/{COOP}/payables"
        rows = (await client.get(payables, headers=MANAGER)).json()
        assert [(r["harvest_year"], r["harvest_round"], r["amount_vnd"]) for r in rows] == [
            (2024, 1, 1_000_000),
            (2025, 1, 600_000),
        ]

        latest = await client.post(f"/coops/{COOP}/payments", headers=CLERK, json=_payment(600_000, 1))
        assert latest.status_code == 201, latest.text
        assert latest.json()["harvest_year"] == 2025
        [paid] = await wait_until(
            lambda: _at_least(redis, stream_prefix, "supplychain.household_paid", 1), message="HouseholdPaid"
        )
        assert (paid["harvest_round"], paid["harvest_year"]) == (1, 2025)
        older = await client.post(
            f"/coops/{COOP}/payments", headers=CLERK, json=_payment(400_000, 1, harvest_year=2024)
        )
        assert older.status_code == 201, older.text
        rows = (await client.get(payables, headers=MANAGER, params={"year": 2024})).json()
        assert [(r["harvest_year"], r["paid_vnd"], r["outstanding_vnd"]) for r in rows] == [(2024, 400_000, 600_000)]

        # More than round 1 of 2025 still owes (nothing) is refused, naming the season.
        too_much = await client.post(f"/coops/{COOP}/payments", headers=CLERK, json=_payment(1, 1, harvest_year=2025))
        assert too_much.status_code == 409 and "2025" in too_much.json()["detail"]["message"]
        # A year without a round says what to do, in the request's language.
        alone = await client.post(
            f"/coops/{COOP}/payments", headers=CLERK | {"Accept-Language": "vi"}, json=_payment(1, harvest_year=2024)
        )
        assert alone.status_code == 422 and "lứa hái" in alone.text
