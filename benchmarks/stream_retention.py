"""Benchmark: what a stream costs Redis per event, and what a year costs at a retention window.

1. Publishes a synthetic province (the one of `reporting_reports.py`) onto a fresh stream as the
   relay does and divides `MEMORY USAGE` of the stream (SAMPLES 0: every node counted) by its
   entries: Redis bytes per event, measured.
2. Simulates a year at `--scale` of the province's ~30M events: entries with ids spread over 365
   days ending now (the same envelopes, each with its own event id), archived in a producer
   database (SQLite, the embedded default), every one acknowledged by a group; the producer's
   `StreamTrimmer` then trims at `--retention-days`, and the memory left is measured.
3. Prints the year at full scale: measured bytes/event x the entries a window of that many days
   holds (uniform over the year, and for a peak week at `--peak` x the average), next to the
   untrimmed history, and the archive's database bytes per event.

    .venv/bin/python benchmarks/stream_retention.py                 # scale 0.002 (60,000 entries)
    options: --scale F, --retention-days D (default 7), --peak X (default 3)

Figures are printed, never asserted. Redis as the tests find it (HTX_TEST_REDIS_URL, else
127.0.0.1:6379).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import redis.asyncio as aioredis  # noqa: E402
from reporting_rebuild import REDIS_URL, xadd_all  # noqa: E402
from reporting_reports import province  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from shared.db import create_engine, session_factory, table_of  # noqa: E402
from shared.events.envelope import EventEnvelope  # noqa: E402
from shared.messaging.archive import StreamTrimmer, trim_marker  # noqa: E402
from shared.messaging.outbox import ArchivedEntry, OutboxMessage  # noqa: E402
from shared.migrations import upgrade_async  # noqa: E402
from tests.support import unique  # noqa: E402

PROVINCE_EVENTS_A_YEAR = 30_000_000  # issue 12: ~13.6M fresh-leaf deliveries plus purchases, processing, sales
YEAR_MS = 365 * 24 * 3600 * 1000
ROWS_PER_INSERT = 2000


async def memory(redis: aioredis.Redis, stream: str) -> int:
    return int(await redis.memory_usage(stream, samples=0) or 0)


async def bytes_per_event(redis: aioredis.Redis, events: list) -> tuple[float, int]:
    stream = unique("bench.") + ".registry.events"
    try:
        await xadd_all(redis, stream, events)
        return await memory(redis, stream) / len(events), len(events)
    finally:
        await redis.delete(stream)


def year_of_entries(envelopes: list[EventEnvelope], count: int, end_ms: int) -> list[tuple[str, dict[str, str]]]:
    """`count` entries spread evenly over the year before `end_ms`, each a province event anew."""
    step = YEAR_MS / count
    entries = []
    for index in range(count):
        fields = envelopes[index % len(envelopes)].to_fields()
        fields["event_id"] = str(uuid.uuid4())
        entries.append((f"{int(end_ms - YEAR_MS + index * step)}-{index}", fields))
    return entries


async def simulated_year(redis: aioredis.Redis, envelopes: list[EventEnvelope], count: int, days: float) -> dict:
    stream_name = "registry.events"
    stream = unique("bench.") + "." + stream_name
    end_ms = int(time.time() * 1000)
    entries = year_of_entries(envelopes, count, end_ms)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "registry.db"
        url = f"sqlite+aiosqlite:///{path}"
        await upgrade_async("registry", url)
        empty_bytes = path.stat().st_size
        engine = create_engine(url)
        sessions = session_factory(engine)
        try:
            for start in range(0, count, ROWS_PER_INSERT):
                chunk = entries[start : start + ROWS_PER_INSERT]
                async with redis.pipeline(transaction=False) as pipe:
                    for entry_id, fields in chunk:
                        pipe.xadd(stream, fields, id=entry_id)
                    await pipe.execute()
                now = datetime.now(UTC)
                async with sessions() as session, session.begin():
                    connection = await session.connection()
                    outbox = [
                        dict(
                            id=start + offset + 1,
                            event_id=fields["event_id"],
                            stream=stream_name,
                            event_type=fields["event_type"],
                            fields_json=json.dumps(fields, ensure_ascii=False),
                            created_at=now,
                            published_at=now,
                        )
                        for offset, (_, fields) in enumerate(chunk)
                    ]
                    await connection.execute(insert(table_of(OutboxMessage)), outbox)
                    archive = [
                        dict(
                            stream=stream_name,
                            entry_ms=int(entry_id.split("-")[0]),
                            entry_seq=int(entry_id.split("-")[1]),
                            outbox_id=start + offset + 1,
                        )
                        for offset, (entry_id, _) in enumerate(chunk)
                    ]
                    await connection.execute(insert(table_of(ArchivedEntry)), archive)
            await redis.xgroup_create(stream, "reporting", id="$")  # every entry delivered and acknowledged
            untrimmed = await memory(redis, stream)
            trimmer = StreamTrimmer(
                sessions, redis, {stream_name: stream}, retention=timedelta(days=days), now_ms=lambda: end_ms
            )
            started = time.perf_counter()
            removed = (await trimmer.trim())[stream]
            trim_seconds = time.perf_counter() - started
            database_bytes = path.stat().st_size - empty_bytes
            return {
                "entries": count,
                "untrimmed_bytes": untrimmed,
                "removed": removed,
                "retained": await redis.xlen(stream),
                "retained_bytes": await memory(redis, stream),
                "trim_seconds": trim_seconds,
                "database_bytes_per_event": database_bytes / count,
            }
        finally:
            await engine.dispose()
            await redis.delete(stream, trim_marker(stream))


def mib(value: float) -> str:
    return f"{value / 2**20:,.1f} MiB"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.002, help="share of a province year to simulate")
    parser.add_argument("--retention-days", type=float, default=7.0)
    parser.add_argument("--peak", type=float, default=3.0, help="a peak week's events over an average week's")
    options = parser.parse_args()
    redis = aioredis.from_url(REDIS_URL)
    try:
        registry_facts, supply_facts = province(40, 5000, random.Random(7))
        events = registry_facts + supply_facts
        measured, sample = await bytes_per_event(redis, events)
        envelopes = [EventEnvelope.wrap(event) for event in events]
        count = max(int(PROVINCE_EVENTS_A_YEAR * options.scale), 1000)
        year = await simulated_year(redis, envelopes, count, options.retention_days)
    finally:
        await redis.aclose()

    window = options.retention_days / 365
    uniform = PROVINCE_EVENTS_A_YEAR * window
    peak = uniform * options.peak
    simulated_per_event = year["untrimmed_bytes"] / year["entries"]
    print(
        f"Redis bytes per event: {measured:,.0f} (MEMORY USAGE / {sample:,} province events as the relay publishes them)"
    )
    print(f"  simulated year's entries: {simulated_per_event:,.0f} bytes each ({year['entries']:,} entries)")
    print(
        f"simulated year at scale {options.scale:g}: {year['entries']:,} entries, {mib(year['untrimmed_bytes'])} untrimmed; "
        f"trimmed at {options.retention_days:g} days: {year['removed']:,} removed in {year['trim_seconds']:.2f} s, "
        f"{year['retained']:,} kept, {mib(year['retained_bytes'])}"
    )
    print(f"province year ({PROVINCE_EVENTS_A_YEAR:,} events), Redis memory of the stream:")
    print(f"  never trimmed: {mib(PROVINCE_EVENTS_A_YEAR * measured)}")
    print(
        f"  {options.retention_days:g}-day retention, an even year: {mib(uniform * measured)} ({uniform:,.0f} entries)"
    )
    print(
        f"  {options.retention_days:g}-day retention, a peak week at {options.peak:g}x the average: {mib(peak * measured)} ({peak:,.0f} entries)"
    )
    print(
        f"archive in the producer's database (SQLite, outbox row + entry id): {year['database_bytes_per_event']:,.0f} bytes/event"
    )


if __name__ == "__main__":
    asyncio.run(main())
