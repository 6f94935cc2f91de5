"""Reporting KPI rules without I/O: years, status on a day, counting, targets, the scorecard."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from services.reporting import kpis
from services.reporting.kpis import CertifiedWindow, CoopRecord, Facts, Grading, Plan, StatusChange, Target

PLAN = Plan(
    name="2021–2025",
    first_year=2021,
    last_year=2025,
    targets={
        "new_coops": Target(30, ">=", "year"),
        "new_unions": Target(5, ">=", "plan"),
        "effective_share": Target(0.65, ">", "year"),
    },
)


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
        kpis.parse_plans(
            {
                "plans": [
                    {"name": "x", "first_year": 1, "last_year": 2, "targets": {"t": {"value": 1, "comparison": "=="}}}
                ]
            }
        )


def test_member_figures_split_members_and_workers():
    figures = kpis.member_figures({"official": 5, "worker": 2})
    assert (figures.total, figures.members, figures.workers) == (7, 5, 2)
    assert figures.by_membership == {"official": 5, "associate": 0, "worker": 2}


def _facts(coops: list[CoopRecord]) -> Facts:
    return Facts(
        coops=coops,
        changes=[StatusChange(c.coop_id, "active", c.founded_on, f"{c.coop_id}-0") for c in coops],
        members_by_membership={"official": 3},
        harvest_lots=2,
        harvest_g=1500,
        sales_count=1,
        sales_g=1000,
        sales_vnd=250_000,
        positions={"registry.events": "1-0"},
    )


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


@pytest.mark.parametrize(
    ("comparison", "met"),
    [
        (">=", [False, True, True]),
        (">", [False, False, True]),
        ("<=", [True, True, False]),
        ("<", [True, False, False]),
    ],
)
def test_each_comparison_of_a_target(comparison, met):
    target = Target(5, comparison)
    assert [target.met(value) for value in (4, 5, 6)] == met and target.met(None) is None
    assert kpis.parse_plans({"plans": [{"name": "x", "first_year": 1, "last_year": 2, "targets": {"t": vars(target)}}]})


def test_as_of_is_the_year_end_or_today_while_the_year_runs():
    assert kpis.as_of(2025, date(2026, 3, 15)) == date(2025, 12, 31)
    assert kpis.as_of(2026, date(2026, 3, 15)) == date(2026, 3, 15)
    assert kpis.as_of(2026, date(2026, 12, 31)) == date(2026, 12, 31)
    assert kpis.as_of(2026, None) == date(2026, 12, 31)


def test_a_running_year_counts_coops_on_today_not_on_31_december():
    coops = [CoopRecord(1, "hop_tac_xa", date(2026, 1, 5))]
    changes = [
        StatusChange(1, "active", date(2026, 1, 5), "1-0"),
        StatusChange(1, "suspended", date(2026, 6, 1), "2-0"),
    ]
    facts = _facts(coops)
    facts = Facts(**{**vars(facts), "changes": changes})
    report = kpis.scorecard(2026, None, facts, today=date(2026, 3, 15))
    assert report.as_of == date(2026, 3, 15) and report.coops.by_status["active"] == 1
    assert kpis.scorecard(2026, None, facts).coops.by_status["suspended"] == 1  # as of 31 December


LATER_PLAN = Plan(name="2026–2030", first_year=2026, last_year=2030)


@pytest.mark.parametrize(
    ("latest", "today", "expected"),
    [
        ({"2021–2025": 2024}, date(2026, 3, 15), 2024),  # the latest year with data and a plan
        ({"2021–2025": 2025, "2026–2030": 2026}, date(2026, 3, 15), 2026),
        ({"2021–2025": 2023, "2026–2030": None}, date(2026, 3, 15), 2023),
        ({"2021–2025": None, "2026–2030": None}, date(2026, 3, 15), 2026),  # no data: the latest begun plan year
        ({"2021–2025": None}, date(2026, 3, 15), 2025),
        ({}, date(2019, 3, 15), 2019),  # before any plan: this year
    ],
)
def test_default_year(latest, today, expected):
    plans = [PLAN, LATER_PLAN] if "2026–2030" in latest else [PLAN]
    assert kpis.default_year(plans, latest, today) == expected


def test_reportable_years_stop_at_this_year():
    assert list(kpis.reportable_years(LATER_PLAN, date(2027, 1, 1))) == [2026, 2027]
    assert list(kpis.reportable_years(PLAN, date(2030, 1, 1))) == [2021, 2022, 2023, 2024, 2025]
    assert list(kpis.reportable_years(LATER_PLAN, date(2025, 6, 1))) == []


# ---- grading, income, chain, certificates ---------------------------------------------------


def test_effective_share_leaves_not_graded_out_and_a_regrade_replaces():
    gradings = [
        Grading(1, "tot", "1-0"),
        Grading(2, "trung_binh", "2-0"),
        Grading(3, "not_graded", "3-0"),
        Grading(2, "kha", "10-0"),
        Grading(4, "yeu", "9-0"),
    ]
    figures = kpis.grading_figures(gradings)
    assert (figures.graded, figures.effective, figures.not_graded) == (3, 2, 1)
    assert figures.share == 0.6667 and figures.by_grade["trung_binh"] == 0
    assert kpis.grading_figures([Grading(1, "not_graded", "1-0")]).share is None
    # The highest revision wins even when a stale first grading arrives later (a replayed dead letter).
    assert kpis.grades_in_force([Grading(1, "kha", "5-0", revision=2), Grading(1, "yeu", "9-0")]) == {1: "kha"}


def test_lot_grades_follow_packing_and_leave_mixed_lots_out():
    outputs = [
        ("D1", "móc câu", ["L1"]),
        ("D2", "tôm nõn", ["L1"]),
        ("K1", None, ["D1"]),
        ("K2", None, ["K1"]),
        ("M1", None, ["D1", "D2"]),
        ("X", None, ["unknown"]),
    ]
    assert kpis.lot_grades(outputs) == {"D1": "móc câu", "D2": "tôm nõn", "K1": "móc câu", "K2": "móc câu"}


def test_member_income_averages_over_members_who_sold_and_grows_against_last_year():
    figures = kpis.income_figures({1: 1_619_880, 2: 1_206_000, 4: 405_000, 7: 0}, {1: 500_000, 2: 1_300_000})
    assert figures.average_vnd == 1_076_960 and figures.members_selling == 3
    assert figures.previous_average_vnd == 900_000 and figures.growth == 0.1966
    assert kpis.income_figures({1: 100}, {}).growth is None
    assert kpis.income_figures({}, {1: 100}).average_vnd is None
    assert kpis.average_income({1: 1, 2: 2}) == 2  # 1.5 rounds half to even


def test_chain_shares_count_only_active_coops():
    coops = [
        CoopRecord(1, "hop_tac_xa", date(2010, 1, 1)),
        CoopRecord(2, "hop_tac_xa", date(2024, 12, 31)),
        CoopRecord(3, "hop_tac_xa", date(2020, 1, 1)),
        CoopRecord(4, "lien_hiep", date(2020, 1, 1)),
        CoopRecord(5, "hop_tac_xa", date(2025, 1, 1)),
    ]
    changes = [StatusChange(3, "dissolved", date(2024, 11, 30), "5-0")]
    active = kpis.active_coops(coops, changes, date(2024, 12, 31))
    assert active == {1, 2}
    chain = kpis.chain_figures(active, with_contract={1, 3}, with_sales={1, 2, 5})
    assert (chain.coops, chain.with_contract, chain.with_traced_sales) == (2, 1, 2)
    assert (chain.contract_share, chain.traced_sales_share) == (0.5, 1.0)
    assert kpis.chain_figures(set(), {1}, {1}).contract_share is None


def test_certificate_covers_its_plots_inside_its_window_until_revoked():
    window = CertifiedWindow(frozenset({1, 2}), date(2024, 1, 1), date(2024, 8, 31), revoked_on=date(2024, 7, 1))
    assert window.covers(1, date(2024, 1, 1)) and window.covers(2, date(2024, 6, 30))
    assert not window.covers(1, date(2024, 7, 1))  # withdrawn from the revocation day
    assert not window.covers(3, date(2024, 5, 1)) and not window.covers(1, date(2023, 12, 31))
    plain = CertifiedWindow(frozenset({1}), date(2024, 1, 1), date(2024, 8, 31))
    assert plain.covers(1, date(2024, 8, 31)) and not plain.covers(1, date(2024, 9, 1))
    assert kpis.is_certified(1, date(2024, 5, 1), [window]) and not kpis.is_certified(None, date(2024, 5, 1), [window])


def test_scorecard_reports_the_new_figures_against_targets():
    facts = _facts([CoopRecord(1, "hop_tac_xa", date(2020, 1, 1))])
    facts = Facts(
        **{
            **facts.__dict__,
            "gradings": [Grading(1, "kha", "1-0")],
            "income_by_member": {1: 1_100_000},
            "income_by_member_last_year": {1: 1_000_000},
            "coops_with_contract": {1},
        }
    )
    report = kpis.scorecard(2024, _with_income_target(), facts)
    assert (report.effective_share.value, report.effective_share.met) == (1.0, True)
    assert (report.member_income_growth.value, report.member_income_growth.met) == (0.1, True)
    assert report.contract_share.value == 1.0 and report.contract_share.met is None  # no target in the plan
    assert report.traced_sales_share.value == 0.0


def _with_income_target() -> Plan:
    return Plan(
        name=PLAN.name,
        first_year=PLAN.first_year,
        last_year=PLAN.last_year,
        targets={**PLAN.targets, "member_income_growth": Target(0.10, ">=", "year")},
    )


def test_members_count_only_in_organisations_active_on_the_day():
    changes = [
        StatusChange(1, "active", date(2015, 1, 1), "1-0"),
        StatusChange(2, "active", date(2015, 1, 1), "2-0"),
        StatusChange(2, "dissolved", date(2025, 10, 15), "3-0"),
        StatusChange(3, "suspended", date(2025, 12, 31), "4-0"),
    ]
    by_coop = {(1, "official"): 1, (1, "worker"): 1, (2, "official"): 2, (3, "official"): 4}
    assert kpis.members_on(by_coop, changes, date(2025, 12, 31)) == {"official": 1, "worker": 1}
    # In September co-op 2 was still active and co-op 3 not yet suspended.
    assert kpis.members_on(by_coop, changes, date(2025, 9, 30)) == {"official": 7, "worker": 1}


def test_the_effective_share_is_of_hop_tac_xa_only():
    coops = [CoopRecord(n, "hop_tac_xa", date(2015, 1, 1)) for n in range(1, 7)]
    coops += [CoopRecord(7, "to_hop_tac", date(2015, 1, 1)), CoopRecord(8, "lien_hiep", date(2015, 1, 1))]
    grades = ["tot", "kha", "tot", "kha", "tot", "yeu", "tot", "tot"]
    gradings = [Grading(n, grade, f"{n}-0") for n, grade in enumerate(grades, start=1)]
    assert kpis.grading_figures(gradings).share == 0.875  # 7/8: what the audit found
    htx = kpis.grading_figures(kpis.of_form(gradings, coops))
    assert (htx.effective, htx.graded, htx.share) == (5, 6, 0.8333)


def test_every_figure_has_its_definition_in_both_languages_with_its_days():
    report = kpis.scorecard(2024, PLAN, _facts([CoopRecord(1, "hop_tac_xa", date(2024, 2, 1))]))
    for key in (*kpis.TARGET_FIGURES, "coops", "members", "grading", "member_income", "chain"):
        section = getattr(report, key)
        assert section.definition is not None and section.definition.vi and section.definition.en, key
        assert section.definition.last == date(2024, 12, 31)
    assert "01/01/2024" in report.new_coops.definition.vi and "31/12/2024" in report.new_coops.definition.vi
    assert report.new_unions.definition.first == date(2021, 1, 1)  # the plan's target is for the plan
    assert report.new_unions.definition.forms == ["lien_hiep"] and report.members.definition.forms == list(kpis.FORMS)
    assert "{" not in report.member_income_growth.definition.en and "2023" in report.member_income_growth.definition.en


def test_a_close_freezes_figures_and_targets_and_a_later_difference_is_a_restatement():
    coops = [CoopRecord(i, "hop_tac_xa", date(2024, 1 + i % 12, 1)) for i in range(30)]
    at_close = kpis.scorecard(2024, PLAN, _facts(coops))
    frozen = kpis.closed_figures(at_close)
    assert {row.figure for row in frozen} == set(kpis.CLOSED_FIGURES)
    assert next(row for row in frozen if row.figure == "new_coops").model_dump() == {
        "figure": "new_coops",
        "value": 30,
        "target": 30,
        "comparison": ">=",
    }
    closed_at = datetime(2025, 1, 5, 2, 30, tzinfo=UTC)
    same = kpis.with_close(at_close, frozen, "province:so-nn", closed_at)
    assert same.closed is not None and same.closed.restated is False and same.closed.closed_by == "province"
    # One co-op turns out to be founded in 2023 (a correction): 29 now, the closed 30 and its "met" stand.
    later = kpis.scorecard(2024, PLAN, _facts([*coops[:-1], CoopRecord(99, "hop_tac_xa", date(2023, 5, 1))]))
    restated = kpis.with_close(later, frozen, "province:so-nn", closed_at, reveal_actor=True)
    assert (restated.new_coops.value, restated.new_coops.met) == (30, True)
    assert restated.closed.closed_by == "province:so-nn" and restated.closed.restated is True
    # Only what differs is restated: the organisations are 30 either way.
    assert [r.model_dump() for r in restated.closed.restatements] == [
        {"figure": "new_coops", "frozen": 30, "current": 29, "difference": -1}
    ]
    assert later.new_coops.value == 29  # the live report itself is left as it was


@pytest.mark.parametrize(
    ("frozen", "current", "expected"), [(5, 6, 1), (0.8333, 1.0, 0.1667), (0.5, 0.1, -0.4), (None, 3, None)]
)
def test_a_restatement_difference_is_exact(frozen, current, expected):
    assert kpis.difference(frozen, current) == expected
