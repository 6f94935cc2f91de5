"""Benchmark: reporting's live projection, the events/s its consumers apply from a backlog.

Publishes a synthetic province (the one of `reporting_reports.py`: co-ops, members, plots,
certificates, then harvests, purchases, processing and sales) onto fresh streams, starts the
reporting service on them (its groups at id 0, as a first start) and times how long its two
consumers take until both groups have no lag and nothing pending. Prints events/s per backend
and the HTX_READ_BATCH it ran with.

With --replicas N the reporting service runs as real processes instead: first one, then N on
a fresh database and fresh streams; the processes start with their group past the published
province, which is then handed to all of them at once (XGROUP SETID 0, where the time starts),
and the run prints each rate, the gain of N processes over one, whether the read
model holds every event exactly once (inbox rows and fact rows against what was published), and
each process's RSS.

    .venv/bin/python benchmarks/consumer_throughput.py             # 40 co-ops, 5,000 harvests
    .venv/bin/python benchmarks/consumer_throughput.py --full      # 600 co-ops, 100,000 harvests
    .venv/bin/python benchmarks/consumer_throughput.py --backend postgresql --replicas 2 --harvests 20000
    options: --backend sqlite|postgresql|both (default both), --read-batch N (default: the setting's),
             --harvests N (with 40 co-ops), --replicas N

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
from sqlalchemy import text  # noqa: E402

from htx.runner import ServiceProcess, free_port, service_env  # noqa: E402
from services.reporting.app import create_app  # noqa: E402
from shared.db import create_engine  # noqa: E402
from shared.events import registry as R  # noqa: E402
from shared.events import supplychain as S  # noqa: E402
from shared.migrations import upgrade_async  # noqa: E402
from tests.support import TEST_SECRET, running_app, service_settings, temporary_postgres_database, unique  # noqa: E402


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


async def run_processes(url: str, label: str, coops: int, harvests: int, replicas: int, directory: Path) -> float:
    """events/s of `replicas` reporting processes on one database, from the backlog's release until caught up."""
    await upgrade_async("reporting", url)
    prefix = unique("bench.") + "."
    redis = aioredis.from_url(REDIS_URL)
    reg, sup = province(coops, harvests, random.Random(7))
    events = len(reg) + len(sup)
    streams = [prefix + R.STREAM, prefix + S.STREAM]
    await xadd_all(redis, streams[0], reg)
    await xadd_all(redis, streams[1], sup)
    for stream in streams:  # the group past the backlog while the processes start: none reads before the others
        await redis.xgroup_create(stream, "reporting", id="$")
    env = service_env("reporting", database_url=url, redis_url=REDIS_URL, secret_key=TEST_SECRET, stream_prefix=prefix)
    processes = [
        ServiceProcess("reporting", free_port(), env, log_path=directory / f"reporting-{replicas}-{n}.log").start()
        for n in range(replicas)
    ]
    try:
        for process in processes:
            process.wait_healthy(timeout=120)

        async def caught_up() -> bool:
            for stream in streams:
                last = await redis.xrevrange(stream, count=1)
                groups = {g["name"]: g for g in await redis.xinfo_groups(stream)}
                group = groups.get(b"reporting")
                if group is None or group["pending"] or group["last-delivered-id"] != last[0][0]:
                    return False
            return True

        started = time.perf_counter()
        for stream in streams:  # the backlog, to every process at once
            await redis.xgroup_setid(stream, "reporting", id="0")
        await until(caught_up, interval=0.05)
        elapsed = time.perf_counter() - started
        rss = [_rss_mb(process.pid) for process in processes]
        engine = create_engine(url)
        async with engine.connect() as connection:
            inbox = (await connection.execute(text("SELECT count(*) FROM inbox"))).scalar_one()
            harvested = (await connection.execute(text("SELECT count(*) FROM rpt_harvest"))).scalar_one()
        await engine.dispose()
        once = inbox == events and harvested == sum(isinstance(e, S.LotHarvested) for e in sup)
        print(
            f"{label}, {replicas} reporting process(es): {events:,} events {events / elapsed:8.0f} events/s "
            f"({elapsed:.1f} s); exactly once: {'yes' if once else 'NO'} (inbox {inbox:,}, harvests {harvested:,}); "
            f"RSS {', '.join(f'{mb:.0f}' for mb in rss)} MB"
        )
        return events / elapsed
    finally:
        for process in processes:
            process.terminate()
        await redis.delete(prefix + R.STREAM, prefix + S.STREAM)
        await redis.aclose()


def _rss_mb(pid: int | None) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")) / 1024


async def compare_replicas(backend: str, coops: int, harvests: int, replicas: int) -> None:
    label = "SQLite" if backend == "sqlite" else "PostgreSQL"
    rates = []
    with tempfile.TemporaryDirectory() as folder:
        for count in (1, replicas):
            if backend == "sqlite":
                url = f"sqlite+aiosqlite:///{folder}/reporting-{count}.db"
                rates.append(await run_processes(url, label, coops, harvests, count, Path(folder)))
            else:
                async with temporary_postgres_database() as url:
                    rates.append(await run_processes(url, label, coops, harvests, count, Path(folder)))
    print(f"{label}: {replicas} processes give {rates[1] / rates[0] - 1:+.0%} over one")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--read-batch", type=int, default=None)
    parser.add_argument("--harvests", type=int, default=None)
    parser.add_argument("--replicas", type=int, default=None)
    options = parser.parse_args()
    coops, harvests = (600, 100_000) if options.full else (40, options.harvests or 5_000)
    if options.replicas is not None:
        for backend in ("sqlite", "postgresql") if options.backend == "both" else (options.backend,):
            await compare_replicas(backend, coops, harvests, options.replicas)
        return
    if options.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            await run(f"sqlite+aiosqlite:///{folder}/reporting.db", "SQLite", coops, harvests, options.read_batch)
    if options.backend in ("postgresql", "both"):
        async with temporary_postgres_database() as url:
            await run(url, "PostgreSQL", coops, harvests, options.read_batch)


if __name__ == "__main__":
    asyncio.run(main())
