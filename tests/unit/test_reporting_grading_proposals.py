"""The proposal rules of the 15-criteria grading (services.reporting.grading_proposals, ADR 0027):
points rounded down from the figures, nothing above a maximum, nothing from no data."""

from __future__ import annotations

from dataclasses import replace

from services.reporting import grading_proposals as rules
from shared.grading_items import COMPUTED_ITEMS, ITEMS_BY_CODE

YEAR = rules.CoopYear(
    members=40,
    delivering=30,
    purchases=120,
    purchased_g=9_500_000,
    owed_vnd=250_000_000,
    paid_vnd=200_000_000,
    certified_members=12,
    contracts=3,
    partners=2,
)
NOTHING = rules.CoopYear(0, 0, 0, 0, 0, 0, 0, 0, 0)


def points(year: rules.CoopYear) -> dict[str, int]:
    return {p.criterion: p.points for p in rules.propose(year)}


def test_each_computed_criterion_is_proposed_in_the_circulars_order_with_its_maximum():
    proposals = rules.propose(YEAR)
    assert tuple(p.criterion for p in proposals) == COMPUTED_ITEMS
    assert all(p.maximum == ITEMS_BY_CODE[p.criterion].maximum for p in proposals)
    # 8 x 30/40 = 6; 10 x 200/250 = 8; both services: 8; two partners: all 4.
    assert points(YEAR) == {"member_participation": 6, "member_benefit": 8, "member_services": 8, "technology_chain": 4}


def test_points_round_down_and_never_exceed_the_maximum():
    assert points(replace(YEAR, delivering=39))["member_participation"] == 7  # 7.8
    assert points(replace(YEAR, paid_vnd=249_999_999))["member_benefit"] == 9  # 9.99...
    assert points(replace(YEAR, paid_vnd=300_000_000))["member_benefit"] == 10  # paid ahead: capped
    assert points(replace(YEAR, partners=1))["technology_chain"] == 2
    assert points(replace(YEAR, partners=9))["technology_chain"] == 4
    assert points(replace(YEAR, certified_members=0))["member_services"] == 4


def test_no_data_proposes_nothing_and_says_which_rule():
    proposals = {p.criterion: p for p in rules.propose(NOTHING)}
    assert {code: p.points for code, p in proposals.items()} == dict.fromkeys(COMPUTED_ITEMS, 0)
    assert proposals["member_benefit"].rule == "member_benefit.no_purchases"
    assert proposals["member_benefit"].evidence == {"purchases": 0, "purchased_g": 0, "owed_vnd": 0, "paid_vnd": 0}
    assert proposals["member_participation"].evidence == {"members": 0, "delivering": 0}
