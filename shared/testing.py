"""Helpers for the project's tests: real services, isolated names, waiting on conditions."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from shared.auth import Role, issue_token
from shared.settings import Settings

T = TypeVar("T")

TEST_SECRET = "test-secret-0123456789abcdef0123456789abcdef"
DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def unique(prefix: str = "t") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


async def wait_until(
    probe: Callable[[], Awaitable[T]],
    *,
    timeout: float = 15.0,
    interval: float = 0.05,
    message: str = "condition",
) -> T:
    """Poll `probe` until it returns a truthy value; fail with `message` after `timeout`."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = await probe()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}; last value: {last!r}")


def postgres_admin_url() -> str:
    return os.environ.get("HTX_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


@contextlib.asynccontextmanager
async def temporary_postgres_database() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database for one test; dropped afterwards."""
    admin = make_url(postgres_admin_url())
    name = unique("htx_test_")
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        connection = await asyncpg.connect(dsn)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()


def service_settings(**overrides: object) -> Settings:
    """Settings for a service under test: fast claiming, few deliveries before dead-lettering."""
    values: dict[str, object] = {
        "env": "test",
        "secret_key": TEST_SECRET,
        "claim_idle_ms": 400,
        "max_deliveries": 3,
        "outbox_poll_ms": 100,
    }
    values.update(overrides)
    return Settings(**values)


def bearer(role: Role = "province", *, coop_id: int | None = None, partner_id: int | None = None,
           secret: str = TEST_SECRET) -> dict[str, str]:
    token = issue_token(secret, subject=f"test-{role}", role=role, coop_id=coop_id, partner_id=partner_id)
    return {"Authorization": f"Bearer {token}"}


@contextlib.asynccontextmanager
async def running_app(app) -> AsyncIterator[httpx.AsyncClient]:
    """Run an app's lifespan (broker, relay, consumers) and talk to it in-process."""
    from asgi_lifespan import LifespanManager

    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
