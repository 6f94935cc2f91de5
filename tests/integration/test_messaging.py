"""The messaging foundation against a real Redis and a real database (SQLite and PostgreSQL).

A tiny test-only table (`test_messaging_effect`) records every effect a handler has; the
consumer runs as a service would: a FastStream RedisBroker with the reader and the claimer
of `StreamConsumer` on a group pre-created at id 0. Nothing here sleeps for a fixed time:
every wait polls a condition with a deadline.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import date, datetime

import pytest
from sqlmodel import Field, SQLModel, col, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.db import create_engine, session_factory
from shared.events.envelope import EventEnvelope
from shared.events.registry import CoopRegistered
from shared.messaging.connection import redis_broker, redis_client
from shared.messaging.consumer import ConsumedEvent, EventHandlers, InboxEntry, StreamConsumer, dead_letter_stream
from shared.messaging.dead_letters import get_dead_letter, list_dead_letters, replay_dead_letter
from shared.messaging.outbox import ArchivedEntry, OutboxMessage, OutboxRelay, record_event
from tests.support import ENVELOPE_FIELDS, temporary_postgres_database, unique, wait_until

GROUP = "messaging-test"
CLAIM_IDLE_MS = 300
MAX_DELIVERIES = 3


class MessagingTestEffect(SQLModel, table=True):
    """One row per time a handler's effect was committed: a duplicate effect is a second row."""

    __tablename__ = "test_messaging_effect"

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=36)
    entry_id: str = Field(max_length=40)
    name: str = Field(max_length=200)


TABLES = [MessagingTestEffect.__table__, InboxEntry.__table__, OutboxMessage.__table__, ArchivedEntry.__table__]


def coop_registered(name: str, coop_id: int = 1) -> CoopRegistered:
    return CoopRegistered(
        coop_id=coop_id,
        name=name,
        form="hop_tac_xa",
        registration_code=f"TN-{coop_id:04d}",
        ward_code="05488",
        founded_on=date(2010, 5, 1),
        status="active",
    )


def envelope(name: str, coop_id: int = 1) -> EventEnvelope:
    return EventEnvelope.wrap(coop_registered(name, coop_id), actor="province:test")


def text_fields(raw: dict) -> dict[str, str]:
    return {k.decode(): v.decode() for k, v in raw.items()}


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture
async def database_url(backend: str, tmp_path) -> AsyncIterator[str]:
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/messaging-{unique()}.db"
    else:
        async with temporary_postgres_database() as url:
            yield url


@pytest.fixture
async def sessions(database_url: str):
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: SQLModel.metadata.create_all(sync, tables=TABLES))
    yield session_factory(engine)
    await engine.dispose()


class Harness:
    """A consuming service in miniature: broker, consumer, handler, and probes for the tests."""

    def __init__(self, redis_url: str, sessions, stream: str) -> None:
        self.stream = stream
        self.sessions = sessions
        self.redis = redis_client(redis_url)
        self.failing: set[str] = set()  # coop names whose handler raises (the "cause")
        self.attempts: list[tuple[str, str]] = []  # (name, "ok" | "failed") in handler order
        self.ignored: list[str] = []  # event types acknowledged without a handler, as counted
        self.batches: list[list[str]] = []  # the entry ids each committed-or-not transaction applied
        self.consumer = self.new_consumer()
        self.broker = redis_broker(redis_url, description="messaging test")
        self.consumer.subscribe(self.broker)
        self.started = False

    def new_consumer(self) -> StreamConsumer:
        """A consumer of the group as one replica of the service runs it."""
        return StreamConsumer(
            stream=self.stream,
            group=GROUP,
            consumer_name=unique("live-"),
            handlers=EventHandlers({CoopRegistered: self.on_coop_registered}, after_batch=self.on_batch),
            sessions=self.sessions,
            redis=self.redis,
            claim_idle_ms=CLAIM_IDLE_MS,
            max_deliveries=MAX_DELIVERIES,
            on_ignored=lambda _stream, _group, event_type: self.ignored.append(event_type),
        )

    async def on_coop_registered(self, session: AsyncSession, event: ConsumedEvent[CoopRegistered]) -> None:
        name = event.event.name
        if name in self.failing:
            self.attempts.append((name, "failed"))
            raise RuntimeError(f"kho lạnh chưa sẵn sàng for {name}")
        session.add(MessagingTestEffect(event_id=str(event.envelope.event_id), entry_id=event.entry_id, name=name))
        self.attempts.append((name, "ok"))

    async def on_batch(self, _session: AsyncSession, events) -> None:
        self.batches.append([event.entry_id for event in events])

    async def start(self) -> None:
        await self.consumer.ensure_group()
        await self.broker.start()
        self.started = True

    async def stop(self) -> None:
        if self.started:
            await self.broker.stop()
            self.started = False

    async def publish(self, env: EventEnvelope) -> str:
        entry_id = await self.redis.xadd(self.stream, env.to_fields())
        return entry_id.decode()

    async def effects(self) -> list[str]:
        async with self.sessions() as session:
            rows = await session.exec(select(MessagingTestEffect).order_by(col(MessagingTestEffect.id)))
            return [row.name for row in rows.all()]

    async def inbox_count(self) -> int:
        async with self.sessions() as session:
            return (await session.exec(select(func.count()).select_from(InboxEntry))).one()

    async def settled(self) -> bool:
        """Every entry of the stream delivered to the group and acknowledged."""
        last = await self.redis.xrevrange(self.stream, count=1)
        for group in await self.redis.xinfo_groups(self.stream):
            if group["name"].decode() == GROUP:
                return group["pending"] == 0 and (not last or group["last-delivered-id"] == last[0][0])
        return False

    async def effects_when_settled(self, expected: int) -> list[str]:
        """Wait for `expected` effects and an idle group, then return every effect."""

        async def probe() -> list[str] | None:
            effects = await self.effects()
            return effects if len(effects) >= expected and await self.settled() else None

        return await wait_until(probe, message=f"{expected} effects and a settled group")

    async def dead_letters(self):
        return await list_dead_letters(self.redis, self.stream, GROUP)


@pytest.fixture
async def harness(redis_url: str, sessions, stream_prefix: str) -> AsyncIterator[Harness]:
    stream = f"{stream_prefix}registry.events"
    harness = Harness(redis_url, sessions, stream)
    try:
        yield harness
    finally:
        await harness.stop()
        keys = [key async for key in harness.redis.scan_iter(match=f"{stream_prefix}*")]
        if keys:
            await harness.redis.delete(*keys)
        await harness.redis.aclose()


# --- a. history published before the first start ------------------------------------------


async def test_event_published_before_first_start_is_consumed(harness: Harness):
    await harness.publish(envelope("HTX Chè Tân Hương"))
    await harness.publish(envelope("HTX Chè La Bằng", 2))
    await harness.start()

    assert await harness.effects_when_settled(2) == ["HTX Chè Tân Hương", "HTX Chè La Bằng"]


# --- b. redelivery is a no-op -----------------------------------------------------------------


async def test_redelivered_event_changes_nothing(harness: Harness):
    await harness.start()
    event = envelope("HTX Chè Tân Hương")
    first_entry = await harness.publish(event)
    await harness.publish(event)  # the producer's relay published it twice
    await harness.publish(envelope("HTX Chè La Bằng", 2))

    assert await harness.effects_when_settled(2) == ["HTX Chè Tân Hương", "HTX Chè La Bằng"]
    assert await harness.inbox_count() == 2

    # The same entry applied again (a claimer and a reader racing, an operator replaying).
    assert await harness.consumer.apply(event.to_fields(), first_entry) is False
    assert await harness.effects() == ["HTX Chè Tân Hương", "HTX Chè La Bằng"]


async def test_concurrent_applications_of_one_event_commit_one_effect(harness: Harness):
    """Two replicas applying the same event at the same moment: the inbox key lets one win."""
    event = envelope("HTX Chè Tân Hương")
    results = await asyncio.gather(*(harness.consumer.apply(event.to_fields(), "1-0") for _ in range(4)))

    assert sorted(results) == [False, False, False, True]
    assert await harness.effects() == ["HTX Chè Tân Hương"]


# --- c. retries by the claimer, dead letter with the reason, flow continues ------------------


async def _dead_letter_one(harness: Harness, name: str) -> None:
    """Publish A, `name` (failing), C; wait until `name` is dead-lettered and the rest applied."""
    harness.failing.add(name)
    await harness.start()
    await harness.publish(envelope("HTX A", 1))
    await harness.publish(envelope(name, 2))
    await harness.publish(envelope("HTX C", 3))
    await wait_until(harness.dead_letters, message="the dead letter")
    assert await harness.effects_when_settled(2) == ["HTX A", "HTX C"]


async def test_failing_handler_is_retried_then_dead_lettered_with_reason(harness: Harness):
    await _dead_letter_one(harness, "HTX Bị Lỗi")

    failures = [i for i, (name, outcome) in enumerate(harness.attempts) if name == "HTX Bị Lỗi"]
    assert len(failures) == MAX_DELIVERIES  # first read plus claimer retries, then no more
    assert all(harness.attempts[i][1] == "failed" for i in failures)
    # Later events kept flowing: C was applied while B was still being retried.
    assert harness.attempts.index(("HTX C", "ok")) < failures[-1]

    (letter,) = await harness.dead_letters()
    assert letter.group == GROUP and letter.stream == harness.stream
    assert letter.deliveries == MAX_DELIVERIES
    assert letter.reason == "RuntimeError: kho lạnh chưa sẵn sàng for HTX Bị Lỗi"
    assert letter.event_type == CoopRegistered.event_type
    assert set(letter.fields) == set(ENVELOPE_FIELDS)  # the original entry, as published
    assert json.loads(letter.fields["payload"])["name"] == "HTX Bị Lỗi"
    assert letter.failed_at and datetime.fromisoformat(letter.failed_at).tzinfo is not None

    # The dead-lettered entry was acknowledged; events published afterwards still flow.
    await harness.publish(envelope("HTX D", 4))
    assert await harness.effects_when_settled(3) == ["HTX A", "HTX C", "HTX D"]


# --- d. replay after the cause is fixed --------------------------------------------------------


async def test_replay_applies_dead_letter_exactly_once_after_fix(harness: Harness):
    await _dead_letter_one(harness, "HTX Bị Lỗi")
    (letter,) = await harness.dead_letters()

    with pytest.raises(RuntimeError):  # the cause is not fixed: the dead letter stays
        await replay_dead_letter(harness.redis, harness.consumer, letter.dlq_id)
    assert [d.dlq_id for d in await harness.dead_letters()] == [letter.dlq_id]

    harness.failing.clear()  # the cause is fixed
    # Two operators press "replay" at once: one applies it, the other finds it applied.
    results = await asyncio.gather(
        replay_dead_letter(harness.redis, harness.consumer, letter.dlq_id),
        replay_dead_letter(harness.redis, harness.consumer, letter.dlq_id),
    )
    assert sorted(results) == [False, True]
    assert await harness.effects() == ["HTX A", "HTX C", "HTX Bị Lỗi"]
    assert await harness.dead_letters() == []
    assert await get_dead_letter(harness.redis, harness.stream, letter.dlq_id) is None
    with pytest.raises(LookupError):  # a later replay of the same id finds nothing to do
        await replay_dead_letter(harness.redis, harness.consumer, letter.dlq_id)
    assert await harness.effects() == ["HTX A", "HTX C", "HTX Bị Lỗi"]


# --- e. malformed entries --------------------------------------------------------------------


async def test_malformed_entries_go_to_the_dead_letter_stream_at_once(harness: Harness):
    await harness.start()
    await harness.redis.xadd(harness.stream, {"hello": "xin chào"})
    # A lone `data` field is what FastStream reads as its legacy envelope; it is no event either.
    await harness.redis.xadd(harness.stream, {"data": "không phải JSON"})
    await harness.redis.xadd(harness.stream, {"event_id": b"\xff\xfe not UTF-8"})
    await harness.publish(envelope("HTX Chè Tân Hương"))

    letters = await wait_until(
        lambda: _at_least(harness.dead_letters(), 3), message="three malformed entries dead-lettered"
    )
    assert await harness.effects_when_settled(1) == ["HTX Chè Tân Hương"]
    assert [letter.fields for letter in letters] == [
        {"hello": "xin chào"},
        {"data": "không phải JSON"},
        {"event_id": "\ufffd\ufffd not UTF-8"},
    ]
    raw = await harness.redis.xrange(dead_letter_stream(harness.stream))
    assert raw[2][1][b"event_id"] == b"\xff\xfe not UTF-8"  # copied byte for byte
    for letter in letters:
        assert letter.deliveries == 1  # not retried: it can never succeed
        assert letter.reason.startswith("MalformedEntry: not an event envelope")
    assert not any(name for name, _ in harness.attempts if name != "HTX Chè Tân Hương")


async def test_envelope_entry_with_stray_data_field_is_not_misread(harness: Harness):
    """FastStream would treat a `data` field as its own envelope and drop the others (trap 11)."""
    await harness.start()
    await harness.redis.xadd(harness.stream, {**envelope("HTX Chè Tân Hương").to_fields(), "data": "{}"})

    assert await harness.effects_when_settled(1) == ["HTX Chè Tân Hương"]
    assert await harness.dead_letters() == []


async def test_event_type_without_handler_is_acknowledged_and_ignored(harness: Harness):
    await harness.start()
    other = envelope("HTX Chè Tân Hương").model_copy(update={"event_type": "registry.member_left"})
    await harness.publish(other)
    await harness.publish(envelope("HTX Chè La Bằng", 2))

    assert await harness.effects_when_settled(1) == ["HTX Chè La Bằng"]
    assert await harness.inbox_count() == 1
    assert await harness.dead_letters() == []


async def _at_least(probe, count: int):
    items = await probe
    return items if len(items) >= count else None


# --- f. the outbox relay ------------------------------------------------------------------------


def _relay(harness: Harness, stream_prefix: str) -> OutboxRelay:
    return OutboxRelay(
        harness.sessions,
        harness.redis,
        producer="registry",
        stream_name=lambda name: f"{stream_prefix}{name}",
        poll_seconds=5,
    )


async def _record(harness: Harness, *names: str) -> list[EventEnvelope]:
    """Each name in its own transaction, as separate requests would."""
    envelopes = []
    for coop_id, name in enumerate(names, start=1):
        async with harness.sessions() as session:
            envelopes.append(
                record_event(
                    session,
                    "registry.events",
                    coop_registered(name, coop_id),
                    actor="province:test",
                    correlation_id=f"req-{coop_id}",
                )
            )
            await session.commit()
    return envelopes


async def _outbox(harness: Harness) -> list[OutboxMessage]:
    async with harness.sessions() as session:
        return list((await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all())


async def test_outbox_relay_publishes_in_commit_order_and_marks_rows(harness: Harness, stream_prefix: str):
    names = ["HTX Chè Tân Hương", "HTX Chè La Bằng", "HTX Chè Phúc Xuân"]
    envelopes = await _record(harness, *names)
    relay = _relay(harness, stream_prefix)

    assert await relay.publish_pending() == 3
    assert await relay.publish_pending() == 0  # nothing left: rows are marked
    rows = await _outbox(harness)
    assert all(row.published_at is not None for row in rows)
    entries = await harness.redis.xrange(harness.stream)
    assert [text_fields(f)["event_id"] for _, f in entries] == [str(e.event_id) for e in envelopes]
    assert [json.loads(text_fields(f)["payload"])["name"] for _, f in entries] == names


async def test_outbox_row_published_twice_has_no_double_effect(harness: Harness, stream_prefix: str):
    names = ["HTX Chè Tân Hương", "HTX Chè La Bằng", "HTX Chè Phúc Xuân"]
    await _record(harness, *names)
    relay = _relay(harness, stream_prefix)
    assert await relay.publish_pending() == 3

    # The relay crashed between XADD and marking the row: it is published again on restart.
    second = (await _outbox(harness))[1]
    async with harness.sessions() as session:
        await session.exec(update(OutboxMessage).where(col(OutboxMessage.id) == second.id).values(published_at=None))
        await session.commit()
    assert await relay.publish_pending() == 1
    assert await harness.redis.xlen(harness.stream) == 4

    await harness.start()
    assert await harness.effects_when_settled(3) == names
    assert await harness.inbox_count() == 3


async def test_running_relay_publishes_after_wake_and_stops_cleanly(harness: Harness, stream_prefix: str):
    relay = _relay(harness, stream_prefix)  # polls every 5 s: only `wake()` makes this quick
    task = asyncio.create_task(relay.run_forever())
    try:
        for index, name in enumerate(["HTX Chè Tân Hương", "HTX Chè La Bằng"], start=1):
            async with harness.sessions() as session:
                record_event(session, "registry.events", coop_registered(name, index))
                await session.commit()
            relay.wake()
            await wait_until(
                lambda index=index: _xlen_is(harness, index), timeout=3, message=f"entry {index} after wake()"
            )
    finally:
        relay.stop()
        await asyncio.wait_for(task, timeout=5)
    assert task.done() and task.exception() is None


async def _xlen_is(harness: Harness, count: int) -> bool:
    return await harness.redis.xlen(harness.stream) == count


# --- g. the wire format ------------------------------------------------------------------------


async def test_stream_entries_are_flat_plain_json_readable_by_any_client(harness: Harness, stream_prefix: str):
    (recorded,) = await _record(harness, "HTX Chè Tân Hương")
    await _relay(harness, stream_prefix).publish_pending()

    ((entry_id, raw),) = await harness.redis.xrange(harness.stream)
    fields = text_fields(raw)
    assert set(fields) == set(ENVELOPE_FIELDS)
    assert "data" not in fields
    assert all(name.isascii() for name in fields)
    assert fields["event_id"] == str(recorded.event_id)
    assert fields["event_type"] == "registry.coop_registered"
    assert fields["version"] == "1"
    assert fields["producer"] == "registry"
    assert fields["actor"] == "province:test" and fields["correlation_id"] == "req-1"
    assert datetime.fromisoformat(fields["occurred_at"]).tzinfo is not None
    assert datetime.fromisoformat(fields["recorded_at"]).tzinfo is not None
    assert "Tân Hương" in raw[b"payload"].decode("utf-8")  # UTF-8 text, not \u escapes
    payload = json.loads(fields["payload"])
    assert payload == coop_registered("HTX Chè Tân Hương").model_dump(mode="json")
    assert EventEnvelope.from_fields(raw).contract() == coop_registered("HTX Chè Tân Hương")

    # And a FastStream consumer sees the same text.
    await harness.start()
    assert await harness.effects_when_settled(1) == ["HTX Chè Tân Hương"]


# --- h. a dead process's pending entries -------------------------------------------------------


async def test_entries_left_pending_by_a_dead_consumer_are_claimed_and_applied(harness: Harness):
    await harness.consumer.ensure_group()
    await harness.publish(envelope("HTX Chè Tân Hương"))
    await harness.publish(envelope("HTX Chè La Bằng", 2))
    # Another process of the same service read both and died before acknowledging.
    taken = await harness.redis.xreadgroup(GROUP, "dead-process", {harness.stream: ">"}, count=10)
    assert len(taken[0][1]) == 2
    pending = await harness.redis.xpending(harness.stream, GROUP)
    assert pending["pending"] == 2 and pending["consumers"][0]["name"] == b"dead-process"

    await harness.start()
    assert await harness.effects_when_settled(2) == ["HTX Chè Tân Hương", "HTX Chè La Bằng"]
    assert await harness.dead_letters() == []


async def test_a_dead_process_s_pending_entries_are_claimed_as_one_batch(harness: Harness):
    names = [f"HTX {number}" for number in range(1, 8)]
    await harness.consumer.ensure_group()
    entry_ids = await _publish_all(harness, [envelope(name, number) for number, name in enumerate(names, start=1)])
    await harness.redis.xreadgroup(GROUP, "dead-process", {harness.stream: ">"}, count=500)

    await harness.start()
    assert await harness.effects_when_settled(len(names)) == names
    # FastStream's claimer took the first entry; its six idle successors came with it, in one transaction.
    assert harness.batches == [entry_ids]
    assert await harness.dead_letters() == []


async def test_a_poison_entry_among_claimed_ones_is_dead_lettered_alone(harness: Harness):
    harness.failing.add("HTX Bị Lỗi")
    await harness.consumer.ensure_group()
    await _publish_all(harness, [envelope("HTX A", 1), envelope("HTX Bị Lỗi", 2), envelope("HTX C", 3)])
    await harness.redis.xreadgroup(GROUP, "dead-process", {harness.stream: ">"}, count=500)

    await harness.start()
    await wait_until(harness.dead_letters, message="the dead letter")
    assert await harness.effects_when_settled(2) == ["HTX A", "HTX C"]
    # One claimed batch (rolled back at the poison entry), then each entry alone.
    assert harness.attempts[:4] == [("HTX A", "ok"), ("HTX Bị Lỗi", "failed"), ("HTX A", "ok"), ("HTX C", "ok")]
    (letter,) = await harness.dead_letters()
    assert letter.deliveries == MAX_DELIVERIES and letter.reason.startswith("RuntimeError: kho lạnh")
    assert await harness.inbox_count() == 2


# --- i. batches (ADR 0016) ---------------------------------------------------------------------
# Entries published before the start arrive in the reader's first read: one batch.


async def _publish_all(harness: Harness, envelopes: list[EventEnvelope]) -> list[str]:
    return [await harness.publish(env) for env in envelopes]


async def test_poison_entry_of_a_batch_is_dead_lettered_alone_while_the_rest_is_applied(harness: Harness):
    harness.failing.add("HTX Bị Lỗi")
    names = ["HTX A", "HTX Bị Lỗi", "HTX C", "HTX D", "HTX E"]
    await _publish_all(harness, [envelope(name, number) for number, name in enumerate(names, start=1)])
    await harness.start()

    await wait_until(harness.dead_letters, message="the dead letter")
    assert await harness.effects_when_settled(4) == ["HTX A", "HTX C", "HTX D", "HTX E"]
    # One batch: A ran in it (rolled back with it), then again alone, and the rest alone.
    assert harness.attempts[:4] == [("HTX A", "ok"), ("HTX Bị Lỗi", "failed"), ("HTX A", "ok"), ("HTX C", "ok")]
    # The poison entry's handler ran once per delivery, not again in the fallback.
    assert harness.attempts.count(("HTX Bị Lỗi", "failed")) == MAX_DELIVERIES
    (letter,) = await harness.dead_letters()
    assert letter.deliveries == MAX_DELIVERIES
    assert letter.reason == "RuntimeError: kho lạnh chưa sẵn sàng for HTX Bị Lỗi"
    assert await harness.inbox_count() == 4


async def test_batch_applied_by_a_process_that_died_before_its_xack_is_applied_once(harness: Harness):
    """The process committed its batch and was killed before XACK: the claimer takes the
    entries again and the inbox makes them no-ops."""
    names = [f"HTX {number}" for number in range(1, 8)]
    await harness.consumer.ensure_group()
    await _publish_all(harness, [envelope(name, number) for number, name in enumerate(names, start=1)])
    ((_, taken),) = await harness.redis.xreadgroup(GROUP, "dead-process", {harness.stream: ">"}, count=500)
    settled = await harness.consumer.deliver_batch([(fields, entry_id.decode()) for entry_id, fields in taken])
    assert len(settled) == len(names) and await harness.effects() == names
    assert (await harness.redis.xpending(harness.stream, GROUP))["pending"] == len(names)  # never acknowledged

    await harness.start()
    assert await harness.effects_when_settled(len(names)) == names
    assert await harness.inbox_count() == len(names)
    assert await harness.dead_letters() == []


async def test_batch_with_a_duplicate_and_an_already_applied_event_applies_each_once(harness: Harness):
    applied_before, twice, once = envelope("HTX Đã Có", 1), envelope("HTX Hai Lần", 2), envelope("HTX Một Lần", 3)
    assert await harness.consumer.apply(applied_before.to_fields(), "1-0") is True
    harness.attempts.clear()
    await _publish_all(harness, [applied_before, twice, twice, once])
    await harness.start()

    assert await harness.effects_when_settled(3) == ["HTX Đã Có", "HTX Hai Lần", "HTX Một Lần"]
    assert harness.attempts == [("HTX Hai Lần", "ok"), ("HTX Một Lần", "ok")]  # one batch, no fallback
    assert await harness.inbox_count() == 3


async def test_two_consumers_of_one_group_apply_everything_exactly_once(harness: Harness, redis_url: str):
    events = [envelope(f"HTX {number}", number) for number in range(1, 301)]
    await harness.consumer.ensure_group()
    entry_ids = await _publish_all(harness, events)
    # Both replicas applying the very same batch at once: one inbox row per event wins.
    first = [(env.to_fields(), entry_id) for env, entry_id in zip(events[:50], entry_ids[:50], strict=True)]
    other = harness.new_consumer()
    settled = await asyncio.gather(harness.consumer.deliver_batch(first), other.deliver_batch(first))
    assert [sorted(ids) for ids in settled] == [sorted(entry_ids[:50])] * 2
    assert sorted(await harness.effects()) == sorted(f"HTX {number}" for number in range(1, 51))

    # Then both replicas read the stream as the service does, each with its own broker.
    replica = redis_broker(redis_url, description="second replica")
    other.subscribe(replica)
    await replica.start()
    try:
        await harness.start()
        effects = await harness.effects_when_settled(len(events))
    finally:
        await replica.stop()
    assert sorted(effects) == sorted(f"HTX {number}" for number in range(1, 301))  # none twice, none lost
    assert await harness.inbox_count() == len(events)
    assert await harness.dead_letters() == []


async def test_types_without_a_handler_in_a_batch_are_acknowledged_and_counted(harness: Harness):
    other = envelope("HTX Khác", 9).model_copy(update={"event_type": "registry.member_left"})
    unknown = envelope("HTX Lạ", 8).model_copy(update={"event_type": "registry.not_a_contract"})
    await _publish_all(harness, [other, envelope("HTX A", 1), unknown, other, envelope("HTX B", 2)])
    await harness.start()

    assert await harness.effects_when_settled(2) == ["HTX A", "HTX B"]
    assert sorted(harness.ignored) == ["registry.member_left", "registry.member_left", "registry.not_a_contract"]
    assert await harness.inbox_count() == 2
    assert await harness.dead_letters() == []
