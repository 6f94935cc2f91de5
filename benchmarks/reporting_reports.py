"""Benchmark: reporting's projections and queries at province scale.

Applies a synthetic province (co-ops, members, plots, certificates, gradings, harvests,
purchases, sales, corrections) through the projection handlers in batches, as the consumer
would (no Redis: the figures are the read model's own), then times the scorecard, every
report as JSON and as XLSX, the dashboard's pages (the province's board with its five-year trends,
a figure's list, a co-op's own page) and a rebuild-sized replay rate.

    .venv/bin/python benchmarks/reporting_reports.py          # --quick: 40 co-ops, 5,000 harvests
    .venv/bin/python benchmarks/reporting_reports.py --full   # 600 co-ops, 100,000 harvests
    options: --backend sqlite|postgresql|both (default both)
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from services.reporting import consumers, dashboard, exports, kpis, lists, panels, queries  # noqa: E402
from services.reporting.schemas import ReportFilters  # noqa: E402
from services.reporting.wards import load_ward_map  # noqa: E402
from shared.db import create_engine, session_factory, unit_of_work  # noqa: E402
from shared.events import registry as R  # noqa: E402
from shared.events import supplychain as S
from shared.events.envelope import EventEnvelope  # noqa: E402
from shared.messaging.consumer import apply_batch  # noqa: E402
from shared.migrations import upgrade_async  # noqa: E402
from tests.support import temporary_postgres_database  # noqa: E402

WARDS = ["05488", "05503", "05455", "05500", "05491"]
BATCH = 500


def province(coops: int, harvests: int, rng: random.Random) -> tuple[list, list]:
    """(registry facts, supply-chain facts) of a synthetic province."""
    reg, sup = [], []
    members: dict[int, list[int]] = {}
    member_id = plot_id = 0
    for coop_id in range(1, coops + 1):
        founded = date(2015, 1, 1) + timedelta(days=rng.randrange(3650))
        reg.append(
            R.CoopRegistered(
                coop_id=coop_id,
                name=f"HTX số {coop_id}",
                form="hop_tac_xa",
                registration_code=f"B-{coop_id}",
                ward_code=rng.choice(WARDS),
                founded_on=founded,
                status="active",
            )
        )
        members[coop_id] = []
        for _ in range(rng.randint(10, 60)):
            member_id += 1
            plot_id += 1
            members[coop_id].append(member_id)
            reg.append(
                R.MemberJoined(
                    member_id=member_id,
                    coop_id=coop_id,
                    name=f"Hộ {member_id}",
                    kind="household",
                    membership="official",
                    joined_on=founded,
                )
            )
            reg.append(
                R.PlotRegistered(
                    plot_id=plot_id,
                    coop_id=coop_id,
                    member_id=member_id,
                    planting_area_code=f"VT-{plot_id}",
                    area_ha=Decimal("0.5"),
                    crop="chè",
                )
            )
        reg.append(
            R.CertificateIssued(
                certificate_id=coop_id,
                coop_id=coop_id,
                kind="vietgap",
                code=f"VG-{coop_id}",
                issuer="KN",
                valid_from=date(2024, 1, 1),
                valid_to=date(2026, 12, 31),
                plot_ids=list(range(plot_id - len(members[coop_id]) + 1, plot_id + 1)),
            )
        )
        reg.append(
            R.CoopGraded(
                grading_id=coop_id,
                coop_id=coop_id,
                year=2024,
                scheme="TT01",
                total_score=70,
                grade=rng.choice(["tot", "kha", "trung_binh", "yeu", "not_graded"]),
            )
        )
        reg.append(
            R.InspectionRecorded(
                inspection_id=coop_id,
                coop_id=coop_id,
                inspected_on=date(2024, 5, 1),
                body="Sở",
                kind="định kỳ",
                violations=rng.randint(0, 3),
            )
        )
    for number in range(harvests):
        coop_id = rng.randint(1, coops)
        member = rng.choice(members[coop_id])
        day = date(2023 + number % 2, 1, 1) + timedelta(days=rng.randrange(365))
        kg = Decimal(rng.randint(5000, 90000)) / 1000
        lot = f"L{number}"
        sup.append(
            S.LotHarvested(
                lot_code=lot,
                coop_id=coop_id,
                member_id=member,
                product="chè búp tươi",
                quantity_kg=kg,
                harvested_on=day,
                harvest_round=1 + day.month % 8,
                plot_code=f"VT-{member}",
            )
        )
        sup.append(
            S.LotPurchased(
                purchase_id=number,
                lot_code=lot,
                coop_id=coop_id,
                member_id=member,
                quantity_kg=kg,
                price_per_kg_vnd=12_000,
                amount_vnd=int(kg * 12_000),
                purchased_on=day,
                harvest_round=1 + day.month % 8,
            )
        )
        if number % 4 == 1:
            sup.append(
                S.LotSold(
                    sale_id=number,
                    lot_code=lot,
                    coop_id=coop_id,
                    buyer_name="Cty Chè",
                    quantity_kg=kg,
                    price_per_kg_vnd=60_000,
                    amount_vnd=int(kg * 60_000),
                    sold_on=day,
                    invoice_number=f"HD-{number}",
                )
            )
    return reg, sup


async def apply_all(sessions, stream: str, events: list) -> float:
    started = time.perf_counter()
    for start in range(0, len(events), BATCH):
        entries = [
            (f"{start + offset + 1}-0", EventEnvelope.wrap(event))
            for offset, event in enumerate(events[start : start + BATCH])
        ]
        async with unit_of_work(sessions) as work:
            await apply_batch(work.session, consumers.GROUP, stream, entries, consumers.HANDLERS[stream])
    return time.perf_counter() - started


async def timed(label: str, action, repeat: int = 3):
    best, result = None, None
    for _ in range(repeat):
        started = time.perf_counter()
        result = await action()
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    print(f"  {label:<34} {best * 1000:9.1f} ms")
    return result


async def run(url: str, label: str, coops: int, harvests: int) -> None:
    await upgrade_async("reporting", url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    reg, sup = province(coops, harvests, random.Random(7))
    print(f"{label}: {len(reg):,} registry + {len(sup):,} supply-chain events")
    seconds = await apply_all(sessions, R.STREAM, reg) + await apply_all(sessions, S.STREAM, sup)
    print(f"  projections applied                {(len(reg) + len(sup)) / seconds:9.0f} events/s")
    plans, wards = kpis.load_plans(), load_ward_map()
    filters = ReportFilters(first=date(2024, 1, 1), last=date(2024, 12, 31))

    async def scorecard():
        async with sessions() as session:
            return await queries.kpi_report(session, 2024, plans)

    await timed("GET /kpis?year=2024", scorecard)
    for name, query in queries.REPORTS.items():

        async def report(query=query):
            async with sessions() as session:
                return await query(session, filters, wards, "vi")

        result = await timed(f"report {name}", report)
        await timed(
            f"  as xlsx ({len(result.rows)} rows)", lambda result=result: asyncio.to_thread(exports.to_xlsx, result), 1
        )
    today = date(2025, 3, 15)

    async def board():
        async with sessions() as session:
            history = await queries.plan_history(session, 2024, plans, today)
            shown = await panels.province_board(session, history[-2], history, today, wards, "vi", None, None)
            return dashboard.render_board(shown, "vi", dashboard.year_groups(plans, today, 2024), None, True)

    async def weak():
        async with sessions() as session:
            return await lists.drilldown(session, "graded", 2024, plans, today, wards, "vi", grade="yeu")

    async def own():
        async with sessions() as session:
            shown = await panels.coop_board(session, 1, 2024, date(2024, 12, 31), wards, "vi")
            return dashboard.render_coop(shown, "vi", None, today)

    page = await timed("GET /dashboard (5-year board)", board)
    print(f"  {'  page size':<34} {len(page.encode()) / 1024:9.1f} KB")
    await timed("GET /dashboard/lists/graded (Yếu)", weak)
    await timed("GET /dashboard/coop", own)
    await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--quick", action="store_true", help="the default")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    options = parser.parse_args()
    coops, harvests = (600, 100_000) if options.full else (40, 5_000)
    if options.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            await run(f"sqlite+aiosqlite:///{folder}/reporting.db", "SQLite", coops, harvests)
    if options.backend in ("postgresql", "both"):
        async with temporary_postgres_database() as url:
            await run(url, "PostgreSQL", coops, harvests)


if __name__ == "__main__":
    asyncio.run(main())
