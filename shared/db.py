"""Async database access for SQLite (embedded) and PostgreSQL (production).

One engine per service process. SQLite gets WAL, a busy timeout and foreign keys, so the
embedded mode behaves like a real database under the relay and consumers' concurrent writes.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Table, event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, *, writes: bool = True, busy_timeout_seconds: float = 30) -> AsyncEngine:
    """An async engine with what SQLite needs to act as a service database.

    On SQLite a transaction of a `writes` engine starts with `BEGIN IMMEDIATE`: it takes the
    database's write lock before its first read, so "check the lot holds enough, then record
    the sale" is serialised as `SELECT ... FOR UPDATE` serialises it on PostgreSQL (which
    SQLite ignores). Without it the driver starts the transaction at the first write, after
    the check, and 30 concurrent 10 kg sales of a 100 kg lot sold 240 kg
    (docs/design-brief.md, trap 12). Reads go through an engine with `writes=False`, which
    keeps them off the write lock (WAL lets them read while a writer works).
    """
    if not is_sqlite(url):
        return create_async_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
    database = make_url(url).database
    if database and database != ":memory:":
        _private_file(Path(database))
    engine = create_async_engine(url, connect_args={"timeout": busy_timeout_seconds})

    @event.listens_for(engine.sync_engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:  # pragma: no cover - driver hook
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_seconds * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        if writes:
            dbapi_connection.isolation_level = None  # the driver's own BEGIN is off: SQLAlchemy's below

    if writes:

        @event.listens_for(engine.sync_engine, "begin")
        def _begin_immediate(connection: Any) -> None:  # pragma: no cover - driver hook
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _private_file(path: Path) -> None:
    """The database file readable by its owner only (0600): it holds households' names and what they are
    owed. SQLite gives its -wal and -shm files the database file's permissions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    os.chmod(path, 0o600)


def table_of(model: type[SQLModel]) -> Table:
    """The Core table behind a SQLModel class (for multi-row INSERTs); SQLModel does not type it."""
    return model.__table__  # type: ignore[attr-defined, no-any-return]


async def insert_if_absent(session: AsyncSession, row: SQLModel) -> bool:
    """INSERT `row` unless one with its primary key exists (ON CONFLICT DO NOTHING); True if inserted.

    For replicas written from two sides at once (a stream consumer and an API fallback): the
    loser waits for the winner's transaction and then inserts nothing, instead of failing on
    the primary key. The row is not added to the session; `session.get` it afterwards.
    """
    table = table_of(type(row))
    values = {column.name: getattr(row, column.name) for column in table.columns}
    connection = await session.connection()
    insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    statement = insert(table).values(values).on_conflict_do_nothing(index_elements=list(table.primary_key.columns))
    result = await connection.execute(statement)
    return bool(result.rowcount)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


class UnitOfWork:
    """One transaction of a request, a consumed event or a command-line task.

    Opened with `unit_of_work()`: it commits when the block succeeds and rolls back when it
    raises. `commit()` may also be called inside the block (to hand out ids before the end);
    after every commit the `after_commit` callbacks run (the outbox relay's wake-up).
    """

    def __init__(self, session: AsyncSession, after_commit: Sequence[Callable[[], None]] = ()) -> None:
        self.session = session
        self._after_commit = tuple(after_commit)

    async def commit(self) -> None:
        await self.session.commit()
        for callback in self._after_commit:
            callback()


@contextlib.asynccontextmanager
async def unit_of_work(
    sessions: async_sessionmaker[AsyncSession], *, after_commit: Sequence[Callable[[], None]] = ()
) -> AsyncIterator[UnitOfWork]:
    """A session whose work is committed on success and rolled back on any error."""
    async with sessions() as session:
        work = UnitOfWork(session, after_commit)
        try:
            yield work
        except BaseException:
            await session.rollback()
            raise
        if session.in_transaction():
            await work.commit()
