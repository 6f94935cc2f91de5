"""Benchmark: backward trace and recall export over a 100,000-event supply chain.

Builds a migrated supplychain database (SQLite in a temporary directory by default, or the
PostgreSQL database given with --database-url) and bulk-inserts, in SQL, chains shaped like
Tân Hương's: per chain 200 households harvest, the co-op buys every lot, one processing
batch takes all 200 lots, grading splits the dry tea into three grades, packing makes 100
units, a shipment carries them. Chains are added until the lot events reach --events.

Then it times, over --repeat runs (p50, p95 and worst):
- the backward trace of one packed lot (200 household inputs, 4 levels), as the API does it;
- the recall export of that lot (both directions), as CSV and as XLSX.

    .venv/bin/python benchmarks/trace_recall.py               # 100,000 events, SQLite
    .venv/bin/python benchmarks/trace_recall.py --events 20000
    .venv/bin/python benchmarks/trace_recall.py --database-url postgresql+asyncpg://postgres@127.0.0.1/htx_bench
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text  # noqa: E402

from services.supplychain import public_page, trace  # noqa: E402
from services.supplychain.tables import (  # noqa: E402
    ChainEvent,
    KnownCoop,
    KnownMember,
    Lot,
    LotEvent,
    PackUnit,
    Purchase,
    Shipment,
    ShipmentLine,
    Transformation,
    TransformationInput,
)
from shared.auth import Principal  # noqa: E402
from shared.db import create_engine, session_factory  # noqa: E402
from shared.migrations import upgrade  # noqa: E402

HOUSEHOLDS = 200
UNITS = 100
NOW = datetime(2025, 8, 1, tzinfo=UTC)


class Ids:
    """Primary keys handed out in Python, so every row goes in with one executemany per table."""

    def __init__(self) -> None:
        self.next: dict[str, int] = {}

    def __call__(self, table: str) -> int:
        self.next[table] = self.next.get(table, 0) + 1
        return self.next[table]


def build_chain(chain: int, ids: Ids, rows: dict[str, list[dict]]) -> None:
    coop_id = chain % 20 + 1
    day = date(2025, 5, 1) + timedelta(days=chain % 90)
    actor = "bench"

    def fact(kind: str, on: date) -> str:
        event_id = str(uuid.uuid4())
        rows["chain_event"].append(
            {
                "id": ids("chain_event"),
                "event_id": event_id,
                "kind": kind,
                "coop_id": coop_id,
                "partner_id": None,
                "occurred_on": on,
                "epcis_events": [],
                "actor": actor,
                "recorded_at": NOW,
            }
        )
        return event_id

    def lot_event(lot_id: int, kind: str, delta: Decimal, on: date, event_id: str) -> None:
        rows["lot_event"].append(
            {
                "id": ids("lot_event"),
                "lot_id": lot_id,
                "kind": kind,
                "quantity_delta": delta,
                "occurred_on": on,
                "sale_id": None,
                "event_id": event_id,
                "actor": actor,
                "recorded_at": NOW,
            }
        )

    def lot(code: str, on: date, quantity: Decimal, **extra) -> int:
        lot_id = ids("lot")
        rows["lot"].append(
            {
                "id": lot_id,
                "code": code,
                "coop_id": coop_id,
                "product": extra.pop("product", "chè khô"),
                "unit": extra.pop("unit", "kg"),
                "created_on": on,
                "initial_quantity": quantity,
                "created_at": NOW,
                "created_by": actor,
                "grade": None,
                "net_kg_per_unit": None,
                "transformation_id": None,
                "member_id": None,
                "harvested_quantity_kg": None,
                "harvested_on": None,
                "harvest_round": None,
                "plot_code": None,
                **extra,
            }
        )
        return lot_id

    def batch(
        step: str, on: date, inputs: list[tuple[int, Decimal]], input_kg: Decimal, output_kg: Decimal
    ) -> tuple[int, str]:
        event_id = fact(step, on)
        batch_id = ids("transformation")
        rows["transformation"].append(
            {
                "id": batch_id,
                "event_id": event_id,
                "batch_id": f"ME-{chain}-{step}",
                "coop_id": coop_id,
                "step": step,
                "process": None,
                "transformed_on": on,
                "input_kg": input_kg,
                "output_kg": output_kg,
                "yield_ratio": (output_kg / input_kg).quantize(Decimal("0.0001")),
                "yield_flagged": False,
                "created_at": NOW,
            }
        )
        for lot_id, quantity in inputs:
            rows["transformation_input"].append(
                {
                    "id": ids("transformation_input"),
                    "transformation_id": batch_id,
                    "lot_id": lot_id,
                    "quantity": quantity,
                }
            )
            lot_event(lot_id, "consumed", -quantity, on, event_id)
        return batch_id, event_id

    harvests = []
    for n in range(HOUSEHOLDS):
        member_id = (coop_id - 1) * 1000 + n + 1
        quantity = Decimal(20 + n % 40) + Decimal("0.5")
        event_id = fact("harvest", day)
        lot_id = lot(
            f"TH-{chain}-{n}",
            day,
            quantity,
            product="chè búp tươi",
            member_id=member_id,
            harvested_quantity_kg=quantity,
            harvested_on=day,
            harvest_round=chain % 8 + 1,
            plot_code=f"VT-{member_id}",
        )
        lot_event(lot_id, "harvested", quantity, day, event_id)
        purchase_event = fact("purchase", day)
        rows["purchase"].append(
            {
                "id": ids("purchase"),
                "event_id": purchase_event,
                "lot_id": lot_id,
                "coop_id": coop_id,
                "member_id": member_id,
                "harvest_round": chain % 8 + 1,
                "harvest_year": day.year,
                "quantity_kg": quantity,
                "price_per_kg_vnd": 12_000,
                "amount_vnd": int(quantity * 12_000),
                "purchased_on": day,
                "created_at": NOW,
            }
        )
        lot_event(lot_id, "purchased", Decimal(0), day, purchase_event)
        harvests.append((lot_id, quantity))

    fresh = sum(q for _, q in harvests)
    dry = (fresh * Decimal("0.2")).quantize(Decimal("0.001"))
    batch_id, event_id = batch("processing", day + timedelta(days=1), harvests, fresh, dry)
    dry_lot = lot(f"CK-{chain}", day + timedelta(days=1), dry, transformation_id=batch_id)
    lot_event(dry_lot, "produced", dry, day + timedelta(days=1), event_id)

    grades = [("móc câu", dry * Decimal("0.6")), ("tôm nõn", dry * Decimal("0.3")), ("đinh", dry * Decimal("0.05"))]
    grades = [(name, q.quantize(Decimal("0.001"))) for name, q in grades]
    graded_kg = sum(q for _, q in grades)
    batch_id, event_id = batch("grading", day + timedelta(days=2), [(dry_lot, dry)], dry, graded_kg)
    graded = []
    for position, (grade, quantity) in enumerate(grades):
        lot_id = lot(
            f"PL-{chain}-{position}", day + timedelta(days=2), quantity, grade=grade, transformation_id=batch_id
        )
        lot_event(lot_id, "produced", quantity, day + timedelta(days=2), event_id)
        graded.append((lot_id, quantity))

    packed_kg = Decimal(UNITS) * Decimal("0.1")
    batch_id, event_id = batch("packing", day + timedelta(days=3), [(graded[1][0], packed_kg)], packed_kg, packed_kg)
    pack = lot(
        f"HOP-{chain}",
        day + timedelta(days=3),
        Decimal(UNITS),
        unit="pcs",
        net_kg_per_unit=Decimal("0.1"),
        product="Chè hộp",
        transformation_id=batch_id,
    )
    lot_event(pack, "produced", Decimal(UNITS), day + timedelta(days=3), event_id)
    rows["pack_unit"] += [
        {
            "id": ids("pack_unit"),
            "serial": f"HOP-{chain}-{n:04d}",
            "lot_id": pack,
            "carton_code": f"HOP-{chain}-C{n // 20 + 1}",
        }
        for n in range(1, UNITS + 1)
    ]

    event_id = fact("shipment", day + timedelta(days=4))
    shipment_id = ids("shipment")
    rows["shipment"].append(
        {
            "id": shipment_id,
            "event_id": event_id,
            "coop_id": coop_id,
            "partner_id": 500 + chain % 7,
            "partner_name": f"Công ty Trà {chain % 7}",
            "document_number": f"PX-{chain}",
            "shipped_on": day + timedelta(days=4),
            "created_at": NOW,
        }
    )
    for lot_id, quantity in ((pack, Decimal(60)), (graded[0][0], graded[0][1])):
        rows["shipment_line"].append(
            {"id": ids("shipment_line"), "shipment_id": shipment_id, "lot_id": lot_id, "quantity": quantity}
        )
        lot_event(lot_id, "shipped", -quantity, day + timedelta(days=4), event_id)


async def load(url: str, events: int) -> int:
    tables = [
        "lot",
        "transformation",
        "chain_event",
        "purchase",
        "transformation_input",
        "pack_unit",
        "shipment",
        "shipment_line",
        "lot_event",
    ]
    models = {
        "lot": Lot,
        "transformation": Transformation,
        "chain_event": ChainEvent,
        "purchase": Purchase,
        "transformation_input": TransformationInput,
        "pack_unit": PackUnit,
        "shipment": Shipment,
        "shipment_line": ShipmentLine,
        "lot_event": LotEvent,
    }
    ids, rows, chains = Ids(), {name: [] for name in tables}, 0
    while len(rows["lot_event"]) < events:
        build_chain(chains, ids, rows)
        chains += 1
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(
            insert(KnownCoop),
            [
                {
                    "id": c,
                    "name": f"HTX Chè {c}",
                    "registration_code": f"TN-{c:04d}",
                    "status": "active",
                    "ward_code": "05488",
                    "founded_on": date(2010, 1, 1),
                    "learnt_from": "event",
                    "updated_at": NOW,
                }
                for c in range(1, 21)
            ],
        )
        await connection.execute(
            insert(KnownMember),
            [
                {
                    "id": (c - 1) * 1000 + n + 1,
                    "coop_id": c,
                    "name": f"Hộ {c}-{n}",
                    "kind": "household",
                    "membership": "official",
                    "joined_on": date(2015, 1, 1),
                    "left_on": None,
                    "learnt_from": "event",
                    "updated_at": NOW,
                }
                for c in range(1, 21)
                for n in range(HOUSEHOLDS)
            ],
        )
        # transformation before lot: lot.transformation_id refers to it
        for name in [
            "transformation",
            "lot",
            "chain_event",
            "purchase",
            "transformation_input",
            "pack_unit",
            "shipment",
            "shipment_line",
            "lot_event",
        ]:
            for start in range(0, len(rows[name]), 5000):
                await connection.execute(insert(models[name]), rows[name][start : start + 5000])
    if engine.dialect.name == "postgresql":
        # A live database has planner statistics (autovacuum analyzes); a fresh bulk load has none
        # until autovacuum comes round, and the trace's plan without them is several times slower.
        async with engine.begin() as connection:
            await connection.execute(text("ANALYZE"))
    await engine.dispose()
    print(
        f"dataset: {chains} chains, {len(rows['lot_event']):,} lot events, {len(rows['lot']):,} lots, "
        f"{len(rows['chain_event']):,} facts, {len(rows['pack_unit']):,} packed units"
    )
    return chains


async def measure(url: str, code: str, repeat: int) -> None:
    engine = create_engine(url)
    sessions = session_factory(engine)
    province = Principal(subject="bench", role="province")

    async def backward():
        async with sessions() as session:
            traced = await trace.trace_code(session, code, "backward", province)  # staff: by code, names in full
            traced.model_dump_json()
            return traced

    async def recall(kind: str):
        async with sessions() as session:
            rows = await trace.recall_rows(session, code, province)
            return public_page.recall_csv(rows) if kind == "csv" else public_page.recall_xlsx(rows, code), len(rows)

    traced = await backward()
    households = {o.member_id for o in traced.origins}
    print(f"backward trace of {code}: {len(traced.lots)} lots, {len(traced.steps)} steps, {len(households)} households")
    for label, run in (
        ("backward trace", backward),
        ("recall export CSV", lambda: recall("csv")),
        ("recall export XLSX", lambda: recall("xlsx")),
    ):
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            result = await run()
            timings.append((time.perf_counter() - started) * 1000)
        extra = f", {result[1]} rows, {len(result[0]):,} bytes" if isinstance(result, tuple) else ""
        p95 = statistics.quantiles(timings, n=20, method="inclusive")[-1] if len(timings) > 1 else timings[0]
        print(
            f"{label:>20}: p50 {statistics.median(timings):7.1f} ms, p95 {p95:7.1f} ms, "
            f"worst {max(timings):7.1f} ms over {repeat} runs{extra}"
        )
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000, help="lot events to build (default 100,000)")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url", help="an empty database (default: SQLite in a temporary directory)")
    parser.add_argument(
        "--quick", action="store_true", help="the default size; kept for symmetry with other benchmarks"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite+aiosqlite:///{scratch}/bench.db"
        started = time.perf_counter()
        upgrade("supplychain", url)
        chains = asyncio.run(load(url, args.events))
        print(
            f"built in {time.perf_counter() - started:.1f} s ({'SQLite' if url.startswith('sqlite') else 'PostgreSQL'})"
        )
        asyncio.run(measure(url, f"HOP-{chains // 2}", args.repeat))


if __name__ == "__main__":
    main()
