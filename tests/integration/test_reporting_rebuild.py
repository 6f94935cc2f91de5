"""Rebuilding the reporting read model from the streams gives what live consumption gave,
and a rebuild running beside the live consumer neither double counts nor loses an event."""

from __future__ import annotations

import asyncio
from datetime import date

from sqlmodel import select

from services.reporting.consumers import rebuild
from services.reporting.tables import TABLES
from shared.db import create_engine, session_factory
from shared.events.envelope import EventEnvelope
from tests.integration.reporting_events import (
    EXPECTED_2024,
    REGISTRY,
    SUPPLYCHAIN,
    envelope,
    harvest,
    publish,
    registry_dataset,
    supplychain_dataset,
)
from tests.integration.test_reporting_projections import consumed, figures
from tests.support import bearer, running_app, service_settings

VOLATILE = {"updated_at", "processed_at"}  # wall-clock times of applying, not facts


async def snapshot(database_url: str) -> dict[str, list[dict]]:
    """Every row of the read model and the inbox, in key order, without apply-time stamps."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            result = {}
            for table in TABLES:
                rows = await session.execute(select(table).order_by(*table.primary_key.columns))
                result[table.name] = [{k: v for k, v in row._mapping.items() if k not in VOLATILE} for row in rows]
            return result
    finally:
        await engine.dispose()


async def publish_dataset(redis, stream_prefix: str) -> None:
    registry_before, registry_after = registry_dataset()
    supply_before, supply_after = supplychain_dataset()
    await publish(redis, stream_prefix + REGISTRY, *registry_before, *registry_after)
    await publish(redis, stream_prefix + SUPPLYCHAIN, *supply_before, *supply_after)
    # Another producer's business on the same stream: acknowledged, never applied.
    foreign = EventEnvelope(
        event_type="registry.partner_added",
        occurred_at=envelope(harvest("X", 1, 1, "1", date(2024, 1, 1), 1)).occurred_at,
        producer="registry",
        payload={"partner_id": 1},
    )
    await redis.xadd(stream_prefix + REGISTRY, foreign.to_fields())


async def publish_poison(redis, stream_prefix: str) -> None:
    """A harvest whose payload breaks its contract: live dead-letters it, rebuild leaves it out."""
    good = envelope(harvest("P1", 1, 1, "1", date(2024, 2, 2), 1))
    poison = EventEnvelope(
        event_type=good.event_type,
        occurred_at=good.occurred_at,
        producer="supplychain",
        payload={**good.payload, "quantity_kg": "nhiều lắm"},
    )
    await redis.xadd(stream_prefix + SUPPLYCHAIN, poison.to_fields())


async def test_rebuild_equals_live(reporting_app, database_url_factory, redis_url, redis, stream_prefix):
    await publish_dataset(redis, stream_prefix)
    await publish_poison(redis, stream_prefix)
    live_url = reporting_app.state.settings.database_url
    streams = {stream_prefix + REGISTRY, stream_prefix + SUPPLYCHAIN}
    async with running_app(reporting_app) as client:
        await consumed(client, streams)
        live_kpis = [(await client.get("/kpis", params={"year": year})).json() for year in (2023, 2024, 2025)]
        assert figures(live_kpis[1]) == EXPECTED_2024
        assert await redis.xlen(stream_prefix + SUPPLYCHAIN + ".dlq") == 1  # the poison, after its retries
        live_rows = await snapshot(live_url)
        assert len(live_rows["inbox"]) == 16 + 7  # distinct applicable events with a handler here

        assert (await client.post("/admin/rebuild")).status_code == 401
        assert (await client.post("/admin/rebuild", headers=bearer("coop", coop_id=1))).status_code == 403
        response = await client.post("/admin/rebuild", headers=bearer())
        assert response.status_code == 200, response.text
        assert response.json() == {
            stream_prefix + REGISTRY: {
                "entries": 18,
                "applied": 16,
                "duplicates": 1,
                "ignored": 1,
                "failed": 0,
                "malformed": 0,
            },
            stream_prefix + SUPPLYCHAIN: {
                "entries": 9,
                "applied": 7,
                "duplicates": 1,
                "ignored": 0,
                "failed": 1,
                "malformed": 0,
            },
        }
        assert await snapshot(live_url) == live_rows
        assert [(await client.get("/kpis", params={"year": year})).json() for year in (2023, 2024, 2025)] == live_kpis

    # The CLI's entry point, into a database that never consumed live: the same rows.
    cold_url = await database_url_factory("reporting")
    counts = await rebuild(service_settings(database_url=cold_url, redis_url=redis_url, stream_prefix=stream_prefix))
    assert counts[stream_prefix + REGISTRY]["applied"] == 16
    assert await snapshot(cold_url) == live_rows


async def test_rebuild_beside_live_consumer_neither_double_counts_nor_loses(reporting_app, redis, stream_prefix):
    await publish_dataset(redis, stream_prefix)
    settings = reporting_app.state.settings
    url = settings.database_url
    streams = {stream_prefix + REGISTRY, stream_prefix + SUPPLYCHAIN}
    extra = 40  # 1 kg lots harvested in 2024, published while rebuilds run

    async def keep_publishing() -> None:
        for number in range(extra):
            await publish(
                redis, stream_prefix + SUPPLYCHAIN, envelope(harvest(f"R{number}", 1, 1, "1", date(2024, 7, 1), 4))
            )

    async with running_app(reporting_app) as client:

        async def keep_rebuilding() -> list[dict]:
            results = []
            for turn in range(4):  # through the API and as the CLI does, from its own engine
                if turn % 2:
                    results.append(await rebuild(settings))
                else:
                    response = await client.post("/admin/rebuild", headers=bearer())
                    assert response.status_code == 200, response.text
                    results.append(response.json())
            return results

        _, results = await asyncio.gather(keep_publishing(), keep_rebuilding())
        assert all(r[stream_prefix + SUPPLYCHAIN]["failed"] == 0 for r in results)
        await consumed(client, streams)

        report = (await client.get("/kpis", params={"year": 2024})).json()
        assert report["harvest"] == {"lots": 2 + extra, "kg": f"{19.75 + extra:.3f}"}
        assert figures(report) == EXPECTED_2024 | {"harvest": report["harvest"]}
        rows = await snapshot(url)
        assert len(rows["rpt_harvest"]) == 4 + extra
        assert len(rows["inbox"]) == 16 + 7 + extra

        await client.post("/admin/rebuild", headers=bearer())
        assert await snapshot(url) == rows
