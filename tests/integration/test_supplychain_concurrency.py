"""Invariants that hold when many requests arrive at once, on SQLite and PostgreSQL alike.

A co-op clerk and a buyer's agent on patchy networks send at the same moment; the lot must
never go below zero and generated lot codes must never collide.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from tests.integration._supplychain import seed_replica
from tests.support import bearer, running_app

COOP = bearer("coop", coop_id=1)


def _harvest(**fields) -> dict:
    return {
        "coop_id": 1,
        "member_id": 10,
        "quantity_kg": "100",
        "harvested_on": "2025-06-01",
        "harvest_round": 1,
        "plot_code": "VT-19-05488-001",
        **fields,
    }


async def test_thirty_concurrent_sales_of_a_hundred_kilograms_sell_exactly_a_hundred(
    supplychain_app_factory, redis, stream_prefix
):
    async with running_app(await supplychain_app_factory()) as client:
        await seed_replica(redis, stream_prefix)
        lot = (await client.post("/harvests", json=_harvest(lot_code="TH-RACE"), headers=COOP)).json()["code"]

        def sale(number: int) -> dict:
            return {
                "coop_id": 1,
                "lot_code": lot,
                "buyer_name": "Công ty TNHH Trà Thái Nguyên",
                "quantity": "10",
                "unit_price_vnd": 15_000,
                "sold_on": "2025-06-02",
                "invoice_number": f"HD-{number:04d}",
            }

        answers = await asyncio.gather(*(client.post("/sales", json=sale(n), headers=COOP) for n in range(30)))

        assert Counter(answer.status_code for answer in answers) == {201: 10, 409: 20}
        refusals = {answer.json()["detail"]["code"] for answer in answers if answer.status_code == 409}
        assert refusals == {"lot.insufficient"}
        assert (await client.get(f"/lots/{lot}", headers=bearer())).json()["quantity"] == "0.000"


async def test_twenty_concurrent_harvests_without_a_code_all_get_distinct_codes(
    supplychain_app_factory, redis, stream_prefix
):
    async with running_app(await supplychain_app_factory()) as client:
        await seed_replica(redis, stream_prefix)
        answers = await asyncio.gather(
            *(client.post("/harvests", json=_harvest(quantity_kg=str(n + 1)), headers=COOP) for n in range(20))
        )
        assert [answer.status_code for answer in answers] == [201] * 20, [a.text for a in answers if a.is_error]
        codes = {answer.json()["code"] for answer in answers}
        assert codes == {f"TH-1-20250601-{n}" for n in range(1, 21)}
