"""A `/batch` resolves its co-ops, statuses and members once (issue 12): the answers stay those
of one command at a time, on both backends."""

from __future__ import annotations

from sqlalchemy import event

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
        engine = app.state.runtime.engine.sync_engine

        async def replica_reads(size: int) -> dict[str, int]:
            seen: list[str] = []

            def note(_conn, _cursor, statement, *_rest) -> None:
                seen.append(statement)

            event.listen(engine, "before_cursor_execute", note)
            try:
                commands = [harvest(member_id=10 + n % 2) for n in range(size)]
                answer = await client.post("/batch", json={"commands": commands}, headers=coop)
            finally:
                event.remove(engine, "before_cursor_execute", note)
            assert answer.status_code == 201, answer.text
            return {
                table: sum(1 for s in seen if s.lstrip().startswith("SELECT") and f"FROM {table} " in s)
                for table in ("known_coop", "known_coop_status", "known_member")
            }

        short, long = await replica_reads(2), await replica_reads(40)
        assert long == short
        assert long["known_coop_status"] == 1 and long["known_member"] == 1  # both members in one query
