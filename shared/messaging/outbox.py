"""Transactional outbox: an event is stored with the state change, published after commit.

The relay publishes rows in id order, so a producer's events reach its stream in the order
they were committed. If the relay dies between XADD and marking the row, the row is
published again on restart: consumers dedupe on `event_id`, so that is harmless.

One relay per producer publishes at a time, under a short Redis lease (`lease_seconds`)
that the holder renews while it works: a killed relay's lease lapses within seconds, and a
live one keeps it however long a batch takes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.lock import Lock
from sqlalchemy import Column, Text, insert
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.correlation import current_correlation_id
from shared.db import table_of
from shared.events.envelope import Event, EventEnvelope

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


@dataclass(frozen=True)
class PendingEvent:
    """An event to record, with when it happened and who did it."""

    event: Event
    occurred_at: datetime | None = None
    actor: str = ""


def _row(stream: str, pending: PendingEvent, correlation_id: str) -> tuple[EventEnvelope, dict[str, Any]]:
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
    envelope, row = _row(stream, PendingEvent(event, occurred_at, actor), correlation_id)
    session.add(OutboxMessage(**row))
    return envelope


async def record_events(
    session: AsyncSession, stream: str, events: Sequence[PendingEvent], *, batch: int = 1000
) -> list[EventEnvelope]:
    """Many events at once (imports), as multi-row INSERTs in the caller's transaction.

    The same rows as `record_event`, in order; the ORM is bypassed because adding tens of
    thousands of objects one by one costs more than the import itself.
    """
    made = [_row(stream, pending, "") for pending in events]
    connection = await session.connection()
    for start in range(0, len(made), batch):
        await connection.execute(insert(table_of(OutboxMessage)), [row for _, row in made[start : start + batch]])
    return [envelope for envelope, _ in made]


class OutboxRelay:
    """Publishes committed outbox rows to Redis, in order, from one process at a time."""

    BATCH = 200
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
    ) -> None:
        self._sessions = sessions
        self._redis = redis
        self._stream_name = stream_name
        self._lock_key = stream_name(f"outbox-relay-lock:{producer}")
        self._poll_seconds = poll_seconds
        self._lease_seconds = lease_seconds
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        """Publish soon: called after a transaction that recorded events commits."""
        self._wake.set()

    def stop(self) -> None:
        """Finish the batch in hand and return: cancelling mid-query can wedge a DB connection."""
        self._stopping = True
        self._wake.set()

    async def run_forever(self) -> None:
        while not self._stopping:
            try:
                await self.publish_pending()
            except asyncio.CancelledError:
                raise
            except Exception:  # keep relaying after a Redis or database blip
                log.exception("outbox relay failed; retrying")
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll_seconds)
            except TimeoutError:
                pass
            self._wake.clear()

    async def publish_pending(self) -> int:
        """Publish every unpublished row; returns how many were published."""
        # One relay per producer at a time keeps the stream in commit order across replicas.
        lease = self._redis.lock(self._lock_key, timeout=self._lease_seconds, blocking_timeout=0)
        if not await lease.acquire():
            return 0
        lost = asyncio.Event()
        renewing = asyncio.create_task(self._keep_lease(lease, lost))
        try:
            return await self._publish_while_held(lost)
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
            try:
                await lease.release()
            except Exception:  # lease lapsed: another relay may run now, which is safe
                pass

    async def _keep_lease(self, lease: Lock, lost: asyncio.Event) -> None:
        """Renew the lease a few times per TTL, while still ours (redis-py compares the token)."""
        while True:
            await asyncio.sleep(self._lease_seconds / 3)
            try:
                await lease.reacquire()
            except Exception as error:  # taken over, or Redis unreachable for a whole lease
                log.warning("outbox relay lost its lease %s: %r; stopping after this batch", self._lock_key, error)
                lost.set()
                return

    async def _publish_while_held(self, lost: asyncio.Event) -> int:
        published = 0
        while not lost.is_set():
            async with self._sessions() as session:
                rows = (
                    await session.exec(
                        select(OutboxMessage)
                        .where(col(OutboxMessage.published_at).is_(None))
                        .order_by(col(OutboxMessage.id))
                        .limit(self.BATCH)
                    )
                ).all()
                if not rows:
                    return published
                async with self._redis.pipeline(transaction=False) as pipe:
                    for row in rows:
                        pipe.xadd(self._stream_name(row.stream), json.loads(row.fields_json))
                    await pipe.execute()
                now = datetime.now(UTC)
                for row in rows:
                    row.published_at = now
                    session.add(row)
                await session.commit()
                published += len(rows)
        return published
