"""Benchmark: the registry's quality reads that must answer in seconds.

- a buyer checks a co-op's certificates valid on an event date
  (`GET /certificates?coop_id=&valid_on=`);
- anyone lists every certificate valid on a date (`GET /certificates?valid_on=`, first page);
- the province reads its follow-up list (`GET /compliance/flags`, all co-ops).

Seeds a fresh, migrated registry through the real API in process (ASGI; the outbox relay is
not started, so the figures are the handlers' and the database's): co-ops with members, plots,
certificates (some expired, some revoked, some renewed) and inspections with violations.
Prints the seeding rate and per-request latency percentiles.

    .venv/bin/python benchmarks/registry_quality.py            # --quick: 60 co-ops
    .venv/bin/python benchmarks/registry_quality.py --full     # 300 co-ops
    options: --backend sqlite|postgresql|both (default both)
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from services.registry.app import create_app  # noqa: E402
from shared.migrations import upgrade_async  # noqa: E402
from tests.support import bearer, service_settings, temporary_postgres_database  # noqa: E402

WARDS = ["05488", "05503"]
PROVINCE = bearer()


async def _post(client: httpx.AsyncClient, url: str, body: dict) -> dict:
    response = await client.post(url, json=body, headers=PROVINCE)
    if response.status_code not in (200, 201):
        raise RuntimeError(f"{url}: {response.status_code} {response.text}")
    return response.json()


async def seed(client: httpx.AsyncClient, coops: int, rng: random.Random) -> int:
    requests = 0
    for n in range(coops):
        coop = await _post(
            client,
            "/coops",
            {
                "name": f"HTX Chè số {n}",
                "registration_code": f"BQ-{n:04d}",
                "ward_code": WARDS[n % 2],
                "founded_on": "2012-01-01",
            },
        )
        members = [
            await _post(client, f"/coops/{coop['id']}/members", {"name": f"Hộ số {n}-{m}", "joined_on": "2012-02-01"})
            for m in range(rng.randint(3, 8))
        ]
        plots = [
            await _post(
                client,
                f"/coops/{coop['id']}/plots",
                {
                    "planting_area_code": f"VT-{n:04d}-{i}",
                    "member_id": member["id"],
                    "area_ha": "0.8",
                    "geometry": {"type": "Point", "coordinates": [105.7 + rng.random() / 10, 21.6 + rng.random() / 10]},
                },
            )
            for i, member in enumerate(members)
        ]
        plot_ids = [p["id"] for p in plots]
        for year in (2019, 2022, 2025):
            certificate = await _post(
                client,
                f"/coops/{coop['id']}/certificates",
                {
                    "kind": "vietgap",
                    "code": f"VG-{n}-{year}",
                    "issuer": "QUACERT",
                    "valid_from": f"{year}-01-01",
                    "valid_to": f"{year + 2}-12-31",
                    "plot_ids": plot_ids,
                    "products": ["Chè búp khô"],
                },
            )
            if rng.random() < 0.1:
                await _post(
                    client,
                    f"/certificates/{certificate['id']}/revocation",
                    {"revoked_on": f"{year + 1}-06-01", "reason": "benchmark"},
                )
                requests += 1
        await _post(
            client,
            f"/coops/{coop['id']}/inspections",
            {
                "inspected_on": "2025-01-10",
                "body": "Sở Nông nghiệp",
                "violations": [
                    {"description": f"Vi phạm {v}", "correction_deadline": "2025-03-31"}
                    for v in range(rng.randint(0, 3))
                ],
            },
        )
        requests += 1 + len(members) + len(plots) + 3 + 1
    return requests


async def timed(client: httpx.AsyncClient, urls: list[str], headers: dict | None = None) -> list[float]:
    latencies = []
    for url in urls:
        started = time.perf_counter()
        response = await client.get(url, headers=headers)
        latencies.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code} {response.text}")
    return latencies


def report(label: str, latencies: list[float]) -> None:
    ordered = sorted(latencies)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    print(
        f"  {label:<44} n={len(ordered):>4}  p50 {statistics.median(ordered):7.1f} ms  "
        f"p95 {p95:7.1f} ms  max {ordered[-1]:7.1f} ms"
    )


async def run(backend: str, url: str, coops: int) -> None:
    await upgrade_async("registry", url)
    app = create_app(service_settings(database_url=url))
    rng = random.Random(7)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        started = time.perf_counter()
        requests = await seed(client, coops, rng)
        elapsed = time.perf_counter() - started
        print(
            f"{backend}: seeded {coops} co-ops with {requests} write requests in {elapsed:.1f} s "
            f"({requests / elapsed:.0f} writes/s)"
        )
        days = ["2019-06-01", "2021-12-31", "2023-01-01", "2026-03-15"]
        report(
            "GET /certificates?coop_id=&valid_on=",
            await timed(
                client,
                [f"/certificates?coop_id={rng.randint(1, coops)}&valid_on={rng.choice(days)}" for _ in range(200)],
            ),
        )
        report(
            "GET /certificates?valid_on= (page of 100)",
            await timed(client, [f"/certificates?valid_on={rng.choice(days)}" for _ in range(50)]),
        )
        report(
            "GET /compliance/flags (all co-ops)",
            await timed(client, [f"/compliance/flags?as_of={rng.choice(days)}" for _ in range(20)], PROVINCE),
        )
        flags = (await client.get("/compliance/flags", headers=PROVINCE)).json()["flags"]
        print(f"  flags today: {len(flags)}")
    await app.state.runtime.engine.dispose()
    await app.state.runtime.redis.aclose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="60 co-ops (default)")
    size.add_argument("--full", action="store_true", help="300 co-ops")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    coops = 300 if args.full else 60
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as scratch:
            await run("sqlite", f"sqlite+aiosqlite:///{scratch}/registry.db", coops)
    if args.backend in ("postgresql", "both"):
        async with temporary_postgres_database() as url:
            await run("postgresql", url, coops)


if __name__ == "__main__":
    asyncio.run(main())
