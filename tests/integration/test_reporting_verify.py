"""`htx reporting verify`: totals recomputed from a real registry and from the supply chain's
`GET /totals` (a stand-in answering that contract), compared with reporting's read model fed by
the same facts as events; each difference is named, and the command exits 1 on any.

The facts, by hand (the supply chain leaves the corrected harvest HX out, as reporting does):
- 2023: harvest H1 10.000 kg; purchase P1 8.000 kg 400 000 VND; no sale.
- 2024: harvests H2 12.500 + H3 7.250 (31 Dec: `to` is inclusive) = 2 lots 19.750 kg;
  purchase P2 12.500 kg 750 000 VND; sales S1 2.000 kg 600 000 + S2 1.500 kg 750 000 VND.
- all time: 3 lots 29.750 kg; 2 purchases 20.500 kg 1 150 000 VND; 2 sales 3.500 kg 1 350 000 VND.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated

import httpx
from fastapi import FastAPI, Header, HTTPException, Query
from typer.testing import CliRunner

from htx.cli import app as cli
from services.registry.app import create_app as create_registry
from services.reporting.verify import Difference, supplychain_client, verify
from shared.auth import decode_token
from shared.events.envelope import EventEnvelope
from shared.events.supplychain import EventCorrected
from tests.integration.reporting_events import (
    REGISTRY,
    SUPPLYCHAIN,
    coop,
    envelope,
    harvest,
    publish,
    purchase,
    sale,
)
from tests.integration.test_reporting_projections import consumed
from tests.support import TEST_SECRET, bearer, running_app, served, service_settings, wait_until

COOPS = [
    {"name": "HTX Chè Tân Hương", "registration_code": "TN-V1", "ward_code": "05488", "founded_on": "2010-05-01"},
    {"name": "HTX Chè Hảo Đạt", "registration_code": "TN-V2", "ward_code": "05503", "founded_on": "2015-06-01"},
    {"name": "HTX Chè La Bằng", "registration_code": "TN-V3", "ward_code": "05503", "founded_on": "2018-01-01"},
]


@dataclass(frozen=True)
class Fact:
    """One fact as the supply chain holds it."""

    kind: str  # harvests, purchases, sales
    on: date
    kg: str
    amount_vnd: int = 0


FACTS = [
    Fact("harvests", date(2023, 9, 10), "10.000"),
    Fact("harvests", date(2024, 5, 1), "12.500"),
    Fact("harvests", date(2024, 12, 31), "7.250"),
    Fact("purchases", date(2023, 9, 12), "8.000", 400_000),
    Fact("purchases", date(2024, 5, 2), "12.500", 750_000),
    Fact("sales", date(2024, 1, 1), "2.000", 600_000),
    Fact("sales", date(2024, 6, 30), "1.500", 750_000),
]

AGREED = {
    "supplychain all time": {
        "harvests.lots": 3,
        "harvests.kg": "29.750",
        "purchases.count": 2,
        "purchases.kg": "20.500",
        "purchases.amount_vnd": 1_150_000,
        "sales.count": 2,
        "sales.kg": "3.500",
        "sales.amount_vnd": 1_350_000,
    },
    "supplychain 2023": {
        "harvests.lots": 1,
        "harvests.kg": "10.000",
        "purchases.count": 1,
        "purchases.kg": "8.000",
        "purchases.amount_vnd": 400_000,
        "sales.count": 0,
        "sales.kg": "0.000",
        "sales.amount_vnd": 0,
    },
    "supplychain 2024": {
        "harvests.lots": 2,
        "harvests.kg": "19.750",
        "purchases.count": 1,
        "purchases.kg": "12.500",
        "purchases.amount_vnd": 750_000,
        "sales.count": 2,
        "sales.kg": "3.500",
        "sales.amount_vnd": 1_350_000,
    },
}


def supplychain_standin(facts: list[Fact]) -> FastAPI:
    """The supply chain's `GET /totals` contract: province token, fact dates inclusive."""
    app = FastAPI()

    @app.get("/totals")
    def totals(
        from_: Annotated[date, Query(alias="from")], to: date, authorization: Annotated[str, Header()] = ""
    ) -> dict:
        try:
            principal = decode_token(TEST_SECRET, authorization.removeprefix("Bearer "))
        except Exception:
            raise HTTPException(401) from None
        if principal.role != "province":
            raise HTTPException(403)
        body: dict = {"from": from_.isoformat(), "to": to.isoformat()}
        for kind, counted in (("harvests", "lots"), ("purchases", "count"), ("sales", "count")):
            chosen = [f for f in facts if f.kind == kind and from_ <= f.on <= to]
            body[kind] = {counted: len(chosen), "kg": str(sum((Decimal(f.kg) for f in chosen), Decimal("0.000")))}
            if kind != "harvests":
                body[kind]["amount_vnd"] = sum(f.amount_vnd for f in chosen)
        if paid := [f for f in facts if f.kind == "payments"]:  # a supply chain that records payments
            chosen = [f for f in paid if from_ <= f.on <= to]
            body["payments"] = {"count": len(chosen), "amount_vnd": sum(f.amount_vnd for f in chosen)}
        return body

    return app


def lots_only_supplychain(harvested_kg: dict[str, str]) -> FastAPI:
    """A supply chain from before `/totals`: only the public lot view."""
    app = FastAPI()

    @app.get("/lots/{code}")
    def lot(code: str) -> dict:
        if code not in harvested_kg:
            raise HTTPException(404)
        return {"code": code, "harvested_quantity_kg": harvested_kg[code]}

    return app


def supplychain_events() -> list[EventEnvelope]:
    """The facts above as events, plus a harvest HX and its correction."""
    wrong = envelope(harvest("HX", 1, 1, "99.000", date(2024, 6, 1), 2))
    return [
        envelope(harvest("H1", 1, 1, "10.000", date(2023, 9, 10), 1)),
        envelope(harvest("H2", 1, 1, "12.500", date(2024, 5, 1), 1)),
        envelope(harvest("H3", 1, 2, "7.250", date(2024, 12, 31), 3)),
        wrong,
        envelope(purchase(1, "H1", 1, 1, "8.000", 50_000, date(2023, 9, 12))),
        envelope(purchase(2, "H2", 1, 1, "12.500", 60_000, date(2024, 5, 2))),
        envelope(sale(1, "H2", 1, "2.000", 300_000, date(2024, 1, 1))),
        envelope(sale(2, "H2", 1, "1.500", 500_000, date(2024, 6, 30))),
        envelope(
            EventCorrected(corrected_event_id=str(wrong.event_id), reason="cân nhầm", declared_on=date(2024, 6, 2))
        ),
    ]


@contextlib.asynccontextmanager
async def fed_reporting(reporting, database_url_factory, redis_url, redis, stream_prefix) -> AsyncIterator[tuple]:
    """A registry with three co-ops (one suspended) and `reporting` once it has consumed them and the facts."""
    settings = dict(redis_url=redis_url, stream_prefix=stream_prefix)
    registry = create_registry(service_settings(database_url=await database_url_factory("registry"), **settings))
    reporting_url = reporting.state.settings.database_url
    await publish(redis, stream_prefix + SUPPLYCHAIN, *supplychain_events())
    async with running_app(registry) as registry_client, running_app(reporting) as reporting_client:
        ids = []
        for body in COOPS:
            created = await registry_client.post("/coops", json=body, headers=bearer())
            assert created.status_code == 201, created.text
            ids.append(created.json()["id"])
        suspended = await registry_client.post(
            f"/coops/{ids[1]}/status",
            headers=bearer(),
            json={"status": "suspended", "effective_on": "2024-03-01", "reason": "tạm ngừng kinh doanh"},
        )
        assert suspended.status_code == 201, suspended.text

        async def caught_up():
            report = (await reporting_client.get("/kpis", params={"year": 2026})).json()
            return report["coops"]["by_status"]["suspended"] == 1 and report["coops"]["total"] == 3

        await consumed(reporting_client, {stream_prefix + REGISTRY, stream_prefix + SUPPLYCHAIN})
        await wait_until(caught_up, message="reporting to see the registry's events")
        yield registry, registry_client, reporting, reporting_client, reporting_url


async def test_verify_compares_totals_for_all_time_and_each_year_then_names_each_difference(
    reporting_app,
    database_url_factory,
    redis_url,
    redis,
    stream_prefix,
):
    async with fed_reporting(reporting_app, database_url_factory, redis_url, redis, stream_prefix) as (
        _,
        registry_client,
        reporting,
        reporting_client,
        _,
    ):
        sessions = reporting.state.runtime.sessions

        async with supplychain_client(
            "http://supplychain", TEST_SECRET, transport=httpx.ASGITransport(supplychain_standin(FACTS))
        ) as supplychain:
            agreed = await verify(sessions, registry_client, supplychain)
        assert agreed.ok, agreed.render()
        assert agreed.compared == {
            "registry": {"total": 3, "status.active": 2, "status.suspended": 1, "status.dissolved": 0},
            **AGREED,
        }
        assert "no difference" in agreed.render()

        # The supply chain has a sale the read model never received; an organisation the registry never
        # registered reaches the stream (say, from a restored backup).
        await publish(redis, stream_prefix + REGISTRY, envelope(coop(999, "hop_tac_xa", date(2020, 1, 1))))
        await consumed(reporting_client, {stream_prefix + REGISTRY, stream_prefix + SUPPLYCHAIN})
        extra_sale = Fact("sales", date(2024, 11, 20), "3.000", 900_000)
        async with supplychain_client(
            "http://supplychain", TEST_SECRET, transport=httpx.ASGITransport(supplychain_standin([*FACTS, extra_sale]))
        ) as supplychain:
            differs = await verify(sessions, registry_client, supplychain)
        assert not differs.ok
        assert differs.differences == [
            Difference("registry", "status.active", 2, 3),
            Difference("registry", "total", 3, 4),
            *[
                Difference(f"supplychain {period}", figure, producer, read_model)
                for period in ("all time", "2024")
                for figure, producer, read_model in (
                    ("sales.amount_vnd", 2_250_000, 1_350_000),
                    ("sales.count", 3, 2),
                    ("sales.kg", "6.500", "3.500"),
                )
            ],
        ]
        assert "DIFFERENCE supplychain 2024 sales.count: producer 3, read model 2" in differs.render()

        # A payment to a household the read model never received is named too.
        payment = Fact("payments", date(2024, 7, 1), "0", 500_000)
        async with supplychain_client(
            "http://supplychain", TEST_SECRET, transport=httpx.ASGITransport(supplychain_standin([*FACTS, payment]))
        ) as supplychain:
            unpaid = await verify(sessions, registry_client, supplychain)
        assert [d for d in unpaid.differences if d.figure.startswith("payments.")] == [
            Difference(f"supplychain {period}", figure, producer, 0)
            for period in ("all time", "2024")
            for figure, producer in (("payments.amount_vnd", 500_000), ("payments.count", 1))
        ]
        assert unpaid.compared["supplychain 2023"]["payments.count"] == 0

        # a supply chain without /totals: the per-lot check, for the lots the read model holds (HX left out)
        async with supplychain_client(
            "http://supplychain",
            TEST_SECRET,
            transport=httpx.ASGITransport(lots_only_supplychain({"H1": "10.000", "H2": "12.500"})),
        ) as supplychain:
            fallback = await verify(sessions, registry_client, supplychain)
        assert fallback.compared["supplychain"] == {"harvest_lots": 2, "harvest_kg": "22.500"}
        assert Difference("supplychain", "harvest_lots", 2, 3) in fallback.differences
        assert "no /totals" in fallback.render()

        # /totals is the province's: a token signed with another secret is refused, and verify says so
        async with supplychain_client(
            "http://supplychain",
            "another-secret-0123456789abcdef0123456789",
            transport=httpx.ASGITransport(supplychain_standin(FACTS)),
        ) as supplychain:
            try:
                await verify(sessions, registry_client, supplychain)
            except httpx.HTTPStatusError as error:
                assert error.response.status_code == 401
            else:
                raise AssertionError("a refused token must not pass for agreement")

        skipped = await verify(sessions, registry_client, None)
        assert set(skipped.compared) == {"registry"} and "skipped" in skipped.render()


async def test_cli_prints_each_difference_and_exits_1_or_0_when_all_agree(
    reporting_app,
    database_url_factory,
    redis_url,
    redis,
    stream_prefix,
    monkeypatch,
    tmp_path,
):
    async with fed_reporting(reporting_app, database_url_factory, redis_url, redis, stream_prefix) as (
        registry,
        _,
        _,
        _,
        reporting_url,
    ):
        monkeypatch.setenv("REPORTING_DATABASE_URL", reporting_url)
        monkeypatch.setenv("HTX_SECRET_KEY", TEST_SECRET)

        async def run_cli(facts: list[Fact]):
            # the registry's lifespan already runs in running_app: uvicorn only serves its routes
            async with served(registry) as registry_url, served(supplychain_standin(facts)) as supplychain_url:
                monkeypatch.setenv("HTX_REGISTRY_URL", registry_url)
                monkeypatch.setenv("HTX_SUPPLYCHAIN_URL", supplychain_url)
                return await asyncio.to_thread(
                    CliRunner().invoke, cli, ["reporting", "verify", "--data-dir", str(tmp_path)]
                )

        agreed = await run_cli(FACTS)
        assert agreed.exit_code == 0, agreed.output
        assert "no difference" in agreed.output
        assert "supplychain 2023: " in agreed.output and "harvests.kg=10.000" in agreed.output

        differs = await run_cli(FACTS[:-1])  # the supply chain lost sale S2
        assert differs.exit_code == 1, differs.output
        assert "DIFFERENCE supplychain all time sales.count: producer 1, read model 2" in differs.output
        assert "DIFFERENCE supplychain 2024 sales.amount_vnd: producer 600000, read model 1350000" in differs.output
        assert "DIFFERENCE supplychain 2023" not in differs.output
