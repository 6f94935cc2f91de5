"""The three services as real processes, driven over HTTP, on both database backends.

Registers a co-op and members, records harvests and a sale, reads the trace, watches the
KPIs move; then SIGKILLs reporting while events flow, restarts it, and checks that the KPI
totals equal the source exactly (nothing lost, nothing counted twice).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import httpx
import pytest

from htx.runner import ServiceProcess, free_port
from shared.events.envelope import EventEnvelope
from shared.events.registry import CoopStatusChanged
from tests.support import TEST_SECRET, bearer, wait_until

SERVICES = ("registry", "supplychain", "reporting")
YEAR = 2025


@dataclass
class Platform:
    processes: dict[str, ServiceProcess]
    env: dict[str, str]  # what an operator's shell would export to reach this installation

    def __getitem__(self, name: str) -> ServiceProcess:
        return self.processes[name]

    def htx(self, *args: str) -> subprocess.CompletedProcess:
        """Run the operator CLI against this installation."""
        return subprocess.run(
            [sys.executable, "-m", "htx", *args],
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=60,
        )


@pytest.fixture
async def platform(database_url_factory, redis_url, stream_prefix, tmp_path):
    ports = {name: free_port() for name in SERVICES}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    common = {
        "HTX_ENV": "test",
        "HTX_SECRET_KEY": TEST_SECRET,
        "HTX_REDIS_URL": redis_url,
        "HTX_STREAM_PREFIX": stream_prefix,
        "HTX_CLAIM_IDLE_MS": "1000",
        "HTX_OUTBOX_POLL_MS": "200",
        **{f"HTX_{name.upper()}_URL": url for name, url in urls.items()},
    }
    processes = {}
    for name in SERVICES:
        env = {**common, "HTX_DATABASE_URL": await database_url_factory(name)}
        processes[name] = ServiceProcess(name, ports[name], env, log_path=tmp_path / f"{name}.log")
    try:
        for process in processes.values():
            process.start()
        for process in processes.values():
            process.wait_healthy(timeout=60)
        yield Platform(processes, common)
    finally:
        for process in processes.values():
            process.terminate()


async def _reporting_totals(client: httpx.AsyncClient, url: str) -> dict:
    response = await client.get(f"{url}/kpis", params={"year": YEAR})
    response.raise_for_status()
    return response.json()


def _harvested_kg(kpis: dict) -> Decimal:
    return Decimal(str(kpis["harvest"]["kg"]))


def _coop_count(kpis: dict) -> int:
    return int(kpis["coops"]["total"])


async def test_tea_chain_end_to_end_survives_reporting_sigkill(platform):
    registry, supplychain, reporting = (platform[n].url for n in SERVICES)
    province = bearer()
    async with httpx.AsyncClient(timeout=30) as client:
        coop = (
            await client.post(
                f"{registry}/coops",
                headers=province,
                json={
                    "name": "HTX Chè Tân Hương",
                    "registration_code": "E2E-TH-01",
                    "ward_code": "05488",
                    "founded_on": "2009-04-15",
                },
            )
        ).json()
        coop_token = bearer("coop", coop_id=coop["id"])
        members = []
        for name in ("Nguyễn Văn Thắng", "Trần Thị Lụa", "Hoàng Văn Đức"):
            created = await client.post(
                f"{registry}/coops/{coop['id']}/members",
                headers=coop_token,
                json={"name": name, "joined_on": "2012-03-01"},
            )
            assert created.status_code == 201, created.text
            members.append(created.json())

        first = await client.post(
            f"{supplychain}/harvests",
            headers=coop_token,
            json={
                "coop_id": coop["id"],
                "member_id": members[0]["id"],
                "quantity_kg": "120.5",
                "harvested_on": f"{YEAR}-05-10",
                "harvest_round": 1,
                "plot_code": "TN-DP-001",
            },
        )
        assert first.status_code == 201, first.text
        lot = first.json()["code"]
        sale = await client.post(
            f"{supplychain}/sales",
            headers=coop_token,
            json={
                "coop_id": coop["id"],
                "lot_code": lot,
                "buyer_name": "Công ty TNHH Trà Thái Nguyên",
                "quantity_kg": "100",
                "price_per_kg_vnd": 12000,
                "sold_on": f"{YEAR}-05-12",
                "invoice_number": "HD-0001",
            },
        )
        assert sale.status_code == 201, sale.text

        trace = (await client.get(f"{supplychain}/lots/{lot}/trace", headers=coop_token)).json()
        assert "Tân Hương" in str(trace) and "Nguyễn Văn Thắng" in str(trace)
        assert "12000" not in str(trace)  # no prices on the public trace

        harvested = Decimal("120.5")
        kpis = await wait_until(
            lambda: _settled(client, reporting, harvested, 1), timeout=30, message="KPIs to count the first harvest"
        )
        assert _coop_count(kpis) == 1

        # Events keep flowing while reporting is killed without warning, then restarted.
        async def keep_harvesting(count: int) -> Decimal:
            total = Decimal(0)
            for index in range(count):
                kg = Decimal(10 + index) + Decimal("0.25")
                response = await client.post(
                    f"{supplychain}/harvests",
                    headers=coop_token,
                    json={
                        "coop_id": coop["id"],
                        "member_id": members[index % 3]["id"],
                        "quantity_kg": str(kg),
                        "harvested_on": f"{YEAR}-06-{1 + index % 28:02d}",
                        "harvest_round": 2,
                    },
                )
                assert response.status_code == 201, response.text
                total += kg
            return total

        flow = asyncio.create_task(keep_harvesting(40))
        await wait_until(
            lambda: _counted_more_than(client, reporting, harvested), timeout=30, message="reporting to be mid-stream"
        )
        platform["reporting"].kill()
        harvested += await flow
        platform["reporting"].start()
        platform["reporting"].wait_healthy(timeout=60)

        kpis = await wait_until(
            lambda: _settled(client, reporting, harvested, 1),
            timeout=60,
            message=f"KPI harvested total to reach {harvested} kg",
        )
        assert _harvested_kg(kpis) == harvested  # exact: nothing lost, nothing double counted
        registry_total = (await client.get(f"{registry}/coops")).json()["total"]
        assert _coop_count(kpis) == registry_total == 1


async def _settled(client, reporting, harvested: Decimal, coops: int) -> dict | None:
    try:
        kpis = await _reporting_totals(client, reporting)
    except httpx.HTTPError:
        return None
    return kpis if _harvested_kg(kpis) == harvested and _coop_count(kpis) == coops else None


async def _counted_more_than(client, reporting, harvested: Decimal) -> bool:
    try:
        return _harvested_kg(await _reporting_totals(client, reporting)) > harvested
    except httpx.HTTPError:
        return False


async def test_dead_letter_is_replayed_exactly_once_with_htx_dlq(platform, redis):
    """A status change for a co-op the supplychain has never seen fails until the co-op exists."""
    registry, supplychain = platform["registry"].url, platform["supplychain"].url
    stream = f"{platform.env['HTX_STREAM_PREFIX']}registry.events"
    async with httpx.AsyncClient(timeout=30) as client:
        # The co-op the registry will register next gets id 1; announce its suspension first.
        early = EventEnvelope.wrap(
            CoopStatusChanged(
                coop_id=1, status="suspended", effective_on=date(2025, 3, 1), reason="Chưa nộp báo cáo tài chính"
            ),
            actor="province:test",
        )
        await redis.xadd(stream, early.to_fields())
        letters = await wait_until(
            lambda: _dead_letters(platform), timeout=30, message="the status change to be dead-lettered"
        )
        assert letters[0]["group"] == "supplychain" and "never saw" in letters[0]["reason"]

        coop = (
            await client.post(
                f"{registry}/coops",
                headers=bearer(),
                json={
                    "name": "HTX Chè La Bằng",
                    "registration_code": "E2E-LB-01",
                    "ward_code": "05503",
                    "founded_on": "2012-01-10",
                },
            )
        ).json()
        assert coop["id"] == 1
        await wait_until(
            lambda: _supplychain_knows(client, supplychain, coop["id"]),
            timeout=30,
            message="supplychain to learn the co-op from the stream",
        )

        replay = platform.htx("dlq", "replay", letters[0]["dlq_id"], "--stream", "registry.events")
        assert replay.returncode == 0, replay.stderr
        assert await _dead_letters(platform) == []
        again = platform.htx("dlq", "replay", letters[0]["dlq_id"], "--stream", "registry.events")
        assert again.returncode != 0  # gone: it cannot be applied twice

        member = (
            await client.post(
                f"{registry}/coops/{coop['id']}/members",
                headers=bearer(),
                json={"name": "Lý Thị Mai", "joined_on": "2013-01-01"},
            )
        ).json()
        refused = await client.post(
            f"{supplychain}/harvests",
            headers=bearer(),
            json={
                "coop_id": coop["id"],
                "member_id": member["id"],
                "quantity_kg": "20",
                "harvested_on": f"{YEAR}-05-10",
                "harvest_round": 1,
            },
        )
        assert refused.status_code == 409 and refused.json()["detail"]["code"] == "coop.not_active"


async def _dead_letters(platform: Platform) -> list[dict]:
    listed = platform.htx("dlq", "list", "--stream", "registry.events", "--json")
    assert listed.returncode == 0, listed.stderr
    return json.loads(listed.stdout)


async def _supplychain_knows(client: httpx.AsyncClient, supplychain: str, coop_id: int) -> bool:
    health = (await client.get(f"{supplychain}/health")).json()
    return all(row["lag"] == 0 and row["pending"] == 0 for row in health["consumers"])
