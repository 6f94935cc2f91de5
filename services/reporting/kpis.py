"""Provincial KPI rules, pure: no I/O, so every rule is unit-tested on its own.

Definitions (dates are Vietnam calendar dates taken from event payloads, never from
`occurred_at`, so a co-op founded on 31 December counts in that year):

- the day a year's figures stand at (`as_of`): 31 December, or today while the year runs, never
  a day to come; "at the year end" below means that day;
- co-ops at the year end: founded on or before 31 December, with the status in force that
  day (the latest status whose `effective_on` is on or before it);
- new co-ops: hợp tác xã founded from 1 January through 31 December;
- new unions: liên hiệp founded from the plan's first day (or 1 January without a plan);
- members and workers: joined on or before 31 December and not left before it (a member
  is a member through their `left_on` day, as `MemberLeft` says), of organisations active that
  day: a co-op dissolved (or suspended) in October has no members on 31 December;
- effective share: among the hợp tác xã graded for the year (`CoopGraded`; the highest
  revision of one co-op and year is in force, later in the stream on ties), those graded Tốt or Khá; co-ops
  `not_graded` are left out of the denominator; no graded co-op means no figure. Tổ hợp tác and
  liên hiệp are not counted: the plan's target is a share of hợp tác xã, as the dashboard's label says;
- member income: what co-ops paid member households for their lots (`LotPurchased.amount_vnd`)
  purchased in the year, summed per member, averaged over the members who sold at least once
  that year (whole VND, half to even). Growth is this year's average over last year's, less
  one; no figure when last year had no purchase. Workers' wages are not on the streams, so the
  average is the members' income from the chain, earned when the co-op buys. What the co-ops
  actually paid out in the year (`HouseholdPaid` by payment date, voided payments left out,
  whichever year's purchases they settle) is `paid_vnd` beside it: the cash members received;
- chain linkage: among hợp tác xã active on 31 December, the share with a chain contract
  (`ChainContractSigned`) valid on some day of the year, and the share with at least one
  sale recorded on the supply chain (`LotSold`, so traceable by lot code) in the year.

Supply-chain facts declared wrong (`EventCorrected`) are left out of every figure. Each figure
carries these words (`definitions`, texts in `messages.DEFINITIONS`) with its days filled in.

A year the province closed (`ClosedFigure` rows) shows its frozen figures; where the live ones
differ since, the report says so (`with_close`: a restatement with the difference, never a
silent change).

What the metrics mean is code; what the province aims for is data: the plans shipped in
`targets.json` and those the province publishes through the registry (ADR 0022, `merge_plans`).
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any, Literal, get_args

from services.reporting.messages import DEFINITIONS
from services.reporting.schemas import (
    ChainFigures,
    ClosedFigure,
    CoopFigures,
    Definition,
    Figure,
    GradingFigures,
    HarvestFigures,
    IncomeFigures,
    KpiReport,
    MemberFigures,
    PlanRef,
    Restatement,
    SalesFigures,
    ScorecardClose,
    StatusCounts,
)
from shared import formats
from shared.auth import public_actor
from shared.events.registry import (
    TARGET_FIGURES,
    Comparison,
    CoopStatus,
    Grade,
    Membership,
    OrganisationForm,
    TargetPer,
)
from shared.messaging.connection import entry_key

YEAR_MIN, YEAR_MAX = 1900, 2100
FORMS: tuple[str, ...] = get_args(OrganisationForm)
STATUSES: tuple[str, ...] = get_args(CoopStatus)
MEMBERSHIPS: tuple[str, ...] = get_args(Membership)
NEW_COOP_FORM = "hop_tac_xa"
UNION_FORM = "lien_hiep"
DEFAULT_TARGETS_FILE = Path(__file__).with_name("targets.json")
# The plans shipped with the service (ADR 0022: the province publishes later ones through the registry):
# this file instead of DEFAULT_TARGETS_FILE, when set.
TARGETS_ENV = "HTX_REPORTING_TARGETS"

GRAM = Decimal("0.001")
GRADES: tuple[str, ...] = get_args(Grade)
EFFECTIVE_GRADES = ("tot", "kha")
SHARE_PLACES = Decimal("0.0001")


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
            current.effective_on,
            entry_key(current.entry_id),
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


def founded_in(coops: Iterable[CoopRecord], form: str, first: date, last: date) -> list[CoopRecord]:
    """The organisations of `form` founded from `first` through `last` (the list behind a "new" figure)."""
    return [coop for coop in coops if coop.form == form and first <= coop.founded_on <= last]


def founded_between(coops: Iterable[CoopRecord], form: str, first: date, last: date) -> int:
    return len(founded_in(coops, form, first, last))


def member_figures(by_membership: Mapping[str, int]) -> MemberFigures:
    counts = {kind: 0 for kind in MEMBERSHIPS} | dict(by_membership)
    workers = counts.get("worker", 0)
    total = sum(counts.values())
    return MemberFigures(total=total, members=total - workers, workers=workers, by_membership=counts)


def members_on(
    members_by_coop: Mapping[tuple[int, str], int], changes: Iterable[StatusChange], day: date
) -> dict[str, int]:
    """Memberships by kind on `day`, counted only in organisations active that day (`members_by_coop`:
    the memberships current on `day`, per organisation and kind)."""
    status = statuses_on(changes, day)
    counts: dict[str, int] = {}
    for (coop_id, membership), count in members_by_coop.items():
        if status.get(coop_id, "active") == "active":
            counts[membership] = counts.get(membership, 0) + count
    return counts


def of_form(gradings: Iterable[Grading], coops: Iterable[CoopRecord], form: str = NEW_COOP_FORM) -> list[Grading]:
    """The gradings of organisations of `form` (the effective share is the hợp tác xã's)."""
    wanted = {coop.coop_id for coop in coops if coop.form == form}
    return [grading for grading in gradings if grading.coop_id in wanted]


def share(part: int, whole: int) -> float | None:
    """part / whole to four places (0.6667), or None when there is nothing to divide by."""
    if whole == 0:
        return None
    return float((Decimal(part) / Decimal(whole)).quantize(SHARE_PLACES, rounding=ROUND_HALF_EVEN))


@dataclass(frozen=True)
class Grading:
    coop_id: int
    grade: str
    entry_id: str
    revision: int = 1

    @property
    def order(self) -> tuple[int, tuple[int, int]]:
        return self.revision, entry_key(self.entry_id)


def grades_in_force(gradings: Iterable[Grading]) -> dict[int, str]:
    """Per co-op, the grade of its highest revision, later in the stream on ties (a regrade replaces)."""
    latest: dict[int, Grading] = {}
    for grading in gradings:
        current = latest.get(grading.coop_id)
        if current is None or grading.order > current.order:
            latest[grading.coop_id] = grading
    return {coop_id: grading.grade for coop_id, grading in latest.items()}


def grading_figures(gradings: Iterable[Grading]) -> GradingFigures:
    counts = dict.fromkeys(GRADES, 0)
    for grade in grades_in_force(gradings).values():
        counts[grade] = counts.get(grade, 0) + 1
    graded = sum(n for grade, n in counts.items() if grade != "not_graded")
    effective = sum(counts.get(grade, 0) for grade in EFFECTIVE_GRADES)
    return GradingFigures(
        graded=graded,
        effective=effective,
        not_graded=counts.get("not_graded", 0),
        by_grade=counts,
        share=share(effective, graded),
    )


def average_income(income_by_member: Mapping[int, int]) -> int | None:
    """Average over members who sold in the year (whole VND), or None if none did."""
    sellers = [amount for amount in income_by_member.values() if amount]
    if not sellers:
        return None
    return int((Decimal(sum(sellers)) / len(sellers)).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def growth(current: int | None, previous: int | None) -> float | None:
    if current is None or not previous:
        return None
    return float((Decimal(current) / Decimal(previous) - 1).quantize(SHARE_PLACES, rounding=ROUND_HALF_EVEN))


def income_figures(this_year: Mapping[int, int], last_year: Mapping[int, int], paid_vnd: int = 0) -> IncomeFigures:
    average, previous = average_income(this_year), average_income(last_year)
    return IncomeFigures(
        members_selling=sum(1 for amount in this_year.values() if amount),
        total_vnd=sum(this_year.values()),
        average_vnd=average,
        previous_average_vnd=previous,
        growth=growth(average, previous),
        paid_vnd=paid_vnd,
    )


def chain_figures(active_coops: set[int], with_contract: set[int], with_sales: set[int]) -> ChainFigures:
    contracted, selling = len(active_coops & with_contract), len(active_coops & with_sales)
    return ChainFigures(
        coops=len(active_coops),
        with_contract=contracted,
        with_traced_sales=selling,
        contract_share=share(contracted, len(active_coops)),
        traced_sales_share=share(selling, len(active_coops)),
    )


def active_coops(
    coops: Iterable[CoopRecord], changes: Iterable[StatusChange], day: date, form: str = NEW_COOP_FORM
) -> set[int]:
    status = statuses_on(changes, day)
    return {
        c.coop_id
        for c in coops
        if c.form == form and c.founded_on <= day and status.get(c.coop_id, "active") == "active"
    }


@dataclass(frozen=True)
class CertifiedWindow:
    """A certificate's plots and the days it is valid: valid_from .. valid_to, and before revoked_on."""

    plot_ids: frozenset[int]
    valid_from: date
    valid_to: date
    revoked_on: date | None = None

    def covers(self, plot_id: int, day: date) -> bool:
        return (
            plot_id in self.plot_ids
            and self.valid_from <= day <= self.valid_to
            and (self.revoked_on is None or day < self.revoked_on)
        )


def lot_grades(outputs: Iterable[tuple[str, str | None, list[str]]]) -> dict[str, str]:
    """Grade of each lot made by a transformation: its own, or else the one grade all its inputs share
    (packing keeps the grade of what it packs). Lots of mixed or unknown grade are left out."""
    own: dict[str, str | None] = {}
    inputs: dict[str, list[str]] = {}
    for lot_code, grade, input_lots in outputs:
        own[lot_code] = grade or own.get(lot_code)
        inputs[lot_code] = input_lots
    resolved: dict[str, str | None] = {}

    def grade_of(lot_code: str, seen: frozenset[str]) -> str | None:
        if lot_code in resolved:
            return resolved[lot_code]
        grade = own.get(lot_code)
        if not grade and lot_code in inputs and lot_code not in seen:
            found = {grade_of(code, seen | {lot_code}) for code in inputs[lot_code]}
            grade = found.pop() if len(found) == 1 else None
        resolved[lot_code] = grade
        return grade

    return {code: grade for code in own if (grade := grade_of(code, frozenset()))}


def is_certified(plot_id: int | None, day: date, windows: Iterable[CertifiedWindow]) -> bool:
    return plot_id is not None and any(window.covers(plot_id, day) for window in windows)


# ---- targets ------------------------------------------------------------------------------


# How a figure must compare with its target: "<=" for what should stay low (violations, say).
COMPARE: dict[Comparison, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}


@dataclass(frozen=True)
class Target:
    value: int | float
    comparison: Comparison = ">="
    per: TargetPer = "year"

    def met(self, value: int | float | None) -> bool | None:
        if value is None:
            return None
        return COMPARE[self.comparison](value, self.value)


@dataclass(frozen=True)
class Plan:
    name: str
    first_year: int
    last_year: int
    targets: dict[str, Target] = field(default_factory=dict)
    # Names the plan across its versions (ADR 0022); by default its years, "2021-2025".
    key: str = ""
    version: int | None = None  # the registry's version of a published plan; None for a shipped one

    def __post_init__(self) -> None:
        if not self.key:
            object.__setattr__(self, "key", f"{self.first_year}-{self.last_year}")

    def covers(self, year: int) -> bool:
        return self.first_year <= year <= self.last_year

    def overlaps(self, other: Plan) -> bool:
        return self.first_year <= other.last_year and other.first_year <= self.last_year


def parse_plans(document: Mapping[str, Any]) -> list[Plan]:
    plans = [
        Plan(
            name=item["name"],
            first_year=int(item["first_year"]),
            last_year=int(item["last_year"]),
            targets={key: Target(**value) for key, value in item.get("targets", {}).items()},
            key=item.get("key", ""),
        )
        for item in document.get("plans", [])
    ]
    for plan in plans:
        for target in plan.targets.values():
            if target.comparison not in COMPARE or target.per not in ("year", "plan"):
                raise ValueError(f"bad target in plan {plan.name!r}: {target}")
    return plans


def load_plans(path: Path | str | None = None) -> list[Plan]:
    """Read the plan periods and their targets (the default file ships with the service)."""
    return parse_plans(json.loads(Path(path or DEFAULT_TARGETS_FILE).read_text(encoding="utf-8")))


def merge_plans(shipped: Iterable[Plan], published: Iterable[Plan]) -> list[Plan]:
    """The plans in force: the province's published ones (their latest versions), and the shipped
    ones no published plan replaces. A published plan replaces the shipped one of its key, and
    hides a shipped one whose years it overlaps (the registry, which refuses overlaps among
    published plans, does not see the shipped file). Earliest period first."""
    published = list(published)
    kept = [plan for plan in shipped if all(plan.key != newer.key and not plan.overlaps(newer) for newer in published)]
    return sorted(published + kept, key=lambda plan: (plan.first_year, plan.key))


def plan_for(year: int, plans: Iterable[Plan]) -> Plan | None:
    return next((plan for plan in plans if plan.covers(year)), None)


def reportable_years(plan: Plan, today: date) -> range:
    """The plan's years that have begun by `today`: a scorecard of a year to come says nothing."""
    return range(plan.first_year, min(plan.last_year, today.year) + 1)


def default_year(plans: Iterable[Plan], latest_with_data: Mapping[str, int | None], today: date) -> int:
    """The year a scorecard opens on: the latest year that has data and a plan covering it
    (`latest_with_data`: per plan name, its latest begun year with any fact); without one, the
    latest begun year of a plan; without a plan, this year."""
    plans = list(plans)
    with_data = [year for plan in plans if (year := latest_with_data.get(plan.name)) is not None]
    if with_data:
        return max(with_data)
    begun = [years[-1] for plan in plans if (years := reportable_years(plan, today))]
    return max(begun, default=today.year)


def as_of(year: int, today: date | None) -> date:
    """The day a year's figures stand at: 31 December, or today while the year runs (never a day to come)."""
    last = YearWindow(year).last
    return last if today is None else min(last, today)


def figure(
    value: int | float | None, target: Target | None, *, since: date | None = None, note: str | None = None
) -> Figure:
    return Figure(
        value=value,
        target=target.value if target else None,
        comparison=target.comparison if target else None,
        met=target.met(value) if target else None,
        since=since,
        available=value is not None,
        note=note,
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
    gradings: list[Grading] = field(default_factory=list)
    income_by_member: dict[int, int] = field(default_factory=dict)
    income_by_member_last_year: dict[int, int] = field(default_factory=dict)
    paid_to_members_vnd: int = 0
    coops_with_contract: set[int] = field(default_factory=set)
    coops_with_sales: set[int] = field(default_factory=set)


def unions_since(year: int, plan: Plan | None) -> date:
    """Where the new-unions figure starts counting: the plan's first day when its target is per plan."""
    target = plan.targets.get("new_unions") if plan else None
    return date(plan.first_year, 1, 1) if plan and target and target.per == "plan" else YearWindow(year).first


def scorecard(year: int, plan: Plan | None, facts: Facts, today: date | None = None) -> KpiReport:
    """`facts` are those up to `as_of(year, today)`: counts of co-ops and members stand on that day."""
    window = YearWindow(year)
    day = as_of(year, today)
    targets = plan.targets if plan else {}
    union_target = targets.get("new_unions")
    unions_from = unions_since(year, plan)
    grading = grading_figures(facts.gradings)
    income = income_figures(facts.income_by_member, facts.income_by_member_last_year, facts.paid_to_members_vnd)
    chain = chain_figures(
        active_coops(facts.coops, facts.changes, day), facts.coops_with_contract, facts.coops_with_sales
    )
    words = definitions(year, day, unions_from)
    grading.definition = words["grading"]
    income.definition = words["member_income"]
    chain.definition = words["chain"]
    report = KpiReport(
        year=year,
        as_of=day,
        plan=PlanRef(
            name=plan.name, first_year=plan.first_year, last_year=plan.last_year, key=plan.key, version=plan.version
        )
        if plan
        else None,
        coops=coop_figures(facts.coops, facts.changes, day),
        new_coops=figure(
            founded_between(facts.coops, NEW_COOP_FORM, window.first, day),
            targets.get("new_coops"),
            since=window.first,
        ),
        new_unions=figure(founded_between(facts.coops, UNION_FORM, unions_from, day), union_target, since=unions_from),
        effective_share=figure(
            grading.share,
            targets.get("effective_share"),
            note=None if grading.graded else "no co-op graded for this year",
        ),
        grading=grading,
        members=member_figures(facts.members_by_membership),
        harvest=HarvestFigures(lots=facts.harvest_lots, kg=kg(facts.harvest_g)),
        sales=SalesFigures(count=facts.sales_count, kg=kg(facts.sales_g), amount_vnd=facts.sales_vnd),
        member_income=income,
        member_income_growth=figure(
            income.growth,
            targets.get("member_income_growth"),
            note=None if income.growth is not None else "needs purchases from members in this year and the one before",
        ),
        chain=chain,
        contract_share=figure(chain.contract_share, targets.get("contract_share")),
        traced_sales_share=figure(chain.traced_sales_share, targets.get("traced_sales_share")),
        positions=facts.positions,
    )
    report.coops.definition, report.members.definition = words["coops"], words["members"]
    for key in TARGET_FIGURES:
        getattr(report, key).definition = words[key]
    return report


FORMS_OF = {
    "coops": FORMS,
    "members": FORMS,
    "member_income": FORMS,
    "member_income_growth": FORMS,
    "new_unions": (UNION_FORM,),
    "commendations": FORMS,
}


def definitions(year: int, day: date, unions_from: date) -> dict[str, Definition]:
    """Each figure's definition for the scorecard of `year` standing on `day`: the forms it counts, its
    days, and its words in both languages (`messages.DEFINITIONS`) with those days written in."""
    first = YearWindow(year).first
    firsts = {"new_unions": unions_from, "coops": None, "members": None, "grading": None, "chain": None}

    def words(key: str, language: str, since: date | None) -> str:
        return DEFINITIONS[key][language].format(
            first=formats.day(since, language) if since else "",
            last=formats.day(day, language),
            year=year,
            previous=year - 1,
        )

    return {
        key: Definition(
            forms=list(FORMS_OF.get(key, (NEW_COOP_FORM,))),
            first=(since := firsts.get(key, first)),
            last=day,
            vi=words(key, "vi", since),
            en=words(key, "en", since),
        )
        for key in DEFINITIONS
    }


# ---- period close ---------------------------------------------------------------------------

# The figures a close freezes, and where each stands in the report: the plan's figures (with their
# targets) and the headline counts beside them.
CLOSED_FIGURES: dict[str, tuple[str, str]] = {key: (key, "value") for key in TARGET_FIGURES} | {
    "organisations": ("coops", "total"),
    "members": ("members", "members"),
    "workers": ("members", "workers"),
    "graded": ("grading", "graded"),
    "effective": ("grading", "effective"),
    "member_income_average_vnd": ("member_income", "average_vnd"),
}


def closed_figures(report: KpiReport) -> list[ClosedFigure]:
    """What closing `report`'s year freezes: each of `CLOSED_FIGURES` with its target, if it has one."""
    frozen = []
    for key, (part, field_name) in CLOSED_FIGURES.items():
        section = getattr(report, part)
        target = section if isinstance(section, Figure) else None
        frozen.append(
            ClosedFigure(
                figure=key,
                value=getattr(section, field_name),
                target=target.target if target else None,
                comparison=target.comparison if target else None,
            )
        )
    return frozen


def difference(frozen: int | float | None, current: int | float | None) -> int | float | None:
    if frozen is None or current is None:
        return None
    if isinstance(frozen, int) and isinstance(current, int):
        return current - frozen
    return float((Decimal(str(current)) - Decimal(str(frozen))).quantize(SHARE_PLACES, rounding=ROUND_HALF_EVEN))


def with_close(
    live: KpiReport, frozen: list[ClosedFigure], closed_by: str, closed_at: datetime, *, reveal_actor: bool = False
) -> KpiReport:
    """`live` as the province closed it: the frozen figures (and targets) in place of the live ones, and
    `closed` saying who closed it, when, and each figure the live read model now puts otherwise (a
    restatement: frozen value, current value, difference). `reveal_actor`: the account that closed it
    (the province's eyes only); otherwise its role."""
    report = live.model_copy(deep=True)
    restatements = []
    for row in frozen:
        if row.figure not in CLOSED_FIGURES:
            continue  # a figure an older version froze and this one no longer reports
        part, field_name = CLOSED_FIGURES[row.figure]
        section = getattr(report, part)
        current = getattr(section, field_name)
        if current != row.value:
            restatements.append(
                Restatement(
                    figure=row.figure, frozen=row.value, current=current, difference=difference(row.value, current)
                )
            )
        setattr(section, field_name, row.value)
        if isinstance(section, Figure):
            section.available = row.value is not None
            if row.comparison is not None and row.target is not None:
                target = Target(row.target, row.comparison)
                section.target, section.comparison, section.met = row.target, row.comparison, target.met(row.value)
            else:
                section.target = section.comparison = section.met = None
    report.closed = ScorecardClose(
        year=live.year,
        closed_at=closed_at,
        closed_by=closed_by if reveal_actor else public_actor(closed_by),
        figures=frozen,
        restated=bool(restatements),
        restatements=restatements,
    )
    return report
