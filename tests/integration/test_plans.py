"""Plans as data (issue 13 item 4, ADR 0022), on SQLite and PostgreSQL with real Redis: the province
publishes the 2026–2030 plan through the registry, each change a new version with who and when;
reporting's scorecard picks it up from the stream, keeps it through a rebuild, and verify agrees;
refusals (403, 409, 422) write nothing; `htx plan load` publishes a file once however often it runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date

import httpx
from fastapi import FastAPI
from sqlmodel import col, func, select
from typer.testing import CliRunner

from htx.cli import app as cli
from services.registry.app import create_app as create_registry
from services.registry.plans.tables import PlanVersion
from services.reporting.app import create_app as create_reporting
from services.reporting.verify import verify
from shared.auth import issue_token
from shared.messaging.outbox import OutboxMessage
from tests.integration.test_reporting_rebuild import rebuilt
from tests.support import TEST_SECRET, bearer, running_app, served, service_settings, wait_until

TODAY = date(2026, 6, 1)  # the first plan has ended, the next one runs
PLAN = {
    "name": "Kế hoạch phát triển kinh tế tập thể tỉnh Thái Nguyên giai đoạn 2026–2030",
    "first_year": 2026,
    "last_year": 2030,
    "targets": {
        "new_coops": {"value": 40, "comparison": ">=", "per": "year"},
        "effective_share": {"value": 0.7, "comparison": ">", "per": "year"},
    },
}
VERSIONS = "/plans/2026-2030/versions"


@dataclass
class Province:
    apps: dict[str, FastAPI]
    registry: httpx.AsyncClient
    reporting: httpx.AsyncClient

    async def plan_rows(self) -> tuple[int, int]:
        """Plan versions in the registry and plan events in its outbox."""
        async with self.apps["registry"].state.runtime.read_sessions() as session:
            versions = (await session.exec(select(func.count()).select_from(PlanVersion))).one()
            events = (
                await session.exec(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(col(OutboxMessage.event_type) == "registry.plan_published")
                )
            ).one()
        return versions, events

    async def scorecard_shows(self, version: int, new_coops_target: int) -> dict:
        async def shown():
            report = (await self.reporting.get("/kpis", params={"year": 2026})).json()
            plan = report["plan"]
            if plan and plan["version"] == version and report["new_coops"]["target"] == new_coops_target:
                return report
            return None

        return await wait_until(shown, message=f"the scorecard to show version {version} of the 2026–2030 plan")


@contextlib.asynccontextmanager
async def province(database_url_factory, redis_url, stream_prefix) -> AsyncIterator[Province]:
    common = {"redis_url": redis_url, "stream_prefix": stream_prefix}
    apps = {
        "registry": create_registry(service_settings(database_url=await database_url_factory("registry"), **common)),
        "reporting": create_reporting(
            service_settings(database_url=await database_url_factory("reporting"), **common), today=lambda: TODAY
        ),
    }
    async with running_app(apps["registry"]) as registry, running_app(apps["reporting"]) as reporting:
        yield Province(apps, registry, reporting)


def _account_token(account_id: int) -> dict[str, str]:
    token = issue_token(TEST_SECRET, subject="tinh.lan", role="province", account_id=account_id)
    return {"Authorization": f"Bearer {token}"}


async def test_the_province_publishes_the_next_plan_and_the_scorecard_follows_its_versions(
    database_url_factory, redis_url, stream_prefix
):
    async with province(database_url_factory, redis_url, stream_prefix) as chain:
        shipped = (await chain.reporting.get("/kpis", params={"year": 2026})).json()
        assert shipped["plan"] is None and shipped["new_coops"]["target"] is None  # only 2021–2025 ships
        assert (await chain.reporting.get("/kpis", params={"year": 2024})).json()["plan"]["key"] == "2021-2025"

        created = await chain.registry.post("/plans", json=PLAN, headers=_account_token(7))
        assert created.status_code == 201, created.text
        assert created.json()["key"] == "2026-2030" and created.json()["version"] == 1
        first = await chain.scorecard_shows(version=1, new_coops_target=40)
        assert first["plan"]["name"] == PLAN["name"] and first["effective_share"]["comparison"] == ">"
        # Without ?year the scorecard answers the default year: no data yet, so the latest begun plan year.
        default = await chain.reporting.get("/kpis")
        assert default.status_code == 200 and default.json()["year"] == 2026
        assert default.json()["plan"]["key"] == "2026-2030"

        changed = {**PLAN, "targets": {**PLAN["targets"], "new_coops": {"value": 45}}, "note": "Quyết định 12/QĐ-UBND"}
        put = await chain.registry.put("/plans/2026-2030", json=changed, headers=bearer())
        assert put.status_code == 201, put.text
        assert put.json()["version"] == 2 and put.json()["note"] == "Quyết định 12/QĐ-UBND"
        again = await chain.registry.put("/plans/2026-2030", json=changed, headers=bearer())
        assert again.status_code == 200 and again.json()["version"] == 2  # the same plan: no third version
        assert await chain.plan_rows() == (2, 2)
        await chain.scorecard_shows(version=2, new_coops_target=45)

        # The province sees who made each version (role and account), the public only what and when.
        versions = (await chain.registry.get(VERSIONS, headers=bearer())).json()
        assert [(v["version"], v["targets"]["new_coops"]["value"]) for v in versions] == [(1, 40), (2, 45)]
        assert [(v["changed_by"], v["changed_by_account_id"]) for v in versions] == [
            ("province", 7),
            ("province", None),
        ]
        assert all(v["changed_at"] for v in versions) and versions[0]["changed_at"] <= versions[1]["changed_at"]
        public = (await chain.registry.get(VERSIONS)).json()
        assert [(v["changed_by"], v["changed_by_account_id"]) for v in public] == [(None, None), (None, None)]
        assert "tinh.lan" not in json.dumps(public) and "tinh.lan" not in json.dumps(versions)
        listed = (await chain.registry.get("/plans")).json()
        assert [(p["key"], p["version"]) for p in listed] == [("2026-2030", 2)]

        # The read model is rebuilt from the streams: the plan comes back with it; verify agrees.
        await rebuilt(chain.reporting)
        await chain.scorecard_shows(version=2, new_coops_target=45)
        checked = await verify(chain.apps["reporting"].state.runtime.read_sessions, chain.registry, None)
        assert checked.ok, checked.render()
        assert checked.compared["registry"]["plan.2026-2030"] == 2


async def test_refusals_write_nothing_and_say_what_to_do(database_url_factory, redis_url, stream_prefix):
    async with province(database_url_factory, redis_url, stream_prefix) as chain:
        once = {**bearer(), "Idempotency-Key": "plan-2026-2030-a"}
        created = await chain.registry.post("/plans", json=PLAN, headers=once)
        assert created.status_code == 201, created.text
        retried = await chain.registry.post("/plans", json=PLAN, headers=once)  # the answer was lost: sent again
        assert retried.status_code == 201 and retried.headers["idempotent-replayed"] == "true"
        assert retried.json() == created.json() and await chain.plan_rows() == (1, 1)

        for role, scope in (("coop", {"coop_id": 1}), ("buyer", {"partner_id": 1})):
            refused = await chain.registry.put("/plans/2031-2035", json=PLAN, headers=bearer(role, **scope))
            assert refused.status_code == 403 and refused.json()["detail"]["code"] == "auth.role"
        assert (await chain.registry.post("/plans", json=PLAN)).status_code == 401

        taken = await chain.registry.post("/plans", json=PLAN, headers={**bearer(), "Accept-Language": "en"})
        assert taken.status_code == 409 and "PUT /plans/2026-2030" in taken.json()["detail"]["message"]
        overlapping = {**PLAN, "first_year": 2030, "last_year": 2034}
        overlap = await chain.registry.post("/plans", json=overlapping, headers=bearer())
        assert overlap.status_code == 409 and overlap.json()["detail"]["code"] == "plan.overlap"
        assert "trùng với kế hoạch 2026-2030" in overlap.json()["detail"]["message"]
        english = await chain.registry.post("/plans", json=overlapping, headers={**bearer(), "Accept-Language": "en"})
        assert "overlap plan 2026-2030" in english.json()["detail"]["message"]

        async def unprocessable(body: dict, language: str = "vi") -> str:
            answer = await chain.registry.put(
                "/plans/2031-2035", json=body, headers={**bearer(), "Accept-Language": language}
            )
            assert answer.status_code == 422, answer.text
            return " ".join(item["msg"] for item in answer.json()["detail"])

        later = {**PLAN, "first_year": 2031, "last_year": 2035}
        assert "first_year phải nhỏ hơn hoặc bằng last_year" in await unprocessable({**later, "first_year": 2036})
        assert "first_year must be at most last_year" in await unprocessable({**later, "first_year": 2036}, "en")
        unknown = {**later, "targets": {"new_coop": {"value": 3}}}
        assert "không có chỉ tiêu new_coop" in await unprocessable(unknown)
        assert "no figure new_coop; targets can be set on: new_coops," in await unprocessable(unknown, "en")
        assert "'>='" in await unprocessable({**later, "targets": {"new_coops": {"value": 3, "comparison": "=>"}}})
        assert "'year'" in await unprocessable({**later, "targets": {"new_coops": {"value": 3, "per": "month"}}})
        mismatch = await chain.registry.put("/plans/2031-2035", json={**later, "key": "2036-2040"}, headers=bearer())
        assert mismatch.status_code == 422 and mismatch.json()["detail"]["code"] == "plan.key_mismatch"
        absent = await chain.registry.get("/plans/2031-2035/versions", headers={"Accept-Language": "en"})
        assert (
            absent.status_code == 404 and absent.json()["detail"]["message"] == "No plan 2031-2035 has been published."
        )
        assert await chain.plan_rows() == (1, 1)
        report = (await chain.reporting.get("/kpis", params={"year": 2026})).json()
        assert report["plan"] is None or report["plan"]["version"] == 1  # whether or not it has arrived yet


async def test_htx_plan_load_publishes_a_file_once_however_often_it_runs(registry_app_factory, monkeypatch, tmp_path):
    monkeypatch.setenv("HTX_SECRET_KEY", TEST_SECRET)
    plans = tmp_path / "plans.json"
    later = {**PLAN, "key": "2031-2035", "first_year": 2031, "last_year": 2035, "targets": {}}
    plans.write_text(json.dumps({"plans": [PLAN, later]}, ensure_ascii=False), encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"plans": [{**PLAN, "targets": {"nope": {"value": 1}}}]}), encoding="utf-8")
    app = await registry_app_factory()
    async with running_app(app) as client, served(app) as registry_url:
        monkeypatch.setenv("HTX_REGISTRY_URL", registry_url)

        def load(path, *options: str):
            arguments = ["plan", "load", str(path), "--data-dir", str(tmp_path), *options]
            return asyncio.to_thread(CliRunner().invoke, cli, arguments)

        first = await load(plans, "--note", "Nghị quyết 05")
        assert first.exit_code == 0, first.output
        assert "plan 2026-2030 2026–2030: published version 1" in first.output
        assert "plan 2031-2035 2031–2035: published version 1" in first.output
        second = await load(plans)
        assert second.exit_code == 0, second.output
        assert "plan 2026-2030 2026–2030: unchanged (version 1)" in second.output
        refused = await load(bad)
        assert refused.exit_code == 2 and "nope" in refused.output
        missing = await load(tmp_path / "absent.json")
        assert missing.exit_code == 2

        listed = (await client.get("/plans")).json()
        assert [(p["key"], p["version"], p["note"]) for p in listed] == [
            ("2026-2030", 1, "Nghị quyết 05"),
            ("2031-2035", 1, "Nghị quyết 05"),
        ]
        assert listed[0]["name"] == PLAN["name"]  # diacritics round-trip
