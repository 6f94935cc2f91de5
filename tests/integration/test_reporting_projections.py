"""Reporting consumes both streams into its read model and answers /kpis, on both backends.

Events go straight onto the streams with XADD, as the producers' relays would put them.
"""

from __future__ import annotations

import httpx

from shared.messaging.connection import ensure_group
from tests.integration.reporting_events import (
    EXPECTED_2024,
    REGISTRY,
    SUPPLYCHAIN,
    publish,
    registry_dataset,
    supplychain_dataset,
    without_definitions,
)
from tests.support import running_app, wait_until


async def consumed(client: httpx.AsyncClient, streams: set[str]) -> list[dict]:
    """Wait until every entry of both streams is delivered to the group and acknowledged."""

    async def settled():
        consumers = (await client.get("/health")).json().get("consumers", [])
        done = {c["stream"] for c in consumers if c["lag"] == 0 and c["pending"] == 0}
        return consumers if done == streams else None

    return await wait_until(settled, message="reporting to consume both streams")


def figures(report: dict) -> dict:
    return without_definitions({key: report[key] for key in EXPECTED_2024})


async def test_kpis_from_events_before_first_start_and_live_with_duplicates(reporting_app, redis, stream_prefix):
    registry_before, registry_after = registry_dataset()
    supply_before, supply_after = supplychain_dataset()
    # Published before the service ever started: its group must still see them (created at 0).
    await publish(redis, stream_prefix + REGISTRY, *registry_before)
    await publish(redis, stream_prefix + SUPPLYCHAIN, *supply_before)
    streams = {stream_prefix + REGISTRY, stream_prefix + SUPPLYCHAIN}
    async with running_app(reporting_app) as client:
        await consumed(client, streams)
        early = (await client.get("/kpis", params={"year": 2024})).json()
        assert early["coops"]["total"] == 5 and early["harvest"]["lots"] == 1
        assert early["members"]["by_membership"]["official"] == 2  # M1 and M6, M6 once

        registry_ids = await publish(redis, stream_prefix + REGISTRY, *registry_after)
        supply_ids = await publish(redis, stream_prefix + SUPPLYCHAIN, *supply_after)
        await consumed(client, streams)

        response = await client.get("/kpis", params={"year": "2024"})
        assert response.status_code == 200, response.text
        report = response.json()
        assert figures(report) == EXPECTED_2024
        assert report["as_of"] == "2024-12-31"
        assert report["plan"]["first_year"] == 2021 and report["plan"]["last_year"] == 2025
        assert report["effective_share"]["value"] is None and report["effective_share"]["target"] == 0.65
        assert report["member_income_growth"]["available"] is False
        # The position is stored with the rows: the last entry of each stream.
        assert report["positions"] == {
            stream_prefix + REGISTRY: registry_ids[-1],
            stream_prefix + SUPPLYCHAIN: supply_ids[-1],
        }

        previous = (await client.get("/kpis", params={"year": 2023})).json()
        assert previous["coops"]["total"] == 2 and previous["coops"]["by_status"]["active"] == 2
        assert previous["new_coops"]["value"] == 0 and previous["new_unions"]["value"] == 1
        assert previous["members"]["total"] == 2
        assert previous["harvest"] == {"lots": 1, "kg": "100.000"}
        assert previous["sales"] == {"count": 0, "kg": "0.000", "amount_vnd": 0}

        following = (await client.get("/kpis", params={"year": 2025})).json()
        assert following["new_coops"]["value"] == 1  # C6, founded 1 January 2025
        assert following["members"]["by_membership"] == {"official": 3, "associate": 0, "worker": 1}  # M1 M5 M6, M2
        assert following["sales"]["amount_vnd"] == 625_000


async def test_kpis_year_defaults_to_the_dashboard_s_and_must_be_a_year(reporting_app):
    async with running_app(reporting_app) as client:
        dashboard = (await client.get("/dashboard")).text
        default = await client.get("/kpis")
        assert default.status_code == 200
        # No data: the latest begun year of a plan, the year the dashboard opens on.
        assert default.json()["year"] == 2025 and "2025</title>" in dashboard
        assert default.json() == (await client.get("/kpis", params={"year": 2025})).json()
        for bad in ("abc", "20245", "1800"):
            invalid = await client.get("/kpis", params={"year": bad})
            assert invalid.status_code == 422
            [error] = invalid.json()["detail"]
            assert error["loc"] == ["query", "year"] and "Năm phải là số nguyên" in error["msg"] and bad in error["msg"]
        empty = await client.get("/kpis", params={"year": 2024})
        assert empty.status_code == 200 and empty.json()["coops"]["total"] == 0


async def test_health_and_metrics_show_lag_of_both_groups(reporting_app, redis, stream_prefix):
    registry_before, _ = registry_dataset()
    supply_before, _ = supplychain_dataset()
    await publish(redis, stream_prefix + REGISTRY, *registry_before)
    await publish(redis, stream_prefix + SUPPLYCHAIN, *supply_before)
    streams = {stream_prefix + REGISTRY: len(registry_before), stream_prefix + SUPPLYCHAIN: len(supply_before)}

    # Groups created as the lifespan would create them, but nothing consuming yet: the lag is all of it.
    for stream in streams:
        await ensure_group(redis, stream, "reporting")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=reporting_app), base_url="http://testserver"
    ) as idle:
        health = (await idle.get("/health")).json()
        assert {(c["stream"], c["group"], c["lag"], c["pending"]) for c in health["consumers"]} == {
            (stream, "reporting", count, 0) for stream, count in streams.items()
        }
        metrics = (await idle.get("/metrics")).text
        for stream, count in streams.items():
            assert f'htx_consumer_lag{{group="reporting",stream="{stream}"}} {float(count)}' in metrics

    async with running_app(reporting_app) as client:
        consumers = await consumed(client, set(streams))
        assert {c["group"] for c in consumers} == {"reporting"} and len(consumers) == 2
        metrics = (await client.get("/metrics")).text
        for stream in streams:
            assert f'htx_consumer_lag{{group="reporting",stream="{stream}"}} 0.0' in metrics
