"""The co-op's own reads for the clerk's app, on both backends: the deliveries of a date range (every
clerk's, purchases attached, corrected facts left out) and the open lots with what each holds."""

from __future__ import annotations

from shared.auth import issue_token
from tests.integration._supplychain import coop_registered, group_caught_up, member_joined, not_found_registry, publish
from tests.support import TEST_SECRET, bearer, running_app, wait_until

COOP, OTHER_COOP = 1, 2


def _clerk(subject: str, coop_id: int = COOP) -> dict[str, str]:
    token = issue_token(TEST_SECRET, subject=subject, role="coop", coop_id=coop_id, staff="clerk", account_id=7)
    return {"Authorization": f"Bearer {token}"}


MAI, LAN = _clerk("mai"), _clerk("lan")


async def _seed(redis, stream_prefix):
    await publish(redis, stream_prefix, coop_registered(COOP))
    await publish(redis, stream_prefix, member_joined(10, COOP))
    await publish(redis, stream_prefix, member_joined(11, COOP, name="Trần Văn Nam"))
    await publish(redis, stream_prefix, coop_registered(OTHER_COOP, name="HTX Chè La Bằng"))
    await publish(redis, stream_prefix, member_joined(20, OTHER_COOP, name="Phạm Văn Đức"))
    await wait_until(lambda: group_caught_up(redis, f"{stream_prefix}registry.events"), message="replica seeded")


def _harvest(code, kg, member_id=10, on="2025-06-01", coop_id=COOP):
    return {
        "type": "harvest",
        "coop_id": coop_id,
        "member_id": member_id,
        "lot_code": code,
        "quantity_kg": kg,
        "harvested_on": on,
        "harvest_round": 1,
    }


def _purchase(code, kg, on="2025-06-01"):
    return {
        "type": "purchase",
        "coop_id": COOP,
        "lot_code": code,
        "quantity_kg": kg,
        "price_per_kg_vnd": 12_000,
        "purchased_on": on,
    }


async def _batch(client, headers, *commands):
    answer = await client.post("/batch", headers=headers, json={"commands": list(commands)})
    assert answer.status_code == 201, answer.text
    return answer.json()["results"]


async def test_the_deliveries_of_a_day_are_every_clerks_with_purchases_and_without_corrected_facts(
    supplychain_app_factory, redis, stream_prefix
):
    app = await supplychain_app_factory(registry_http=not_found_registry())
    async with running_app(app) as client:
        await _seed(redis, stream_prefix)
        await _batch(client, MAI, _harvest("A", "86.5"), _purchase("A", "86.5"))
        wrong = await _batch(client, LAN, _harvest("B", "40", member_id=11), _purchase("B", "40"))
        await _batch(client, MAI, _harvest("C", "10", on="2025-05-31"), _purchase("C", "10", on="2025-06-01"))
        await _batch(client, MAI, _harvest("D", "5", on="2025-05-30"))
        await _batch(client, bearer("coop", coop_id=OTHER_COOP), _harvest("E", "7", member_id=20, coop_id=OTHER_COOP))
        day = {"from": "2025-06-01", "to": "2025-06-01"}

        listed = (await client.get(f"/coops/{COOP}/deliveries", params=day, headers=MAI)).json()
        # C was harvested the day before but bought on the day; D and the other co-op's E are not listed.
        assert [(d["lot_code"], d["household_name"], d["quantity_kg"]) for d in listed] == [
            ("C", "Nguyễn Thị Hoa", "10.000"),
            ("A", "Nguyễn Thị Hoa", "86.500"),
            ("B", "Trần Văn Nam", "40.000"),
        ]
        by_code = {d["lot_code"]: d for d in listed}
        assert by_code["B"]["recorded_by"] == "coop:1:lan" and by_code["A"]["recorded_by"] == "coop:1:mai"
        assert [(p["amount_vnd"], p["event_id"]) for p in by_code["B"]["purchases"]] == [
            (480_000, wrong[1]["event_id"])
        ]
        assert by_code["B"]["event_id"] == wrong[0]["event_id"]

        # The purchase of B declared wrong and replaced: B lists only the corrective purchase.
        corrected = await client.post(
            "/corrections",
            headers=MAI,
            json={"event_id": wrong[1]["event_id"], "explanation": "Cân nhầm", "corrective": _purchase("B", "38")},
        )
        assert corrected.status_code == 201, corrected.text
        listed = (await client.get(f"/coops/{COOP}/deliveries", params=day, headers=MAI)).json()
        [b] = [d for d in listed if d["lot_code"] == "B"]
        assert [(p["quantity_kg"], p["amount_vnd"]) for p in b["purchases"]] == [("38.000", 456_000)]

        # Another co-op's clerk and a buyer may not look; a reversed range is refused.
        other = await client.get(f"/coops/{COOP}/deliveries", params=day, headers=_clerk("duc", OTHER_COOP))
        assert other.status_code == 403
        assert (
            await client.get(f"/coops/{COOP}/deliveries", params=day, headers=bearer("buyer", partner_id=501))
        ).status_code == 403
        reversed_range = {"from": "2025-06-02", "to": "2025-06-01"}
        refused = await client.get(f"/coops/{COOP}/deliveries", params=reversed_range, headers=MAI)
        assert refused.status_code == 422
        assert (await client.get(f"/coops/{COOP}/deliveries", params=day)).status_code == 401


async def test_open_lots_are_those_still_holding_something_with_what_they_hold(
    supplychain_app_factory, redis, stream_prefix
):
    app = await supplychain_app_factory(registry_http=not_found_registry())
    async with running_app(app) as client:
        await _seed(redis, stream_prefix)
        await _batch(client, MAI, _harvest("A", "100", on="2025-06-01"), _harvest("B", "20", on="2025-06-02"))
        sold = await client.post(
            "/sales",
            headers=MAI,
            json={
                "coop_id": COOP,
                "lot_code": "B",
                "buyer_name": "Công ty Chè Hà Thái",
                "quantity": "20",
                "unit_price_vnd": 90_000,
                "sold_on": "2025-06-03",
                "invoice_number": "HD-0001",
            },
        )
        assert sold.status_code == 201, sold.text
        await _batch(client, MAI, _harvest("C", "30.25", on="2025-06-03"))
        await _batch(client, bearer("coop", coop_id=OTHER_COOP), _harvest("E", "7", member_id=20, coop_id=OTHER_COOP))

        lots = (await client.get(f"/coops/{COOP}/lots", headers=LAN)).json()
        # B was sold whole; the newest first.
        assert lots["total"] == 2
        assert [(lot["code"], lot["held"], lot["unit"]) for lot in lots["items"]] == [
            ("C", "30.250", "kg"),
            ("A", "100.000", "kg"),
        ]
        assert (await client.get(f"/coops/{COOP}/lots", headers=_clerk("duc", OTHER_COOP))).status_code == 403
        assert (await client.get(f"/coops/{COOP}/lots")).status_code == 401
