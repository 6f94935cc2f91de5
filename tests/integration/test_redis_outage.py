"""A Redis outage, against a real redis-server that the test kills and starts again.

While Redis is down the services keep serving: a write needs only the database (its event
waits in the outbox), `/health` says `degraded` with HTTP 200 and answers at once. When
Redis is back on its port with its AOF, the outbox drains in order and the consumer groups
catch up, each event applied once. The consumers' periodic dead-consumer sweep lives
through the outage too.

The apps under test talk only to this test's redis-server (`redis_url` is overridden
below), so killing it touches no other test.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis
from sqlmodel import SQLModel, col, select

from htx.runner import RedisServer, free_port
from shared.db import create_engine, session_factory, table_of
from shared.messaging.connection import redis_client
from shared.messaging.consumer import EventHandlers, InboxEntry, StreamConsumer
from shared.messaging.outbox import ArchivedEntry, OutboxMessage, OutboxRelay, record_event
from tests.integration.test_messaging import coop_registered
from tests.support import bearer, running_app, unique, wait_until

# Longer than the slowest reconnection: redis-py's retries (~5 s), FastStream's pause after
# a failed read (5 s) and the relay's backoff (at most 5 s).
CATCH_UP_SECONDS = 60.0


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis", free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The apps' Redis is this test's own server (conftest's is shared by every test)."""
    return redis_server.url


async def register_coop(registry: httpx.AsyncClient, number: int) -> dict:
    response = await registry.post(
        "/coops",
        headers=bearer(),
        json={
            "name": f"HTX Chè Tân Cương {number}",
            "registration_code": f"TN-OUT-{number:02d}",
            "ward_code": "05503",
            "founded_on": "2026-03-02",
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


async def coops_in_reporting(reporting: httpx.AsyncClient) -> int:
    return (await reporting.get("/kpis", params={"year": 2026})).json()["coops"]["total"]


async def caught_up(reporting: httpx.AsyncClient) -> bool:
    health = (await reporting.get("/health")).json()
    consumers = health.get("consumers", [])
    return (
        health["status"] == "ok"
        and bool(consumers)
        and all(c["lag"] == 0 and c["pending"] == 0 and c["reading"] for c in consumers)
    )


async def test_writes_go_on_while_redis_is_down_and_every_event_arrives_once_when_it_is_back(
    registry_app_factory, reporting_app, redis_server: RedisServer, stream_prefix
):
    registry_app = await registry_app_factory()
    async with running_app(registry_app) as registry, running_app(reporting_app) as reporting:

        async def reporting_counts(coops: int) -> bool:
            return await coops_in_reporting(reporting) == coops

        await register_coop(registry, 1)
        await wait_until(lambda: reporting_counts(1), message="the first co-op in reporting")

        redis_server.kill()
        for number in (2, 3, 4):
            await register_coop(registry, number)  # the write path needs only the database
        for client, service in ((registry, "registry"), (reporting, "reporting")):
            response = await client.get("/health")
            assert response.status_code == 200, response.text
            health = response.json()
            assert health["status"] == "degraded", health
            assert health["database"] == "ok"
            assert health["redis"].startswith("error: "), health
            assert health["service"] == service
            metrics = await client.get("/metrics")  # bounded like /health: no wait for redis-py's retries
            assert metrics.status_code == 200 and "http_requests_total" in metrics.text
        assert await reporting_counts(1)  # reads still answer, from the read model

        redis_server.start()  # same port, same AOF: streams and groups as they were
        await wait_until(
            lambda: reporting_counts(4), timeout=CATCH_UP_SECONDS, message="the outage's co-ops in reporting"
        )
        await wait_until(lambda: caught_up(reporting), timeout=CATCH_UP_SECONDS, message="reporting caught up")
        assert (await registry.get("/health")).json()["status"] == "ok"

        async with registry_app.state.runtime.read_sessions() as session:
            outbox = (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all()
        async with reporting_app.state.runtime.read_sessions() as session:
            registry_stream = f"{stream_prefix}registry.events"
            applied = (
                await session.exec(select(InboxEntry.event_id).where(InboxEntry.stream == registry_stream))
            ).all()

    assert len(outbox) == 4 and all(row.published_at is not None for row in outbox)
    client = redis_client(redis_server.url)
    try:
        entries = await client.xrange(f"{stream_prefix}registry.events")
    finally:
        await client.aclose()
    published = [fields[b"event_id"].decode() for _, fields in entries]
    # In commit order, each once (a row published twice, the relay cut off between XADD and
    # marking it, would be harmless: the inbox drops it).
    assert published == [row.event_id for row in outbox]
    assert sorted(applied) == sorted(published)  # each applied, once


async def test_a_consumer_whose_group_vanished_is_reported_by_health(reporting_app, redis_server, stream_prefix):
    """A Redis back without its data has no groups: FastStream stops those subscribers for good
    (NOGROUP) and the process carries on, so /health must say so."""
    registry_stream, supplychain_stream = f"{stream_prefix}registry.events", f"{stream_prefix}supplychain.events"
    async with running_app(reporting_app) as reporting:
        await wait_until(lambda: caught_up(reporting), message="reporting reading both streams")
        client = redis_client(redis_server.url)
        try:
            await client.xgroup_destroy(registry_stream, "reporting")
        finally:
            await client.aclose()

        async def stopped_reading() -> dict | None:
            health = (await reporting.get("/health")).json()
            return health if any(not c["reading"] for c in health["consumers"]) else None

        health = await wait_until(stopped_reading, timeout=CATCH_UP_SECONDS, message="health noticing NOGROUP")
        assert health["status"] == "degraded" and health["redis"] == "ok"
        assert {c["stream"]: c["reading"] for c in health["consumers"]} == {
            registry_stream: False,
            supplychain_stream: True,
        }


async def test_dead_consumer_sweep_runs_periodically_and_lives_through_an_outage(
    redis_server: RedisServer, stream_prefix, caplog
):
    stream, group = f"{stream_prefix}registry.events", "sweeper"
    client = redis_client(redis_server.url)
    consumer = StreamConsumer(
        stream=stream,
        group=group,
        consumer_name="host-1-live",
        handlers=EventHandlers({}),
        sessions=None,  # the sweep never touches the database
        redis=client,
        claim_idle_ms=50,
        max_deliveries=3,
        dead_consumer_idle_ms=200,
    )
    probe = redis_client(redis_server.url)  # retries, like the services: the test outlives the outage too
    caplog.set_level(logging.WARNING, logger="shared.messaging.consumer")

    async def gone(name: str) -> bool:
        return name not in {row["name"].decode() for row in await probe.xinfo_consumers(stream, group)}

    async def sweep_failed() -> bool:
        return any("dead-consumer sweep" in record.getMessage() for record in caplog.records)

    try:
        await consumer.ensure_group()
        await probe.xgroup_createconsumer(stream, group, "host-2-dead")
        sweep = asyncio.create_task(consumer.sweep_dead_consumers(0.1))
        try:
            await wait_until(lambda: gone("host-2-dead"), message="a sweep after start")

            redis_server.kill()
            await wait_until(sweep_failed, timeout=CATCH_UP_SECONDS, message="a sweep failing while Redis is down")
            redis_server.start()

            later = unique("host-3-dead-")
            await probe.xgroup_createconsumer(stream, group, later)
            await wait_until(lambda: gone(later), timeout=CATCH_UP_SECONDS, message="a sweep after the outage")
            assert not sweep.done()
        finally:
            sweep.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweep
    finally:
        await client.aclose()
        await probe.aclose()


class _HangingPipelines:
    """The relay's Redis, except that a pipeline's `execute` waits until released: a Redis
    that stops answering in the middle of a publish."""

    def __init__(self, redis: aioredis.Redis) -> None:
        self._redis = redis
        self.waiting = asyncio.Event()
        self.release = asyncio.Event()

    def lock(self, *args, **kwargs):
        return self._redis.lock(*args, **kwargs)

    @contextlib.asynccontextmanager
    async def pipeline(self, *args, **kwargs):
        async with self._redis.pipeline(*args, **kwargs) as real:
            yield _HangingPipeline(real, self)


class _HangingPipeline:
    def __init__(self, real, hanging: _HangingPipelines) -> None:
        self._real, self._hanging = real, hanging

    def xadd(self, *args, **kwargs) -> None:
        self._real.xadd(*args, **kwargs)

    async def execute(self):
        self._hanging.waiting.set()
        await self._hanging.release.wait()
        return await self._real.execute()


def _take_write_lock_at_once(path: Path) -> None:
    """What a command's transaction does first on SQLite, without waiting for a busy database."""
    connection = sqlite3.connect(path, timeout=0)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
    finally:
        connection.close()


async def test_relay_waiting_on_redis_holds_no_database_lock(redis_server: RedisServer, stream_prefix, tmp_path):
    """SQLite only: on PostgreSQL the relay's read takes no lock a command would wait for.

    A relay that kept its database transaction open while Redis made it wait held SQLite's
    write lock: every command queued behind an absent Redis, and failed after the busy timeout.
    """
    path = tmp_path / "relay-lock.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as connection:
        await connection.run_sync(
            lambda sync: SQLModel.metadata.create_all(sync, tables=[table_of(OutboxMessage), table_of(ArchivedEntry)])
        )
    sessions = session_factory(engine)
    async with sessions() as session:
        for coop_id in (1, 2):
            record_event(session, "registry.events", coop_registered(f"HTX {coop_id}", coop_id))
        await session.commit()
    client = redis_client(redis_server.url)
    hanging = _HangingPipelines(client)
    relay = OutboxRelay(sessions, hanging, producer="registry", stream_name=lambda name: f"{stream_prefix}{name}")
    publishing = asyncio.create_task(relay.publish_pending())
    try:
        await wait_until(lambda: _is_set(hanging.waiting), message="the relay waiting on Redis")
        await asyncio.to_thread(_take_write_lock_at_once, path)  # raises "database is locked" if the relay holds it
        hanging.release.set()
        assert await publishing == 2
        assert await client.xlen(f"{stream_prefix}registry.events") == 2
    finally:
        hanging.release.set()
        await asyncio.gather(publishing, return_exceptions=True)
        await client.aclose()
        await engine.dispose()


async def _is_set(event: asyncio.Event) -> bool:
    return event.is_set()
