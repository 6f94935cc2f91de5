"""The registry and reporting as real processes, with five plan years of a province's figures, for
the dashboard's browser tests.

SQLite only (both backends are the integration tests' business). The figures come from events
published straight onto the streams reporting reads, made deterministically below: 30 co-ops
before the plan, then 6, 8, 7, 9 and 10 a year (2021–2025) in twelve communes, two unions, five
years of gradings, harvests and purchases (member income grows), inspections, chain contracts and
traced sales. The province's account and its 2021–2025 plan (all six figures targeted) go through
the registry's API, as the province would publish them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx
import redis.asyncio as aioredis

from services.reporting.lists import province_communes
from shared.events.envelope import EventEnvelope
from shared.events.registry import ChainContractSigned, CoopGraded, InspectionRecorded, ProposedCriterion
from shared.grading_items import GRADING_ITEMS
from tests.browser.coop_app_stack import running_services
from tests.integration.reporting_events import REGISTRY, SUPPLYCHAIN, coop, envelope, harvest, joined, purchase, sale
from tests.support import bearer, unique, wait_until

SERVICES = ("registry", "reporting")
PASSWORD = "mat-khau-cua-tinh"
NEW_COOPS = {2021: 6, 2022: 8, 2023: 7, 2024: 9, 2025: 10}
GRADES = ("tot", "kha", "trung_binh", "yeu", "kha", "tot")
PLAN = {
    "name": "Kế hoạch phát triển kinh tế tập thể tỉnh Thái Nguyên giai đoạn 2021–2025",
    "first_year": 2021,
    "last_year": 2025,
    "targets": {
        "new_coops": {"value": 30, "comparison": ">=", "per": "year"},
        "new_unions": {"value": 5, "comparison": ">=", "per": "plan"},
        "effective_share": {"value": 0.65, "comparison": ">", "per": "year"},
        "member_income_growth": {"value": 0.10, "comparison": ">=", "per": "year"},
        "contract_share": {"value": 0.5, "comparison": ">=", "per": "year"},
        "traced_sales_share": {"value": 0.3, "comparison": ">=", "per": "year"},
    },
}


# One grading with its workings under the 15 criteria (ADR 0027), for the score sheet's test.
SHEET_COOP_YEAR = (4, 2025)
_PROPOSED = {
    "technology_chain": ProposedCriterion(
        points=2, rule="technology_chain.partners_under_contract", evidence={"contracts": 1, "partners": 1}
    ),
    "member_participation": ProposedCriterion(
        points=8, rule="member_participation.share_delivering", evidence={"members": 3, "delivering": 3}
    ),
    "member_benefit": ProposedCriterion(
        points=10,
        rule="member_benefit.paid_share",
        evidence={"purchases": 12, "purchased_g": 612_000, "owed_vnd": 8_956_000, "paid_vnd": 8_956_000},
    ),
    "member_services": ProposedCriterion(
        points=4, rule="member_services.kinds_of_two", evidence={"purchases": 12, "certified_members": 0, "services": 1}
    ),
}
_SCORES = (
    {item.code: item.maximum for item in GRADING_ITEMS}
    | {code: proposed.points for code, proposed in _PROPOSED.items()}
    | {"capital": 5, "technology_chain": 3, "awards": 0}
)
SHEET_GRADING = CoopGraded(
    grading_id=9_000_004,
    coop_id=SHEET_COOP_YEAR[0],
    year=SHEET_COOP_YEAR[1],
    scheme="TT01-2020-15",
    total_score=sum(_SCORES.values()),
    grade="tot",
    scores=_SCORES,
    maxima={item.code: item.maximum for item in GRADING_ITEMS},
    proposal=_PROPOSED,
    notes={"technology_chain": "HTX có nhãn hiệu chè Tân Cương được bảo hộ năm 2025: cộng 1 điểm thương hiệu"},
)


@dataclass
class DashboardStack:
    urls: dict[str, str]
    login: str
    redis_url: str = ""
    stream_prefix: str = ""  # where a test publishes more events (a correction after a close)

    @property
    def dashboard(self) -> str:
        return self.urls["reporting"] + "/dashboard"


def events() -> tuple[list[EventEnvelope], list[EventEnvelope]]:
    """The province's five plan years, as the registry and the supply chain would have published them."""
    communes = province_communes()[:12]
    registry, supplychain = [], []
    coops: list[tuple[int, date]] = []
    number = 0
    for year, count in [(2015, 30), *NEW_COOPS.items()]:
        for n in range(count):
            number += 1
            founded = date(year, 1 + (n * 5) % 12, 1 + n % 27)
            registered = coop(number, "hop_tac_xa", founded).model_copy(
                update={"ward_code": communes[number % len(communes)], "name": f"HTX Chè Tân Cương số {number}"}
            )
            if number > 1:  # the first is registered through the registry's API, with an account (`start_stack`)
                registry.append(envelope(registered))
            coops.append((number, founded))
    registry += [envelope(coop(900 + n, "lien_hiep", date(2022 + 2 * n, 6, 1))) for n in range(2)]
    for year in NEW_COOPS:
        existing = [coop_id for coop_id, founded in coops if founded.year <= year]
        for coop_id in existing:
            grade = GRADES[(coop_id + year) % len(GRADES)] if coop_id % 4 else "tot"
            graded = CoopGraded(
                grading_id=year * 1000 + coop_id,
                coop_id=coop_id,
                year=year,
                scheme="tt01",
                total_score=None,
                grade=grade,
            )
            registry.append(envelope(SHEET_GRADING if (coop_id, year) == SHEET_COOP_YEAR else graded))
        for n, coop_id in enumerate(existing[:: 6 - (year - 2021) % 3]):
            inspected = InspectionRecorded(
                inspection_id=year * 1000 + coop_id,
                coop_id=coop_id,
                inspected_on=date(year, 3 + n % 9, 10),
                body="Sở Nông nghiệp và Môi trường",
                kind="định kỳ",
                violations=n % 3,
                commendations=1 if n % 4 == 0 else 0,
            )
            registry.append(envelope(inspected))
    for coop_id, founded in coops[: 3 * len(coops) // 5]:
        contract = ChainContractSigned(
            contract_id=coop_id, coop_id=coop_id, partner_id=1, product="chè búp tươi", valid_from=founded
        )
        registry.append(envelope(contract))
    member = 0
    for coop_id, _ in coops[:12]:
        for _household in range(3):
            member += 1
            registry.append(envelope(joined(member, coop_id, "official", date(2016, 1, 5))))
            for year in NEW_COOPS:
                for month in (4, 6, 8, 10):
                    lot = f"TH-{member}-{year}{month:02d}"
                    kg = Decimal(40 + (member * 7 + month) % 30)
                    price = int(9_000 * Decimal("1.13") ** (year - 2021))
                    day = date(year, month, 5 + member % 20)
                    supplychain.append(envelope(harvest(lot, coop_id, member, str(kg), day, month // 2)))
                    supplychain.append(
                        envelope(
                            purchase(
                                member * 10_000 + year * 10 + month,
                                lot,
                                coop_id,
                                member,
                                str(kg),
                                price,
                                day,
                                month // 2,
                            )
                        )
                    )
                    if (member + month + year) % 3 == 0:
                        sold = sale(member * 10_000 + year * 10 + month, lot, coop_id, str(kg), price * 2, day)
                        supplychain.append(envelope(sold))
    return registry, supplychain


def publish_more(stack: DashboardStack, stream: str, *more: EventEnvelope) -> None:
    """Put `more` on one of the stack's streams, as its producer would."""

    async def put() -> None:
        client = aioredis.from_url(stack.redis_url)
        try:
            for entry in more:
                await client.xadd(stack.stream_prefix + stream, entry.to_fields())
        finally:
            await client.aclose()

    asyncio.run(put())


async def _publish(redis_url: str, prefix: str) -> None:
    registry, supplychain = events()
    client = aioredis.from_url(redis_url)
    try:
        for stream, entries in ((REGISTRY, registry), (SUPPLYCHAIN, supplychain)):
            async with client.pipeline(transaction=False) as pipe:
                for entry in entries:
                    pipe.xadd(prefix + stream, entry.to_fields())
                await pipe.execute()
    finally:
        await client.aclose()


async def _loaded(reporting: str) -> None:
    async def probe() -> bool:
        async with httpx.AsyncClient(base_url=reporting) as client:
            plan = (await client.get("/kpis", params={"year": 2025})).json()
            return (
                plan["new_coops"]["value"] == NEW_COOPS[2025]
                and (plan["plan"] or {}).get("version") == 1
                and (plan["member_income"]["members_selling"] == 36)
            )

    await wait_until(probe, timeout=120, interval=0.5, message="the dashboard's figures in reporting")


def start_stack(directory: Path, redis_url: str, stream_prefix: str) -> Iterator[DashboardStack]:
    with running_services(directory, SERVICES, redis_url, stream_prefix) as urls:
        login = unique("tinh")
        with httpx.Client(base_url=urls["registry"], headers=bearer("province"), timeout=30) as registry:
            first = {
                "name": "HTX Chè Tân Cương số 1",
                "form": "hop_tac_xa",
                "registration_code": unique("TN-"),
                "ward_code": province_communes()[1],
                "founded_on": "2015-01-01",
            }
            assert registry.post("/coops", json=first).raise_for_status().json()["id"] == 1
            registry.post(
                "/accounts",
                json={"username": login, "password": PASSWORD, "display_name": "Sở Tài chính", "role": "province"},
            ).raise_for_status()
            registry.post(
                "/accounts",
                json={
                    "username": login + "-htx",
                    "password": PASSWORD,
                    "display_name": "Nguyễn Thị Mai",
                    "role": "coop",
                    "coop_id": 1,
                    "staff": "manager",
                },
            ).raise_for_status()
            registry.put("/plans/2021-2025", json=PLAN).raise_for_status()
        asyncio.run(_publish(redis_url, stream_prefix))
        asyncio.run(_loaded(urls["reporting"]))
        yield DashboardStack(urls, login, redis_url, stream_prefix)
