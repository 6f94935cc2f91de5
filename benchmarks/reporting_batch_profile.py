"""Benchmark: where reporting's consumer spends a batch, under cProfile.

Applies the registry part of a synthetic province (the one of `reporting_reports.py`), then
its supply-chain facts (harvests, purchases, processing, sales) in batches of HTX_READ_BATCH
entries through `apply_batch`, each batch in one transaction as the live consumer applies it
(no Redis: the database side alone). Prints the batches' rate in events/s and the profile's
top functions by own time and by cumulative time.

    .venv/bin/python benchmarks/reporting_batch_profile.py           # 40 co-ops, 5,000 harvests
    options: --backend sqlite|postgresql|both (default both), --batch N (default 500),
             --top N (default 25), --no-profile (the rate alone, without cProfile's overhead)
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from reporting_reports import province  # noqa: E402

from services.reporting.consumers import GROUP, HANDLERS  # noqa: E402
from shared.db import create_engine, session_factory, unit_of_work  # noqa: E402
from shared.events import registry as R  # noqa: E402
from shared.events import supplychain as S  # noqa: E402
from shared.events.envelope import EventEnvelope  # noqa: E402
from shared.messaging.consumer import apply_batch  # noqa: E402
from shared.migrations import upgrade_async  # noqa: E402
from tests.support import temporary_postgres_database  # noqa: E402


def batches(stream: str, events: list, size: int) -> list[list[tuple[str, EventEnvelope]]]:
    """The events as stream entries (id, envelope), `size` a batch, read back from their stream fields
    as the consumer reads them."""
    entries = [
        (f"{n + 1}-0", EventEnvelope.from_fields(EventEnvelope.wrap(e).to_fields())) for n, e in enumerate(events)
    ]
    return [entries[start : start + size] for start in range(0, len(entries), size)]


async def apply_all(sessions, stream: str, pages: list[list[tuple[str, EventEnvelope]]]) -> float:
    started = time.perf_counter()
    for page in pages:
        async with unit_of_work(sessions) as work:
            await apply_batch(work.session, GROUP, stream, page, HANDLERS[stream])
    return time.perf_counter() - started


async def run(url: str, label: str, size: int, top: int, profile: bool) -> None:
    await upgrade_async("reporting", url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    reg, sup = province(40, 5_000, random.Random(7))
    await apply_all(sessions, R.STREAM, batches(R.STREAM, reg, size))
    pages = batches(S.STREAM, sup, size)
    profiler = cProfile.Profile()
    if profile:
        profiler.enable()
    seconds = await apply_all(sessions, S.STREAM, pages)
    profiler.disable()
    await engine.dispose()
    print(f"{label}: {len(sup):,} supply-chain events in batches of {size}: {len(sup) / seconds:8.0f} events/s")
    if profile:
        stats = pstats.Stats(profiler).strip_dirs()
        stats.sort_stats("tottime").print_stats(top)
        stats.sort_stats("cumulative").print_stats(top)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--no-profile", action="store_true")
    options = parser.parse_args()
    profile = not options.no_profile
    if options.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            await run(f"sqlite+aiosqlite:///{folder}/reporting.db", "SQLite", options.batch, options.top, profile)
    if options.backend in ("postgresql", "both"):
        async with temporary_postgres_database() as url:
            await run(url, "PostgreSQL", options.batch, options.top, profile)


if __name__ == "__main__":
    asyncio.run(main())
