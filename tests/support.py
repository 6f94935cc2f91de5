"""Helpers for the project's tests: real services, isolated names, waiting on conditions."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
import uvicorn
from sqlalchemy.engine import make_url

from htx.runner import free_port
from htx.testenv import DEFAULT_POSTGRES_URL
from shared.auth import Role, issue_token
from shared.migrations import upgrade
from shared.settings import Settings

T = TypeVar("T")

TEST_SECRET = "test-secret-0123456789abcdef0123456789abcdef"

# The fields of a stream entry, in the order they are written. Spelled out, not read from
# `EventEnvelope`, so a test catches an unintended change of the wire format.
ENVELOPE_FIELDS = (
    "event_id",
    "event_type",
    "version",
    "occurred_at",
    "recorded_at",
    "producer",
    "correlation_id",
    "actor",
    "payload",
)


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
    name = unique("htx_test_")
    await _admin_execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(postgres_admin_url()).set(database=name).render_as_string(hide_password=False)
    finally:
        await _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _admin_execute(statement: str) -> None:
    admin = make_url(postgres_admin_url())
    connection = await asyncpg.connect(admin.set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


class DatabaseTemplates:
    """Migrated databases built once per (backend, service), handed out as private copies.

    Migrating a service takes 0.7-2.5 s; copying its template takes a file copy on SQLite
    and `CREATE DATABASE ... TEMPLATE` (about 0.2 s) on PostgreSQL. Each test still gets a
    database of its own, so tests stay isolated and may run in parallel processes.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._built: dict[tuple[str, str], str] = {}  # (backend, service) -> file or database name

    async def _template(self, backend: str, service: str) -> str:
        key = (backend, service)
        if key not in self._built:
            if backend == "sqlite":
                path = self.directory / f"{service}.db"
                await asyncio.to_thread(upgrade, service, f"sqlite+aiosqlite:///{path}")
                self._built[key] = str(path)
            else:
                name = unique(f"htx_tpl_{service}_")
                await _admin_execute(f'CREATE DATABASE "{name}"')
                self._built[key] = name  # recorded before migrating, so a failure still drops it
                url = make_url(postgres_admin_url()).set(database=name).render_as_string(hide_password=False)
                await asyncio.to_thread(upgrade, service, url)
        return self._built[key]

    @contextlib.asynccontextmanager
    async def copies(self, backend: str, directory: Path) -> AsyncIterator[Callable[[str], Awaitable[str]]]:
        """`await make(service)` inside the block: a fresh copy; PostgreSQL copies dropped after."""
        created: list[str] = []

        async def make(service: str) -> str:
            template = await self._template(backend, service)
            if backend == "sqlite":
                target = directory / f"{service}-{unique()}.db"
                shutil.copyfile(template, target)
                return f"sqlite+aiosqlite:///{target}"
            name = unique("htx_test_")
            await _admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            created.append(name)
            return make_url(postgres_admin_url()).set(database=name).render_as_string(hide_password=False)

        try:
            yield make
        finally:
            for name in created:
                await _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def drop_all(self) -> None:
        names = [name for (backend, _), name in self._built.items() if backend == "postgresql"]

        async def drop() -> None:
            for name in names:
                await _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        if names:
            asyncio.run(drop())


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


def bearer(
    role: Role = "province", *, coop_id: int | None = None, partner_id: int | None = None, secret: str = TEST_SECRET
) -> dict[str, str]:
    token = issue_token(secret, subject=f"test-{role}", role=role, coop_id=coop_id, partner_id=partner_id)
    return {"Authorization": f"Bearer {token}"}


@contextlib.asynccontextmanager
async def served(app, **options: Any) -> AsyncIterator[str]:
    """Serve an ASGI app with a real uvicorn on loopback (`options`: more of uvicorn.Config's), for
    callers that open their own connections; its lifespan is not run."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", **options)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())

    async def started():
        return server.started or task.done()

    await wait_until(started, message=f"a server on port {port}")
    assert not task.done(), "the server stopped at once"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@contextlib.asynccontextmanager
async def running_app(app) -> AsyncIterator[httpx.AsyncClient]:
    """Run an app's lifespan (broker, relay, consumers) and talk to it in-process."""
    from asgi_lifespan import LifespanManager

    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


def qr_texts(image: Any) -> list[str]:
    """The text of each QR symbol in a (PIL) image. zxing may report one symbol twice (found by two
    of its detectors, the second box sometimes shifted), so a read whose text and box match one
    already read is that one: same text, and boxes that overlap or centres within 50 px."""
    import zxingcpp  # a test dependency of the pages and label sheets only

    texts: list[str] = []
    boxes: list[tuple[float, float, float, float]] = []
    for code in zxingcpp.read_barcodes(image):
        position = code.position
        corners = (position.top_left, position.top_right, position.bottom_right, position.bottom_left)
        box = (
            min(c.x for c in corners),
            min(c.y for c in corners),
            max(c.x for c in corners),
            max(c.y for c in corners),
        )
        if not any(text == code.text and _same_place(box, seen) for text, seen in zip(texts, boxes)):
            texts.append(code.text)
            boxes.append(box)
    return texts


def _same_place(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    overlap = a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]
    centres_near = abs((a[0] + a[2]) - (b[0] + b[2])) / 2 <= 50 and abs((a[1] + a[3]) - (b[1] + b[3])) / 2 <= 50
    return overlap or centres_near
