"""The messaging layer's failure modes, against a real Redis: ignored types, relay leases, dead consumers.

- An entry with no handler here is acknowledged, counted in `htx_consumer_ignored_total` and
  logged once per type (at WARNING when no contract knows the type).
- The outbox relay's lock is a short lease its holder renews: a SIGKILLed relay's lease lapses
  within seconds, a live relay keeps it through a batch longer than the lease.
- Consumers of a group idle far longer than the claimer needs and holding nothing pending are
  removed at start; one with a pending entry, and our own, stay.

Nothing here sleeps for a fixed time: every wait polls a condition with a deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from prometheus_client import generate_latest
from redis.asyncio.lock import Lock
from sqlmodel import SQLModel

from shared.db import create_engine, session_factory
from shared.events.envelope import EventEnvelope
from shared.events.registry import CoopRegistered, MemberLeft
from shared.messaging.consumer import (
    DEAD_CONSUMER_MIN_IDLE_MS,
    ConsumedEvent,
    EventHandlers,
    InboxEntry,
    StreamConsumer,
)
from shared.messaging.outbox import ArchivedEntry, OutboxMessage, OutboxRelay, record_event
from shared.service import ServiceRuntime
from tests.integration.test_messaging import coop_registered, envelope
from tests.support import service_settings, unique, wait_until

ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 1.0


@pytest.fixture
async def sessions(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/hardening-{unique()}.db")
    async with engine.begin() as connection:
        tables = [InboxEntry.__table__, OutboxMessage.__table__, ArchivedEntry.__table__]
        await connection.run_sync(lambda sync: SQLModel.metadata.create_all(sync, tables=tables))
    yield session_factory(engine)
    await engine.dispose()


@pytest.fixture
async def clean_redis(redis: aioredis.Redis, stream_prefix: str) -> AsyncIterator[aioredis.Redis]:
    try:
        yield redis
    finally:
        keys = [key async for key in redis.scan_iter(match=f"{stream_prefix}*")]
        if keys:
            await redis.delete(*keys)


# --- 1. unknown event types are loud --------------------------------------------------------


async def test_unhandled_event_types_are_counted_and_logged_once(
    redis_url, clean_redis: aioredis.Redis, stream_prefix, tmp_path, caplog, capfd
):
    settings = service_settings(
        redis_url=redis_url, stream_prefix=stream_prefix, database_url=f"sqlite+aiosqlite:///{tmp_path}/ignored.db"
    )
    runtime = ServiceRuntime.build("hardening", settings)
    applied: list[str] = []

    async def on_registered(session, event: ConsumedEvent[CoopRegistered]) -> None:
        applied.append(event.event.name)

    consumer = runtime.consume("registry.events", EventHandlers({CoopRegistered: on_registered}))
    async with runtime.engine.begin() as connection:
        await connection.run_sync(lambda sync: SQLModel.metadata.create_all(sync, tables=[InboxEntry.__table__]))
    caplog.set_level(logging.INFO, logger="shared.messaging.consumer")
    known_unhandled = MemberLeft.event_type
    typo = "registry.coop_registred"

    def published(event_type: str, coop_id: int) -> EventEnvelope:
        return envelope("HTX Chè Tân Hương", coop_id).model_copy(update={"event_type": event_type})

    try:
        await consumer.ensure_group()
        consumer.subscribe(runtime.broker)
        await runtime.broker.start()
        for number in range(3):
            await clean_redis.xadd(consumer.stream, published(known_unhandled, number).to_fields())
        for number in range(2):
            await clean_redis.xadd(consumer.stream, published(typo, number).to_fields())
        await clean_redis.xadd(consumer.stream, envelope("HTX Chè La Bằng", 9).to_fields())

        async def settled() -> bool:
            (group,) = await clean_redis.xinfo_groups(consumer.stream)
            return applied == ["HTX Chè La Bằng"] and group["pending"] == 0

        await wait_until(settled, message="every entry acknowledged, the handled one applied")
    finally:
        await runtime.broker.stop()
        await runtime.redis.aclose()
        await runtime.engine.dispose()

    metrics = generate_latest(runtime.metrics).decode()
    labels = f'group="hardening",stream="{consumer.stream}"'
    assert f'htx_consumer_ignored_total{{event_type="{known_unhandled}",{labels}}} 3.0' in metrics
    assert f'htx_consumer_ignored_total{{event_type="{typo}",{labels}}} 2.0' in metrics
    assert 'event_type="registry.coop_registered"' not in metrics  # applied, not ignored

    about = [record for record in caplog.records if "ignores" in record.getMessage()]
    known_lines = [record for record in about if known_unhandled in record.getMessage()]
    typo_lines = [record for record in about if typo in record.getMessage()]
    assert [record.levelno for record in known_lines] == [logging.INFO]
    assert [record.levelno for record in typo_lines] == [logging.WARNING]
    assert "no such contract" in typo_lines[0].getMessage()
    # FastStream's line per entry ("Received", "Processed") is not in the log, at any level shown.
    routine = [record for record in caplog.records if record.getMessage() in ("Received", "Processed")]
    captured = capfd.readouterr()
    assert routine == [] and " - Received" not in captured.out + captured.err


# --- 2. the relay's lock is a lease ----------------------------------------------------------


def _relay(sessions, redis: aioredis.Redis, stream_prefix: str) -> OutboxRelay:
    return OutboxRelay(
        sessions,
        redis,
        producer="registry",
        stream_name=lambda name: f"{stream_prefix}{name}",
        poll_seconds=5,
        lease_seconds=LEASE_SECONDS,
    )


async def _record(sessions, count: int) -> None:
    async with sessions() as session:
        for coop_id in range(1, count + 1):
            record_event(session, "registry.events", coop_registered(f"HTX {coop_id}", coop_id))
        await session.commit()


class _Renewals:
    """Counts how often the lease's TTL went up: each rise is a renewal by its holder."""

    def __init__(self, redis: aioredis.Redis, key: str) -> None:
        self.redis, self.key = redis, key
        self.last: int | None = None
        self.count = 0

    async def at_least(self, count: int) -> bool:
        ttl = await self.redis.pttl(self.key)
        if ttl > 0:
            if self.last is not None and ttl > self.last:
                self.count += 1
            self.last = ttl
        return self.count >= count


# A relay in its own process whose database never answers: it holds (and renews) the lease
# mid-batch until it is killed.
_STUCK_RELAY = """
import asyncio, contextlib, sys
from shared.messaging.connection import redis_client
from shared.messaging.outbox import OutboxRelay

@contextlib.asynccontextmanager
async def stuck_session():
    await asyncio.Event().wait()
    yield

async def main(url, prefix, lease):
    relay = OutboxRelay(stuck_session, redis_client(url), producer="registry",
                        stream_name=lambda name: prefix + name, lease_seconds=lease)
    await relay.publish_pending()

asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3])))
"""


async def test_killed_relay_lease_lapses_and_the_next_relay_publishes(
    redis_url, clean_redis: aioredis.Redis, sessions, stream_prefix
):
    await _record(sessions, 3)
    lock_key = f"{stream_prefix}outbox-relay-lock:registry"
    stream = f"{stream_prefix}registry.events"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _STUCK_RELAY, redis_url, stream_prefix, str(LEASE_SECONDS), cwd=ROOT
    )
    try:
        renewals = _Renewals(clean_redis, lock_key)
        await wait_until(lambda: renewals.at_least(1), interval=0.02, message="the other relay holding its lease")
        survivor = _relay(sessions, clean_redis, stream_prefix)
        assert await survivor.publish_pending() == 0  # the lease is held: nothing published twice
    finally:
        process.kill()  # SIGKILL: no release, no renewal
        await process.wait()

    async def published_all() -> bool:
        await survivor.publish_pending()
        return await clean_redis.xlen(stream) == 3

    await wait_until(published_all, timeout=3 * LEASE_SECONDS + 2, message="the survivor publishing after the lapse")


class _GatedSessions:
    """The relay's session factory, held shut until the test opens the gate: a long batch."""

    def __init__(self, sessions) -> None:
        self.sessions = sessions
        self.gate = asyncio.Event()

    @contextlib.asynccontextmanager
    async def __call__(self):
        await self.gate.wait()
        async with self.sessions() as session:
            yield session


async def test_live_relay_keeps_its_lease_through_a_batch_longer_than_the_lease(
    clean_redis: aioredis.Redis, sessions, stream_prefix
):
    await _record(sessions, 3)
    lock_key = f"{stream_prefix}outbox-relay-lock:registry"
    gated = _GatedSessions(sessions)
    holder = asyncio.create_task(_relay(gated, clean_redis, stream_prefix).publish_pending())
    other = _relay(sessions, clean_redis, stream_prefix)
    try:
        await wait_until(lambda: clean_redis.exists(lock_key), message="the holder taking the lease")
        token = await clean_redis.get(lock_key)
        renewals = _Renewals(clean_redis, lock_key)
        # Three renewals at a third of the TTL each: the batch has outlived one whole lease.
        await wait_until(lambda: renewals.at_least(3), interval=0.02, message="three renewals")
        assert await clean_redis.get(lock_key) == token
        assert await other.publish_pending() == 0
        gated.gate.set()
        assert await asyncio.wait_for(holder, timeout=10) == 3
    finally:
        gated.gate.set()
        if not holder.done():
            holder.cancel()
    assert not await clean_redis.exists(lock_key)  # released at the end of the batch
    assert await clean_redis.xlen(f"{stream_prefix}registry.events") == 3
    assert await other.publish_pending() == 0


class _CountedSessions(_GatedSessions):
    """Also counts the sessions the relay has finished with."""

    def __init__(self, sessions) -> None:
        super().__init__(sessions)
        self.closed = 0

    @contextlib.asynccontextmanager
    async def __call__(self):
        async with super().__call__() as session:
            yield session
        self.closed += 1


async def test_relay_finishes_when_a_cancel_of_its_lease_renewal_is_swallowed(
    clean_redis: aioredis.Redis, sessions, stream_prefix, monkeypatch
):
    """On Python 3.11 redis-py's `wait_for` loses a cancel that lands as a command's reply
    arrives. The relay used to cancel its lease renewer: the renewer then renewed forever and
    the relay waited for it forever, holding the lease while outbox rows piled up."""
    renewing, answered = asyncio.Event(), asyncio.Event()
    reacquire = Lock.reacquire

    async def renewal_whose_cancel_is_lost(lock: Lock) -> bool:
        renewing.set()
        try:
            await answered.wait()  # the command is in flight
        except asyncio.CancelledError:
            await answered.wait()  # its reply still arrives, and the cancel is forgotten
        return await reacquire(lock)

    monkeypatch.setattr(Lock, "reacquire", renewal_whose_cancel_is_lost)
    await _record(sessions, 3)
    counted = _CountedSessions(sessions)
    holder = asyncio.create_task(_relay(counted, clean_redis, stream_prefix).publish_pending())
    try:

        async def in_renewal() -> bool:
            return renewing.is_set()

        async def batch_over() -> bool:  # read, mark, read again (nothing left): the relay stops its renewer
            return counted.closed >= 3

        await wait_until(in_renewal, interval=0.02, message="the relay renewing its lease")
        counted.gate.set()
        await wait_until(batch_over, interval=0.01, message="the relay finishing its batch")
        answered.set()
        # Not `wait_for`: on a timeout it cancels the relay, whose old code then swallowed that too.
        finished, _ = await asyncio.wait({holder}, timeout=10)
        assert holder in finished, "the relay is still waiting for its lease renewer"
        assert holder.result() == 3
    finally:
        counted.gate.set()
        answered.set()
        if not holder.done():
            holder.cancel()
    assert not await clean_redis.exists(f"{stream_prefix}outbox-relay-lock:registry")


# --- 3. dead consumers leave the group ---------------------------------------------------------


async def _consumers(redis: aioredis.Redis, stream: str, group: str) -> dict[str, int]:
    return {row["name"].decode(): int(row["pending"]) for row in await redis.xinfo_consumers(stream, group)}


async def _idle_at_least(redis: aioredis.Redis, stream: str, group: str, names: set[str], idle_ms: int) -> bool:
    rows = await redis.xinfo_consumers(stream, group)
    return all(int(row["idle"]) >= idle_ms for row in rows if row["name"].decode() in names)


async def test_idle_consumers_without_pending_entries_are_removed_at_start(
    clean_redis: aioredis.Redis, sessions, stream_prefix
):
    stream, group, idle_ms = f"{stream_prefix}registry.events", "hardening", 300

    def consumer(threshold_ms: int | None = idle_ms) -> StreamConsumer:
        return StreamConsumer(
            stream=stream,
            group=group,
            consumer_name="host-1-live",
            handlers=EventHandlers({}),
            sessions=sessions,
            redis=clean_redis,
            claim_idle_ms=100,
            max_deliveries=3,
            dead_consumer_idle_ms=threshold_ms,
        )

    await consumer().ensure_group()
    for coop_id in range(3):
        await clean_redis.xadd(stream, envelope("HTX Chè Tân Hương", coop_id).to_fields())
    ((_, acked),) = await clean_redis.xreadgroup(group, "host-1-dead", {stream: ">"}, count=2)
    await clean_redis.xack(stream, group, *[entry_id for entry_id, _ in acked])
    ((_, held),) = await clean_redis.xreadgroup(group, "host-2-dead", {stream: ">"}, count=1)
    await clean_redis.xgroup_createconsumer(stream, group, "host-1-live")  # our own name, idle too
    await wait_until(
        lambda: _idle_at_least(clean_redis, stream, group, {"host-1-dead", "host-2-dead", "host-1-live"}, idle_ms),
        message="the consumers idle past the threshold",
    )
    await clean_redis.xgroup_createconsumer(stream, group, "host-3-just-started")

    await consumer(threshold_ms=None).ensure_group()  # the default threshold: minutes, nobody is that idle
    assert set(await _consumers(clean_redis, stream, group)) == {
        "host-1-dead",
        "host-2-dead",
        "host-1-live",
        "host-3-just-started",
    }

    await consumer().ensure_group()  # a start with a small threshold
    assert await _consumers(clean_redis, stream, group) == {
        "host-2-dead": 1,
        "host-1-live": 0,
        "host-3-just-started": 0,
    }

    # The claimer takes the dead process's entry; then its name can go too.
    await clean_redis.xclaim(stream, group, "host-1-live", min_idle_time=0, message_ids=[held[0][0]])
    await clean_redis.xack(stream, group, held[0][0])
    assert "host-2-dead" in await consumer().remove_dead_consumers()
    remaining = await _consumers(clean_redis, stream, group)
    assert "host-2-dead" not in remaining and "host-1-live" in remaining


def test_default_dead_consumer_threshold_is_far_above_the_claimers_idle_time():
    def threshold(claim_idle_ms: int) -> int:
        return StreamConsumer(
            stream="s",
            group="g",
            consumer_name="c",
            handlers=EventHandlers({}),
            sessions=None,
            redis=None,
            claim_idle_ms=claim_idle_ms,
            max_deliveries=3,
        ).dead_consumer_idle_ms

    assert threshold(10_000) == DEAD_CONSUMER_MIN_IDLE_MS
    assert threshold(60_000) == 600_000
