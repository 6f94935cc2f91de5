"""Fixtures shared by every tier.

Redis and PostgreSQL are real servers. With HTX_REQUIRE_SERVICES=1 (set by .ci/run) a
missing server fails the run instead of quietly narrowing it.
Database-backed tests run once on SQLite and once on PostgreSQL (`backend` parameter).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest
import redis.asyncio as aioredis

from tests.fixtures.registry import *  # noqa: F403 - each service's app fixtures, for every tier
from tests.fixtures.reporting import *  # noqa: F403
from tests.fixtures.supplychain import *  # noqa: F403
from tests.support import DatabaseTemplates, unique

REDIS_URL = os.environ.get("HTX_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
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


@pytest.fixture(scope="session")
def database_templates(tmp_path_factory) -> Iterator[DatabaseTemplates]:
    """Each service's schema migrated once per session and backend, then copied per test."""
    templates = DatabaseTemplates(tmp_path_factory.mktemp("templates"))
    yield templates
    templates.drop_all()


@pytest.fixture
async def database_url_factory(backend: str, database_templates: DatabaseTemplates, tmp_path):
    """`await make(service)` gives a migrated, empty database of that service, private to the test."""
    async with database_templates.copies(backend, tmp_path) as make:
        yield make
