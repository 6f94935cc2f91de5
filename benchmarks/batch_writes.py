"""Benchmark: the write side of `POST /batch`, harvests only, and its SQL statements per harvest.

Builds a migrated supplychain database (SQLite in a temporary directory by default, or the
PostgreSQL database given with --database-url), puts --coops co-ops and --members households
in the registry replica, then runs --batches batches of --size harvests through
`commands.apply_batch`, one transaction each, as the `/batch` route does (minus HTTP, auth and
idempotency). Prints events/s until the last batch committed, and the SQL statements one
harvest costs (counted with an engine event listener).

    .venv/bin/python benchmarks/batch_writes.py                 # 20 batches of 200, SQLite
    .venv/bin/python benchmarks/batch_writes.py --batches 50
    .venv/bin/python benchmarks/batch_writes.py --batches 2000 --size 1 --clients 8   # single POSTs' shape
    .venv/bin/python benchmarks/batch_writes.py --database-url postgresql+asyncpg://postgres@127.0.0.1/htx_bench
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert  # noqa: E402

from services.supplychain import commands  # noqa: E402
from services.supplychain.registry_client import RegistryClient  # noqa: E402
from services.supplychain.schemas import HarvestCreate  # noqa: E402
from services.supplychain.tables import KnownCoop, KnownMember  # noqa: E402
from shared.auth import Principal  # noqa: E402
from shared.db import create_engine, session_factory  # noqa: E402
from shared.migrations import upgrade  # noqa: E402

PROVINCE = Principal(subject="bench", role="province", coop_id=None)


class NoRegistry(RegistryClient):
    """Every co-op and member is in the replica: a call to the registry's API is a bug here."""

    def __init__(self) -> None:
        pass

    async def _get(self, path: str, unavailable: str = "registry.unavailable") -> dict | None:
        raise AssertionError(f"the benchmark's replica lacks {path}")


async def seed(sessions, coops: int, members: int) -> None:
    async with sessions() as session, session.begin():
        connection = await session.connection()
        await connection.execute(
            insert(KnownCoop),
            [
                {
                    "id": c,
                    "name": f"HTX {c}",
                    "registration_code": f"TN-{c:04d}",
                    "status": "active",
                    "ward_code": "05488",
                    "founded_on": date(2010, 1, 1),
                    "learnt_from": "event",
                }
                for c in range(1, coops + 1)
            ],
        )
        await connection.execute(
            insert(KnownMember),
            [
                {
                    "id": m,
                    "coop_id": m % coops + 1,
                    "name": f"Hộ {m}",
                    "kind": "household",
                    "membership": "official",
                    "joined_on": date(2015, 1, 1),
                    "learnt_from": "event",
                }
                for m in range(1, members + 1)
            ],
        )


def harvests(batch: int, size: int, coops: int, members: int) -> list[HarvestCreate]:
    day = date(2025, 5, 1) + timedelta(days=batch % 120)
    made = []
    for n in range(size):
        member = (batch * size + n) % members + 1
        made.append(
            HarvestCreate(
                type="harvest",
                coop_id=member % coops + 1,
                member_id=member,
                product="chè búp tươi",
                quantity_kg=Decimal("12.5"),
                harvested_on=day,
                harvest_round=1,
            )
        )
    return made


async def run(args: argparse.Namespace, url: str) -> None:
    await asyncio.to_thread(upgrade, "supplychain", url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    await seed(sessions, args.coops, args.members)
    statements = 0

    def counted(*_args) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine.sync_engine, "before_cursor_execute", counted)
    registry = NoRegistry()
    work = [harvests(b, args.size, args.coops, args.members) for b in range(args.batches)]
    queue = list(reversed(work))

    async def client() -> None:
        while queue:
            batch = queue.pop()
            async with sessions() as session, session.begin():
                await commands.apply_batch(session, registry, batch, PROVINCE)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(args.clients)))
    elapsed = time.perf_counter() - started
    events = args.batches * args.size
    print(f"{url.split(':')[0]}: {args.batches} batches of {args.size} harvests, {args.clients} at a time")
    print(f"  events/s until the last commit: {events / elapsed:,.0f} ({elapsed:.2f} s)")
    print(f"  SQL statements per harvest:     {statements / events:.2f}")
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: SQLite in a temp dir)")
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--size", type=int, default=200)
    parser.add_argument("--clients", type=int, default=1, help="transactions at a time (e.g. --size 1 --clients 8)")
    parser.add_argument("--coops", type=int, default=20)
    parser.add_argument("--members", type=int, default=2000)
    args = parser.parse_args()
    if args.database_url:
        asyncio.run(run(args, args.database_url))
        return
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(args, f"sqlite+aiosqlite:///{tmp}/supplychain.db"))


if __name__ == "__main__":
    main()
