"""Benchmark: EPCIS MATCH_* queries with many values, as the province and as a buyer.

Issue 10 found `MATCH_epc` with 1,000 EPC patterns taking 23–40 s for a buyer. This captures
--events events (benchmarks/epcis.py's mix: ObjectEvents of 5 SGTINs, AggregationEvents of 10,
lots as classes) into a fresh migrated supplychain database, then times `find_events` (the
query interface minus HTTP) for MATCH_epc with 1, 10, 100, 500 and 1000 values: exact EPCs,
and EPC pattern URIs (`urn:epc:idpat:sgtin:0614141.107346.*`-like, each a different item
reference; one of them, or none, matching); each both unscoped (province) and under a buyer's
scope (`ownership.buyer_scope` over --buyer-identifiers lot URIs, as `read_scope` builds it).
Sizes beyond the API's limits (settings' defaults) are evaluated too, and marked. Prints median
and worst of --repeat runs and the events found (first page of 30).

    .venv/bin/python benchmarks/epcis_match.py                       # SQLite and PostgreSQL
    .venv/bin/python benchmarks/epcis_match.py --backend sqlite --events 20000
    PostgreSQL: HTX_TEST_POSTGRES_URL or postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.epcis import filled_store, make_event  # noqa: E402
from services.supplychain.epcis import ownership  # noqa: E402
from services.supplychain.epcis import query as querying  # noqa: E402
from tests.support import temporary_postgres_database  # noqa: E402

SIZES = (1, 10, 100, 500, 1000)
# The evaluation itself is measured, also beyond what the API accepts (marked "refused by the API").
UNLIMITED = querying.QueryLimits(values_per_parameter=10**6, patterns_per_query=10**6)
LIMITS = querying.QueryLimits()


def exact_epcs(count: int, events: int) -> list[str]:
    """EPCs spread over the store (each names one event; a tenth of them name none)."""
    return [f"urn:epc:id:sgtin:0614141.107346.{(i * 7919) % (events * 11)}" for i in range(count)]


def epc_patterns(count: int, first: int = 107346) -> list[str]:
    """Pattern URIs, one item reference each; the captured SGTINs are all of item 107346."""
    return [f"urn:epc:idpat:sgtin:0614141.{first + i}.*" for i in range(count)]


async def timed(sessions, parameters: list[tuple[str, str]], scope: list, repeat: int) -> tuple[float, float, int]:
    durations, found = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        async with sessions() as session:
            query = querying.EventQuery.from_parameters(parameters, UNLIMITED)
            page = await querying.find_events(session, query, scope)
        durations.append(time.perf_counter() - started)
        found = len(page.events)
    return statistics.median(durations) * 1000, max(durations) * 1000, found


async def run(backend: str, url: str, events: int, repeat: int, buyer_identifiers: int) -> None:
    engine, sessions = await filled_store(url, make_event, events)
    # A buyer who received a few dozen lots (the lots of benchmarks/epcis.py are TH-<n // 20>).
    lots = [f"urn:htx:TN-0001:lot:TH-{n}" for n in range(buyer_identifiers)]
    scopes = {"province": [], "buyer": ownership.buyer_scope(5, lots)}
    print(f"{backend}: {events} events; MATCH_epc, first page of 30 ({repeat} runs): median / worst, found")
    kinds = {
        "exact EPCs": lambda n: exact_epcs(n, events),
        "patterns, 1 matching": epc_patterns,
        "patterns, none matching": lambda n: epc_patterns(n, first=200000),  # every row compared
    }
    for kind, values_of in kinds.items():
        for size in SIZES:
            parameters = [("MATCH_epc", "|".join(values_of(size)))]
            try:
                querying.EventQuery.from_parameters(parameters, LIMITS)
                refused = ""
            except querying.QueryTooComplex:
                refused = "  (refused by the API: 413)"
            for reader, scope in scopes.items():
                label = f"{size:>5} {kind}, {reader}"
                try:
                    median, worst, found = await timed(sessions, parameters, scope, repeat)
                except Exception as error:  # SQLite's "Expression tree is too large" (one LIKE per pattern, before)
                    print(f"  {label:<40} fails: {type(error).__name__}: {str(error).splitlines()[0][:80]}")
                    continue
                print(f"  {label:<40} {median:9.1f} ms / {worst:9.1f} ms  {found:>4}{refused}", flush=True)
    await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--buyer-identifiers", type=int, default=40, help="lot URIs in the buyer's scope")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    options = parser.parse_args()
    if options.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as scratch:
            url = f"sqlite+aiosqlite:///{scratch}/epcis-match.db"
            await run("sqlite", url, options.events, options.repeat, options.buyer_identifiers)
    if options.backend in ("postgresql", "both"):
        async with temporary_postgres_database() as url:
            await run("postgresql", url, options.events, options.repeat, options.buyer_identifiers)


if __name__ == "__main__":
    asyncio.run(main())
