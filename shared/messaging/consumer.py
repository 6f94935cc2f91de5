"""A service's consumer of one stream: FastStream subscribers plus exactly-once effects.

Two subscribers share the group (see docs/design-brief.md, FastStream traps 1-3):
- the reader takes new entries (`>`);
- the claimer (`min_idle_time`) takes entries left pending by a failed handler or a dead
  process, retries them, and moves one to `<stream>.dlq` with the reason once it has been
  delivered `max_deliveries` times. It takes them in batches as the reader does: FastStream
  claims one idle entry, one more XAUTOCLAIM its idle successors, up to `read_batch`.

The reader takes up to `read_batch` entries at a time and applies them in ONE database
transaction (`apply_batch`: the batch's inbox rows in one statement that says which events are
new, each handler in stream order, then the rows the handlers gave `batch_rows` in a multi-row
statement per table), commits once and acknowledges the batch with one XACK.
A batch that fails is applied again one entry at a time, each in its own transaction, so a
poison entry is retried and dead-lettered alone while the rest are applied (ADR 0016).
Every effect is committed together with its inbox row `(group, event_id)`, so a redelivered
or replayed event changes nothing.

The consumer reads each entry's raw fields, never FastStream's decoded body (see
`_parse_entry`): any entry, however malformed, reaches `_deliver` and is either applied or
dead-lettered, never left to be reclaimed forever.

An entry of a type this service has no handler for is acknowledged (other consumers'
types are normal on a shared stream) but never silently: it is counted through
`on_ignored` and logged once per type, at WARNING when no contract in the catalogue knows
it (a typo, or a producer newer than this consumer).

Consumer names are `<host>-<pid>`, so every restart leaves a dead name in the group; at
start, and then every `dead_consumer_sweep_ms` (`sweep_dead_consumers`, so a replica that
runs for months still cleans up after its restarted peers), the consumer removes names that
have been idle far longer than the claimer needs and hold no pending entries
(`remove_dead_consumers`).

A group whose position is below where its stream was trimmed (one created after the trim: a
new service, a fresh database) first applies, at start, what the stream no longer holds, read
from the producer's archive (`catch_up_from_archive`), and then reads the stream from there.

Through a Redis outage FastStream's subscribers log "Message fetch error" and retry the read
every 5 s; entries applied but not yet acknowledged when Redis went away stay pending, and
the claimer takes them again later, where the inbox makes them a no-op.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import redis.asyncio as aioredis
from faststream import AckPolicy
from faststream.redis import RedisBatchStreamMessage, RedisBroker, RedisStreamMessage, StreamSub
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

import shared.events.catalog  # noqa: F401  (every contract registered: "unknown type" must mean unknown)
from shared.db import table_of, unit_of_work
from shared.events.envelope import Event, EventEnvelope, contract_for, upcast
from shared.messaging.archive import ArchivePage, following, trimmed_below
from shared.messaging.batch_rows import dialect_insert, discard_batch_rows, flush_batch_rows
from shared.messaging.connection import OutageBackoff, RawFields, ensure_group, entry_key

log = logging.getLogger(__name__)

E = TypeVar("E", bound=Event)


class InboxEntry(SQLModel, table=True):
    """An event this service's group has applied; its presence makes redelivery a no-op."""

    __tablename__ = "inbox"

    consumer_group: str = Field(primary_key=True, max_length=100)
    event_id: str = Field(primary_key=True, max_length=36)
    stream: str = Field(max_length=200)
    entry_id: str = Field(max_length=40)
    event_type: str = Field(max_length=200)
    processed_at: datetime


INBOX = table_of(InboxEntry)


@dataclass(frozen=True)
class ConsumedEvent(Generic[E]):
    """One stream entry as a handler sees it: the typed event and where it came from."""

    stream: str
    entry_id: str
    envelope: EventEnvelope
    event: E


Handler = Callable[[AsyncSession, ConsumedEvent[Any]], Awaitable[None]]
# Told, once per transaction, every event applied in it (in stream order).
BatchHook = Callable[[AsyncSession, Sequence[ConsumedEvent[Any]]], Awaitable[None]]
# Told (stream, group, event_type) of every entry acknowledged without a handler.
IgnoredHook = Callable[[str, str, str], None]

# A consumer idle this long with nothing pending is a dead process's name (see
# `StreamConsumer.remove_dead_consumers`): far above the claimer's idle time, so a slow
# live replica is never mistaken for a dead one.
DEAD_CONSUMER_MIN_IDLE_MS = 5 * 60 * 1000
DEAD_CONSUMER_IDLE_FACTOR = 10

# Removes a consumer from its group only if it still has no pending entry, in one step:
# XGROUP DELCONSUMER drops the delivery state of whatever the consumer holds.
_DELETE_IF_NOTHING_PENDING = """
if #redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2]) > 0 then
    return -1
end
return redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
"""


def read_contract(contract: type[E], envelope: EventEnvelope) -> E:
    """The payload as `contract`, read tolerantly (docs/design-brief.md, trap 15).

    Producers forbid unknown fields; a consumer ignores them, so an additive change to a
    contract never turns an older consumer's entries into dead letters.
    """
    known = _field_names(contract)
    return contract.model_validate({name: value for name, value in envelope.payload.items() if name in known})


@functools.cache
def _field_names(contract: type[Event]) -> frozenset[str]:
    return frozenset(contract.model_fields)  # pydantic's `model_fields` is a property: slow per event


class EventHandlers:
    """What one service does with one stream's events: a handler per contract.

    Handlers receive the event already validated against its contract. In the same
    transaction, `after_each` runs after every applied event and `after_batch` once after
    all the events the transaction applies (a batch, or a single entry): reporting records
    its stream position there, once per batch, so no handler has to remember it.
    """

    def __init__(
        self,
        handlers: Mapping[type[Event], Handler],
        *,
        after_each: Handler | None = None,
        after_batch: BatchHook | None = None,
    ) -> None:
        self._by_type: dict[str, tuple[type[Event], Handler]] = {}
        for contract, handler in handlers.items():
            if contract.event_type in self._by_type:
                raise ValueError(f"two handlers for {contract.event_type}")
            self._by_type[contract.event_type] = (contract, handler)
        self.after_each = after_each
        self.after_batch = after_batch

    def including(self, handlers: Mapping[type[Event], Handler]) -> EventHandlers:
        """These handlers and `handlers` (a concern every service shares, added by its composition root)."""
        combined: dict[type[Event], Handler] = dict(self._by_type.values())
        for contract in handlers:
            if contract.event_type in self._by_type:
                raise ValueError(f"two handlers for {contract.event_type}")
        return EventHandlers({**combined, **handlers}, after_each=self.after_each, after_batch=self.after_batch)

    def handles(self, event_type: str) -> bool:
        return event_type in self._by_type

    def consumed(self, stream: str, entry_id: str, envelope: EventEnvelope) -> ConsumedEvent[Any]:
        """The entry as its handler sees it; LookupError when its version has no handler here."""
        contract, _ = self._by_type[envelope.event_type]
        if envelope.version != contract.version:
            # An older version is read through its upcasters (shared/events/<producer>.py); a newer one is not guessed at.
            payload = upcast(envelope.event_type, envelope.version, envelope.payload, contract.version)
            if payload is None:
                raise LookupError(
                    f"{envelope.event_type} v{envelope.version} has no handler here (v{contract.version})"
                )
            envelope = envelope.model_copy(update={"payload": payload, "version": contract.version})
        return ConsumedEvent(stream, entry_id, envelope, read_contract(contract, envelope))

    async def run(self, session: AsyncSession, consumed: ConsumedEvent[Any]) -> None:
        """The handler, then `after_each` (`after_batch` is the caller's: `apply_batch`)."""
        _, handler = self._by_type[consumed.envelope.event_type]
        await handler(session, consumed)
        if self.after_each is not None:
            await self.after_each(session, consumed)

    async def apply(self, session: AsyncSession, stream: str, entry_id: str, envelope: EventEnvelope) -> None:
        await self.run(session, self.consumed(stream, entry_id, envelope))


class MalformedEntry(ValueError):
    """An entry that can never be processed (not an envelope): dead-lettered at once."""


# What a dead letter adds to the original entry's fields.
DLQ_FIELDS = ("dlq_group", "dlq_stream", "dlq_entry_id", "dlq_deliveries", "dlq_reason", "dlq_failed_at")


def dead_letter_stream(stream: str) -> str:
    return f"{stream}.dlq"


class EntryFailed(Exception):
    """A handler raised while a batch was applied: which entry (the error is the cause)."""

    def __init__(self, entry_id: str) -> None:
        super().__init__(entry_id)
        self.entry_id = entry_id


async def apply_batch(
    session: AsyncSession,
    group: str,
    stream: str,
    entries: Sequence[tuple[str, EventEnvelope]],
    handlers: EventHandlers,
) -> list[bool]:
    """The inbox rows and the handlers' effects of `entries` (entry id, envelope), in the
    caller's transaction; for each entry, whether it was applied now (False: already applied,
    or a second copy of an event earlier in the batch).

    The one place that decides "exactly once in effect": live consumption (a batch, or one
    entry), the claimer, dead-letter replay and reporting's rebuild all come through here. The
    inbox rows go in first, with one multi-row `INSERT … ON CONFLICT DO NOTHING RETURNING`: the
    events it returns are the ones this transaction applies, the others were applied before. A
    replica inserting the same event at the same moment makes PostgreSQL wait for its
    transaction, then skip the event if it committed (SQLite has one writer at a time). The
    handlers then run in stream order, `after_batch` once, and the rows they gave
    `batch_rows(session)` are written with a multi-row statement per table. The caller checks
    `handlers.handles()`. A handler's exception comes out as `EntryFailed`.
    """
    if not entries:
        return []
    try:
        fresh_ids = await _record_in_inbox(session, group, stream, entries)
        outcomes = []
        fresh: list[ConsumedEvent[Any]] = []
        for entry_id, envelope in entries:
            event_id = str(envelope.event_id)
            applied = event_id in fresh_ids
            outcomes.append(applied)
            if applied:
                fresh_ids.discard(event_id)  # a second copy later in the batch is a duplicate
                try:
                    consumed = handlers.consumed(stream, entry_id, envelope)
                    await handlers.run(session, consumed)
                except Exception as error:
                    raise EntryFailed(entry_id) from error
                fresh.append(consumed)
        await flush_batch_rows(session)
        if fresh and handlers.after_batch is not None:
            await handlers.after_batch(session, fresh)
            await flush_batch_rows(session)
        return outcomes
    finally:
        discard_batch_rows(session)  # written, or rolled back with the failed batch


async def _record_in_inbox(
    session: AsyncSession, group: str, stream: str, entries: Sequence[tuple[str, EventEnvelope]]
) -> set[str]:
    """Insert the entries' inbox rows where absent; the event ids inserted now (to apply)."""
    first: dict[str, tuple[str, EventEnvelope]] = {}
    for entry_id, envelope in entries:
        first.setdefault(str(envelope.event_id), (entry_id, envelope))
    now = datetime.now(UTC)
    rows = [
        dict(
            consumer_group=group,
            event_id=event_id,
            stream=stream,
            entry_id=entry_id,
            event_type=envelope.event_type,
            processed_at=now,
        )
        # In key order: two replicas inserting overlapping batches take the row locks in one order.
        for event_id, (entry_id, envelope) in sorted(first.items())
    ]
    statement = dialect_insert(session)(INBOX).on_conflict_do_nothing(index_elements=list(INBOX.primary_key.columns))
    inserted = await session.execute(statement.returning(INBOX.c.event_id), rows)
    return set(inserted.scalars())


class StreamConsumer:
    """Applies one stream's events to a service's database, each exactly once in effect."""

    def __init__(
        self,
        *,
        stream: str,
        group: str,
        consumer_name: str,
        handlers: EventHandlers,
        sessions: async_sessionmaker[AsyncSession],
        redis: aioredis.Redis,
        claim_idle_ms: int,
        max_deliveries: int,
        read_batch: int = 500,
        claim_interval_ms: int | None = None,
        on_ignored: IgnoredHook | None = None,
        dead_consumer_idle_ms: int | None = None,
        archive: ArchivePage | None = None,
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
        # How often the claimer looks for idle entries once it found none (XAUTOCLAIM has
        # no blocking form); None keeps FastStream's 100 ms.
        self._claim_interval_ms = claim_interval_ms
        self._on_ignored = on_ignored
        self.dead_consumer_idle_ms = (
            dead_consumer_idle_ms
            if dead_consumer_idle_ms is not None
            else max(DEAD_CONSUMER_IDLE_FACTOR * claim_idle_ms, DEAD_CONSUMER_MIN_IDLE_MS)
        )
        self._ignored_logged: set[str] = set()  # event types already logged (once per process)
        self._subscribers: list[Any] = []  # FastStream's reader and claimer, once subscribed
        self.archive = archive  # the producer's archive of this stream, for what a trim removed

    async def ensure_group(self) -> None:
        """At start: the group exists at id 0, holds what the stream was trimmed of, and dead
        processes' names are gone from it."""
        await ensure_group(self._redis, self.stream, self.group)
        await self.catch_up_from_archive()
        try:
            await self.remove_dead_consumers()
        except Exception:  # housekeeping: never a reason not to start
            log.exception("%s could not remove dead consumers from %s", self.group, self.stream)

    async def catch_up_from_archive(self) -> int:
        """Apply, from the archive, the entries between the group's position and the stream's
        trim bound; how many were read. Each page moves the group's position past it (XGROUP
        SETID), so the reader then starts exactly where the archive ended and a restart resumes.

        Exact: the trimmer never trims past a group's first unacknowledged entry, so once the group
        exists the bound stays put, the stream holds every entry from it on, and the archive every
        one below. Replicas starting together take turns under a lock; the later finds nothing to do.
        """
        turn = self._redis.lock(f"{self.stream}:{self.group}:archive-catch-up", timeout=60, blocking_timeout=600)
        async with turn:
            bound = await trimmed_below(self._redis, self.stream)
            delivered = await self._last_delivered()
            if bound is None or following(delivered) >= bound:
                return 0
            if self.archive is None:
                raise RuntimeError(f"{self.stream} was trimmed below {bound} and {self.group} has no archive to read")
            read = 0
            cursor = None if entry_key(delivered) == (0, 0) else delivered
            while page := [
                entry for entry in await self.archive(cursor, self._read_batch) if entry_key(entry[0]) < bound
            ]:
                await self._apply_archived(page)
                cursor = page[-1][0]
                await self._redis.xgroup_setid(self.stream, self.group, cursor)
                await turn.reacquire()  # a minute more per batch: raises if another replica took its turn
                read += len(page)
            log.info("%s applied %d archived entries of %s, up to %s", self.group, read, self.stream, cursor)
            return read

    async def _last_delivered(self) -> str:
        for group in await self._redis.xinfo_groups(self.stream):
            if _text(group["name"]) == self.group:
                return _text(group["last-delivered-id"])
        raise LookupError(f"{self.group} has no group on {self.stream}")

    async def _apply_archived(self, page: Sequence[tuple[str, RawFields]]) -> None:
        """A page of archived entries as the reader applies a batch; an entry that fails alone is
        dead-lettered at once (it is in no pending list for the claimer to retry)."""
        batch = []
        for entry_id, fields in page:
            try:
                envelope = EventEnvelope.from_fields(fields)
            except Exception:
                continue  # `apply` below dead-letters it, should the batch fail; else here
            if self.handlers.handles(envelope.event_type):
                batch.append((entry_id, envelope))
        try:
            async with unit_of_work(self._sessions) as work:
                await apply_batch(work.session, self.group, self.stream, batch, self.handlers)
            alone = [(entry_id, fields) for entry_id, fields in page if entry_id not in {e for e, _ in batch}]
        except Exception as error:
            log.warning(
                "%s could not apply %d archived entries at once (%r): one at a time", self.group, len(page), error
            )
            alone = list(page)
        for entry_id, fields in alone:
            try:
                await self.apply(fields, entry_id)
            except Exception as error:
                await self._dead_letter(fields, entry_id, error, deliveries=1)

    async def remove_dead_consumers(self, *, min_idle_ms: int | None = None) -> list[str]:
        """Remove consumers of the group idle for `min_idle_ms` with no pending entry; their names.

        A consumer with pending entries stays until the claimer has taken them (removing it
        would lose their delivery state), and this process's own name always stays.
        """
        threshold = self.dead_consumer_idle_ms if min_idle_ms is None else min_idle_ms
        removed = []
        for consumer in await self._redis.xinfo_consumers(self.stream, self.group):
            name = _text(consumer["name"])
            if name == self.consumer_name or int(consumer["pending"]) > 0 or int(consumer["idle"]) < threshold:
                continue
            outcome = await self._redis.eval(_DELETE_IF_NOTHING_PENDING, 1, self.stream, self.group, name)
            if outcome == 0:
                removed.append(name)
        if removed:
            log.info("%s removed %d dead consumers from %s: %s", self.group, len(removed), self.stream, removed)
        return removed

    async def sweep_dead_consumers(self, every_seconds: float) -> None:
        """`remove_dead_consumers` every `every_seconds`, until cancelled; a Redis outage is waited out."""
        outage = OutageBackoff(log, f"{self.group}'s dead-consumer sweep of {self.stream}")
        while True:
            await asyncio.sleep(every_seconds)
            try:
                await self.remove_dead_consumers()
            except Exception as error:  # housekeeping: the next sweep tries again
                outage.failed(error)  # logged once per outage; the sweep keeps its own pace
            else:
                outage.succeeded()

    @property
    def reading(self) -> bool:
        """Whether the reader and the claimer still run.

        FastStream stops a subscriber for good when its group has vanished (NOGROUP: Redis
        lost its data) and, outside a FastStream app, the process carries on without
        consuming; `/health` says so, and a restart of the service recreates the group.
        """
        return all(subscriber.running for subscriber in self._subscribers)

    def subscribe(self, broker: RedisBroker) -> None:
        """Attach the reader and the claimer to the service's broker."""
        reader = broker.subscriber(
            stream=StreamSub(
                self.stream,
                group=self.group,
                consumer=self.consumer_name,
                batch=True,
                max_records=self._read_batch,
            ),
            parser=_parse_entry,
            # `deliver_batch` acknowledges what it settled, in one XACK; FastStream's own ack is
            # all or nothing, and an entry left to the claimer must stay pending.
            ack_policy=AckPolicy.MANUAL,
            title=f"{self.group}:{self.stream}",
            description=f"{self.group} applies events from {self.stream}",
        )
        claimer = broker.subscriber(
            stream=StreamSub(
                self.stream,
                group=self.group,
                consumer=self.consumer_name,
                min_idle_time=self._claim_idle_ms,
                polling_interval=self._claim_interval_ms,
            ),
            parser=_parse_entry,
            ack_policy=AckPolicy.MANUAL,  # as the reader: XACK what `deliver_batch` settled
            title=f"{self.group}:{self.stream}:claimer",
            description=f"{self.group} retries entries left pending on {self.stream}",
        )

        @reader
        async def read(msg: RedisBatchStreamMessage) -> None:
            settled = await self.deliver_batch(_raw_entries(msg))
            if settled:
                await self._redis.xack(self.stream, self.group, *settled)

        @claimer
        async def claim(msg: RedisStreamMessage) -> None:
            (entry,) = _raw_entries(msg)
            settled = await self.deliver_batch([entry, *await self._claim_idle_after(entry[1])])
            if settled:
                await self._redis.xack(self.stream, self.group, *settled)

        self._subscribers = [reader, claimer]

    async def _claim_idle_after(self, entry_id: str) -> list[tuple[RawFields, str]]:
        """Up to `read_batch - 1` more idle entries after `entry_id` (FastStream's XAUTOCLAIM takes
        one at a time), so the claimer applies what a dead process left pending as a batch too."""
        if self._read_batch <= 1:
            return []
        millis, seq = following(entry_id)
        _, claimed, *_ = await self._redis.xautoclaim(
            self.stream,
            self.group,
            self.consumer_name,
            self._claim_idle_ms,
            start_id=f"{millis}-{seq}",
            count=self._read_batch - 1,
        )
        # Redis 6.2 returns an entry deleted since it was read without fields; Redis 7 drops it.
        return [(fields, _text(claimed_id)) for claimed_id, fields in claimed if fields]

    async def deliver_batch(self, entries: Sequence[tuple[RawFields, str]]) -> list[str]:
        """Apply entries (fields, entry id) in one transaction; the ids settled, to acknowledge.

        Entries of types without a handler are settled at once (counted); malformed ones are
        dead-lettered. Should the transaction fail, the entries are applied one at a time,
        each in its own: a handler that raised is not run again for this delivery (it is left
        pending, or dead-lettered when out of tries) and the others are applied. Should the
        failure be the database's (another replica's inbox row, a deadlock), every entry is
        tried again alone.
        """
        settled: list[str] = []
        batch: list[tuple[RawFields, str, EventEnvelope]] = []
        alone: list[tuple[RawFields, str]] = []  # malformed: `_deliver` dead-letters them
        for fields, entry_id in entries:
            try:
                envelope = EventEnvelope.from_fields(fields)
            except Exception:
                alone.append((fields, entry_id))
                continue
            if self.handlers.handles(envelope.event_type):
                batch.append((fields, entry_id, envelope))
            else:
                self._ignored(envelope)
                settled.append(entry_id)
        culprit: tuple[str | None, Exception | None] = (None, None)
        try:
            if batch:
                async with unit_of_work(self._sessions) as work:
                    await apply_batch(
                        work.session, self.group, self.stream, [(e, env) for _, e, env in batch], self.handlers
                    )
        except Exception as error:
            log.warning(
                "%s could not apply a batch of %d from %s in one transaction (%r): one entry at a time",
                self.group,
                len(batch),
                self.stream,
                error,
            )
            culprit = _culprit(error)
            alone = [(fields, entry_id) for fields, entry_id, _ in batch] + alone
        else:
            settled.extend(entry_id for _, entry_id, _ in batch)
        for fields, entry_id in alone:
            try:
                if entry_id == culprit[0] and culprit[1] is not None:
                    await self._failed(fields, entry_id, culprit[1])  # not run twice in one delivery
                else:
                    await self._deliver(fields, entry_id)
            except Exception:
                continue  # left pending: the claimer tries it again
            settled.append(entry_id)
        return settled

    async def _deliver(self, fields: RawFields, entry_id: str) -> None:
        """Apply an entry; on failure leave it pending, or dead-letter it when out of tries."""
        try:
            await self.apply(fields, entry_id)
        except Exception as error:
            await self._failed(fields, entry_id, error)

    async def _failed(self, fields: RawFields, entry_id: str, error: Exception) -> None:
        """After a failed delivery: dead-letter the entry when out of tries, else raise `error`."""
        deliveries = await self._delivery_count(entry_id)
        if isinstance(error, MalformedEntry) or deliveries >= self._max_deliveries:
            await self._dead_letter(fields, entry_id, error, deliveries)
            return  # settled: it lives on in the dead-letter stream
        log.warning(
            "%s failed on %s %s (delivery %s of %s): %r",
            self.group,
            self.stream,
            entry_id,
            deliveries,
            self._max_deliveries,
            error,
        )
        raise error

    async def apply(self, fields: RawFields, entry_id: str) -> bool:
        """Run the handler and record the inbox row in one transaction (`apply_batch` of one).

        Returns False when the event was already applied (or has no handler here).
        """
        try:
            envelope = EventEnvelope.from_fields(fields)
        except Exception as error:
            raise MalformedEntry(f"not an event envelope: {error}") from error
        if not self.handlers.handles(envelope.event_type):
            self._ignored(envelope)
            return False  # another consumer's business; acknowledged
        try:
            async with unit_of_work(self._sessions) as work:
                try:
                    (applied,) = await apply_batch(
                        work.session, self.group, self.stream, [(entry_id, envelope)], self.handlers
                    )
                except EntryFailed as failed:
                    raise (failed.__cause__ or failed) from None  # the handler's own error: the dead letter's reason
                return applied
        except IntegrityError:
            # Another replica applied the same event at the same moment: ours rolled back.
            async with self._sessions() as session:
                if await session.get(InboxEntry, (self.group, str(envelope.event_id))):
                    return False
            raise

    def _ignored(self, envelope: EventEnvelope) -> None:
        """Count an entry acknowledged without a handler; log its type the first time."""
        if self._on_ignored is not None:
            self._on_ignored(self.stream, self.group, envelope.event_type)
        if envelope.event_type in self._ignored_logged:
            return
        self._ignored_logged.add(envelope.event_type)
        if contract_for(envelope.event_type, envelope.version) is None:
            log.warning(
                "%s ignores %s v%s on %s: no such contract in the catalogue (a typo, or a newer producer?)",
                self.group,
                envelope.event_type,
                envelope.version,
                self.stream,
            )
        else:
            log.info("%s ignores %s on %s: no handler here", self.group, envelope.event_type, self.stream)

    async def _delivery_count(self, entry_id: str) -> int:
        pending = await self._redis.xpending_range(self.stream, self.group, min=entry_id, max=entry_id, count=1)
        return int(pending[0]["times_delivered"]) if pending else 1

    async def _dead_letter(self, fields: RawFields, entry_id: str, error: Exception, deliveries: int) -> None:
        log.error("%s dead-letters %s %s: %r", self.group, self.stream, entry_id, error)
        # The original fields go over unchanged (bytes stay bytes: `str(b"x")` would be
        # "b'x'"), so a replay sees exactly what was published.
        original = {k: v for k, v in fields.items() if _text(k) not in DLQ_FIELDS}
        await self._redis.xadd(
            dead_letter_stream(self.stream),
            {
                **original,
                "dlq_group": self.group,
                "dlq_stream": self.stream,
                "dlq_entry_id": entry_id,
                "dlq_deliveries": str(deliveries),
                "dlq_reason": f"{type(error).__name__}: {error}"[:2000],
                "dlq_failed_at": datetime.now(UTC).isoformat(),
            },
        )


def _culprit(error: Exception) -> tuple[str | None, Exception | None]:
    """The entry whose handler raised `error` and its own exception; (None, None) when the
    failure was the batch's or the database's (another replica's inbox row, a deadlock)."""
    cause = error.__cause__
    if isinstance(error, EntryFailed) and isinstance(cause, Exception) and not isinstance(cause, DBAPIError):
        return error.entry_id, cause
    return None, None


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value)


async def _parse_entry(message: dict[str, Any], original_parser: Callable[..., Awaitable[Any]]) -> Any:
    """FastStream's parser, kept away from the entries' fields.

    FastStream reads an entry's fields as its own message format: a field named `data` is
    taken for its legacy envelope, and bytes that are not UTF-8 make parsing fail before any
    handler runs, so such an entry could be neither applied nor dead-lettered and would be
    reclaimed forever. The consumer reads the raw fields itself (`_raw_entries`), so FastStream
    is given an empty entry (or batch) to parse and the real one is put back as the raw
    message, where `_raw_entries` finds it.
    """
    empty: list[Any] | dict[str, Any] = [] if isinstance(message["data"], list) else {}
    parsed = await original_parser({**message, "data": empty})
    parsed.raw_message = message
    return parsed


def _raw_entries(msg: RedisStreamMessage | RedisBatchStreamMessage) -> list[tuple[RawFields, str]]:
    """The entries' own fields and ids, as Redis returned them (never FastStream's body).

    FastStream's body of an entry with a field named `data` is that field alone (every
    other field dropped, docs/design-brief.md trap 11); and a body that is not a JSON object failed
    FastStream's argument validation before any code of ours ran. A batch's raw message
    holds a list of entries' fields, a single entry's (the claimer's) one.
    """
    raw = msg.raw_message
    data = raw["data"] if isinstance(raw["data"], list) else [raw["data"]]
    return [(fields, _text(entry_id)) for fields, entry_id in zip(data, raw["message_ids"], strict=True)]
