"""The replica written from two sides at once: the API fallback and the stream consumer.

Before `insert_if_absent`, a harvest for a member registered a second ago answered 500 about
one start in seven: both sides inserted the same `known_member` row and one hit its key.
"""

from __future__ import annotations

import asyncio
from datetime import date

from services.supplychain.tables import KnownMember
from shared.db import create_engine, insert_if_absent, session_factory


def _member(name: str, learnt_from: str) -> KnownMember:
    return KnownMember(
        id=7,
        coop_id=1,
        name=name,
        kind="household",
        membership="official",
        joined_on=date(2016, 1, 10),
        learnt_from=learnt_from,
    )


async def test_two_writers_of_one_replica_row_both_succeed_and_the_first_wins(database_url_factory):
    engine = create_engine(await database_url_factory("supplychain"))
    sessions = session_factory(engine)
    try:
        async with sessions() as first, sessions() as second:
            assert await insert_if_absent(first, _member("Đỗ Thị Hằng", "registry_api"))
            # The second writer waits for the first one's transaction (row lock on PostgreSQL,
            # the write lock on SQLite) and then finds the row there instead of failing on it.
            racing = asyncio.create_task(insert_if_absent(second, _member("Đỗ Thị Hằng", "event")))
            await first.commit()
            assert await racing is False
            await second.commit()
        async with sessions() as session:
            stored = await session.get(KnownMember, 7)
            assert (stored.name, stored.learnt_from) == ("Đỗ Thị Hằng", "registry_api")
    finally:
        await engine.dispose()
