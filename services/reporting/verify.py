"""`htx reporting verify`: recompute totals from the producing services' APIs and compare
them with the read model.

- registry: the `total` of `GET /coops` and of `GET /coops?status=...` for each status,
  against the organisations in the read model with their latest status;
- supplychain: it has no totals or listing endpoint, so every harvest lot the read model
  holds (leaving out corrected ones) is fetched with `GET /lots/{code}` and its harvested
  quantity compared; lots the read model never heard of cannot be found this way (that part
  of the check is reported as not covered).

A difference usually means the consumer lags (see /health) or an event sits in the
dead-letter stream (`htx dlq list`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from decimal import Decimal

import httpx
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.db import create_engine, session_factory
from services.reporting import kpis
from services.reporting.handlers import not_corrected, registry_totals
from services.reporting.models import HarvestFact

CONCURRENCY = 8


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


async def harvest_lots(session: AsyncSession) -> dict[str, int]:
    rows = await session.exec(select(HarvestFact.lot_code, HarvestFact.quantity_g).where(not_corrected(HarvestFact)))
    return dict(rows.all())


async def supplychain_counts(client: httpx.AsyncClient, lots: dict[str, int]) -> dict[str, object]:
    """Harvest lots and kg as the supply chain shows them, for the lot codes the read model holds."""
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


async def verify(sessions: async_sessionmaker[AsyncSession], registry: httpx.AsyncClient,
                 supplychain: httpx.AsyncClient | None) -> Verification:
    result = Verification()
    async with sessions() as session:
        projected = await registry_totals(session)
        lots = await harvest_lots(session)
    result.compare("registry", await registry_counts(registry), projected)
    if supplychain is None:
        result.notes.append("supplychain not checked (skipped)")
    else:
        result.compare("supplychain", await supplychain_counts(supplychain, lots),
                       {"harvest_lots": len(lots), "harvest_kg": str(kpis.kg(sum(lots.values())))})
        result.notes.append("supplychain has no listing endpoint: harvest lots the read model never received "
                            "cannot be detected, only missing or different ones")
    return result


async def run(database_url: str, registry_url: str, supplychain_url: str | None) -> Verification:
    """The CLI's entry: its own engine and HTTP clients."""
    engine = create_engine(database_url)
    try:
        async with httpx.AsyncClient(base_url=registry_url, timeout=30) as registry:
            if supplychain_url is None:
                return await verify(session_factory(engine), registry, None)
            async with httpx.AsyncClient(base_url=supplychain_url, timeout=30) as supplychain:
                return await verify(session_factory(engine), registry, supplychain)
    finally:
        await engine.dispose()
