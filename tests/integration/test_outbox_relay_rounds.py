"""The outbox relay publishes in rounds (ADR 0023): per round one SELECT of the rows, one
pipelined XADD, one UPDATE marking them and one archive INSERT, whatever the round's size."""

from __future__ import annotations

from sqlalchemy import event
from sqlmodel import col, func, select

from shared.db import create_engine, session_factory
from shared.messaging.outbox import ArchivedEntry, OutboxMessage, OutboxRelay, PendingEvent, record_events
from tests.integration._supplychain import coop_registered
from tests.support import unique


async def test_the_relay_marks_and_archives_each_round_with_one_statement(database_url_factory, redis):
    engine = create_engine(await database_url_factory("supplychain"))
    sessions = session_factory(engine)
    prefix = unique("relay") + ":"
    count = OutboxRelay.BATCH * 2 + 100  # three rounds
    async with sessions() as session, session.begin():
        await record_events(session, "registry.events", [PendingEvent(coop_registered(n)) for n in range(count)])
    relay = OutboxRelay(sessions, redis, producer=unique("p"), stream_name=lambda name: prefix + name)
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_rest) -> None:
        seen.append(" ".join(statement.split()[:3]))

    event.listen(engine.sync_engine, "before_cursor_execute", note)
    try:
        assert await relay.publish_pending() == count
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", note)
    try:
        assert seen.count("UPDATE outbox SET") == 3
        assert seen.count("INSERT INTO event_archive") == 3
        assert await redis.xlen(prefix + "registry.events") == count
        async with sessions() as session:
            unpublished = (
                select(func.count()).select_from(OutboxMessage).where(col(OutboxMessage.published_at).is_(None))
            )
            assert (await session.exec(unpublished)).one() == 0
            assert (await session.exec(select(func.count()).select_from(ArchivedEntry))).one() == count
    finally:
        await redis.delete(prefix + "registry.events")
        await engine.dispose()
