"""A service's consumer of one stream: FastStream subscribers plus exactly-once effects.

Two subscribers share the group (see DESIGN.md, FastStream traps 1-3):
- the reader takes new entries (`>`);
- the claimer (`min_idle_time`) takes entries left pending by a failed handler or a dead
  process, retries them, and moves one to `<stream>.dlq` with the reason once it has been
  delivered `max_deliveries` times.

A handler runs inside one database transaction together with the inbox row
`(group, event_id)`, so a redelivered or replayed event changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timezone

import redis.asyncio as aioredis
from faststream.redis import RedisBroker, RedisStreamMessage, StreamSub
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.events.envelope import EventEnvelope
from shared.messaging.connection import ensure_group

log = logging.getLogger(__name__)


class InboxEntry(SQLModel, table=True):
    """An event this service's group has applied; its presence makes redelivery a no-op."""

    __tablename__ = "inbox"

    consumer_group: str = Field(primary_key=True, max_length=100)
    event_id: str = Field(primary_key=True, max_length=36)
    stream: str = Field(max_length=200)
    entry_id: str = Field(max_length=40)
    event_type: str = Field(max_length=200)
    processed_at: datetime


@dataclass(frozen=True)
class ConsumedEvent:
    """One stream entry as a handler sees it."""

    stream: str
    entry_id: str
    envelope: EventEnvelope


Handler = Callable[[AsyncSession, ConsumedEvent], Awaitable[None]]


class MalformedEntry(ValueError):
    """An entry that can never be processed (not an envelope): dead-lettered at once."""


def dead_letter_stream(stream: str) -> str:
    return f"{stream}.dlq"


class StreamConsumer:
    """Applies one stream's events to a service's database, each exactly once in effect."""

    def __init__(
        self,
        *,
        stream: str,
        group: str,
        consumer_name: str,
        handlers: dict[str, Handler],
        sessions: async_sessionmaker[AsyncSession],
        redis: aioredis.Redis,
        claim_idle_ms: int,
        max_deliveries: int,
        read_batch: int = 10,
    ) -> None:
        self.stream = stream
        self.group = group
        self.consumer_name = consumer_name
        self.handlers = handlers
        self._sessions = sessions
        self._redis = redis
        self._claim_idle_ms = claim_idle_ms
        self._max_deliveries = max_deliveries
        self._read_batch = read_batch

    async def ensure_group(self) -> None:
        await ensure_group(self._redis, self.stream, self.group)

    def subscribe(self, broker: RedisBroker) -> None:
        """Attach the reader and the claimer to the service's broker."""

        @broker.subscriber(
            stream=StreamSub(
                self.stream,
                group=self.group,
                consumer=self.consumer_name,
                max_records=self._read_batch,
            ),
            title=f"{self.group}:{self.stream}",
            description=f"{self.group} applies events from {self.stream}",
        )
        async def read(body: dict, msg: RedisStreamMessage) -> None:
            await self._deliver(body, _entry_id(msg))

        @broker.subscriber(
            stream=StreamSub(
                self.stream,
                group=self.group,
                consumer=self.consumer_name,
                min_idle_time=self._claim_idle_ms,
            ),
            title=f"{self.group}:{self.stream}:claimer",
            description=f"{self.group} retries entries left pending on {self.stream}",
        )
        async def claim(body: dict, msg: RedisStreamMessage) -> None:
            await self._deliver(body, _entry_id(msg))

    async def _deliver(self, fields: dict, entry_id: str) -> None:
        """Apply an entry; on failure leave it pending, or dead-letter it when out of tries."""
        try:
            await self.apply(fields, entry_id)
        except Exception as error:
            deliveries = await self._delivery_count(entry_id)
            if isinstance(error, MalformedEntry) or deliveries >= self._max_deliveries:
                await self._dead_letter(fields, entry_id, error, deliveries)
                return  # acknowledged: it lives on in the dead-letter stream
            log.warning(
                "%s failed on %s %s (delivery %s of %s): %r",
                self.group, self.stream, entry_id, deliveries, self._max_deliveries, error,
            )
            raise

    async def apply(self, fields: dict, entry_id: str) -> bool:
        """Run the handler and record the inbox row in one transaction.

        Returns False when the event was already applied (or has no handler here).
        """
        try:
            envelope = EventEnvelope.from_fields(fields)
        except Exception as error:
            raise MalformedEntry(f"not an event envelope: {error}") from error
        handler = self.handlers.get(envelope.event_type)
        if handler is None:
            return False  # another consumer's business; acknowledged
        event = ConsumedEvent(stream=self.stream, entry_id=entry_id, envelope=envelope)
        try:
            async with self._sessions() as session:
                async with session.begin():
                    if await session.get(InboxEntry, (self.group, str(envelope.event_id))):
                        return False
                    session.add(
                        InboxEntry(
                            consumer_group=self.group,
                            event_id=str(envelope.event_id),
                            stream=self.stream,
                            entry_id=entry_id,
                            event_type=envelope.event_type,
                            processed_at=datetime.now(timezone.utc),
                        )
                    )
                    await session.flush()
                    await handler(session, event)
        except IntegrityError:
            # Another replica applied the same event at the same moment: ours rolled back.
            async with self._sessions() as session:
                if await session.get(InboxEntry, (self.group, str(envelope.event_id))):
                    return False
            raise
        return True

    async def _delivery_count(self, entry_id: str) -> int:
        pending = await self._redis.xpending_range(
            self.stream, self.group, min=entry_id, max=entry_id, count=1
        )
        return int(pending[0]["times_delivered"]) if pending else 1

    async def _dead_letter(
        self, fields: dict, entry_id: str, error: Exception, deliveries: int
    ) -> None:
        log.error("%s dead-letters %s %s: %r", self.group, self.stream, entry_id, error)
        await self._redis.xadd(
            dead_letter_stream(self.stream),
            {
                **{str(k): str(v) for k, v in fields.items()},
                "dlq_group": self.group,
                "dlq_stream": self.stream,
                "dlq_entry_id": entry_id,
                "dlq_deliveries": str(deliveries),
                "dlq_reason": f"{type(error).__name__}: {error}"[:2000],
                "dlq_failed_at": datetime.now(timezone.utc).isoformat(),
            },
        )


def _entry_id(msg: RedisStreamMessage) -> str:
    ids = msg.raw_message["message_ids"]
    first = ids[0]
    return first.decode() if isinstance(first, bytes) else str(first)
