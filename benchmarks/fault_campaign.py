"""Benchmark: the fault campaign of tests/e2e/fault_campaign.py at a larger size.

Starts a private platform (its own redis-server and the three services on free ports), seeds a
co-op and its households, then four clerks send --writes idempotent writes (harvests, purchases,
sales, /batch), retrying each under its key, while supplychain, reporting and redis-server are
SIGKILLed --faults times each at points a seeded RNG picks, and started again. Then it waits for
the platform to catch up and compares the clerks' ledger with the supply chain, reporting's KPIs
and `htx reporting verify`, and prints one row per backend:

    scenario  writes  faults (sc/rp/redis)  lost  duplicated  verify  duration  writes/s

    .venv/bin/python benchmarks/fault_campaign.py                      # 5,000 writes, SQLite
    .venv/bin/python benchmarks/fault_campaign.py --backend both --writes 2000 --faults 3
    options: --seed N (replay a campaign), --clients N, --lost-answers 0.1

PostgreSQL as the tests find it (HTX_TEST_POSTGRES_URL, else 127.0.0.1:5432): a fresh database
per service, dropped afterwards. Exits 1 if any campaign lost or doubled something, or could not
run to its end (a write refused, a process that did not come back).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Literal

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.e2e.fault_campaign import FAULT_KINDS, CampaignError, CampaignResult, Plan, run_campaign  # noqa: E402

BACKENDS: dict[str, tuple[Literal["sqlite", "postgresql"], ...]] = {
    "sqlite": ("sqlite",),
    "postgresql": ("postgresql",),
    "both": ("sqlite", "postgresql"),
}
COLUMNS = (
    ("scenario", 10),
    ("writes", 7),
    ("faults sc/rp/redis", 18),
    ("lost", 5),
    ("duplicated", 10),
    ("verify", 6),
    ("retries", 7),
    ("replays", 7),
    ("duration", 9),
    ("writes/s", 8),
)


def row(result: CampaignResult) -> str:
    faults = result.faults_by_kind()
    cells = (
        result.plan.backend,
        f"{result.stats.writes:,}",
        "/".join(str(faults[kind]) for kind in FAULT_KINDS),
        str(result.comparison.lost),
        str(result.comparison.duplicated),
        "ok" if result.verify_ok else "FAILED",
        f"{sum(result.stats.retries.values()):,}",
        f"{result.stats.replays:,}",
        f"{result.total_s:.0f} s",
        f"{result.writes_per_s:.1f}",
    )
    return "  ".join(
        cell.rjust(width) if i else cell.ljust(width) for i, (cell, (_, width)) in enumerate(zip(cells, COLUMNS))
    )


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--writes", type=int, default=5_000)
    parser.add_argument("--faults", type=int, default=5, help="SIGKILLs of each of supplychain, reporting, redis")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--lost-answers", type=float, default=0.1, help="share of writes whose first answer is dropped")
    parser.add_argument("--backend", choices=tuple(BACKENDS), default="sqlite")
    parser.add_argument("--seed", type=int, default=None, help="default: a random one, printed")
    options = parser.parse_args()
    seed = options.seed if options.seed is not None else random.SystemRandom().randrange(2**32)
    backends = BACKENDS[options.backend]

    results: list[CampaignResult] = []
    aborted: list[str] = []
    for backend in backends:
        plan = Plan(
            writes=options.writes,
            clients=options.clients,
            faults=dict.fromkeys(FAULT_KINDS, options.faults),
            seed=seed,
            backend=backend,
            lost_answer_rate=options.lost_answers,
        )
        work_dir = Path(tempfile.mkdtemp(prefix=f"htx-fault-campaign-{backend}-"))
        try:
            result = await run_campaign(plan, work_dir)
        except CampaignError as error:  # a write refused, a process that did not come back: say which
            print(f"{error}\n(logs and databases kept in {work_dir})", flush=True)
            aborted.append(f"{backend:<10}  aborted: {str(error).splitlines()[0][:200]}")
            continue
        print(result.report(), flush=True)
        if result.ok:
            shutil.rmtree(work_dir)
        else:
            print(f"(logs and databases kept in {work_dir})")
        results.append(result)

    print()
    print("  ".join(name.rjust(width) if i else name.ljust(width) for i, (name, width) in enumerate(COLUMNS)))
    for result in results:
        print(row(result))
    for line in aborted:
        print(line)
    print(
        f"seed {seed}; load {', '.join(f'{r.plan.backend} {r.load_s:.0f} s' for r in results)} "
        f"(writes/s over the load, restarts included); catch-up {', '.join(f'{r.catch_up_s:.1f} s' for r in results)}"
    )
    return 0 if all(r.ok for r in results) and not aborted else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
