"""Fixtures shared by every tier.

Redis and PostgreSQL are real servers. With HTX_REQUIRE_SERVICES=1 (set by .ci/run) a
missing server fails the run instead of quietly narrowing it.
Database-backed tests run once on SQLite and once on PostgreSQL (`backend` parameter).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable

import pytest
import redis.asyncio as aioredis

from shared.migrations import upgrade_async
from shared.testing import temporary_postgres_database, unique

REDIS_URL = os.environ.get("HTX_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_url() -> str:
    return REDIS_URL


@pytest.fixture
async def redis() -> AsyncIterator[aioredis.Redis]:
    client = aioredis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception as error:  # pragma: no cover - environment problem, reported loudly
        pytest.fail(f"Redis is required at {REDIS_URL}: {error}")
    yield client
    await client.aclose()


@pytest.fixture
def stream_prefix() -> str:
    """Per-test stream names, so tests never see each other's events."""
    return unique("test.") + "."


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    return request.param


@pytest.fixture
async def database_url_factory(backend: str, tmp_path) -> AsyncIterator[Callable[[str], object]]:
    """`await make(service)` gives a migrated, empty database for that service."""
    cleanups = []

    async def make(service: str) -> str:
        if backend == "sqlite":
            url = f"sqlite+aiosqlite:///{tmp_path}/{service}-{unique()}.db"
        else:
            manager = temporary_postgres_database()
            url = await manager.__aenter__()
            cleanups.append(manager)
        await upgrade_async(service, url)
        return url

    yield make
    for manager in reversed(cleanups):
        await manager.__aexit__(None, None, None)
