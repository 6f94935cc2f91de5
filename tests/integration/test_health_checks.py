"""/health and /metrics stay truthful and cheap: a stuck outbox shows, arbitrary methods add no series.

A relay that stops publishing while Redis answers used to leave /health `ok` while every write's
event waited in the outbox (nothing downstream heard of them); now the oldest unpublished row's
age is part of /health, from an indexed MIN.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from shared.clock import utcnow
from shared.db import table_of
from shared.messaging.outbox import OutboxMessage, record_event
from shared.service import ServiceRuntime, create_service_app
from tests.integration.test_messaging import coop_registered
from tests.support import service_settings


@contextlib.asynccontextmanager
async def registry_runtime(database_url: str, redis_url: str, stream_prefix: str) -> AsyncIterator[ServiceRuntime]:
    settings = service_settings(
        database_url=database_url, redis_url=redis_url, stream_prefix=stream_prefix, outbox_stale_ms=60_000
    )
    runtime = ServiceRuntime.build("registry", settings, publishes="registry.events")
    try:
        yield runtime
    finally:
        await runtime.redis.aclose()
        await runtime.engine.dispose()
        await runtime.read_engine.dispose()


def _client(runtime: ServiceRuntime) -> httpx.AsyncClient:
    app = create_service_app(runtime, [], title="health check", description="")
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def _record_waiting_since(runtime: ServiceRuntime, minutes: int) -> None:
    async with runtime.unit_of_work() as work:
        record_event(work.session, "registry.events", coop_registered("HTX Chè Tân Hương", 1))
        await work.session.flush()
        await (await work.session.connection()).execute(
            update(table_of(OutboxMessage)).values(created_at=utcnow() - timedelta(minutes=minutes))
        )


async def test_health_is_degraded_while_an_event_waits_too_long_in_the_outbox(
    database_url_factory, redis_url, stream_prefix
):
    async with registry_runtime(await database_url_factory("registry"), redis_url, stream_prefix) as runtime:
        async with _client(runtime) as client:
            fresh = (await client.get("/health")).json()
            assert (fresh["status"], fresh["outbox"]) == ("ok", {"oldest_unpublished_seconds": 0, "stale": False})

            await _record_waiting_since(runtime, minutes=2)
            answer = await client.get("/health")
            assert answer.status_code == 200  # writes still work: degraded, not unhealthy
            stuck = answer.json()
            assert stuck["status"] == "degraded" and stuck["redis"] == "ok"
            assert stuck["outbox"]["stale"] is True and stuck["outbox"]["oldest_unpublished_seconds"] >= 120

            assert runtime.relay is not None
            assert await runtime.relay.publish_pending() == 1
            assert (await client.get("/health")).json()["status"] == "ok"


async def test_a_recent_unpublished_event_is_not_stale(database_url_factory, redis_url, stream_prefix):
    async with registry_runtime(await database_url_factory("registry"), redis_url, stream_prefix) as runtime:
        await _record_waiting_since(runtime, minutes=0)
        async with _client(runtime) as client:
            health = (await client.get("/health")).json()
        assert health["status"] == "ok" and health["outbox"]["stale"] is False


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_metrics_labels_come_from_known_methods_and_route_templates(
    database_url_factory, redis_url, stream_prefix
):
    async with registry_runtime(await database_url_factory("registry"), redis_url, stream_prefix) as runtime:
        async with _client(runtime) as client:
            for method in ("FROBNICATE", "X-ANYTHING-123"):
                await client.request(method, "/health")
            await client.get("/no/such/path/7731")
            metrics = (await client.get("/metrics")).text
    assert 'method="other"' in metrics
    assert "FROBNICATE" not in metrics and "X-ANYTHING-123" not in metrics
    assert 'route="unmatched"' in metrics and "7731" not in metrics
