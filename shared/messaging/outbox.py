"""Transactional outbox: an event is stored with the state change, published after commit.

The relay publishes rows in id order, so a producer's events reach its stream in the order
they were committed. If the relay dies between XADD and marking the row, the row is
published again on restart: consumers dedupe on `event_id`, so that is harmless.

One relay per producer publishes at a time, under a short Redis lease (`lease_seconds`)
that the holder renews while it works: a killed relay's lease lapses within seconds, and a
live one keeps it however long a batch takes.

Each published row is recorded in `event_archive` with the entry id Redis gave it, in the
transaction that marks it published: the producer's durable event log, in stream order, from
which a trimmed stream's history is read again (shared.messaging.archive, ADR 0020). Between
publishing, the relay runs its `housekeeping` (the stream trimmer) every `housekeeping_seconds`
under the same lease.

Writes never need Redis: a command only adds outbox rows to its own transaction. While
Redis is away the rows wait in the database and the relay retries with backoff; when Redis
answers again it publishes them, in order, and carries on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.lock import Lock
from sqlalchemy import BigInteger, Column, Row, Text, insert, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.correlation import current_correlation_id
from shared.db import table_of
from shared.events.envelope import Event, EventEnvelope
from shared.messaging.connection import OutageBackoff, entry_key

log = logging.getLogger(__name__)


class OutboxMessage(SQLModel, table=True):
    """An event waiting to be (or already) published to its stream."""

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(unique=True, max_length=36)
    stream: str = Field(max_length=200)
    event_type: str = Field(max_length=200)
    fields_json: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime
    published_at: datetime | None = Field(default=None, index=True)


class ArchivedEntry(SQLModel, table=True):
    """Where a published outbox row went: its stream and the entry id Redis gave it."""

    __tablename__ = "event_archive"

    stream: str = Field(primary_key=True, max_length=200)  # as the outbox names it, without the prefix
    entry_ms: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    entry_seq: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    outbox_id: int = Field(foreign_key="outbox.id", unique=True)


@dataclass(frozen=True)
class PendingEvent:
    """An event to record, with when it happened and who did it."""

    event: Event
    occurred_at: datetime | None = None
    actor: str = ""


def outbox_row(stream: str, pending: PendingEvent, correlation_id: str = "") -> tuple[EventEnvelope, dict[str, Any]]:
    """An event's envelope (its id is known from here on) and the outbox row that carries it."""
    envelope = EventEnvelope.wrap(
        pending.event,
        occurred_at=pending.occurred_at,
        actor=pending.actor,
        correlation_id=correlation_id or current_correlation_id.get(),
    )
    row = {
        "event_id": str(envelope.event_id),
        "stream": stream,
        "event_type": envelope.event_type,
        "fields_json": json.dumps(envelope.to_fields(), ensure_ascii=False),
        "created_at": envelope.recorded_at,
        "published_at": None,
    }
    return envelope, row


def record_event(
    session: AsyncSession,
    stream: str,
    event: Event,
    *,
    occurred_at: datetime | None = None,
    actor: str = "",
    correlation_id: str = "",
) -> EventEnvelope:
    """Add an event to the outbox inside the caller's transaction."""
    envelope, row = outbox_row(stream, PendingEvent(event, occurred_at, actor), correlation_id)
    session.add(OutboxMessage(**row))
    return envelope


async def record_events(
    session: AsyncSession, stream: str, events: Sequence[PendingEvent], *, batch: int = 1000
) -> list[EventEnvelope]:
    """Many events at once (imports), as multi-row INSERTs in the caller's transaction.

    The same rows as `record_event`, in order; the ORM is bypassed because adding tens of
    thousands of objects one by one costs more than the import itself.
    """
    made = [outbox_row(stream, pending) for pending in events]
    await insert_outbox_rows(session, [row for _, row in made], batch=batch)
    return [envelope for envelope, _ in made]


async def insert_outbox_rows(session: AsyncSession, rows: Sequence[dict[str, Any]], *, batch: int = 1000) -> None:
    """Rows made by `outbox_row`, in order, as multi-row INSERTs in the caller's transaction."""
    connection = await session.connection()
    for start in range(0, len(rows), batch):
        await connection.execute(insert(table_of(OutboxMessage)), rows[start : start + batch])


class OutboxRelay:
    """Publishes committed outbox rows to Redis, in order, from one process at a time."""

    BATCH = 500  # rows per round: one SELECT, one pipelined XADD, one UPDATE and one archive INSERT
    LEASE_SECONDS = 5.0

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        redis: aioredis.Redis,
        *,
        producer: str,
        stream_name: Callable[[str], str],
        poll_seconds: float = 0.5,
        lease_seconds: float = LEASE_SECONDS,
        housekeeping: Callable[[], Awaitable[object]] | None = None,
        housekeeping_seconds: float = 300.0,
    ) -> None:
        self._sessions = sessions
        self._redis = redis
        self._stream_name = stream_name
        self._lock_key = stream_name(f"outbox-relay-lock:{producer}")
        self._poll_seconds = poll_seconds
        self.lease_seconds = lease_seconds
        self._wake = asyncio.Event()
        self._stop_requested = asyncio.Event()
        self._housekeeping = housekeeping
        self._housekeeping_seconds = housekeeping_seconds
        self._housekeeping_due = 0.0  # monotonic time of the next round: the first is at once

    def wake(self) -> None:
        """Publish soon: called after a transaction that recorded events commits."""
        self._wake.set()

    def stop(self) -> None:
        """Finish the batch in hand and return: cancelling mid-query can wedge a DB connection."""
        self._stop_requested.set()
        self._wake.set()

    async def run_forever(self) -> None:
        """Relay until `stop()`; through a Redis or database outage, retry with backoff and catch up."""
        outage = OutageBackoff(log, f"outbox relay ({self._lock_key})")
        while not self._stop_requested.is_set():
            try:
                await self.publish_pending()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                # The rows stay unpublished in the database: nothing is lost, they leave when
                # Redis answers again. Commits do not cut the wait short (each would be one
                # more round of redis-py's retries against a server that is not there).
                await self._wait(self._stop_requested, outage.failed(error))
                continue
            outage.succeeded()
            await self._wait(self._wake, self._poll_seconds)
            self._wake.clear()

    @staticmethod
    async def _wait(event: asyncio.Event, seconds: float) -> None:
        await _set_within(event, seconds)

    async def publish_pending(self) -> int:
        """Publish every unpublished row; returns how many were published."""
        # One relay per producer at a time keeps the stream in commit order across replicas.
        lease = self._redis.lock(self._lock_key, timeout=self.lease_seconds, blocking_timeout=0)
        if not await lease.acquire():
            return 0
        lost, done = asyncio.Event(), asyncio.Event()
        renewing = asyncio.create_task(self._keep_lease(lease, lost, done))
        try:
            published = await self._publish_while_held(lost)
            if not lost.is_set():
                await self._keep_house()
            return published
        finally:
            # The renewer is told to stop, never cancelled: on Python 3.11 a cancel that lands
            # as a Redis command completes is swallowed by redis-py's `wait_for` (CPython
            # gh-86296), and the renewer then renewed forever while this relay waited for it.
            # `asyncio.wait` does not cancel it either if this relay is itself cancelled.
            done.set()
            await asyncio.wait({renewing})
            try:
                await lease.release()
            except Exception:  # lease lapsed: another relay may run now, which is safe
                pass

    async def _keep_house(self) -> None:
        """The housekeeping round, if due; its failure never stops publishing."""
        if self._housekeeping is None or asyncio.get_running_loop().time() < self._housekeeping_due:
            return
        self._housekeeping_due = asyncio.get_running_loop().time() + self._housekeeping_seconds
        try:
            await self._housekeeping()
        except Exception:
            log.exception(
                "outbox relay housekeeping (%s) failed; trying again in %g s",
                self._lock_key,
                self._housekeeping_seconds,
            )

    async def _keep_lease(self, lease: Lock, lost: asyncio.Event, done: asyncio.Event) -> None:
        """Renew the lease a few times per TTL, while still ours (redis-py compares the token),
        until the relay says it is `done`."""
        while not await _set_within(done, self.lease_seconds / 3):
            try:
                await lease.reacquire()
            except Exception as error:  # taken over, or Redis unreachable for a whole lease
                log.warning("outbox relay lost its lease %s: %r; stopping after this batch", self._lock_key, error)
                lost.set()
                return

    async def _publish_while_held(self, lost: asyncio.Event) -> int:
        published = 0
        while not lost.is_set():
            rows = await self._unpublished()
            if not rows:
                return published
            # No database transaction is open while Redis is written to: on SQLite it would
            # hold the write lock, and every command would wait out a slow or absent Redis.
            async with self._redis.pipeline(transaction=False) as pipe:
                for row in rows:
                    pipe.xadd(self._stream_name(row.stream), json.loads(row.fields_json))
                entry_ids = await pipe.execute()
            await self._mark_published(rows, entry_ids)
            published += len(rows)
        return published

    async def _unpublished(self) -> Sequence[Row[tuple[int, str, str]]]:
        """The next rows to publish: the columns it needs only (no ORM object per row)."""
        outbox = table_of(OutboxMessage)
        async with self._sessions() as session:
            connection = await session.connection()
            return (
                await connection.execute(
                    select(outbox.c.id, outbox.c.stream, outbox.c.fields_json)
                    .where(outbox.c.published_at.is_(None))
                    .order_by(outbox.c.id)
                    .limit(self.BATCH)
                )
            ).all()

    async def _mark_published(self, rows: Sequence[Row[tuple[int, str, str]]], entry_ids: list[bytes | str]) -> None:
        """Mark the rows published and archive them with their entry ids, in one transaction.

        Only rows still unpublished are archived: a relay that lost its lease mid-batch may have
        published them too, and the first to mark a row keeps its entry in the archive (the
        other copy is a duplicate the inboxes drop, as after a crash between XADD and marking).
        """
        outbox = table_of(OutboxMessage)
        async with self._sessions() as session:
            connection = await session.connection()
            marked = set(
                (
                    await connection.execute(
                        update(outbox)
                        .where(outbox.c.id.in_([row.id for row in rows]), outbox.c.published_at.is_(None))
                        .values(published_at=datetime.now(UTC))
                        .returning(outbox.c.id)
                    )
                ).scalars()
            )
            archive = table_of(ArchivedEntry)
            # A row made unpublished again by hand (to publish it once more) keeps its first entry.
            marked -= set(
                (await connection.execute(select(archive.c.outbox_id).where(archive.c.outbox_id.in_(marked)))).scalars()
            )
            archived = [
                dict(stream=row.stream, entry_ms=key[0], entry_seq=key[1], outbox_id=row.id)
                for row, key in ((row, entry_key(entry_id)) for row, entry_id in zip(rows, entry_ids, strict=True))
                if row.id in marked
            ]
            if archived:
                await connection.execute(insert(archive), archived)
            await session.commit()


async def _set_within(event: asyncio.Event, seconds: float) -> bool:
    """Whether `event` is set, waiting at most `seconds` for it."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), timeout=seconds)
    return event.is_set()
