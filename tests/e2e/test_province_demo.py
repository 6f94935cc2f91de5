"""`htx demo province` at a small scale into real processes: everything generated arrives, reporting
agrees with the producers (`htx reporting verify`), the scorecard has a target and a trend for every
figure, and a second load adds nothing and does not fail."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from typer.testing import CliRunner

from htx.cli import app
from htx.province import PLAN_YEARS, SEASONS
from services.reporting.verify import run
from shared.events.registry import TARGET_FIGURES
from tests.e2e.province_stack import SCALE, TEST_SECRET, ProvinceStack, start_stack
from tests.support import bearer, unique


@pytest.fixture(scope="module")
def stack(tmp_path_factory, redis_url) -> Iterator[ProvinceStack]:
    yield from start_stack(tmp_path_factory.mktemp("province"), redis_url, unique("prov") + ":")


def test_everything_generated_arrives(stack: ProvinceStack):
    province, report = stack.province, stack.first_load
    added = {phase.name: phase.written for phase in report.phases}
    assert added["organisations"] == len(province.organisations)
    assert added["members and workers"] == province.members
    assert added["harvest rounds"] == sum(len(o.rounds) for o in province.organisations)
    assert added["gradings"] == sum(len(o.gradings) for o in province.organisations)
    assert report.chain_events == province.chain_events()
    totals = httpx.get(
        f"{stack.urls['supplychain']}/totals",
        params={"from": f"{SEASONS[0]}-01-01", "to": f"{SEASONS[-1]}-12-31"},
        headers=bearer("province"),
    ).json()
    assert totals["harvests"]["lots"] == len(province.harvests())
    assert totals["purchases"]["count"] == len(province.harvests())


def test_reporting_verify_passes_after_the_load(stack: ProvinceStack):
    result = asyncio.run(run(stack.reporting_database, stack.urls["registry"], stack.urls["supplychain"], TEST_SECRET))
    assert result.ok, result.render()
    assert "supplychain 2025" in result.render()


def test_every_figure_has_a_target_and_a_value_in_each_plan_year(stack: ProvinceStack):
    for year in PLAN_YEARS:
        kpis = httpx.get(f"{stack.urls['reporting']}/kpis", params={"year": year}).json()
        assert kpis["plan"]["version"] == 1, kpis["plan"]
        for key in TARGET_FIGURES:
            assert kpis[key]["target"] is not None, (year, key)
            assert kpis[key]["value"] is not None, (year, key)
    growth = httpx.get(f"{stack.urls['reporting']}/kpis", params={"year": 2025}).json()["member_income_growth"]
    assert 0.05 < growth["value"] < 0.2  # near the 13 % chosen for 2025


def test_a_second_load_adds_nothing(stack: ProvinceStack):
    again = stack.load()
    assert again.added() == 0, again.summary(stack.province)
    assert again.chain_events == 0
    assert sum(phase.found for phase in again.phases) >= stack.first_load.added()


def test_the_command_finds_the_stack_and_says_what_it_did(stack: ProvinceStack, tmp_path):
    """`htx demo province`, as an operator runs it: the province is there, so it adds nothing and says so."""
    env = {f"HTX_{name.upper()}_URL": url for name, url in stack.urls.items()} | {"HTX_SECRET_KEY": TEST_SECRET}
    arguments = ["demo", "province", "--scale", str(SCALE), "--no-progress", "--data-dir", str(tmp_path)]
    result = CliRunner().invoke(app, arguments, env=env)
    assert result.exit_code == 0, result.output
    assert "this run added 0 (0 chain events)" in result.output
    assert f"{len(stack.province.organisations)} organisations" in result.output
    assert f"{stack.urls['reporting']}/dashboard" in result.output


def test_the_command_refuses_a_scale_out_of_range(tmp_path):
    result = CliRunner().invoke(app, ["demo", "province", "--scale", "2", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2 and "--scale" in result.output
