"""Stream retention (ADR 0020) on the real Redis and both database backends.

A producer's relay archives what it publishes (`event_archive`) and trims its stream only past
entries every group has acknowledged and older than the retention window; whatever a trim
removed is read back from the archive, exactly at the boundary: by a rebuild (the same read
models as before the trim) and by a consumer group created after the trim (every event once).

The retention window is judged against the trimmer's clock, which the tests set: "a week later"
is a clock, never a wait.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from redis.crc import key_slot
from sqlmodel import Field, SQLModel, col, delete, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.app import create_app as create_registry_app
from services.supplychain.app import create_app as create_supplychain_app
from shared.db import create_engine, session_factory, unit_of_work
from shared.events.envelope import EventEnvelope
from shared.events.registry import CoopRegistered
from shared.messaging.archive import EventSource, StreamTrimmer, following, read_archive, trim_marker, trimmed_below
from shared.messaging.connection import entry_key, redis_broker
from shared.messaging.consumer import ConsumedEvent, EventHandlers, InboxEntry, StreamConsumer
from shared.messaging.outbox import ArchivedEntry, OutboxMessage, OutboxRelay, record_event
from tests.integration.reporting_events import REGISTRY, SUPPLYCHAIN, registry_dataset, supplychain_dataset
from tests.integration.test_messaging import coop_registered
from tests.integration.test_reporting_projections import consumed
from tests.integration.test_reporting_rebuild import rebuilt, snapshot
from tests.support import bearer, running_app, service_settings, unique, wait_until

RETENTION = timedelta(days=7)
A_WEEK_LATER = 8 * 24 * 3600 * 1000  # ms: every entry published now is then past the window


class RetentionTestEffect(SQLModel, table=True):
    """One row per committed effect of the test consumer: a duplicate effect is a second row."""

    __tablename__ = "test_retention_effect"

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=36)
    name: str = Field(max_length=200)


class Producer:
    """The registry's outbox, relay and trimmer on a migrated registry database."""

    def __init__(self, database_url: str, redis, prefix: str, stream: str = REGISTRY) -> None:
        self.engine = create_engine(database_url)
        self.sessions = session_factory(self.engine)
        self.redis = redis
        self.name = stream
        self.stream = prefix + stream
        self.clock_offset_ms = 0
        self.clock_frozen_at: int | None = None  # the trimmer's clock, when a test stops it
        self.relay = OutboxRelay(self.sessions, redis, producer=unique("p"), stream_name=lambda name: prefix + name)
        self.trimmer = StreamTrimmer(
            self.sessions, redis, {stream: self.stream}, retention=RETENTION, now_ms=self._now_ms
        )

    def _now_ms(self) -> int:
        if self.clock_frozen_at is not None:
            return self.clock_frozen_at
        return int(time.time() * 1000) + self.clock_offset_ms

    async def publish(self, *names: str, first_id: int = 1) -> list[str]:
        """Record a co-op registration per name and publish them; their entry ids."""
        async with unit_of_work(self.sessions) as work:
            for number, name in enumerate(names, start=first_id):
                record_event(work.session, self.name, coop_registered(name, number), actor="province:test")
        await self.relay.publish_pending()
        return [entry_id for entry_id, _ in (await self.archive(None, 10_000))[-len(names) :]]

    async def publish_envelopes(self, envelopes: list[EventEnvelope]) -> None:
        """Outbox rows of ready-made envelopes (each once), as the producer's commands write them."""
        async with unit_of_work(self.sessions) as work:
            seen = set()
            for env in envelopes:
                if env.event_id in seen:
                    continue
                seen.add(env.event_id)
                work.session.add(
                    OutboxMessage(
                        event_id=str(env.event_id),
                        stream=self.name,
                        event_type=env.event_type,
                        fields_json=json.dumps(env.to_fields(), ensure_ascii=False),
                        created_at=env.recorded_at,
                    )
                )
        await self.relay.publish_pending()

    async def archive(self, after: str | None, limit: int):
        async with self.sessions() as session:
            return await read_archive(session, self.name, after, limit)

    async def trim_a_week_later(self) -> int:
        self.clock_offset_ms = A_WEEK_LATER
        return (await self.trimmer.trim()).get(self.stream, 0)

    async def ids(self) -> list[str]:
        return [raw.decode() for raw, _ in await self.redis.xrange(self.stream)]


@pytest.fixture
async def producer(database_url_factory, redis, stream_prefix) -> AsyncIterator[Producer]:
    producer = Producer(await database_url_factory("registry"), redis, stream_prefix)
    yield producer
    await producer.engine.dispose()
    keys = [key async for key in redis.scan_iter(match=f"{stream_prefix}*")]
    keys += [key async for key in redis.scan_iter(match=f"{{{stream_prefix}*")]  # trim markers
    if keys:
        await redis.delete(*keys)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


async def read_all(redis, stream: str, group: str, *, ack_first: int | None = None) -> list[bytes]:
    """Deliver every entry to `group` (one consumer) and acknowledge the first `ack_first` (all: None)."""
    delivered = await redis.xreadgroup(group, "c1", {stream: ">"})
    ids = [entry_id for entry_id, _ in delivered[0][1]] if delivered else []
    acked = ids if ack_first is None else ids[:ack_first]
    if acked:
        await redis.xack(stream, group, *acked)
    return ids


async def test_relay_archives_every_published_entry_with_its_stream_id(producer: Producer):
    await producer.publish("HTX Chè Tân Hương", "HTX Chè La Bằng", "Hợp tác xã Trà Đắk Tô")

    stream = [
        (raw.decode(), {k.decode(): v.decode() for k, v in fields.items()})
        for raw, fields in await producer.redis.xrange(producer.stream)
    ]
    assert await producer.archive(None, 100) == stream
    assert len(stream) == 3
    assert await producer.archive(stream[0][0], 1) == stream[1:2]  # pages follow by the last id


async def test_trim_never_removes_an_entry_a_group_has_not_acknowledged(producer: Producer):
    ids = await producer.publish(*[f"HTX số {n}" for n in range(10)])
    redis, stream = producer.redis, producer.stream
    for group, at in (("all-acked", "0"), ("pending", "0"), ("behind", ids[6])):
        await redis.xgroup_create(stream, group, id=at)
    await read_all(redis, stream, "all-acked")
    delivered = await read_all(redis, stream, "pending", ack_first=4)  # ids[4:] delivered, not acknowledged

    assert await producer.trim_a_week_later() == 4
    assert await producer.ids() == ids[4:]
    assert (await redis.xpending(stream, "pending"))["pending"] == 6

    await redis.xack(stream, "pending", *delivered[4:])
    assert await producer.trim_a_week_later() == 3  # now "behind" holds it: ids[7:] never delivered there
    assert await producer.ids() == ids[7:]

    await read_all(redis, stream, "behind")
    assert await producer.trim_a_week_later() == 3
    assert await producer.ids() == []
    assert [entry_id for entry_id, _ in await producer.archive(None, 100)] == ids  # history kept


async def test_trim_keeps_what_the_retention_window_holds(producer: Producer):
    older = await producer.publish(*[f"HTX số {n}" for n in range(3)])

    async def next_millisecond() -> bool:
        return time.time() * 1000 > entry_key(older[-1])[0]

    await wait_until(next_millisecond, message="the clock past the first entries' millisecond")
    newer = await producer.publish(*[f"HTX số {n}" for n in range(3, 6)], first_id=4)
    await producer.redis.xgroup_create(producer.stream, "reader", id="0")
    await read_all(producer.redis, producer.stream, "reader")

    assert await producer.trimmer.trim() == {producer.stream: 0}  # all acknowledged, none a week old
    assert await producer.ids() == older + newer

    # The window's edge at the newer entries' millisecond: what is older goes, the rest stays.
    edge = entry_key(newer[0])[0]
    producer.clock_frozen_at = edge + int(RETENTION.total_seconds() * 1000)
    assert await producer.trimmer.trim() == {producer.stream: 3}
    assert await producer.ids() == newer
    assert (await producer.redis.get(trim_marker(producer.stream))).decode() == f"{edge}-0"


def test_the_trim_marker_lives_in_its_streams_cluster_slot():
    """The trim script touches the stream and its marker: on Redis Cluster both must hash to one
    slot, or the script fails with CROSSSLOT."""
    for stream in (REGISTRY, SUPPLYCHAIN, "test-1a2b.supplychain.events"):
        assert key_slot(trim_marker(stream).encode()) == key_slot(stream.encode())


async def test_a_marker_under_its_first_released_name_is_adopted_and_never_lost(producer: Producer):
    ids = await producer.publish(*[f"HTX số {n}" for n in range(4)])
    await producer.redis.xgroup_create(producer.stream, "reader", id="0")
    await read_all(producer.redis, producer.stream, "reader")
    legacy = f"{producer.stream}:trimmed-below"  # as the first release of stream retention wrote it
    await producer.redis.set(legacy, ids[1])

    assert await trimmed_below(producer.redis, producer.stream) == entry_key(ids[1])  # read before adoption
    assert await producer.trim_a_week_later() == 4
    assert not await producer.redis.exists(legacy)
    assert await trimmed_below(producer.redis, producer.stream) == following(ids[-1])


async def forget_the_archive(producer: Producer) -> None:
    """As on a database migrated after its rows were published: none has its entry id."""
    async with producer.sessions() as session, session.begin():
        await session.execute(delete(ArchivedEntry))


async def test_rows_published_before_the_archive_are_archived_from_the_stream_before_any_trim(producer: Producer):
    ids = await producer.publish(*[f"HTX số {n}" for n in range(5)])
    archived = await producer.archive(None, 100)
    await forget_the_archive(producer)
    await producer.redis.xgroup_create(producer.stream, "reader", id="0")
    await read_all(producer.redis, producer.stream, "reader")

    assert await producer.trim_a_week_later() == 5
    assert await producer.archive(None, 100) == archived

    # After a restart, on a database whose rows Redis no longer has all of: nothing is trimmed.
    later = await producer.publish("HTX Chè Khe Cốc", "HTX Chè Hảo Đạt", first_id=6)
    await forget_the_archive(producer)
    await read_all(producer.redis, producer.stream, "reader")
    await producer.redis.xdel(producer.stream, later[0])
    restarted = StreamTrimmer(
        producer.sessions, producer.redis, {REGISTRY: producer.stream}, retention=RETENTION, now_ms=producer._now_ms
    )
    assert await restarted.trim() == {}
    assert await producer.ids() == later[1:]
    assert [entry_id for entry_id, _ in await producer.archive(None, 100)] == later[1:]
    assert ids[0] not in await producer.ids()


async def test_reading_after_a_trim_gives_every_entry_once_in_order(producer: Producer):
    first = await producer.publish(*[f"HTX số {n}" for n in range(7)])
    await producer.redis.xgroup_create(producer.stream, "reader", id="0")
    await read_all(producer.redis, producer.stream, "reader", ack_first=5)
    await producer.trim_a_week_later()
    later = await producer.publish("HTX Chè Khe Cốc", "HTX Chè Hảo Đạt", first_id=8)
    assert await producer.ids() == first[5:] + later  # the rest of the history is only archived

    source = EventSource(producer.redis, producer.stream, producer.archive)
    read: list[str] = []
    while page := await source.read(read[-1] if read else None, count=3):
        read += [entry_id for entry_id, _ in page]

    assert read == first + later
    archived = dict(await producer.archive(None, 100))
    for entry_id in (first[0], first[4], first[5], later[-1]):  # trimmed, the last trimmed, kept, newest
        fields = await source.entry(entry_id)
        assert fields is not None and {_text(k): _text(v) for k, v in fields.items()} == archived[entry_id]


class Consumer:
    """A service's group of the registry stream, with the archive of the producer."""

    def __init__(self, database_url: str, redis_url: str, redis, producer: Producer, group: str) -> None:
        self.engine = create_engine(database_url)
        self.sessions = session_factory(self.engine)
        self.redis = redis
        self.stream = producer.stream
        self.group = group
        self.consumer = StreamConsumer(
            stream=producer.stream,
            group=group,
            consumer_name=unique("c-"),
            handlers=EventHandlers({CoopRegistered: self.on_coop}),
            sessions=self.sessions,
            redis=redis,
            claim_idle_ms=300,
            max_deliveries=3,
            read_batch=4,  # archive pages of 4: the catch-up crosses several
            archive=producer.archive,
        )
        self.broker = redis_broker(redis_url, description="retention test")
        self.consumer.subscribe(self.broker)

    async def on_coop(self, session: AsyncSession, event: ConsumedEvent[CoopRegistered]) -> None:
        session.add(RetentionTestEffect(event_id=str(event.envelope.event_id), name=event.event.name))

    async def start(self) -> None:
        async with self.engine.begin() as connection:
            await connection.run_sync(
                lambda sync: SQLModel.metadata.create_all(sync, tables=[RetentionTestEffect.__table__])
            )
        await self.consumer.ensure_group()
        await self.broker.start()

    async def effects(self) -> list[str]:
        async with self.sessions() as session:
            rows = await session.exec(select(RetentionTestEffect).order_by(col(RetentionTestEffect.id)))
            return [row.name for row in rows.all()]

    async def effects_when_settled(self, expected: int) -> list[str]:
        async def probe():
            effects = await self.effects()
            last = await self.redis.xinfo_stream(self.stream)
            for group in await self.redis.xinfo_groups(self.stream):
                if group["name"].decode() == self.group:
                    settled = group["pending"] == 0 and group["last-delivered-id"] == last["last-generated-id"]
                    return effects if len(effects) >= expected and settled else None
            return None

        return await wait_until(probe, message=f"{expected} effects and a settled group")

    async def close(self) -> None:
        await self.broker.stop()
        await self.engine.dispose()


async def test_a_group_created_after_a_trim_receives_every_event_exactly_once(
    producer: Producer, database_url_factory, redis_url
):
    names = [f"HTX Chè số {n}" for n in range(10)]
    await producer.publish(*names[:7])
    await producer.redis.xgroup_create(producer.stream, "old-service", id="0")
    await read_all(producer.redis, producer.stream, "old-service")
    assert await producer.trim_a_week_later() == 7
    await producer.publish(*names[7:], first_id=8)  # after the trim: still in the stream

    late = Consumer(await database_url_factory("reporting"), redis_url, producer.redis, producer, "new-service")
    try:
        await late.start()
        assert await late.effects_when_settled(10) == names
        await producer.publish("HTX Chè Tân Cương", first_id=11)
        assert await late.effects_when_settled(11) == [*names, "HTX Chè Tân Cương"]

        async with late.sessions() as session:
            assert (await session.exec(select(func.count()).select_from(InboxEntry))).one() == 11
        assert await late.consumer.catch_up_from_archive() == 0  # a restart finds nothing more to read
    finally:
        await late.close()


async def test_archive_route_serves_the_province_only(
    producer: Producer, database_url_factory, redis_url, stream_prefix
):
    await producer.publish("HTX Chè Tân Hương", "HTX Chè La Bằng")
    entries = await producer.archive(None, 100)
    settings = service_settings(database_url=str(producer.engine.url), redis_url=redis_url, stream_prefix=stream_prefix)
    app = create_registry_app(settings)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://registry") as client:
            path = "/events/archive"
            assert (await client.get(path, params={"stream": REGISTRY})).status_code == 401
            coop_token = bearer("coop", coop_id=1)
            assert (await client.get(path, params={"stream": REGISTRY}, headers=coop_token)).status_code == 403
            wrong = await client.get(path, params={"stream": SUPPLYCHAIN}, headers=bearer())
            assert wrong.status_code == 404 and "registry" in wrong.json()["detail"]["message"]
            bad = await client.get(path, params={"stream": REGISTRY, "after": "hôm qua"}, headers=bearer())
            assert bad.status_code == 422 and "1700000000000-0" in bad.json()["detail"]["message"]
            beyond = {"stream": REGISTRY, "after": "1700000000000-99999999999999999999"}  # past a BIGINT
            assert (await client.get(path, params=beyond, headers=bearer())).status_code == 422

            page = await client.get(path, params={"stream": REGISTRY, "limit": 1}, headers=bearer())
            assert page.status_code == 200
            assert [(e["id"], e["fields"]) for e in page.json()["entries"]] == entries[:1]
            after = {"stream": REGISTRY, "after": entries[0][0]}
            rest = (await client.get(path, params=after, headers=bearer())).json()["entries"]
            assert [(e["id"], e["fields"]) for e in rest] == entries[1:]
    finally:
        await app.state.runtime.engine.dispose()
        await app.state.runtime.redis.aclose()


@pytest.fixture
async def producer_apps(database_url_factory, redis, redis_url, stream_prefix) -> AsyncIterator[dict]:
    """Both producers' archives behind their HTTP APIs, and their relays and trimmers."""
    producers, apps = {}, {}
    for service, stream, create in (
        ("registry", REGISTRY, create_registry_app),
        ("supplychain", SUPPLYCHAIN, create_supplychain_app),
    ):
        url = await database_url_factory(service)
        producers[service] = Producer(url, redis, stream_prefix, stream)
        apps[service] = create(service_settings(database_url=url, redis_url=redis_url, stream_prefix=stream_prefix))
    yield {"producers": producers, "apps": apps}
    for service in producers:
        await producers[service].engine.dispose()
        await apps[service].state.runtime.engine.dispose()
        await apps[service].state.runtime.redis.aclose()


async def test_a_rebuild_after_trimming_gives_the_read_models_of_one_before(reporting_app, producer_apps, redis):
    producers, apps = producer_apps["producers"], producer_apps["apps"]
    runtime = reporting_app.state.runtime
    for service, app in apps.items():  # reporting reads the archives through the producers' API
        runtime.http_clients[service] = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=f"http://{service}"
        )
    registry, supplychain = producers["registry"], producers["supplychain"]
    await registry.publish_envelopes([*registry_dataset()[0], *registry_dataset()[1]])
    await supplychain.publish_envelopes([*supplychain_dataset()[0], *supplychain_dataset()[1]])
    streams = {registry.stream, supplychain.stream}
    supplychain_ids = await supplychain.ids()
    # A second group behind in the supply chain's stream: its trim stops there, the rest stays.
    await redis.xgroup_create(supplychain.stream, "lagging", id=supplychain_ids[3])

    async with running_app(reporting_app) as client:
        await consumed(client, streams)
        await rebuilt(client)
        before = await snapshot(reporting_app.state.settings.database_url)

        assert await registry.trim_a_week_later() == len(await registry.archive(None, 1000))
        assert await supplychain.trim_a_week_later() == 4
        assert await registry.ids() == [] and await supplychain.ids() == supplychain_ids[4:]

        job = await rebuilt(client)
        after = await snapshot(reporting_app.state.settings.database_url)

    assert after == before
    assert sum(len(rows) for name, rows in before.items() if name != "inbox") > 0
    applied = sum(progress["applied"] for progress in job["streams"].values())
    assert applied == len(before["inbox"])


async def test_a_producer_relay_trims_its_stream_as_it_publishes(database_url_factory, redis, redis_url, stream_prefix):
    """The composition root's wiring: the relay's first round publishes, archives and trims."""
    url = await database_url_factory("registry")
    settings = service_settings(database_url=url, redis_url=redis_url, stream_prefix=stream_prefix)
    # No window, and a round due at every publish: what every group acknowledged goes at once.
    app = create_registry_app(
        settings.model_copy(update={"stream_retention_days": 0, "stream_trim_interval_seconds": 1e-9})
    )
    runtime = app.state.runtime
    stream = stream_prefix + REGISTRY
    try:
        await redis.xgroup_create(stream, "reporting", id="0", mkstream=True)
        async with runtime.unit_of_work() as work:
            for number in (1, 2, 3):
                record_event(work.session, REGISTRY, coop_registered(f"HTX số {number}", number))
        assert runtime.relay is not None
        assert await runtime.relay.publish_pending() == 3
        assert await redis.xlen(stream) == 3  # nobody has read them yet: all kept

        await read_all(redis, stream, "reporting", ack_first=2)
        await runtime.relay.publish_pending()
        assert await redis.xlen(stream) == 1  # the one still pending stays
        async with runtime.read_sessions() as session:
            assert len(await read_archive(session, REGISTRY, None, 10)) == 3
    finally:
        await runtime.engine.dispose()
        await runtime.redis.aclose()
        keys = [key async for key in redis.scan_iter(match=f"{stream_prefix}*")]
        if keys:
            await redis.delete(*keys)
