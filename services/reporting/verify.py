"""`htx reporting verify`: recompute totals from the producing services' APIs and compare
them with the read model.

- registry: the `total` of `GET /coops` and of `GET /coops?status=...` for each status,
  against the organisations in the read model with their latest status; and the version in
  force of each plan the province published (`GET /plans`) against the read model's;
- supplychain: `GET /totals?from=&to=` (province token) for all time and for each year the
  read model holds facts in: harvest lots and kg, purchases count/kg/amount and sales
  count/kg/amount by fact date, corrected facts left out on both sides, and payments to households
  count/amount by payment date, voided payments left out (a supply chain older than payments
  answers none, and they are not compared). A supply chain
  without `/totals` (404) gets the older check: every harvest lot the read model holds is
  fetched with `GET /lots/{code}` and its quantity compared (lots the read model never heard
  of cannot be found that way, which the report notes).

A difference usually means the consumer lags (see /health) or an event sits in the
dead-letter stream (`htx dlq list`).

Closed years (ADR 0025) are not differences: their frozen figures stand by design. Each closed
year whose figures the read model now puts otherwise is noted with its restatements, so an
operator sees that a correction reached a year already reported.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import httpx
from sqlalchemy import func
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting import kpis
from services.reporting.queries import (
    kpi_report,
    live_payments,
    not_corrected,
    plans_in_force,
    published_plans,
    registry_totals,
)
from services.reporting.tables import ClosedFigureRow, HarvestFact, PaymentFact, PurchaseFact, SaleFact
from shared.auth import issue_token
from shared.clock import VIETNAM
from shared.db import create_engine, session_factory

CONCURRENCY = 8
TOKEN_SUBJECT = "htx-reporting-verify"
ALL_TIME_FROM = date(1900, 1, 1)  # before any co-op's records; /totals needs a `from`


@dataclass(frozen=True)
class Difference:
    service: str
    figure: str
    producer: object
    read_model: object


@dataclass
class Verification:
    compared: dict[str, dict[str, object]] = field(default_factory=dict)
    differences: list[Difference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences

    def compare(self, service: str, producer: dict[str, object], read_model: dict[str, object]) -> None:
        self.compared[service] = producer
        for key in sorted(set(producer) | set(read_model)):
            if producer.get(key) != read_model.get(key):
                self.differences.append(Difference(service, key, producer.get(key), read_model.get(key)))

    def render(self) -> str:
        lines = []
        for service, figures in self.compared.items():
            lines.append(f"{service}: " + ", ".join(f"{k}={v}" for k, v in sorted(figures.items())))
        lines += [f"note: {note}" for note in self.notes]
        if self.ok:
            lines.append("no difference between the producers and the read model")
        for d in self.differences:
            lines.append(f"DIFFERENCE {d.service} {d.figure}: producer {d.producer}, read model {d.read_model}")
        return "\n".join(lines)


async def registry_counts(client: httpx.AsyncClient) -> dict[str, int]:
    """Total and per-status counts of organisations, from the `total` of the registry's listing."""

    async def total(**params: str) -> int:
        response = await client.get("/coops", params={"limit": 1, **params})
        response.raise_for_status()
        return int(response.json()["total"])

    return {"total": await total()} | {f"status.{status}": await total(status=status) for status in kpis.STATUSES}


async def registry_plan_versions(client: httpx.AsyncClient) -> dict[str, int]:
    """Each published plan's version in force (`plan.<key>`); none from a registry older than plans (404)."""
    response = await client.get("/plans")
    if response.status_code == 404:
        return {}
    response.raise_for_status()
    return {f"plan.{plan['key']}": int(plan["version"]) for plan in response.json()}


async def projected_plan_versions(session: AsyncSession) -> dict[str, int]:
    return {f"plan.{plan.key}": plan.version for plan in await published_plans(session) if plan.version is not None}


@dataclass(frozen=True)
class Period:
    """A span of fact dates, both ends included."""

    label: str
    first: date
    last: date


# (figure prefix, fact table, its date column, what counts), as /totals names them
_FACTS = (
    ("harvests", HarvestFact, HarvestFact.harvested_on, "lots"),
    ("purchases", PurchaseFact, PurchaseFact.purchased_on, "count"),
    ("sales", SaleFact, SaleFact.sold_on, "count"),
)


async def periods(session: AsyncSession) -> list[Period]:
    """All time, then each calendar year in which the read model holds a (not corrected) fact."""
    years: set[int] = set()
    for _, model, on, _ in _FACTS:
        years |= {day.year for day in (await session.exec(select(on).distinct().where(not_corrected(model)))).all()}
    today = datetime.now(VIETNAM).date()
    last = max([today] + [date(year, 12, 31) for year in years])
    return [Period("all time", ALL_TIME_FROM, last)] + [
        Period(str(year), date(year, 1, 1), date(year, 12, 31)) for year in sorted(years)
    ]


async def projected_totals(session: AsyncSession, period: Period) -> dict[str, object]:
    """The read model's figures for `period`, leaving out corrected facts as every report does."""
    figures: dict[str, object] = {}
    for name, model, on, counted in _FACTS:
        paid = hasattr(model, "amount_vnd")  # purchases and sales; harvests carry no money
        columns = [func.count(), func.coalesce(func.sum(model.quantity_g), 0)]
        columns += [func.coalesce(func.sum(model.amount_vnd), 0)] if paid else []
        row = (
            await session.exec(
                select(*columns).where(not_corrected(model), col(on) >= period.first, col(on) <= period.last)
            )
        ).one()
        figures[f"{name}.{counted}"] = int(row[0])
        figures[f"{name}.kg"] = str(kpis.kg(int(row[1])))
        if paid:
            figures[f"{name}.amount_vnd"] = int(row[2])
    row = (
        await session.exec(
            live_payments(
                select(func.count(), func.coalesce(func.sum(PaymentFact.amount_vnd), 0)).where(
                    col(PaymentFact.paid_on) >= period.first, col(PaymentFact.paid_on) <= period.last
                )
            )
        )
    ).one()
    figures["payments.count"], figures["payments.amount_vnd"] = int(row[0]), int(row[1])
    return figures


def producer_figures(body: dict) -> dict[str, object]:
    """`/totals` flattened like `projected_totals`, kg normalised to 3 decimals."""
    figures: dict[str, object] = {}
    for name, _, _, counted in _FACTS:
        section = body[name]
        figures[f"{name}.{counted}"] = int(section[counted])
        figures[f"{name}.kg"] = str(kpis.kg(kpis.grams(Decimal(str(section["kg"])))))
        if "amount_vnd" in section:
            figures[f"{name}.amount_vnd"] = int(section["amount_vnd"])
    if (payments := body.get("payments")) is not None:
        figures["payments.count"], figures["payments.amount_vnd"] = int(payments["count"]), int(payments["amount_vnd"])
    return figures


async def supplychain_totals(client: httpx.AsyncClient, period: Period) -> dict[str, object] | None:
    """The supply chain's figures for `period`; None when it has no `/totals` (404)."""
    response = await client.get("/totals", params={"from": period.first.isoformat(), "to": period.last.isoformat()})
    if response.status_code == 404:
        return None
    response.raise_for_status()
    return producer_figures(response.json())


async def harvest_lots(session: AsyncSession) -> dict[str, int]:
    rows = await session.exec(select(HarvestFact.lot_code, HarvestFact.quantity_g).where(not_corrected(HarvestFact)))
    return dict(rows.all())


async def supplychain_counts(client: httpx.AsyncClient, lots: dict[str, int]) -> dict[str, object]:
    """Fallback: harvest lots and kg as the supply chain shows them, for the lot codes the read model holds."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def harvested_g(code: str) -> int | None:
        async with gate:
            response = await client.get(f"/lots/{code}")
        if response.status_code == 404:
            return None
        response.raise_for_status()
        quantity = response.json().get("harvested_quantity_kg")
        return kpis.grams(Decimal(str(quantity))) if quantity is not None else None

    found = await asyncio.gather(*(harvested_g(code) for code in lots))
    present = [grams_ for grams_ in found if grams_ is not None]
    return {"harvest_lots": len(present), "harvest_kg": str(kpis.kg(sum(present)))}


async def _verify_supplychain(
    result: Verification, sessions: async_sessionmaker[AsyncSession], supplychain: httpx.AsyncClient
) -> None:
    async with sessions() as session:
        spans = await periods(session)
        projected = {period.label: await projected_totals(session, period) for period in spans}
    for period in spans:
        producer = await supplychain_totals(supplychain, period)
        if producer is None:
            async with sessions() as session:
                lots = await harvest_lots(session)
            result.compare(
                "supplychain",
                await supplychain_counts(supplychain, lots),
                {"harvest_lots": len(lots), "harvest_kg": str(kpis.kg(sum(lots.values())))},
            )
            result.notes.append(
                "supplychain has no /totals: only the harvest lots the read model holds were "
                "checked, one by one; lots it never received cannot be detected"
            )
            return
        read_model = projected[period.label]
        if "payments.count" not in producer:  # a supply chain from before payments
            read_model = {k: v for k, v in read_model.items() if not k.startswith("payments.")}
        result.compare(f"supplychain {period.label}", producer, read_model)


async def restated_closes(session: AsyncSession, today: date) -> list[str]:
    """A note per closed year the read model now puts otherwise: each restated figure, frozen -> current."""
    years = (await session.exec(select(ClosedFigureRow.year).distinct().order_by(ClosedFigureRow.year))).all()
    if not years:
        return []
    plans = await plans_in_force(session, kpis.load_plans(os.environ.get(kpis.TARGETS_ENV)))
    notes = []
    for year in years:
        closed = (await kpi_report(session, year, plans, today)).closed
        if closed is not None and closed.restated:
            said = ", ".join(f"{r.figure} {r.frozen} -> {r.current} ({r.difference})" for r in closed.restatements)
            notes.append(f"the {year} scorecard was closed on {closed.closed_at:%Y-%m-%d}; restated since: {said}")
    return notes


async def verify(
    sessions: async_sessionmaker[AsyncSession], registry: httpx.AsyncClient, supplychain: httpx.AsyncClient | None
) -> Verification:
    """`supplychain` must carry a province token (see `supplychain_client`)."""
    result = Verification()
    async with sessions() as session:
        projected = await registry_totals(session) | await projected_plan_versions(session)
        result.notes += await restated_closes(session, datetime.now(VIETNAM).date())
    result.compare("registry", await registry_counts(registry) | await registry_plan_versions(registry), projected)
    if supplychain is None:
        result.notes.append("supplychain not checked (skipped)")
    else:
        await _verify_supplychain(result, sessions, supplychain)
    return result


def supplychain_client(base_url: str, secret: str, **options) -> httpx.AsyncClient:
    """An HTTP client to the supply chain with a short-lived province token signed with `secret`."""
    token = issue_token(secret, subject=TOKEN_SUBJECT, role="province", ttl=timedelta(minutes=10))
    return httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30, **options)


async def run(
    database_url: str, registry_url: str, supplychain_url: str | None, secret: str | None = None
) -> Verification:
    """The CLI's entry: its own engine and HTTP clients. `secret` signs the supply chain's token."""
    engine = create_engine(database_url)
    try:
        async with httpx.AsyncClient(base_url=registry_url, timeout=30) as registry:
            if supplychain_url is None:
                return await verify(session_factory(engine), registry, None)
            if secret is None:
                raise ValueError("checking the supplychain needs the platform's secret to sign a province token")
            async with supplychain_client(supplychain_url, secret) as supplychain:
                return await verify(session_factory(engine), registry, supplychain)
    finally:
        await engine.dispose()
