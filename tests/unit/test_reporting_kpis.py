"""Reporting KPI rules without I/O: years, status on a day, counting, targets, the scorecard."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.reporting import kpis
from services.reporting.kpis import CoopRecord, Facts, Plan, StatusChange, Target

PLAN = Plan(name="2021–2025", first_year=2021, last_year=2025, targets={
    "new_coops": Target(30, ">=", "year"),
    "new_unions": Target(5, ">=", "plan"),
    "effective_share": Target(0.65, ">", "year"),
})


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_missing_year(raw):
    with pytest.raises(kpis.InvalidYear) as caught:
        kpis.parse_year(raw)
    assert caught.value.key == "missing"


@pytest.mark.parametrize("raw", ["abc", "2024.5", "-2024", "1899", "2101", "２０２４", "20245"])
def test_invalid_year(raw):
    with pytest.raises(kpis.InvalidYear) as caught:
        kpis.parse_year(raw)
    assert caught.value.key == "invalid" and caught.value.raw == raw


def test_valid_year():
    assert kpis.parse_year(" 2024 ") == 2024
    assert kpis.parse_year("1900") == 1900 and kpis.parse_year("2100") == 2100


def test_entry_ids_order_numerically_not_as_text():
    assert kpis.entry_key("10-0") > kpis.entry_key("9-5")
    assert kpis.entry_key("9-10") > kpis.entry_key("9-9")


def test_grams_round_trip_exactly():
    assert kpis.grams(Decimal("12.345")) == 12345
    assert kpis.kg(12345) == Decimal("12.345")
    assert kpis.kg(kpis.grams(Decimal("0.1")) * 3) == Decimal("0.300")  # no float drift


def test_status_on_a_day_uses_effective_dates_and_stream_order_on_ties():
    changes = [
        StatusChange(1, "active", date(2020, 1, 1), "5-0"),
        StatusChange(1, "suspended", date(2024, 6, 1), "9-0"),
        StatusChange(1, "dissolved", date(2025, 1, 1), "12-0"),  # after the year end
        StatusChange(2, "active", date(2024, 3, 1), "10-0"),
        StatusChange(2, "dissolved", date(2024, 12, 31), "11-0"),
        StatusChange(2, "active", date(2024, 12, 31), "9-0"),  # same day, earlier in the stream
    ]
    assert kpis.statuses_on(changes, date(2024, 12, 31)) == {1: "suspended", 2: "dissolved"}
    assert kpis.statuses_on(changes, date(2024, 5, 31)) == {1: "active", 2: "active"}
    assert kpis.statuses_on(changes, date(2019, 12, 31)) == {}


def test_coop_figures_count_founded_by_year_end_with_status_that_day():
    coops = [
        CoopRecord(1, "hop_tac_xa", date(2020, 1, 1)),
        CoopRecord(2, "hop_tac_xa", date(2024, 12, 31)),  # founded on the last day: counts
        CoopRecord(3, "lien_hiep", date(2022, 5, 5)),
        CoopRecord(4, "to_hop_tac", date(2025, 1, 1)),  # next year: not yet
    ]
    changes = [
        StatusChange(1, "active", date(2020, 1, 1), "1-0"),
        StatusChange(2, "active", date(2024, 12, 31), "2-0"),
        StatusChange(3, "active", date(2022, 5, 5), "3-0"),
        StatusChange(3, "dissolved", date(2024, 7, 1), "4-0"),
        StatusChange(4, "active", date(2025, 1, 1), "5-0"),
    ]
    figures = kpis.coop_figures(coops, changes, date(2024, 12, 31))
    assert figures.total == 3
    assert figures.by_status == {"active": 2, "suspended": 0, "dissolved": 1}
    assert figures.by_form["hop_tac_xa"].model_dump() == {"total": 2, "active": 2, "suspended": 0, "dissolved": 0}
    assert figures.by_form["lien_hiep"].model_dump() == {"total": 1, "active": 0, "suspended": 0, "dissolved": 1}
    assert figures.by_form["to_hop_tac"].total == 0


def test_founded_between_is_inclusive_of_both_ends_and_form_specific():
    coops = [
        CoopRecord(1, "hop_tac_xa", date(2024, 1, 1)),
        CoopRecord(2, "hop_tac_xa", date(2024, 12, 31)),
        CoopRecord(3, "hop_tac_xa", date(2023, 12, 31)),
        CoopRecord(4, "to_hop_tac", date(2024, 6, 1)),
    ]
    assert kpis.founded_between(coops, "hop_tac_xa", date(2024, 1, 1), date(2024, 12, 31)) == 2


def test_targets_compare_as_the_plan_says():
    assert Target(30, ">=").met(30) is True and Target(30, ">=").met(29) is False
    assert Target(0.65, ">").met(0.65) is False and Target(0.65, ">").met(0.66) is True
    assert Target(30).met(None) is None


def test_plans_are_data_and_cover_their_period():
    plans = kpis.load_plans()
    plan = kpis.plan_for(2023, plans)
    assert plan is not None and (plan.first_year, plan.last_year) == (2021, 2025)
    assert plan.targets["new_coops"] == Target(30, ">=", "year")
    assert plan.targets["new_unions"] == Target(5, ">=", "plan")
    assert plan.targets["effective_share"] == Target(0.65, ">", "year")
    assert plan.targets["member_income_growth"] == Target(0.10, ">=", "year")
    assert kpis.plan_for(2026, plans) is None
    with pytest.raises(ValueError):
        kpis.parse_plans({"plans": [{"name": "x", "first_year": 1, "last_year": 2,
                                     "targets": {"t": {"value": 1, "comparison": "=="}}}]})


def test_member_figures_split_members_and_workers():
    figures = kpis.member_figures({"official": 5, "worker": 2})
    assert (figures.total, figures.members, figures.workers) == (7, 5, 2)
    assert figures.by_membership == {"official": 5, "associate": 0, "worker": 2}


def _facts(coops: list[CoopRecord]) -> Facts:
    return Facts(coops=coops, changes=[StatusChange(c.coop_id, "active", c.founded_on, f"{c.coop_id}-0") for c in coops],
                 members_by_membership={"official": 3}, harvest_lots=2, harvest_g=1500, sales_count=1,
                 sales_g=1000, sales_vnd=250_000, positions={"registry.events": "1-0"})


def test_scorecard_against_plan_targets():
    coops = [CoopRecord(i, "hop_tac_xa", date(2024, 1 + i % 12, 1)) for i in range(30)]
    coops += [CoopRecord(100, "lien_hiep", date(2021, 3, 1)), CoopRecord(101, "lien_hiep", date(2024, 3, 1))]
    report = kpis.scorecard(2024, PLAN, _facts(coops))
    assert report.as_of == date(2024, 12, 31)
    assert (report.new_coops.value, report.new_coops.target, report.new_coops.met) == (30, 30, True)
    assert report.new_coops.since == date(2024, 1, 1)
    # Unions count over the plan period so far, against the period's target.
    assert (report.new_unions.value, report.new_unions.met, report.new_unions.since) == (2, False, date(2021, 1, 1))
    assert report.effective_share.value is None and report.effective_share.met is None
    assert report.effective_share.available is False and report.effective_share.target == 0.65
    assert report.harvest.kg == Decimal("1.500") and report.sales.amount_vnd == 250_000
    assert report.members.total == 3 and report.plan.name == "2021–2025"


def test_scorecard_one_short_of_target_and_without_plan():
    coops = [CoopRecord(i, "hop_tac_xa", date(2024, 5, 1)) for i in range(29)]
    assert kpis.scorecard(2024, PLAN, _facts(coops)).new_coops.met is False
    outside = kpis.scorecard(2030, None, _facts(coops))
    assert outside.plan is None and outside.new_coops.target is None and outside.new_coops.met is None
    assert outside.new_coops.value == 0  # none founded in 2030
