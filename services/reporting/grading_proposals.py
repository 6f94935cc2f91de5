"""Grading proposals: the points the platform proposes, from its own data, for the criteria of
Circular 01/2020 it can see (ADR 0027), each with the rule that gave them and the figures it read.
The officer records the grading in the registry with these prefilled; a changed one needs a reason.

Pure functions over plain values: the figures come from `score_sheets.coop_year`. Points are
whole numbers rounded down (a proposal never gives more than the data shows), by integer
arithmetic so that SQLite and PostgreSQL give the same answer.

What the platform cannot see is not proposed: capital, assets, funds, training, awards ... are
entered by the officer from the co-op's report. Criterion 9 is technology, brand *and* value chain;
only the value-chain part is visible here, so its proposal says so in its rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from shared.grading_items import COMPUTED_ITEMS, ITEMS_BY_CODE

Evidence = dict[str, int | str | None]


@dataclass(frozen=True)
class CoopYear:
    """A co-op's year as the read model knows it (members exclude workers: they are not owners)."""

    members: int  # members at some day of the year
    delivering: int  # of them, those the co-op bought a lot from in the year
    purchases: int
    purchased_g: int
    owed_vnd: int  # what the year's purchases owe the households
    paid_vnd: int  # what the co-op paid its households in the year (voided payments left out)
    certified_members: int  # members with a plot under a certificate valid during the year
    contracts: int  # value-chain contracts in force during the year
    partners: int  # distinct partners of those contracts


@dataclass(frozen=True)
class Proposal:
    criterion: str
    points: int
    maximum: int
    rule: str
    evidence: Evidence


def _scaled(maximum: int, part: int, whole: int) -> int:
    """`maximum` × part / whole, rounded down; nothing when the whole is nothing."""
    return maximum * min(part, whole) // whole if whole > 0 else 0


def member_participation(year: CoopYear, maximum: int) -> tuple[int, str, Evidence]:
    """Criterion 10: the share of members who delivered produce to the co-op in the year."""
    evidence: Evidence = {"members": year.members, "delivering": year.delivering}
    return _scaled(maximum, year.delivering, year.members), "member_participation.share_delivering", evidence


def member_benefit(year: CoopYear, maximum: int) -> tuple[int, str, Evidence]:
    """Criterion 11: what the co-op paid its households against what the year's purchases owed them."""
    evidence: Evidence = {
        "purchases": year.purchases,
        "purchased_g": year.purchased_g,
        "owed_vnd": year.owed_vnd,
        "paid_vnd": year.paid_vnd,
    }
    if year.purchases == 0:
        return 0, "member_benefit.no_purchases", evidence
    return _scaled(maximum, year.paid_vnd, year.owed_vnd), "member_benefit.paid_share", evidence


def member_services(year: CoopYear, maximum: int) -> tuple[int, str, Evidence]:
    """Criterion 12: how many of the two services the platform sees the co-op give its members:
    buying their produce, and certification covering their plots; each is half the points."""
    kinds = (year.purchases > 0) + (year.certified_members > 0)
    evidence: Evidence = {"purchases": year.purchases, "certified_members": year.certified_members, "services": kinds}
    return _scaled(maximum, kinds, 2), "member_services.kinds_of_two", evidence


def value_chain(year: CoopYear, maximum: int) -> tuple[int, str, Evidence]:
    """Criterion 9, its value-chain part: partners under contract in the year; one gives half the
    points, two or more all of them. Technology and brand are not seen here: the officer adds them."""
    evidence: Evidence = {"contracts": year.contracts, "partners": year.partners}
    return _scaled(maximum, min(year.partners, 2), 2), "technology_chain.partners_under_contract", evidence


RULES: dict[str, Callable[[CoopYear, int], tuple[int, str, Evidence]]] = {
    "technology_chain": value_chain,
    "member_participation": member_participation,
    "member_benefit": member_benefit,
    "member_services": member_services,
}
assert tuple(RULES) == COMPUTED_ITEMS


def propose(year: CoopYear) -> list[Proposal]:
    """The proposal for each criterion the platform computes, in the circular's order."""
    proposals = []
    for code, rule in RULES.items():
        maximum = ITEMS_BY_CODE[code].maximum
        points, applied, evidence = rule(year, maximum)
        proposals.append(Proposal(code, points, maximum, applied, evidence))
    return proposals
