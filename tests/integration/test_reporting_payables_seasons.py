"""Reporting's payables report keys a harvest round by its season, on both backends: round 1 of 2025
and round 1 of 2026 are two rows (the demo's Nguyễn Văn Hùng once read "Lứa 1: 166,5 kg" for both),
whether the purchase event names the year or, an older event, leaves it to the harvest's day."""

from __future__ import annotations

from datetime import date

from services.reporting.app import create_app
from tests.integration.reporting_events import REGISTRY, SUPPLYCHAIN, coop, envelope, harvest, joined, publish, purchase
from tests.integration.test_reporting_projections import consumed
from tests.support import bearer, running_app, service_settings


async def test_round_one_of_two_seasons_is_two_payables_rows(database_url_factory, redis_url, redis, stream_prefix):
    url = await database_url_factory("reporting")
    app = create_app(service_settings(database_url=url, redis_url=redis_url, stream_prefix=stream_prefix))
    older = purchase(1, "L2025", 1, 1, "80", 11_000, date(2025, 5, 2), 1)  # no harvest_year: an older event
    newer = purchase(2, "L2026", 1, 1, "86.5", 12_000, date(2026, 5, 2), 1).model_copy(update={"harvest_year": 2026})
    await publish(
        redis,
        stream_prefix + REGISTRY,
        *map(envelope, [coop(1, "hop_tac_xa", date(2015, 1, 1)), joined(1, 1, "official", date(2015, 1, 1))]),
    )
    await publish(
        redis,
        stream_prefix + SUPPLYCHAIN,
        *map(
            envelope,
            [
                harvest("L2025", 1, 1, "80", date(2025, 5, 1), 1),
                harvest("L2026", 1, 1, "86.5", date(2026, 5, 1), 1),
                older,
                newer,
            ],
        ),
    )
    async with running_app(app) as client:
        await consumed(client, {stream_prefix + REGISTRY, stream_prefix + SUPPLYCHAIN})
        both_years = {"from": "2025-01-01", "to": "2026-12-31"}
        answer = await client.get("/reports/payables", params=both_years, headers=bearer())
        assert answer.status_code == 200, answer.text
        rows = [(r["member_id"], r["harvest_year"], r["harvest_round"], r["amount_vnd"]) for r in answer.json()["rows"]]
        assert rows == [(1, 2025, 1, 880_000), (1, 2026, 1, 1_038_000)]
        one_year = await client.get("/reports/payables", params={"year": 2026}, headers=bearer())
        assert [(r["harvest_year"], r["harvest_round"]) for r in one_year.json()["rows"]] == [(2026, 1)]
