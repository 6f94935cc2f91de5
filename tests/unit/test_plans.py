"""Plans as data (ADR 0022) without I/O: what a published plan must say, and how reporting merges
published plans with the shipped ones."""

from __future__ import annotations

from typing import get_args

import pytest
from pydantic import ValidationError

from services.registry.plans.schemas import PlanWrite
from services.reporting import kpis
from services.reporting.kpis import Plan, Target
from shared.events.registry import TARGET_FIGURES, Comparison, PlanTarget
from shared.i18n import translate
from tests.unit.test_reporting_kpis import _facts

SHIPPED = kpis.load_plans()
NEXT = Plan(name="2026–2030", first_year=2026, last_year=2030, targets={"new_coops": Target(40)}, version=1)


def _write(**fields: object) -> PlanWrite:
    return PlanWrite.model_validate({"name": "Kế hoạch 2026–2030", "first_year": 2026, "last_year": 2030} | fields)


def _refusal(**fields: object) -> str:
    with pytest.raises(ValidationError) as caught:
        _write(**fields)
    return " ".join(str(error["msg"]) for error in caught.value.errors())


def test_a_plan_s_key_is_its_years_unless_it_names_one():
    assert SHIPPED[0].key == "2021-2025" and NEXT.key == "2026-2030"
    assert _write().plan_key == "2026-2030" and _write(key="ke-hoach-moi").plan_key == "ke-hoach-moi"
    assert kpis.parse_plans({"plans": [{"name": "x", "first_year": 1, "last_year": 2, "key": "k"}]})[0].key == "k"


def test_a_plan_s_years_are_in_order_and_its_targets_are_figures_of_the_scorecard():
    assert "first year 2031 is after the last year 2030" in _refusal(first_year=2031)
    assert "no figure members, new_coop; targets can be set on: new_coops" in _refusal(
        targets={"new_coop": {"value": 1}, "members": {"value": 1}}
    )
    assert "'>=', '>', '<=' or '<'" in _refusal(targets={"new_coops": {"value": 1, "comparison": "=="}})
    assert "'year' or 'plan'" in _refusal(targets={"new_coops": {"value": 1, "per": "month"}})
    assert "greater than or equal to 1900" in _refusal(first_year=1800)
    assert _write(targets={"effective_share": {"value": 0.7, "comparison": ">"}}).targets == {
        "effective_share": PlanTarget(value=0.7, comparison=">", per="year")
    }


def test_the_refusals_are_told_in_vietnamese_too():
    vi = translate("plan.years_order", "vi", first_year=2031, last_year=2030)
    assert vi == "Năm đầu 2031 sau năm cuối 2030: first_year phải nhỏ hơn hoặc bằng last_year."
    overlap = {"plan": "2028-2032", "first_year": 2028, "last_year": 2032, "other": "2026-2030"}
    overlap |= {"other_name": "Kế hoạch 2026–2030", "other_first": 2026, "other_last": 2030}
    assert "trùng với kế hoạch 2026-2030 “Kế hoạch 2026–2030” (2026–2030)" in translate("plan.overlap", "vi", **overlap)


def test_the_contract_s_vocabulary_is_the_scorecard_s():
    assert set(kpis.COMPARE) == set(get_args(Comparison))
    # Every figure a plan may target gets that target on the scorecard.
    plan = Plan(name="all", first_year=2024, last_year=2024, targets={f: Target(1) for f in TARGET_FIGURES})
    report = kpis.scorecard(2024, plan, _facts([]))
    assert {figure: getattr(report, figure).target for figure in TARGET_FIGURES} == dict.fromkeys(TARGET_FIGURES, 1)


def test_a_published_plan_joins_the_shipped_ones():
    merged = kpis.merge_plans(SHIPPED, [NEXT])
    assert [plan.key for plan in merged] == ["2021-2025", "2026-2030"]
    assert kpis.plan_for(2026, merged) == NEXT and kpis.plan_for(2024, merged) == SHIPPED[0]


def test_a_published_version_of_a_shipped_plan_replaces_it():
    revised = Plan(name="2021–2025 (sửa đổi)", first_year=2021, last_year=2025, targets={}, version=2)
    assert kpis.merge_plans(SHIPPED, [NEXT, revised]) == [revised, NEXT]


def test_a_published_plan_hides_a_shipped_one_it_overlaps():
    """The registry refuses overlaps among published plans but never sees the shipped file."""
    overlapping = Plan(name="2024–2028", first_year=2024, last_year=2028, version=1)
    assert kpis.merge_plans(SHIPPED, [overlapping]) == [overlapping]
    assert kpis.plan_for(2022, kpis.merge_plans(SHIPPED, [overlapping])) is None
