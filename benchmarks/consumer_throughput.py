"""Benchmark: reporting's live projection, the events/s its consumers apply from a backlog.

Publishes a synthetic province (the one of `reporting_reports.py`: co-ops, members, plots,
certificates, then harvests, purchases, processing and sales) onto fresh streams, starts the
reporting service on them (its groups at id 0, as a first start) and times how long its two
consumers take until both groups have no lag and nothing pending. Prints events/s per backend
and the HTX_READ_BATCH it ran with.

    .venv/bin/python benchmarks/consumer_throughput.py             # 40 co-ops, 5,000 harvests
    .venv/bin/python benchmarks/consumer_throughput.py --full      # 600 co-ops, 100,000 harvests
    options: --backend sqlite|postgresql|both (default both), --read-batch N (default: the setting's)

Redis and PostgreSQL as the tests find them (HTX_TEST_REDIS_URL, HTX_TEST_POSTGRES_URL, else
127.0.0.1:6379 and 127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import redis.asyncio as aioredis  # noqa: E402
from reporting_rebuild import REDIS_URL, until, xadd_all  # noqa: E402
from reporting_reports import province  # noqa: E402

from services.reporting.app import create_app  # noqa: E402
from shared.events import registry as R  # noqa: E402
from shared.events import supplychain as S  # noqa: E402
from shared.migrations import upgrade_async  # noqa: E402
from tests.support import running_app, service_settings, temporary_postgres_database, unique  # noqa: E402


async def run(url: str, label: str, coops: int, harvests: int, read_batch: int | None) -> None:
    await upgrade_async("reporting", url)
    prefix = unique("bench.") + "."
    redis = aioredis.from_url(REDIS_URL)
    reg, sup = province(coops, harvests, random.Random(7))
    events = len(reg) + len(sup)
    await xadd_all(redis, prefix + R.STREAM, reg)
    await xadd_all(redis, prefix + S.STREAM, sup)
    overrides: dict[str, object] = {"claim_idle_ms": 10_000}  # the default: a big batch is not reclaimed mid-way
    if read_batch is not None:
        overrides["read_batch"] = read_batch
    settings = service_settings(database_url=url, redis_url=REDIS_URL, stream_prefix=prefix, **overrides)
    app = create_app(settings)
    runtime = app.state.runtime

    async def caught_up() -> bool:
        rows = await runtime.consumer_lag()
        return all(row["lag"] == 0 and row["pending"] == 0 for row in rows)

    try:
        started = time.perf_counter()
        async with running_app(app):
            await until(caught_up, interval=0.05)
            elapsed = time.perf_counter() - started
        print(
            f"{label}: {events:,} events ({len(reg):,} registry, {len(sup):,} supply-chain), "
            f"read batch {settings.read_batch}: {events / elapsed:8.0f} events/s ({elapsed:.1f} s)"
        )
    finally:
        await redis.delete(*(prefix + name for name in (R.STREAM, S.STREAM)))
        await redis.aclose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--read-batch", type=int, default=None)
    options = parser.parse_args()
    coops, harvests = (600, 100_000) if options.full else (40, 5_000)
    if options.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            await run(f"sqlite+aiosqlite:///{folder}/reporting.db", "SQLite", coops, harvests, options.read_batch)
    if options.backend in ("postgresql", "both"):
        async with temporary_postgres_database() as url:
            await run(url, "PostgreSQL", coops, harvests, options.read_batch)


if __name__ == "__main__":
    asyncio.run(main())
