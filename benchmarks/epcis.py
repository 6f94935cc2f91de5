"""Benchmark: EPCIS capture throughput and query latency.

Builds a migrated supplychain database (SQLite in a temporary directory by default, or the
PostgreSQL database given with --database-url), then:
- captures --events ObjectEvents / AggregationEvents in documents of --batch events, each
  validated against GS1's JSON Schema and stored all-or-nothing as `POST /epcis/capture`
  does (minus HTTP); prints events per second;
- times, over --repeat runs (median and worst), the standard queries on that store: a page of
  30 with no filter, EQ_bizStep, EQ_bizLocation + eventTime window, MATCH_epc (exact and EPC
  pattern), MATCH_anyEPCClass, EXISTS_errorDeclaration, and following a page token.
With --digital-links every other event names its SGTINs as GS1 Digital Links on a brand's domain
(the same items; MATCH_epc by URN and the EPC pattern then find both forms).

    .venv/bin/python benchmarks/epcis.py                 # --quick: 5,000 events, SQLite
    .venv/bin/python benchmarks/epcis.py --events 50000
    .venv/bin/python benchmarks/epcis.py --digital-links
    .venv/bin/python benchmarks/epcis.py --database-url postgresql+asyncpg://postgres@127.0.0.1/htx_bench
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from services.supplychain.epcis import query as querying  # noqa: E402
from services.supplychain.epcis.capture import capture_document  # noqa: E402
from services.supplychain.epcis.validation import EPCIS_CONTEXT, schema_errors  # noqa: E402
from shared.db import create_engine, session_factory  # noqa: E402
from shared.migrations import upgrade, upgrade_async  # noqa: E402

START = datetime(2025, 1, 1, tzinfo=timezone(timedelta(hours=7)))
STEPS = ["commissioning", "receiving", "shipping", "https://ref.gs1.org/cbv/BizStep-packing", "inspecting"]
LOCATIONS = 50


def sgtin(serial: int, as_digital_link: bool) -> str:
    """One item of GTIN (01)10614141073464, as an EPC URN or as a Digital Link (TDS 2.1's example)."""
    if as_digital_link:
        return f"https://brand.example/01/10614141073464/21/{serial}"
    return f"urn:epc:id:sgtin:0614141.107346.{serial}"


def make_event(n: int, digital_links: bool = False) -> dict:
    linked = digital_links and n % 2 == 1
    when = (START + timedelta(minutes=7 * n)).isoformat()
    where = {"id": f"urn:htx:TN-{n % LOCATIONS:04d}:loc:coop"}
    if n % 10 == 9:  # one in ten: a carton packed with its units
        return {
            "type": "AggregationEvent",
            "eventID": f"urn:uuid:00000000-0000-4000-8000-{n:012d}",
            "eventTime": when,
            "eventTimeZoneOffset": "+07:00",
            "action": "ADD",
            "bizStep": "packing",
            "parentID": f"urn:htx:TN-0001:carton:C-{n}",
            "childEPCs": [sgtin(n * 10 + i, linked) for i in range(10)],
            "bizLocation": where,
        }
    event = {
        "type": "ObjectEvent",
        "eventID": f"urn:uuid:00000000-0000-4000-8000-{n:012d}",
        "eventTime": when,
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "bizStep": STEPS[n % len(STEPS)],
        "disposition": "in_progress",
        "epcList": [sgtin(n * 10 + i, linked) for i in range(5)],
        "quantityList": [{"epcClass": f"urn:htx:TN-0001:lot:TH-{n // 20}", "quantity": 12.5, "uom": "KGM"}],
        "bizLocation": where,
        "readPoint": where,
        "htx:round": n % 3,
    }
    if n % 100 == 50:
        event["errorDeclaration"] = {"declarationTime": when, "reason": "incorrect_data"}
    return event


def document(events: list[dict]) -> dict:
    return {
        "@context": [EPCIS_CONTEXT, {"htx": "https://htx.example.vn/epcis/"}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2025-08-01T00:00:00Z",
        "epcisBody": {"eventList": events},
    }


async def filled_store(url: str, make: Callable[[int], dict], events: int):
    """A migrated supplychain database at `url` holding `make(0..events-1)`, captured 500 at a
    time as `POST /epcis/capture` does (minus HTTP); returns (engine, session factory)."""
    await upgrade_async("supplychain", url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    for first in range(0, events, 500):
        async with sessions() as session:
            doc = document([make(n) for n in range(first, min(first + 500, events))])
            job = await capture_document(session, doc, actor="benchmark")
            await session.commit()
        assert job.success, job.errors
    return engine, sessions


async def timed(sessions, parameters: list[tuple[str, str]], repeat: int) -> tuple[float, float, int]:
    durations, found = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        async with sessions() as session:
            page = await querying.find_events(session, querying.EventQuery.from_parameters(parameters))
        durations.append(time.perf_counter() - started)
        found = len(page.events)
    return statistics.median(durations) * 1000, max(durations) * 1000, found


async def run(url: str, events: int, batch: int, repeat: int, digital_links: bool) -> None:
    await asyncio.to_thread(upgrade, "supplychain", url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    validating = storing = 0.0
    for first in range(0, events, batch):
        doc = document([make_event(n, digital_links) for n in range(first, min(first + batch, events))])
        started = time.perf_counter()
        assert not schema_errors(doc)
        validated = time.perf_counter()
        async with sessions() as session:
            job = await capture_document(session, doc, actor="benchmark")
            await session.commit()
        assert job.success
        validating += validated - started
        storing += time.perf_counter() - validated
    total = validating + storing
    forms = "half of them naming Digital Links" if digital_links else "EPC URNs"
    print(
        f"capture: {events} events ({forms}) in documents of {batch}: {total:.1f} s = {events / total:,.0f} events/s "
        f"(schema validation {validating:.1f} s, storing {storing:.1f} s)"
    )

    async with sessions() as session:
        first_page = await querying.find_events(session, querying.EventQuery.from_parameters([("perPage", "30")]))
    queries = {
        "page of 30, no filter": [("perPage", "30")],
        "EQ_bizStep=shipping (bare and URI forms)": [("EQ_bizStep", "shipping|packing"), ("perPage", "30")],
        "EQ_bizLocation + one-week eventTime window": [
            ("EQ_bizLocation", "urn:htx:TN-0007:loc:coop"),
            ("GE_eventTime", "2025-01-10T00:00:00+07:00"),
            ("LT_eventTime", "2025-01-17T00:00:00+07:00"),
        ],
        "MATCH_epc exact": [("MATCH_epc", f"urn:epc:id:sgtin:0614141.107346.{(events // 2) * 10 + 3}")],
        "MATCH_epc by URN, item captured as a Digital Link": [
            ("MATCH_epc", f"urn:epc:id:sgtin:0614141.107346.{(events // 2 + 1) * 10 + 3}")
        ],
        "MATCH_epc EPC pattern (100 serials)": [
            ("MATCH_epc", "urn:epc:idpat:sgtin:0614141.107346.*"),
            ("perPage", "100"),
        ],
        "MATCH_anyEPCClass one lot": [("MATCH_anyEPCClass", f"urn:htx:TN-0001:lot:TH-{events // 40}")],
        "EXISTS_errorDeclaration": [("EXISTS_errorDeclaration", "true"), ("perPage", "100")],
        "orderBy eventTime DESC, eventCountLimit 10": [("orderBy", "eventTime"), ("eventCountLimit", "10")],
        "second page (nextPageToken)": [("perPage", "30"), ("nextPageToken", first_page.next_page_token or "")],
    }
    print(f"queries over {events} events ({repeat} runs): median / worst, events returned")
    for name, parameters in queries.items():
        median, worst, found = await timed(sessions, parameters, repeat)
        print(f"  {name:<48} {median:7.1f} ms / {worst:7.1f} ms  {found:>4}")
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=5000, help="events to capture (default 5000: --quick)")
    parser.add_argument("--batch", type=int, default=500, help="events per captured document")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url", help="an empty database; default: SQLite in a temporary directory")
    parser.add_argument("--quick", action="store_true", help="the default size (5000 events)")
    parser.add_argument("--digital-links", action="store_true", help="every other event names Digital Links")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = arguments.database_url or f"sqlite+aiosqlite:///{directory}/epcis-bench.db"
        asyncio.run(run(url, arguments.events, arguments.batch, arguments.repeat, arguments.digital_links))


if __name__ == "__main__":
    main()
