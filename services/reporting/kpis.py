"""Provincial KPI rules, pure: no I/O, so every rule is unit-tested on its own.

Definitions (dates are Vietnam calendar dates taken from event payloads, never from
`occurred_at`, so a co-op founded on 31 December counts in that year):

- co-ops at the year end: founded on or before 31 December, with the status in force that
  day (the latest status whose `effective_on` is on or before it);
- new co-ops: hợp tác xã founded from 1 January through 31 December;
- new unions: liên hiệp founded from the plan's first day (or 1 January without a plan);
- members and workers: joined on or before 31 December and not left before it (a member
  is a member through their `left_on` day, as `MemberLeft` says).

What the metrics mean is code; what the province aims for is data (`targets.json`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Literal, get_args

from shared.events.registry import CoopStatus, Membership, OrganisationForm
from services.reporting.models import (
    CoopFigures, Figure, HarvestFigures, KpiReport, MemberFigures, PlanRef, SalesFigures, StatusCounts,
)

YEAR_MIN, YEAR_MAX = 1900, 2100
FORMS: tuple[str, ...] = get_args(OrganisationForm)
STATUSES: tuple[str, ...] = get_args(CoopStatus)
MEMBERSHIPS: tuple[str, ...] = get_args(Membership)
NEW_COOP_FORM = "hop_tac_xa"
UNION_FORM = "lien_hiep"
DEFAULT_TARGETS_FILE = Path(__file__).with_name("targets.json")

GRAM = Decimal("0.001")


class InvalidYear(ValueError):
    """The `year` asked for is missing or not a calendar year we report on."""

    def __init__(self, key: Literal["missing", "invalid"], raw: str | None = None) -> None:
        super().__init__(key)
        self.key = key
        self.raw = raw


def parse_year(raw: str | None) -> int:
    if raw is None or not raw.strip():
        raise InvalidYear("missing")
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or not YEAR_MIN <= int(text) <= YEAR_MAX:
        raise InvalidYear("invalid", raw)
    return int(text)


@dataclass(frozen=True)
class YearWindow:
    year: int

    @property
    def first(self) -> date:
        return date(self.year, 1, 1)

    @property
    def last(self) -> date:
        return date(self.year, 12, 31)


def entry_key(entry_id: str) -> tuple[int, int]:
    """Stream order of a Redis entry id ("1700000000000-3"); string order is wrong ("9-0" > "10-0")."""
    millis, _, seq = entry_id.partition("-")
    return int(millis), int(seq or 0)


def grams(kg: Decimal) -> int:
    return int((Decimal(kg) * 1000).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def kg(grams_: int) -> Decimal:
    return (Decimal(grams_) / 1000).quantize(GRAM)


@dataclass(frozen=True)
class CoopRecord:
    coop_id: int
    form: str
    founded_on: date


@dataclass(frozen=True)
class StatusChange:
    coop_id: int
    status: str
    effective_on: date
    entry_id: str


def statuses_on(changes: Iterable[StatusChange], day: date) -> dict[int, str]:
    """Each co-op's status in force on `day`: the latest change effective by then, in stream order on ties."""
    latest: dict[int, StatusChange] = {}
    for change in changes:
        if change.effective_on > day:
            continue
        current = latest.get(change.coop_id)
        if current is None or (change.effective_on, entry_key(change.entry_id)) > (
            current.effective_on, entry_key(current.entry_id)
        ):
            latest[change.coop_id] = change
    return {coop_id: change.status for coop_id, change in latest.items()}


def coop_figures(coops: Iterable[CoopRecord], changes: Iterable[StatusChange], day: date) -> CoopFigures:
    status = statuses_on(changes, day)
    by_form = {form: StatusCounts() for form in FORMS}
    by_status = dict.fromkeys(STATUSES, 0)
    total = 0
    for coop in coops:
        if coop.founded_on > day:
            continue
        # A co-op with no status yet (its registration event not applied) counts as registered.
        state = status.get(coop.coop_id, "active")
        counts = by_form.setdefault(coop.form, StatusCounts())
        counts.total += 1
        setattr(counts, state, getattr(counts, state) + 1)
        by_status[state] = by_status.get(state, 0) + 1
        total += 1
    return CoopFigures(total=total, by_status=by_status, by_form=by_form)


def founded_between(coops: Iterable[CoopRecord], form: str, first: date, last: date) -> int:
    return sum(1 for coop in coops if coop.form == form and first <= coop.founded_on <= last)


def member_figures(by_membership: Mapping[str, int]) -> MemberFigures:
    counts = {kind: 0 for kind in MEMBERSHIPS} | dict(by_membership)
    workers = counts.get("worker", 0)
    total = sum(counts.values())
    return MemberFigures(total=total, members=total - workers, workers=workers, by_membership=counts)


# ---- targets ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    value: int | float
    comparison: Literal[">=", ">"] = ">="
    per: Literal["year", "plan"] = "year"

    def met(self, value: int | float | None) -> bool | None:
        if value is None:
            return None
        return value >= self.value if self.comparison == ">=" else value > self.value


@dataclass(frozen=True)
class Plan:
    name: str
    first_year: int
    last_year: int
    targets: dict[str, Target] = field(default_factory=dict)

    def covers(self, year: int) -> bool:
        return self.first_year <= year <= self.last_year


def parse_plans(document: Mapping) -> list[Plan]:
    plans = [
        Plan(
            name=item["name"], first_year=int(item["first_year"]), last_year=int(item["last_year"]),
            targets={key: Target(**value) for key, value in item.get("targets", {}).items()},
        )
        for item in document.get("plans", [])
    ]
    for plan in plans:
        for target in plan.targets.values():
            if target.comparison not in (">=", ">") or target.per not in ("year", "plan"):
                raise ValueError(f"bad target in plan {plan.name!r}: {target}")
    return plans


def load_plans(path: Path | str | None = None) -> list[Plan]:
    """Read the plan periods and their targets (the default file ships with the service)."""
    return parse_plans(json.loads(Path(path or DEFAULT_TARGETS_FILE).read_text(encoding="utf-8")))


def plan_for(year: int, plans: Iterable[Plan]) -> Plan | None:
    return next((plan for plan in plans if plan.covers(year)), None)


def figure(value: int | float | None, target: Target | None, *, since: date | None = None,
           note: str | None = None) -> Figure:
    return Figure(
        value=value, target=target.value if target else None, comparison=target.comparison if target else None,
        met=target.met(value) if target else None, since=since, available=value is not None, note=note,
    )


# ---- the scorecard ------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What the read model holds for one year, already narrowed by the database."""

    coops: list[CoopRecord]
    changes: list[StatusChange]
    members_by_membership: dict[str, int]
    harvest_lots: int
    harvest_g: int
    sales_count: int
    sales_g: int
    sales_vnd: int
    positions: dict[str, str]


def scorecard(year: int, plan: Plan | None, facts: Facts) -> KpiReport:
    window = YearWindow(year)
    targets = plan.targets if plan else {}
    union_target = targets.get("new_unions")
    unions_since = date(plan.first_year, 1, 1) if plan and union_target and union_target.per == "plan" else window.first
    return KpiReport(
        year=year,
        as_of=window.last,
        plan=PlanRef(name=plan.name, first_year=plan.first_year, last_year=plan.last_year) if plan else None,
        coops=coop_figures(facts.coops, facts.changes, window.last),
        new_coops=figure(founded_between(facts.coops, NEW_COOP_FORM, window.first, window.last),
                         targets.get("new_coops"), since=window.first),
        new_unions=figure(founded_between(facts.coops, UNION_FORM, unions_since, window.last),
                          union_target, since=unions_since),
        effective_share=figure(None, targets.get("effective_share"),
                               note="needs performance gradings (Tốt/Khá), not on the streams yet"),
        members=member_figures(facts.members_by_membership),
        harvest=HarvestFigures(lots=facts.harvest_lots, kg=kg(facts.harvest_g)),
        sales=SalesFigures(count=facts.sales_count, kg=kg(facts.sales_g), amount_vnd=facts.sales_vnd),
        member_income_growth=figure(None, targets.get("member_income_growth"),
                                    note="needs co-op purchases from member households, not on the streams yet; "
                                         "harvest and sales totals stand in meanwhile"),
        positions=facts.positions,
    )
