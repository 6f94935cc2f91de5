"""Benchmark: the whole pipeline against the physical ceiling, in ONE run (issue 12).

1. The ceiling: a raw redis-py loop (pipelined XADD of 500, XREADGROUP 500, XACK) on the same Redis.
2. The platform as real processes (registry, supplychain, reporting; SQLite files or fresh
   PostgreSQL databases): a co-op and its households registered over the API, then
   - the batch path: --clients clients POST /batch of --batch harvests until --events harvests,
     timed until the last 201 (write side) and until reporting's /kpis counts every one (end to end);
   - the single path: --single-clients clients POST /harvests, --single harvests, end to end;
   - a rebuild of reporting's read model (POST /admin/rebuild, polled), events/s;
   - /kpis and the payables report, p50/p95 over 50 requests each;
   - RSS per service, Redis bytes per stream entry (MEMORY USAGE / XLEN);
   - on PostgreSQL with --replicas 2: a second reporting process on the same database, a new
     ingestion, throughput and exactly-once (reporting's count equals the supply chain's).
Prints a table per backend with events/s and the ratio to the ceiling. Trace at 1M lot events is
`benchmarks/trace_recall.py --lot-events 1000000` (it builds the store directly, which is faster).

    .venv/bin/python benchmarks/pipeline.py                       # both backends, 20,000 harvests
    .venv/bin/python benchmarks/pipeline.py --backend sqlite --events 5000 --single 1000
    options: --clients 4 --batch 200 --single-clients 8 --replicas 2

Redis and PostgreSQL as the tests find them (HTX_TEST_REDIS_URL, HTX_TEST_POSTGRES_URL, else
127.0.0.1:6379 and 127.0.0.1:5432). Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import redis.asyncio as aioredis  # noqa: E402
from sqlalchemy import text  # noqa: E402

from htx.runner import ServiceProcess, free_port, service_env, sqlite_url  # noqa: E402
from shared.db import create_engine  # noqa: E402
from shared.migrations import upgrade_async  # noqa: E402
from tests.support import TEST_SECRET, bearer, temporary_postgres_database, unique  # noqa: E402

SERVICES = ("registry", "supplychain", "reporting")
YEAR = 2023  # the benchmark's harvests, so that /kpis?year= counts exactly them
HOUSEHOLDS = 200
PROVINCE = bearer("province")


async def ceiling(redis: aioredis.Redis, events: int, chunk: int = 500) -> float:
    """events/s of the bare Redis round: XADD (pipelined), XREADGROUP and XACK, `chunk` at a time."""
    stream = unique("bench.ceiling.")
    await redis.xgroup_create(stream, "g", id="0", mkstream=True)
    fields = {"event_type": "supplychain.lot_harvested", "payload": "x" * 300}
    started = time.perf_counter()
    for _ in range(events // chunk):
        async with redis.pipeline(transaction=False) as pipe:
            for _ in range(chunk):
                pipe.xadd(stream, fields)
            await pipe.execute()
        read = await redis.xreadgroup("g", "c", {stream: ">"}, count=chunk)
        ids = [entry_id for _, entries in read for entry_id, _ in entries]
        await redis.xack(stream, "g", *ids)
    elapsed = time.perf_counter() - started
    await redis.delete(stream)
    return (events // chunk) * chunk / elapsed


class Stack:
    """The three services as processes on one backend, with their own stream prefix."""

    def __init__(self, directory: Path, urls: dict[str, str], redis_url: str, prefix: str) -> None:
        self.directory, self.database_urls, self.redis_url, self.prefix = directory, urls, redis_url, prefix
        self.ports = {name: free_port() for name in SERVICES}
        self.urls = {name: f"http://127.0.0.1:{port}" for name, port in self.ports.items()}
        self.processes: list[ServiceProcess] = []

    def env(self, name: str) -> dict[str, str]:
        return service_env(
            name,
            database_url=self.database_urls[name],
            redis_url=self.redis_url,
            secret_key=TEST_SECRET,
            env="test",
            registry_url=self.urls["registry"],
            supplychain_url=self.urls["supplychain"],
            reporting_url=self.urls["reporting"],
            stream_prefix=self.prefix,
        )

    def start(self, name: str, port: int | None = None) -> ServiceProcess:
        process = ServiceProcess(
            name, port or self.ports[name], self.env(name), log_path=self.directory / f"{name}-{port}.log"
        ).start()
        process.wait_healthy(timeout=120)
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()

    def rss_mb(self) -> dict[str, float]:
        sizes: dict[str, float] = {}
        for process in self.processes:
            status = Path(f"/proc/{process.pid}/status").read_text()
            kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
            label = process.name if process.name not in sizes else f"{process.name} (2)"
            sizes[label] = kb / 1024
        return sizes


@contextlib.asynccontextmanager
async def database_urls(backend: str, directory: Path) -> AsyncIterator[dict[str, str]]:
    async with contextlib.AsyncExitStack() as stack:
        urls = {
            name: (
                sqlite_url(directory / f"{name}.db")
                if backend == "sqlite"
                else await stack.enter_async_context(temporary_postgres_database())
            )
            for name in SERVICES
        }
        for name, url in urls.items():
            await upgrade_async(name, url)
        yield urls


async def database_bytes(urls: dict[str, str]) -> dict[str, int]:
    """Each service's database on disk: the SQLite file with its WAL, or pg_database_size."""
    sizes = {}
    for name, url in urls.items():
        if url.startswith("sqlite"):
            path = Path(url.split("///", 1)[1])
            sizes[name] = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
        else:
            engine = create_engine(url)
            async with engine.connect() as connection:
                sizes[name] = (await connection.execute(text("SELECT pg_database_size(current_database())"))).scalar()
            await engine.dispose()
    return sizes


async def seed(client: httpx.AsyncClient, registry: str) -> tuple[int, list[int]]:
    coop = await client.post(
        f"{registry}/coops",
        headers=PROVINCE,
        json={
            "name": "HTX Chè Tân Hương",
            "form": "hop_tac_xa",
            "registration_code": unique("BENCH-"),
            "ward_code": "05488",
            "founded_on": "2009-04-15",
        },
    )
    coop.raise_for_status()
    coop_id = coop.json()["id"]
    members = []
    for n in range(HOUSEHOLDS):
        member = await client.post(
            f"{registry}/coops/{coop_id}/members",
            headers=PROVINCE,
            json={"name": f"Hộ Nguyễn Văn {n}", "kind": "household", "joined_on": "2015-01-01"},
        )
        member.raise_for_status()
        members.append(member.json()["id"])
    return coop_id, members


def harvest(coop_id: int, member_id: int, n: int, tag: str) -> dict:
    return {
        "type": "harvest",
        "coop_id": coop_id,
        "member_id": member_id,
        "lot_code": f"{tag}-{n}",
        "quantity_kg": "12.5",
        "harvested_on": (date(YEAR, 3, 1) + timedelta(days=n % 250)).isoformat(),
        "harvest_round": 1 + n % 6,
    }


async def reported_lots(client: httpx.AsyncClient, reporting: str) -> int:
    answer = await client.get(f"{reporting}/kpis", params={"year": YEAR})
    answer.raise_for_status()
    return answer.json()["harvest"]["lots"]


async def until_reported(client: httpx.AsyncClient, reporting: str, expected: int) -> float:
    """Polls reporting until it counts `expected` harvests of the year; the time it did."""
    deadline = time.monotonic() + 3600
    while time.monotonic() < deadline:
        if await reported_lots(client, reporting) >= expected:
            return time.perf_counter()
        await asyncio.sleep(0.2)  # polling a benchmark's progress, bounded by the deadline above
    raise TimeoutError(f"reporting never showed {expected} harvests")


async def clients_post(
    client: httpx.AsyncClient, clients: int, bodies: list[tuple[str, dict]], headers: dict[str, str]
) -> float:
    """Posts `bodies` (url, json) from `clients` concurrent clients; the time the last one answered."""
    queue = list(reversed(bodies))

    async def worker() -> None:
        while queue:
            url, body = queue.pop()
            answer = await client.post(url, json=body, headers=headers)
            if answer.status_code != 201:
                raise RuntimeError(f"{url}: {answer.status_code} {answer.text[:300]}")

    await asyncio.gather(*(worker() for _ in range(clients)))
    return time.perf_counter()


async def ingest(
    client: httpx.AsyncClient,
    stack: Stack,
    coop_id: int,
    members: list[int],
    *,
    count: int,
    batch: int | None,
    clients: int,
    tag: str,
    reporting: str,
) -> tuple[float, float]:
    """(write-side events/s, end-to-end events/s) for `count` harvests, by /batch of `batch` or one by one."""
    before = await reported_lots(client, reporting)
    made = [harvest(coop_id, members[n % len(members)], n, tag) for n in range(count)]
    supplychain = stack.urls["supplychain"]
    if batch:
        bodies = [(f"{supplychain}/batch", {"commands": made[i : i + batch]}) for i in range(0, count, batch)]
    else:
        bodies = [(f"{supplychain}/harvests", h) for h in made]
    started = time.perf_counter()
    written = await clients_post(client, clients, bodies, bearer("coop", coop_id=coop_id))
    shown = await until_reported(client, reporting, before + count)
    return count / (written - started), count / (shown - started)


async def rebuild_rate(client: httpx.AsyncClient, reporting: str, entries: int) -> float:
    started = time.perf_counter()
    job = (await client.post(f"{reporting}/admin/rebuild", headers=PROVINCE)).json()
    while job["state"] not in ("succeeded", "failed"):
        await asyncio.sleep(0.2)  # polling the job, as `htx reporting rebuild` does
        job = (await client.get(f"{reporting}/admin/rebuild/{job['id']}", headers=PROVINCE)).json()
    if job["state"] != "succeeded":
        raise RuntimeError(f"rebuild failed: {job.get('error')}")
    return entries / (time.perf_counter() - started)


async def percentiles(call: Callable[[], object], times: int = 50) -> tuple[float, float]:
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        answer = await call()  # type: ignore[misc]
        answer.raise_for_status()
        spent.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(spent, n=20)
    return statistics.median(spent), cuts[18]


async def run(backend: str, args: argparse.Namespace, redis_url: str) -> dict[str, object]:
    redis = aioredis.from_url(redis_url)
    figures: dict[str, object] = {"ceiling": await ceiling(redis, args.ceiling_events)}
    with tempfile.TemporaryDirectory(prefix=f"htx-pipeline-{backend}-") as tmp:
        async with database_urls(backend, Path(tmp)) as urls:
            stack = Stack(Path(tmp), urls, redis_url, unique("pipe.") + ".")
            try:
                for name in SERVICES:
                    stack.start(name)
                async with httpx.AsyncClient(timeout=600) as client:
                    coop_id, members = await seed(client, stack.urls["registry"])
                    reporting = stack.urls["reporting"]
                    common = {"coop_id": coop_id, "members": members, "reporting": reporting}
                    empty = await database_bytes(urls)
                    figures["batch"] = await ingest(
                        client, stack, **common, count=args.events, batch=args.batch, clients=args.clients, tag="B"
                    )
                    figures["single"] = await ingest(
                        client, stack, **common, count=args.single, batch=None, clients=args.single_clients, tag="S"
                    )
                    entries = sum(
                        [await redis.xlen(stack.prefix + s) for s in ("registry.events", "supplychain.events")]
                    )
                    # What a harvest costs on disk, every table and index of each service included.
                    sizes = await database_bytes(urls)
                    harvests = args.events + args.single
                    figures["disk_per_harvest"] = {n: (b - empty[n]) / harvests for n, b in sizes.items()}
                    figures["rebuild"] = await rebuild_rate(client, reporting, entries)
                    figures["kpis"] = await percentiles(lambda: client.get(f"{reporting}/kpis", params={"year": YEAR}))
                    figures["report"] = await percentiles(
                        lambda: client.get(f"{reporting}/reports/payables", params={"year": YEAR}, headers=PROVINCE)
                    )
                    stream = stack.prefix + "supplychain.events"
                    figures["bytes_per_entry"] = (await redis.memory_usage(stream, samples=0) or 0) / max(
                        await redis.xlen(stream), 1
                    )
                    if backend == "postgresql" and args.replicas > 1:
                        for _ in range(args.replicas - 1):
                            stack.start("reporting", free_port())
                        figures["replicas"] = await ingest(
                            client,
                            stack,
                            **common,
                            count=args.events,
                            batch=args.batch,
                            clients=args.clients,
                            tag="R",
                        )
                        source = (
                            await client.get(
                                f"{stack.urls['supplychain']}/totals",
                                params={"from": f"{YEAR}-01-01", "to": f"{YEAR}-12-31"},
                                headers=PROVINCE,
                            )
                        ).json()["harvests"]["lots"]
                        figures["exactly_once"] = (source, await reported_lots(client, reporting))
                    figures["rss"] = stack.rss_mb()
            finally:
                stack.stop()
    await redis.aclose()
    return figures


def report(backend: str, figures: dict[str, object]) -> None:
    top = figures["ceiling"]
    assert isinstance(top, float)
    print(f"\n{backend}: raw redis-py ceiling {top:,.0f} events/s")
    print(f"{'path':<44}{'events/s':>12}{'ratio':>9}")
    for key, label in (("batch", "/batch"), ("single", "POST /harvests"), ("replicas", "/batch, reporting replicas")):
        if key in figures:
            written, shown = figures[key]  # type: ignore[misc]
            print(f"{label + ', write side':<44}{written:>12,.0f}")
            print(f"{label + ', until reporting shows all':<44}{shown:>12,.0f}{shown / top:>9.3f}")
    print(f"{'reporting rebuild':<44}{figures['rebuild']:>12,.0f}{figures['rebuild'] / top:>9.3f}")  # type: ignore[operator]
    for key in ("kpis", "report"):
        p50, p95 = figures[key]  # type: ignore[misc]
        print(f"{'/kpis' if key == 'kpis' else 'payables report':<44} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms")
    print(f"redis bytes per stream entry: {figures['bytes_per_entry']:.0f}")
    disk = figures["disk_per_harvest"]
    print("database bytes per harvest: " + ", ".join(f"{n} {b:,.0f}" for n, b in disk.items()))  # type: ignore[attr-defined]
    if "exactly_once" in figures:
        source, shown = figures["exactly_once"]  # type: ignore[misc]
        print(
            f"exactly once with replicas: supply chain {source}, reporting {shown}: {'equal' if source == shown else 'DIFFERENT'}"
        )
    print("RSS: " + ", ".join(f"{name} {mb:.0f} MB" for name, mb in figures["rss"].items()))  # type: ignore[attr-defined]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--events", type=int, default=20_000, help="harvests through /batch")
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--single", type=int, default=2_000, help="harvests through POST /harvests")
    parser.add_argument("--single-clients", type=int, default=8)
    parser.add_argument("--replicas", type=int, default=2, help="reporting processes on PostgreSQL")
    parser.add_argument("--ceiling-events", type=int, default=100_000)
    args = parser.parse_args()
    redis_url = os.environ.get("HTX_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    for backend in ("sqlite", "postgresql") if args.backend == "both" else (args.backend,):
        report(backend, await run(backend, args, redis_url))


if __name__ == "__main__":
    asyncio.run(main())
