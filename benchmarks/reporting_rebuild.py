"""Benchmark: reporting's rebuild job against real Redis streams, beside live consumption.

Publishes a synthetic province (the one of `reporting_reports.py`) onto fresh streams and
builds reporting's read model from it with a first rebuild (no service running: the replay
rate alone). Then the service starts, caught up (its group created at the streams' ends), a
second rebuild is started with `POST /admin/rebuild` and five more harvests are published at
once. Prints both rebuilds' rates in events/s, how long the swap locked live consumers out,
and how long the five harvests took to reach the live read model while the rebuild ran.

    .venv/bin/python benchmarks/reporting_rebuild.py          # --quick: 40 co-ops, 5,000 harvests
    .venv/bin/python benchmarks/reporting_rebuild.py --full   # 600 co-ops, 100,000 harvests
    options: --backend sqlite|postgresql|both (default both), --harvests N (with 40 co-ops)

Redis and PostgreSQL as the tests find them (HTX_TEST_REDIS_URL, HTX_TEST_POSTGRES_URL, else
127.0.0.1:6379 and 127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import random  # noqa: E402

import redis.asyncio as aioredis  # noqa: E402
from reporting_reports import province  # noqa: E402
from sqlalchemy import func  # noqa: E402
from sqlmodel import col, select  # noqa: E402

from services.reporting.app import create_app  # noqa: E402
from services.reporting.tables import HarvestFact  # noqa: E402
from shared.events import registry as R  # noqa: E402
from shared.events import supplychain as S  # noqa: E402
from shared.events.envelope import EventEnvelope  # noqa: E402
from shared.migrations import upgrade_async  # noqa: E402
from tests.support import bearer, running_app, service_settings, temporary_postgres_database, unique  # noqa: E402

REDIS_URL = os.environ.get("HTX_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
LATE_HARVESTS = 5


async def xadd_all(redis: aioredis.Redis, stream: str, events: list) -> None:
    for start in range(0, len(events), 1000):
        async with redis.pipeline(transaction=False) as pipe:
            for event in events[start : start + 1000]:
                pipe.xadd(stream, EventEnvelope.wrap(event).to_fields())
            await pipe.execute()


async def until(probe, interval: float = 0.02) -> float:
    """Seconds until `probe()` is true (a benchmark measures; tests wait with a deadline)."""
    started = time.perf_counter()
    while not await probe():
        await asyncio.sleep(interval)
    return time.perf_counter() - started


async def run(url: str, label: str, coops: int, harvests: int) -> None:
    await upgrade_async("reporting", url)
    prefix = unique("bench.") + "."
    redis = aioredis.from_url(REDIS_URL)
    reg, sup = province(coops, harvests, random.Random(7))
    events = len(reg) + len(sup)
    await xadd_all(redis, prefix + R.STREAM, reg)
    await xadd_all(redis, prefix + S.STREAM, sup)
    print(f"{label}: {len(reg):,} registry + {len(sup):,} supply-chain events")

    settings = service_settings(database_url=url, redis_url=REDIS_URL, stream_prefix=prefix)
    first = create_app(settings)
    started = time.perf_counter()
    built = await first.state.rebuilds.run_now("province:benchmark")
    elapsed = time.perf_counter() - started
    assert built.state == "succeeded", built.error
    print(f"  rebuild, nothing else running      {events / elapsed:9.0f} events/s ({elapsed:.1f} s)")
    await first.state.runtime.engine.dispose()
    await first.state.runtime.read_engine.dispose()
    await first.state.runtime.redis.aclose()
    for stream in (R.STREAM, S.STREAM):  # the live consumer is caught up: the read model holds everything
        await redis.xgroup_create(prefix + stream, "reporting", id="$")

    app = create_app(settings)
    swap_started: list[datetime] = []

    async def on_step(job_id: int, step: str) -> None:
        if step == "swapping":  # live consumers are locked out from here to the commit
            swap_started.append(datetime.now(UTC))

    app.state.rebuilds.on_step = on_step
    sessions = app.state.runtime.read_sessions
    late = [f"LATE-{n}" for n in range(LATE_HARVESTS)]

    async def late_harvests_visible() -> bool:
        async with sessions() as session:
            count = await session.exec(select(func.count()).where(col(HarvestFact.lot_code).in_(late)))
            return count.one() == LATE_HARVESTS

    try:
        async with running_app(app) as client:
            started = time.perf_counter()
            job = (await client.post("/admin/rebuild", headers=bearer())).json()
            await xadd_all(
                redis,
                prefix + S.STREAM,
                [
                    S.LotHarvested(
                        lot_code=code,
                        coop_id=1,
                        member_id=1,
                        product="chè búp tươi",
                        quantity_kg=Decimal("1"),
                        harvested_on=date(2024, 7, 1),
                        harvest_round=4,
                    )
                    for code in late
                ],
            )
            visible = await until(late_harvests_visible)
            meanwhile = (await client.get(f"/admin/rebuild/{job['id']}", headers=bearer())).json()

            async def finished() -> bool:
                nonlocal job
                job = (await client.get(f"/admin/rebuild/{job['id']}", headers=bearer())).json()
                return job["state"] in ("succeeded", "failed")

            await until(finished, interval=0.05)
            elapsed = time.perf_counter() - started
            assert job["state"] == "succeeded", job
            replayed = sum(stream["entries"] for stream in job["streams"].values())
            locked = datetime.fromisoformat(job["finished_at"]) - swap_started[0]
            print(f"  rebuild job beside live consumers  {replayed / elapsed:9.0f} events/s ({elapsed:.1f} s)")
            print(f"  live consumers locked out by swap  {locked.total_seconds() * 1000:9.0f} ms")
            print(
                f"  {LATE_HARVESTS} harvests in the live read model  {visible * 1000:9.0f} ms "
                f"(the rebuild then: {meanwhile['state']}, {meanwhile['phase']})"
            )
    finally:
        await redis.delete(prefix + R.STREAM, prefix + S.STREAM)
        await redis.aclose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--quick", action="store_true", help="the default")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--harvests", type=int, default=None, help="with 40 co-ops (default 5,000)")
    options = parser.parse_args()
    coops, harvests = (600, 100_000) if options.full else (40, options.harvests or 5_000)
    if options.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            await run(f"sqlite+aiosqlite:///{folder}/reporting.db", "SQLite", coops, harvests)
    if options.backend in ("postgresql", "both"):
        async with temporary_postgres_database() as url:
            await run(url, "PostgreSQL", coops, harvests)


if __name__ == "__main__":
    asyncio.run(main())
