"""Grading rules: versioned grading schemes, scores and grades, and when a co-op is not graded
(operating under 12 months of the year, or suspended more than 3 months of it).

Pure functions over plain values: no database, no clock (the caller passes `today`), no HTTP.
A refusal raises `shared.errors.Unprocessable` with an i18n key, so the command that called
the rule answers with a translated 422 and writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise

from shared.errors import Unprocessable
from shared.grading_items import GRADING_ITEMS, ITEMS_BY_CODE

CRITERIA = ("finance", "governance", "members", "community")
ITEMS = tuple(item.code for item in GRADING_ITEMS)
# The criteria sets a scheme may score: the 4 groups of the first scheme, or the circular's 15 items.
CRITERIA_SETS = (frozenset(CRITERIA), frozenset(ITEMS))


@dataclass(frozen=True)
class GradingScheme:
    """A versioned grading scheme: data, not code. A new circular is a new scheme code.

    `thresholds` are (minimum total, grade) from the best grade down; the last minimum is 0.
    `criteria_max` caps each criterion (None: only the 100-point total is capped).
    """

    code: str
    title: str
    thresholds: tuple[tuple[int, str], ...]
    criteria_max: dict[str, int | None] = field(default_factory=lambda: dict.fromkeys(CRITERIA))
    total_max: int = 100
    min_operating_months: int = 12
    max_suspended_days: int = 90  # "suspended more than 3 months", read as more than 90 days
    unconfirmed_maxima: tuple[str, ...] = ()  # caps not confirmed from the circular's text (ADR 0027)


# Circular 01/2020/TT-BKHĐT: Tốt >= 80, Khá 65-79, Trung bình 50-64, Yếu < 50. No successor
# circular found; the per-criterion maxima of the circular are not confirmed, so only the
# 100-point total is enforced by default (a scheme with caps is a new scheme code).
TT01_2020 = GradingScheme(
    code="TT01-2020",
    title="Thông tư 01/2020/TT-BKHĐT",
    thresholds=((80, "tot"), (65, "kha"), (50, "trung_binh"), (0, "yeu")),
)
# The circular's 15 criteria, each capped (shared.grading_items; criteria 10-15 provisional).
TT01_2020_15 = GradingScheme(
    code="TT01-2020-15",
    title="Thông tư 01/2020/TT-BKHĐT, 15 tiêu chí",
    thresholds=TT01_2020.thresholds,
    criteria_max={item.code: item.maximum for item in GRADING_ITEMS},
    unconfirmed_maxima=tuple(item.code for item in GRADING_ITEMS if not item.confirmed),
)
BUILTIN_SCHEMES = {TT01_2020.code: TT01_2020, TT01_2020_15.code: TT01_2020_15}
GRADES = ("tot", "kha", "trung_binh", "yeu")


def check_scheme(scheme: GradingScheme) -> None:
    """A scheme someone defines: thresholds strictly descending to 0, grades known, caps consistent."""
    minimums = [minimum for minimum, _ in scheme.thresholds]
    if not minimums or minimums[-1] != 0 or any(a <= b for a, b in pairwise(minimums)):
        raise Unprocessable("grading.scheme_thresholds")
    if minimums[0] > scheme.total_max or any(g not in GRADES for _, g in scheme.thresholds):
        raise Unprocessable("grading.scheme_thresholds")
    if frozenset(scheme.criteria_max) not in CRITERIA_SETS:
        raise Unprocessable("grading.scheme_criteria", criteria=" | ".join(", ".join(s) for s in (CRITERIA, ITEMS)))
    if frozenset(scheme.criteria_max) == frozenset(ITEMS) and any(cap is None for cap in scheme.criteria_max.values()):
        raise Unprocessable("grading.scheme_item_caps")


def grade_for_total(total: int, scheme: GradingScheme) -> str:
    for minimum, grade in scheme.thresholds:
        if total >= minimum:
            return grade
    raise Unprocessable("grading.score_range", criterion="total", score=total, maximum=scheme.total_max)


def criterion_label(code: str) -> str:
    """How a refusal names a criterion: `11 member_benefit (Lợi ích thành viên)` for an item of the circular."""
    item = ITEMS_BY_CODE.get(code)
    return f"{item.number} {code} ({item.vi})" if item else code


def cap_of(scheme: GradingScheme, criterion: str) -> int:
    cap = scheme.criteria_max.get(criterion)
    return cap if cap is not None else scheme.total_max


def total_score(scores: dict[str, int], scheme: GradingScheme) -> int:
    """The sum of the scheme's criteria, each within its cap and the total within the scheme's."""
    if set(scores) != set(scheme.criteria_max):
        missing, unknown = set(scheme.criteria_max) - set(scores), set(scores) - set(scheme.criteria_max)
        raise Unprocessable(
            "grading.scheme_criteria_of",
            scheme=scheme.code,
            missing=", ".join(sorted(missing)) or "-",
            unknown=", ".join(sorted(unknown)) or "-",
        )
    for criterion, score in scores.items():
        maximum = cap_of(scheme, criterion)
        if not 0 <= score <= maximum:
            raise Unprocessable(
                "grading.score_range", criterion=criterion_label(criterion), score=score, maximum=maximum
            )
    total = sum(scores.values())
    if total > scheme.total_max:
        raise Unprocessable("grading.total_too_high", total=total, maximum=scheme.total_max)
    return total


@dataclass(frozen=True)
class Proposed:
    """What the platform proposed for one criterion (reporting's proposal): points, the rule, the figures."""

    points: int
    rule: str
    evidence: dict[str, int | str | None]


def check_proposal(
    scores: dict[str, int], proposal: dict[str, Proposed], notes: dict[str, str], scheme: GradingScheme
) -> None:
    """Proposed points within the criterion's cap; a recorded score that differs from the proposal
    says why (`notes[criterion]`), so the sheet shows the proposal, the change and its reason."""
    for criterion in (*proposal, *notes):
        if criterion not in scheme.criteria_max:
            raise Unprocessable("grading.proposal_unknown", criterion=criterion, scheme=scheme.code)
    for criterion, proposed in proposal.items():
        maximum = cap_of(scheme, criterion)
        if not 0 <= proposed.points <= maximum:
            raise Unprocessable(
                "grading.score_range", criterion=criterion_label(criterion), score=proposed.points, maximum=maximum
            )
        if scores.get(criterion) != proposed.points and not notes.get(criterion):
            raise Unprocessable(
                "grading.change_without_note",
                criterion=criterion_label(criterion),
                proposed=proposed.points,
                score=scores.get(criterion),
            )


@dataclass(frozen=True)
class Period:
    """Days from `start` to `end`, both included; `end=None` means still running."""

    start: date
    end: date | None = None

    def days_within(self, first: date, last: date) -> int:
        start, end = max(self.start, first), min(self.end or last, last)
        return max((end - start).days + 1, 0)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def periods_from_statuses(changes: Sequence[tuple[date, str]]) -> tuple[list[Period], date | None]:
    """Suspension periods and the dissolution date from a status history in order.

    A status holds from its `effective_on` until the day before the next change; the last one
    still holds. Returns (suspensions, dissolved_on).
    """
    suspensions, dissolved_on = [], None
    for (start, status), following in zip(changes, [*changes[1:], None]):
        if status == "suspended":
            end = following[0] - timedelta(days=1) if following is not None else None
            if end is None or end >= start:
                suspensions.append(Period(start, end))
        elif status == "dissolved" and dissolved_on is None:
            dissolved_on = start
    return suspensions, dissolved_on


def not_graded_reason(
    year: int,
    founded_on: date,
    suspensions: Iterable[Period],
    scheme: GradingScheme,
    dissolved_on: date | None = None,
) -> str | None:
    """Why a co-op is not graded for `year`, or None if it is graded.

    - operated under `min_operating_months` in the year: founded after the year began, so that
      less than 12 months of the year remain, or dissolved before the year ended;
    - suspended more than `max_suspended_days` days within the year (periods added up).
    """
    first, last = date(year, 1, 1), date(year, 12, 31)
    if _add_months(max(founded_on, first), scheme.min_operating_months) > last + timedelta(days=1):
        return "operating_under_12_months"
    if dissolved_on is not None and dissolved_on <= last:
        return "operating_under_12_months"
    suspended = sum(period.days_within(first, last) for period in suspensions)
    if suspended > scheme.max_suspended_days:
        return "suspended_over_3_months"
    return None


def check_grading_year(year: int, founded_on: date, today: date) -> None:
    """A finished year in which the co-op existed."""
    if year >= today.year:
        raise Unprocessable("grading.year_not_finished", year=year)
    if year < founded_on.year:
        raise Unprocessable("grading.before_founding", year=year, founded_on=founded_on)
