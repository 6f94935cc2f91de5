"""A `/batch` resolves its co-ops, statuses and members once (issue 12): the answers stay those
of one command at a time, on both backends."""

from __future__ import annotations

from collections.abc import Awaitable

import httpx
from sqlalchemy import event
from sqlmodel import func, select

from services.supplychain import commands
from services.supplychain.epcis.tables import EpcisEvent
from services.supplychain.tables import ChainEvent, Lot, LotEvent
from shared.messaging.outbox import OutboxMessage
from tests.integration._supplychain import coop_registered, group_caught_up, member_joined, publish
from tests.support import bearer, running_app, wait_until


def harvest(day: str = "2025-06-01", **extra) -> dict:
    return {
        "type": "harvest",
        "coop_id": 1,
        "member_id": 10,
        "quantity_kg": "5",
        "harvested_on": day,
        "harvest_round": 1,
        **extra,
    }


async def _seed(redis, stream_prefix) -> None:
    await publish(redis, stream_prefix, coop_registered(1))
    await publish(redis, stream_prefix, member_joined(10, 1))
    await publish(redis, stream_prefix, member_joined(11, 1, name="Lê Văn Nam"))
    await wait_until(lambda: group_caught_up(redis, f"{stream_prefix}registry.events"), message="replica seeded")


async def statements_of(app, request: Awaitable[httpx.Response]) -> list[str]:
    """The SQL statements the app ran for a request (which must succeed)."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_rest) -> None:
        seen.append(statement)

    engine = app.state.runtime.engine.sync_engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        answer = await request
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert answer.status_code == 201, answer.text
    return seen


async def test_generated_codes_in_a_batch_count_codes_typed_earlier_in_it(
    supplychain_app_factory, redis, stream_prefix
):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        await _seed(redis, stream_prefix)
        coop = bearer("coop", coop_id=1)
        before = await client.post("/harvests", json=harvest(), headers=coop)
        assert before.json()["code"] == "TH-1-20250601-1"
        commands = [
            harvest(),
            harvest(lot_code="TH-1-20250601-7"),  # typed in the generated pattern: the next one is 8
            harvest(member_id=11),
            harvest(day="2025-06-02"),
            harvest(),
        ]
        answer = await client.post("/batch", json={"commands": commands}, headers=coop)
        assert answer.status_code == 201, answer.text
        assert [r["lot_codes"] for r in answer.json()["results"]] == [
            ["TH-1-20250601-2"],
            ["TH-1-20250601-7"],
            ["TH-1-20250601-8"],
            ["TH-1-20250602-1"],
            ["TH-1-20250601-9"],
        ]
        # A code the batch itself handed out, typed again later in it, is refused there.
        again = [harvest(), harvest(lot_code="TH-1-20250601-10")]
        refused = await client.post("/batch", json={"commands": again}, headers=coop)
        assert refused.status_code == 409, refused.text
        assert refused.json()["detail"]["params"] == {"lot_code": "TH-1-20250601-10", "command": "1"}
        after = await client.post("/harvests", json=harvest(), headers=coop)
        assert after.json()["code"] == "TH-1-20250601-10"  # the refused batch left nothing behind


async def test_a_batch_reads_its_coop_status_and_members_no_more_often_than_a_short_one(
    supplychain_app_factory, redis, stream_prefix
):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        await _seed(redis, stream_prefix)
        coop = bearer("coop", coop_id=1)

        async def replica_reads(size: int) -> dict[str, int]:
            commands = [harvest(member_id=10 + n % 2) for n in range(size)]
            seen = await statements_of(app, client.post("/batch", json={"commands": commands}, headers=coop))
            return {
                table: sum(1 for s in seen if s.lstrip().startswith("SELECT") and f"FROM {table} " in s)
                for table in ("known_coop", "known_coop_status", "known_member")
            }

        short, long = await replica_reads(2), await replica_reads(40)
        assert long == short
        assert long["known_coop_status"] == 1 and long["known_member"] == 1  # both members in one query


async def _seed_two_coops(redis, stream_prefix) -> None:
    await publish(redis, stream_prefix, coop_registered(2))
    await publish(redis, stream_prefix, member_joined(20, 2, name="Đỗ Thị Hoa"))
    await _seed(redis, stream_prefix)


async def test_a_batch_writes_each_table_with_one_insert_whatever_its_size(
    supplychain_app_factory, redis, stream_prefix
):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        await _seed_two_coops(redis, stream_prefix)
        tables = ("lot", "outbox", "epcis_event", "epcis_event_identifier", "chain_event", "lot_event")

        async def inserts(size: int) -> dict[str, int]:
            # Two co-ops (the province may write both), each its own generated codes.
            commands = [harvest(coop_id=1 + n % 2, member_id=10 if n % 2 == 0 else 20) for n in range(size)]
            answer = client.post("/batch", json={"commands": commands}, headers=bearer("province"))
            seen = await statements_of(app, answer)
            return {table: sum(1 for s in seen if s.lstrip().startswith(f"INSERT INTO {table} ")) for table in tables}

        assert await inserts(40) == await inserts(2) == dict.fromkeys(tables, 1)
        # Every harvest has its rows, and each EPCIS event belongs to its own harvest's co-op.
        async with app.state.runtime.read_sessions() as session:
            facts = (await session.exec(select(ChainEvent.coop_id, ChainEvent.epcis_events))).all()
            owners = dict((await session.exec(select(EpcisEvent.event_id, EpcisEvent.owner_coop_id))).all())
            harvested = (await session.exec(select(LotEvent.lot_id).where(LotEvent.kind == "harvested"))).all()
        assert len(facts) == len(owners) == len(set(harvested)) == 42
        assert {owners[events[0]["eventID"]] == coop_id for coop_id, events in facts} == {True}
        assert sorted(coop_id for coop_id, _ in facts) == [1] * 21 + [2] * 21


async def _written(app) -> tuple[int, int]:
    async with app.state.runtime.read_sessions() as session:
        lots = (await session.exec(select(func.count()).select_from(Lot))).one()
        outbox = (await session.exec(select(func.count()).select_from(OutboxMessage))).one()
    return lots, outbox


async def test_a_duplicate_code_is_blamed_on_its_command_and_nothing_is_written(
    supplychain_app_factory, redis, stream_prefix, monkeypatch
):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        await _seed(redis, stream_prefix)
        coop = bearer("coop", coop_id=1)
        stored = await client.post("/harvests", json=harvest(lot_code="LO-CU-7"), headers=coop)
        assert stored.status_code == 201, stored.text
        before = await _written(app)

        async def refused(commands: list[dict], blamed: dict[str, str]) -> None:
            answer = await client.post("/batch", json={"commands": commands}, headers=coop)
            assert answer.status_code == 409, answer.text
            assert answer.json()["detail"]["params"] == blamed
            assert await _written(app) == before

        await refused(
            [harvest(), harvest(lot_code="LO-MOI-1"), harvest(lot_code="LO-CU-7"), harvest()],
            {"lot_code": "LO-CU-7", "command": "2"},
        )
        # The race the unique index settles: another request stores the code after this batch
        # looked its codes up and before it inserts (a look-up that misses the stored code once).
        looked_up = commands.existing_lot_codes
        missed: list[bool] = []

        async def late_look_up(session, codes):
            if not missed:
                missed.append(True)
                return set()  # as if the other request had not committed yet
            return await looked_up(session, codes)

        monkeypatch.setattr(commands, "existing_lot_codes", late_look_up)
        await refused(
            [harvest(lot_code="LO-MOI-1"), harvest(), harvest(lot_code="LO-CU-7"), harvest(lot_code="LO-MOI-2")],
            {"lot_code": "LO-CU-7", "command": "2"},
        )
        # A single POST meeting the same race names no command.
        missed.clear()
        single = await client.post("/harvests", json=harvest(lot_code="LO-CU-7"), headers=coop)
        assert single.status_code == 409, single.text
        assert single.json()["detail"]["params"] == {"lot_code": "LO-CU-7"}
        assert await _written(app) == before
