"""Benchmark: EPCIS partner look-ups (EQ_bizTransaction_<type>, EQ_source_<type>, EQ_destination_<type>).

Captures --events events (benchmarks/epcis.py's mix) into a fresh migrated supplychain database,
each ObjectEvent with a purchase order (ten events per order; the type written bare or as
`https://ref.gs1.org/cbv/BTT-po`, alternately), its own despatch advice, the co-op as owning
party source (50 co-ops) and a partner as owning party destination (40 partners). Then times
`find_events` (the query interface minus HTTP; first page of 30) over --repeat runs, median and
worst: one purchase order, 50 orders, an order no event names (every event's list is read), the
order as a URN-typed parameter, a source, a destination, one that matches nothing, with
EQ_bizStep, under a buyer's read scope; and a page without filters for comparison.

    .venv/bin/python benchmarks/epcis_partner_query.py                    # SQLite and PostgreSQL
    .venv/bin/python benchmarks/epcis_partner_query.py --backend sqlite --events 20000
    PostgreSQL: HTX_TEST_POSTGRES_URL or postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.epcis import filled_store, make_event  # noqa: E402
from benchmarks.epcis_match import timed  # noqa: E402
from services.supplychain.epcis import ownership  # noqa: E402
from services.supplychain.epcis.chain_mapping import partner_party  # noqa: E402
from tests.support import temporary_postgres_database  # noqa: E402

COOPS, PARTNERS = 50, 40


def purchase_order(n: int) -> str:
    return f"urn:htx:TN-0001:doc:po:DH-{n // 10}"


def partner_event(n: int) -> dict:
    event = make_event(n)
    if event["type"] == "ObjectEvent":
        event["bizTransactionList"] = [
            {"type": "po" if n % 2 else "https://ref.gs1.org/cbv/BTT-po", "bizTransaction": purchase_order(n)},
            {"type": "desadv", "bizTransaction": f"urn:htx:TN-0001:doc:desadv:PX-{n}"},
        ]
        event["sourceList"] = [{"type": "owning_party", "source": f"urn:htx:TN-{n % COOPS:04d}:party"}]
        event["destinationList"] = [
            {"type": "https://ref.gs1.org/cbv/SDT-owning_party", "destination": partner_party(n % PARTNERS)}
        ]
    return event


async def run(backend: str, url: str, events: int, repeat: int) -> None:
    engine, sessions = await filled_store(url, partner_event, events)
    middle = events // 2 + 1  # an ObjectEvent
    buyer = 5
    lots = [f"urn:htx:TN-0001:lot:TH-{n}" for n in range(40)]  # the lots of events 0..799
    scoped = {"province": [], "buyer": ownership.buyer_scope(buyer, lots)}
    queries = {
        "page of 30, no filter": ([], "province"),
        "EQ_bizTransaction_po, one order": ([("EQ_bizTransaction_po", purchase_order(middle))], "province"),
        "EQ_bizTransaction_po, 50 orders": (
            [("EQ_bizTransaction_po", "|".join(purchase_order(middle + 10 * i) for i in range(50)))],
            "province",
        ),
        "EQ_bizTransaction_po, an order of no event": ([("EQ_bizTransaction_po", "urn:htx:none")], "province"),
        "EQ_bizTransaction_urn:…:btt:po, one order": (
            [("EQ_bizTransaction_urn:epcglobal:cbv:btt:po", purchase_order(middle))],
            "province",
        ),
        "EQ_bizTransaction_po + EQ_bizStep": (
            [("EQ_bizTransaction_po", purchase_order(middle)), ("EQ_bizStep", "shipping")],
            "province",
        ),
        "EQ_source_owning_party, one co-op": ([("EQ_source_owning_party", f"urn:htx:TN-{7:04d}:party")], "province"),
        "EQ_destination_owning_party, one buyer": (
            [("EQ_destination_owning_party", partner_party(8))],
            "province",
        ),
        "EQ_destination_owning_party, nobody": ([("EQ_destination_owning_party", "urn:htx:none")], "province"),
        "buyer: EQ_bizTransaction_po, its order": ([("EQ_bizTransaction_po", purchase_order(buyer))], "buyer"),
    }
    print(f"{backend}: {events} events; first page of 30 ({repeat} runs): median / worst, events returned")
    for name, (parameters, reader) in queries.items():
        median, worst, found = await timed(sessions, parameters, scoped[reader], repeat)
        print(f"  {name:<48} {median:8.1f} ms / {worst:8.1f} ms  {found:>4}", flush=True)
    await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    options = parser.parse_args()
    if options.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as scratch:
            await run("sqlite", f"sqlite+aiosqlite:///{scratch}/epcis-partners.db", options.events, options.repeat)
    if options.backend in ("postgresql", "both"):
        async with temporary_postgres_database() as url:
            await run("postgresql", url, options.events, options.repeat)


if __name__ == "__main__":
    asyncio.run(main())
