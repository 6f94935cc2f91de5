"""Registry quality rules: plot geometry, certificate validity, OCOP stars, yearly grading,
not-graded rules and compliance checks.

Pure functions over plain values: no database, no clock (the caller passes `today`), no HTTP.
A refusal raises `shared.errors.Unprocessable` with an i18n key, so the handler that called
the rule answers with a translated 422 and writes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

from shared.errors import Unprocessable

# --------------------------------------------------------------------------- plots

COORDINATE_DECIMALS = 6  # ~0.11 m on the ground: what EU deforestation rules ask for
POLYGON_REQUIRED_FROM_HA = Decimal("4")  # EUDR: plots of 4 ha and above need a polygon


def _coordinate(value: object, *, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise Unprocessable("plot.geometry_coordinate", where=where, value=value)
    return float(value)


def _position(value: object, *, where: str) -> list[float]:
    """[longitude, latitude] in WGS 84, rounded to 6 decimals; an altitude is dropped."""
    if not isinstance(value, (list, tuple)) or len(value) not in (2, 3):
        raise Unprocessable("plot.geometry_position", where=where)
    lon = _coordinate(value[0], where=where)
    lat = _coordinate(value[1], where=where)
    if not -180 <= lon <= 180 or not -90 <= lat <= 90:
        raise Unprocessable("plot.geometry_out_of_range", where=where, lon=lon, lat=lat)
    return [round(lon, COORDINATE_DECIMALS), round(lat, COORDINATE_DECIMALS)]


def _ring_area(ring: Sequence[Sequence[float]]) -> float:
    """Shoelace area in square degrees: only used to tell a real ring from a flat one."""
    return abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in pairwise(ring))) / 2


def normalise_geometry(geometry: object) -> dict:
    """A GeoJSON Point or Polygon checked and rounded to 6 decimals, or 422.

    Positions are [longitude, latitude] (GeoJSON order); each ring of a polygon has at least
    four positions, is closed (first = last) and encloses an area.
    """
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Point", "Polygon"):
        kind = geometry.get("type") if isinstance(geometry, dict) else type(geometry).__name__
        raise Unprocessable("plot.geometry_type", kind=kind)
    coordinates = geometry.get("coordinates")
    if geometry["type"] == "Point":
        return {"type": "Point", "coordinates": _position(coordinates, where="coordinates")}
    if not isinstance(coordinates, list) or not coordinates:
        raise Unprocessable("plot.geometry_rings")
    rings = []
    for r, ring in enumerate(coordinates):
        if not isinstance(ring, list) or len(ring) < 4:
            raise Unprocessable("plot.geometry_ring_short", ring=r)
        positions = [_position(p, where=f"coordinates[{r}][{i}]") for i, p in enumerate(ring)]
        if positions[0] != positions[-1]:
            raise Unprocessable("plot.geometry_ring_open", ring=r)
        if _ring_area(positions) < 1e-13:  # about 0.001 m²: collinear positions, not a field
            raise Unprocessable("plot.geometry_ring_flat", ring=r)
        rings.append(positions)
    return {"type": "Polygon", "coordinates": rings}


def check_plot_geometry(area_ha: Decimal, geometry: dict | None) -> dict | None:
    """The plot's geometry, normalised; a plot of 4 ha or more may not be a mere Point."""
    if geometry is None:
        return None
    shape = normalise_geometry(geometry)
    if shape["type"] == "Point" and area_ha >= POLYGON_REQUIRED_FROM_HA:
        raise Unprocessable("plot.polygon_required", area_ha=area_ha, threshold=POLYGON_REQUIRED_FROM_HA)
    return shape


# --------------------------------------------------------------------------- certificates

# Decision 148/QĐ-TTg (2023): points out of 100 -> stars. Below 50 a product gets no OCOP star.
OCOP_STAR_BANDS: tuple[tuple[int, int, int], ...] = ((3, 50, 69), (4, 70, 89), (5, 90, 100))


def ocop_stars_for_score(score: int) -> int:
    for stars, low, high in OCOP_STAR_BANDS:
        if low <= score <= high:
            return stars
    raise Unprocessable("certificate.ocop_score_too_low", score=score, minimum=OCOP_STAR_BANDS[0][1])


def check_ocop(kind: str, stars: int | None, score: int | None) -> int | None:
    """The OCOP stars of a certificate: given directly, from the score, or both if they agree."""
    if kind != "ocop":
        if stars is not None or score is not None:
            raise Unprocessable("certificate.stars_not_ocop", kind=kind)
        return None
    if stars is None and score is None:
        raise Unprocessable("certificate.ocop_needs_stars")
    if score is not None:
        from_score = ocop_stars_for_score(score)
        if stars is not None and stars != from_score:
            raise Unprocessable("certificate.ocop_stars_mismatch", stars=stars, score=score, expected=from_score)
        return from_score
    if stars not in {band[0] for band in OCOP_STAR_BANDS}:
        raise Unprocessable("certificate.ocop_stars_range", stars=stars)
    return stars


def check_validity_window(valid_from: date, valid_to: date) -> None:
    if valid_to < valid_from:
        raise Unprocessable("certificate.window", valid_from=valid_from, valid_to=valid_to)


def is_valid_on(day: date, valid_from: date, valid_to: date, revoked_on: date | None) -> bool:
    """Valid on `day` if `day` is within [valid_from, valid_to] and it was not revoked on or before `day`."""
    return valid_from <= day <= valid_to and (revoked_on is None or revoked_on > day)


def certificate_status(day: date, valid_from: date, valid_to: date, revoked_on: date | None) -> str:
    """One word for what a certificate is on `day`: valid, revoked, expired or not_yet_valid."""
    if revoked_on is not None and revoked_on <= day:
        return "revoked"
    if day < valid_from:
        return "not_yet_valid"
    if day > valid_to:
        return "expired"
    return "valid"


def check_revocation(revoked_on: date, valid_from: date, valid_to: date, already: date | None, today: date) -> None:
    if already is not None:
        raise Unprocessable("certificate.already_revoked", revoked_on=already)
    if revoked_on > today:
        raise Unprocessable("certificate.revoked_in_future", revoked_on=revoked_on)
    if revoked_on > valid_to:
        raise Unprocessable("certificate.revoked_after_end", revoked_on=revoked_on, valid_to=valid_to)


# --------------------------------------------------------------------------- grading

CRITERIA = ("finance", "governance", "members", "community")


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


# Circular 01/2020/TT-BKHĐT: Tốt >= 80, Khá 65-79, Trung bình 50-64, Yếu < 50. No successor
# circular found; the per-criterion maxima of the circular are not confirmed, so only the
# 100-point total is enforced by default (a scheme with caps is a new scheme code).
TT01_2020 = GradingScheme(
    code="TT01-2020",
    title="Thông tư 01/2020/TT-BKHĐT",
    thresholds=((80, "tot"), (65, "kha"), (50, "trung_binh"), (0, "yeu")),
)
BUILTIN_SCHEMES = {TT01_2020.code: TT01_2020}
DEFAULT_SCHEME = TT01_2020.code
GRADES = ("tot", "kha", "trung_binh", "yeu")


def check_scheme(scheme: GradingScheme) -> None:
    """A scheme someone defines: thresholds strictly descending to 0, grades known, caps consistent."""
    minimums = [minimum for minimum, _ in scheme.thresholds]
    if not minimums or minimums[-1] != 0 or any(a <= b for a, b in pairwise(minimums)):
        raise Unprocessable("grading.scheme_thresholds")
    if minimums[0] > scheme.total_max or any(g not in GRADES for _, g in scheme.thresholds):
        raise Unprocessable("grading.scheme_thresholds")
    if set(scheme.criteria_max) != set(CRITERIA):
        raise Unprocessable("grading.scheme_criteria", criteria=", ".join(CRITERIA))


def grade_for_total(total: int, scheme: GradingScheme) -> str:
    for minimum, grade in scheme.thresholds:
        if total >= minimum:
            return grade
    raise Unprocessable("grading.score_range", criterion="total", score=total, maximum=scheme.total_max)


def total_score(scores: dict[str, int], scheme: GradingScheme) -> int:
    """The sum of the four criteria, each within its cap and the total within the scheme's."""
    if set(scores) != set(CRITERIA):
        raise Unprocessable("grading.scheme_criteria", criteria=", ".join(CRITERIA))
    for criterion, score in scores.items():
        cap = scheme.criteria_max.get(criterion)
        maximum = cap if cap is not None else scheme.total_max
        if not 0 <= score <= maximum:
            raise Unprocessable("grading.score_range", criterion=criterion, score=score, maximum=maximum)
    total = sum(scores.values())
    if total > scheme.total_max:
        raise Unprocessable("grading.total_too_high", total=total, maximum=scheme.total_max)
    return total


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


# --------------------------------------------------------------------------- compliance

# Law on Cooperatives 2023: a co-op needs 5 official members; a union 3 member co-ops (check).
MINIMUM_MEMBERS = {"hop_tac_xa": 5}
MINIMUM_UNION_COOPS = 3


@dataclass(frozen=True)
class Membership:
    joined_on: date
    left_on: date | None = None


def count_on(day: date, memberships: Iterable[Membership]) -> int:
    return sum(1 for m in memberships if m.joined_on <= day and (m.left_on is None or m.left_on > day))


def below_minimum_since(memberships: Sequence[Membership], minimum: int, founded_on: date, day: date) -> date | None:
    """The date since which the count has been below `minimum` without a break, or None if it is not.

    The count changes only on join and leave dates, so those (and the founding) are the candidates.
    """
    if count_on(day, memberships) >= minimum:
        return None
    changes = sorted(
        {founded_on, *(m.joined_on for m in memberships), *(m.left_on for m in memberships if m.left_on is not None)}
    )
    since = founded_on
    for change in changes:
        if change > day:
            break
        if count_on(change, memberships) >= minimum:
            since = None
        elif since is None:
            since = change
    return since or founded_on


@dataclass(frozen=True)
class CertificateScope:
    certificate_id: int
    coop_id: int
    kind: str
    valid_from: date
    valid_to: date
    revoked_on: date | None
    plot_ids: frozenset[int]
    products: frozenset[str]  # search keys, so "Chè" and "che" are one product


def _covers(newer: CertificateScope, older: CertificateScope) -> bool:
    return older.plot_ids <= newer.plot_ids and older.products <= newer.products


def expired_unreplaced(certificates: Sequence[CertificateScope], day: date) -> list[CertificateScope]:
    """Certificates that ended before `day`, were not revoked, and have no newer certificate of
    the same co-op and kind (issued by `day`) covering all their plots and products."""
    by_holder: dict[tuple[int, str], list[CertificateScope]] = {}
    for certificate in certificates:
        by_holder.setdefault((certificate.coop_id, certificate.kind), []).append(certificate)
    found = []
    for old in certificates:
        if old.valid_to >= day or (old.revoked_on is not None and old.revoked_on <= day):
            continue
        replaced = any(
            new.certificate_id != old.certificate_id and old.valid_from < new.valid_from <= day and _covers(new, old)
            for new in by_holder[(old.coop_id, old.kind)]
        )
        if not replaced:
            found.append(old)
    return found


def violation_overdue(deadline: date, resolved_on: date | None, day: date) -> bool:
    """Still open on `day` after its correction deadline passed."""
    return deadline < day and (resolved_on is None or resolved_on > day)
