"""Registry part B commands and queries: plots, certificates, gradings, inspections and
compliance flags. Plain async functions over a session; no HTTP. Rules live in quality_rules.

Every write checks the caller's rights, validates, adds its rows and records its event in
the caller's transaction; the route commits. A refusal raises before anything is flushed
that the route would commit.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry import quality_rules as rules
from services.registry.handlers import get_coop, get_member
from services.registry.models import Coop, CoopStatusHistory, Member, UnionMembership
from services.registry.quality_models import (
    Certificate,
    CertificateCreate,
    CertificatePlot,
    CertificatePublic,
    ComplianceFlag,
    Grading,
    GradingCreate,
    GradingPublic,
    GradingSchemeCreate,
    GradingSchemePublic,
    GradingSchemeRow,
    Inspection,
    InspectionCreate,
    InspectionPublic,
    Plot,
    PlotCreate,
    PlotPublic,
    RegradeCreate,
    ResolutionCreate,
    RevocationCreate,
    Violation,
    ViolationPublic,
)
from shared.auth import Principal
from shared.clock import start_of_local_day, today_in_vietnam
from shared.errors import Conflict, Forbidden, NotFound, Unprocessable
from shared.events import registry as contracts
from shared.i18n import Language, translate
from shared.messaging.outbox import record_event
from shared.text import search_key


def require_coop_reader(principal: Principal, coop_id: int) -> None:
    """Inspections and gradings: the province, or the co-op itself."""
    if principal.role == "province" or (principal.role == "coop" and principal.coop_id == coop_id):
        return
    if principal.role == "coop":
        raise Forbidden("auth.other_coop", own=principal.coop_id, target=coop_id)
    raise Forbidden("auth.role", role=principal.role)


async def _flush_or_conflict(session: AsyncSession, key: str, **values: object) -> None:
    """A unique constraint lost to a concurrent request becomes the same 409 the pre-check gives."""
    try:
        await session.flush()
    except IntegrityError as error:
        await session.rollback()
        raise Conflict(key, **values) from error


# --------------------------------------------------------------------------- plots


def plot_public(plot: Plot) -> PlotPublic:
    return PlotPublic(
        id=plot.id,
        coop_id=plot.coop_id,
        member_id=plot.member_id,
        planting_area_code=plot.planting_area_code,
        area_ha=plot.area_ha,
        crop=plot.crop,
        cultivar=plot.cultivar,
        geometry=json.loads(plot.geometry_json) if plot.geometry_json else None,
    )


async def register_plot(
    session: AsyncSession, coop_id: int, data: PlotCreate, principal: Principal, today: date | None = None
) -> Plot:
    principal.require_coop_write(coop_id)
    today = today or today_in_vietnam()
    coop = await get_coop(session, coop_id)
    if coop.status == "dissolved":
        raise Unprocessable("coop.not_active", coop_id=coop_id, status=coop.status)
    member = await get_member(session, coop_id, data.member_id)
    if member.left_on is not None and member.left_on <= today:
        raise Unprocessable("plot.member_left", member_id=member.id, left_on=member.left_on)
    geometry = rules.check_plot_geometry(data.area_ha, data.geometry)
    taken = await session.exec(select(Plot.id).where(Plot.planting_area_code == data.planting_area_code))
    if taken.first() is not None:
        raise Conflict("plot.duplicate_code", code=data.planting_area_code)
    plot = Plot(
        coop_id=coop_id,
        member_id=member.id,
        planting_area_code=data.planting_area_code,
        area_ha=data.area_ha,
        crop=data.crop,
        cultivar=data.cultivar,
        geometry_json=json.dumps(geometry, separators=(",", ":")) if geometry else None,
    )
    session.add(plot)
    await _flush_or_conflict(session, "plot.duplicate_code", code=data.planting_area_code)
    record_event(
        session,
        contracts.STREAM,
        contracts.PlotRegistered(
            plot_id=plot.id,
            coop_id=coop_id,
            member_id=member.id,
            planting_area_code=plot.planting_area_code,
            area_ha=plot.area_ha,
            crop=plot.crop,
            cultivar=plot.cultivar,
            geometry=geometry,
        ),
        actor=principal.actor,
    )
    return plot


async def get_plot(session: AsyncSession, plot_id: int) -> Plot:
    plot = await session.get(Plot, plot_id)
    if plot is None:
        raise NotFound("plot.not_found", plot_id=plot_id)
    return plot


async def find_plots(session: AsyncSession, planting_area_code: str) -> list[Plot]:
    return list((await session.exec(select(Plot).where(Plot.planting_area_code == planting_area_code.strip()))).all())


async def list_plots(session: AsyncSession, coop_id: int, member_id: int | None = None) -> list[Plot]:
    await get_coop(session, coop_id)
    statement = select(Plot).where(Plot.coop_id == coop_id)
    if member_id is not None:
        statement = statement.where(Plot.member_id == member_id)
    return list((await session.exec(statement.order_by(Plot.id))).all())


# --------------------------------------------------------------------------- certificates


def _products(certificate: Certificate) -> list[str]:
    return json.loads(certificate.products_json)


def certificate_public(certificate: Certificate, plot_ids: list[int], status_on: date) -> CertificatePublic:
    return CertificatePublic(
        id=certificate.id,
        coop_id=certificate.coop_id,
        kind=certificate.kind,
        code=certificate.code,
        issuer=certificate.issuer,
        valid_from=certificate.valid_from,
        valid_to=certificate.valid_to,
        ocop_stars=certificate.ocop_stars,
        ocop_score=certificate.ocop_score,
        plot_ids=plot_ids,
        products=_products(certificate),
        area_ha=certificate.area_ha,
        revoked_on=certificate.revoked_on,
        revocation_reason=certificate.revocation_reason,
        status=rules.certificate_status(
            status_on, certificate.valid_from, certificate.valid_to, certificate.revoked_on
        ),
        status_on=status_on,
    )


async def plot_ids_of(session: AsyncSession, certificate_ids: Sequence[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = defaultdict(list)
    if certificate_ids:
        rows = await session.exec(
            select(CertificatePlot)
            .where(col(CertificatePlot.certificate_id).in_(certificate_ids))
            .order_by(CertificatePlot.certificate_id, CertificatePlot.plot_id)
        )
        for link in rows.all():
            found[link.certificate_id].append(link.plot_id)
    return found


async def issue_certificate(
    session: AsyncSession, coop_id: int, data: CertificateCreate, principal: Principal
) -> tuple[Certificate, list[int]]:
    principal.require_role("province")
    await get_coop(session, coop_id)
    rules.check_validity_window(data.valid_from, data.valid_to)
    stars = rules.check_ocop(data.kind, data.ocop_stars, data.ocop_score)
    plot_ids = sorted(set(data.plot_ids))
    if plot_ids:
        owners = dict((await session.exec(select(Plot.id, Plot.coop_id).where(col(Plot.id).in_(plot_ids)))).all())
        for plot_id in plot_ids:
            if owners.get(plot_id) != coop_id:
                raise Unprocessable("plot.other_coop", plot_id=plot_id, coop_id=coop_id)
    products = list(dict.fromkeys(data.products))
    taken = await session.exec(
        select(Certificate.id).where(
            Certificate.kind == data.kind, Certificate.issuer == data.issuer, Certificate.code == data.code
        )
    )
    duplicate = {"kind": data.kind, "code": data.code, "issuer": data.issuer}
    if taken.first() is not None:
        raise Conflict("certificate.duplicate", **duplicate)
    certificate = Certificate(
        coop_id=coop_id,
        kind=data.kind,
        code=data.code,
        issuer=data.issuer,
        valid_from=data.valid_from,
        valid_to=data.valid_to,
        ocop_stars=stars,
        ocop_score=data.ocop_score,
        products_json=json.dumps(products, ensure_ascii=False),
        area_ha=data.area_ha,
    )
    session.add(certificate)
    await _flush_or_conflict(session, "certificate.duplicate", **duplicate)
    session.add_all(CertificatePlot(certificate_id=certificate.id, plot_id=p) for p in plot_ids)
    record_event(
        session,
        contracts.STREAM,
        contracts.CertificateIssued(
            certificate_id=certificate.id,
            coop_id=coop_id,
            kind=certificate.kind,
            code=certificate.code,
            issuer=certificate.issuer,
            valid_from=certificate.valid_from,
            valid_to=certificate.valid_to,
            ocop_stars=stars,
            plot_ids=plot_ids,
            products=products,
            area_ha=certificate.area_ha,
        ),
        occurred_at=start_of_local_day(certificate.valid_from),
        actor=principal.actor,
    )
    return certificate, plot_ids


async def get_certificate(session: AsyncSession, certificate_id: int) -> tuple[Certificate, list[int]]:
    certificate = await session.get(Certificate, certificate_id)
    if certificate is None:
        raise NotFound("certificate.not_found", certificate_id=certificate_id)
    return certificate, (await plot_ids_of(session, [certificate_id]))[certificate_id]


async def revoke_certificate(
    session: AsyncSession, certificate_id: int, data: RevocationCreate, principal: Principal, today: date | None = None
) -> tuple[Certificate, list[int]]:
    principal.require_role("province")
    locked = await session.exec(select(Certificate).where(Certificate.id == certificate_id).with_for_update())
    certificate = locked.first()
    if certificate is None:
        raise NotFound("certificate.not_found", certificate_id=certificate_id)
    if certificate.revoked_on is not None:
        raise Conflict("certificate.already_revoked", revoked_on=certificate.revoked_on)
    rules.check_revocation(
        data.revoked_on, certificate.valid_from, certificate.valid_to, None, today or today_in_vietnam()
    )
    certificate.revoked_on, certificate.revocation_reason = data.revoked_on, data.reason
    session.add(certificate)
    record_event(
        session,
        contracts.STREAM,
        contracts.CertificateRevoked(
            certificate_id=certificate.id, coop_id=certificate.coop_id, revoked_on=data.revoked_on, reason=data.reason
        ),
        occurred_at=start_of_local_day(data.revoked_on),
        actor=principal.actor,
    )
    return certificate, (await plot_ids_of(session, [certificate_id]))[certificate_id]


async def list_certificates(
    session: AsyncSession,
    *,
    coop_id: int | None = None,
    valid_on: date | None = None,
    kind: str | None = None,
    code: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[tuple[Certificate, list[int]]], int]:
    """Certificates, optionally only those valid on `valid_on` (inside the window, not revoked by then)."""
    statement = select(Certificate)
    if coop_id is not None:
        statement = statement.where(Certificate.coop_id == coop_id)
    if kind is not None:
        statement = statement.where(Certificate.kind == kind)
    if code is not None:
        statement = statement.where(Certificate.code == code)
    if valid_on is not None:
        statement = statement.where(
            Certificate.valid_from <= valid_on,
            Certificate.valid_to >= valid_on,
            or_(col(Certificate.revoked_on).is_(None), col(Certificate.revoked_on) > valid_on),
        )
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    rows = list(
        (
            await session.exec(
                statement.order_by(col(Certificate.valid_from).desc(), col(Certificate.id).desc())
                .limit(limit)
                .offset(offset)
            )
        ).all()
    )
    plots = await plot_ids_of(session, [c.id for c in rows])
    return [(c, plots[c.id]) for c in rows], total


# --------------------------------------------------------------------------- grading schemes


def _scheme_from_row(row: GradingSchemeRow) -> rules.GradingScheme:
    definition = json.loads(row.definition_json)
    return rules.GradingScheme(
        code=row.code,
        title=row.title,
        thresholds=tuple((m, g) for m, g in definition["thresholds"]),
        criteria_max=definition["criteria_max"],
        total_max=definition["total_max"],
        min_operating_months=definition["min_operating_months"],
        max_suspended_days=definition["max_suspended_days"],
    )


def scheme_public(scheme: rules.GradingScheme) -> GradingSchemePublic:
    return GradingSchemePublic(
        code=scheme.code,
        title=scheme.title,
        thresholds=list(scheme.thresholds),
        criteria_max=scheme.criteria_max,
        total_max=scheme.total_max,
        min_operating_months=scheme.min_operating_months,
        max_suspended_days=scheme.max_suspended_days,
        builtin=scheme.code in rules.BUILTIN_SCHEMES,
    )


async def load_scheme(session: AsyncSession, code: str) -> rules.GradingScheme:
    if code in rules.BUILTIN_SCHEMES:
        return rules.BUILTIN_SCHEMES[code]
    row = await session.get(GradingSchemeRow, code)
    if row is None:
        raise Unprocessable("grading.scheme_unknown", scheme=code)
    return _scheme_from_row(row)


async def list_schemes(session: AsyncSession) -> list[rules.GradingScheme]:
    rows = (await session.exec(select(GradingSchemeRow).order_by(GradingSchemeRow.code))).all()
    return [*rules.BUILTIN_SCHEMES.values(), *(_scheme_from_row(r) for r in rows)]


async def define_scheme(session: AsyncSession, data: GradingSchemeCreate, principal: Principal) -> rules.GradingScheme:
    """A new scheme version. Schemes are never edited: gradings keep pointing at what they used."""
    principal.require_role("province")
    scheme = rules.GradingScheme(
        code=data.code,
        title=data.title,
        thresholds=tuple((m, g) for m, g in data.thresholds),
        criteria_max=dict(data.criteria_max),
        total_max=data.total_max,
        min_operating_months=data.min_operating_months,
        max_suspended_days=data.max_suspended_days,
    )
    rules.check_scheme(scheme)
    if data.code in rules.BUILTIN_SCHEMES or await session.get(GradingSchemeRow, data.code) is not None:
        raise Conflict("grading.scheme_exists", scheme=data.code)
    definition = {k: v for k, v in asdict(scheme).items() if k not in ("code", "title")}
    session.add(GradingSchemeRow(code=scheme.code, title=scheme.title, definition_json=json.dumps(definition)))
    await _flush_or_conflict(session, "grading.scheme_exists", scheme=data.code)
    return scheme


# --------------------------------------------------------------------------- gradings


@dataclass(frozen=True)
class OperatingHistory:
    """What the not-graded rules need to know about a co-op's year."""

    suspensions: list[rules.Period] = field(default_factory=list)
    dissolved_on: date | None = None


OperatingHistoryReader = Callable[[AsyncSession, Coop, int], Awaitable[OperatingHistory]]


async def history_from_current_status(session: AsyncSession, coop: Coop, year: int) -> OperatingHistory:
    """The fallback for a co-op with no status history rows (e.g. imported before history was kept).

    ASSUMPTION: a co-op that is suspended now is taken as suspended for the whole year being
    graded, and one dissolved now as not operating from the start of that year; an active one as
    never suspended. So a co-op suspended today is reported not graded rather than graded on a guess.
    """
    if coop.status == "suspended":
        return OperatingHistory(suspensions=[rules.Period(date(year, 1, 1), date(year, 12, 31))])
    if coop.status == "dissolved":
        return OperatingHistory(dissolved_on=date(year, 1, 1))
    return OperatingHistory()


async def history_from_status_rows(session: AsyncSession, coop: Coop, year: int) -> OperatingHistory:
    """Suspensions and dissolution from the co-op's status history (rows only ever added)."""
    rows = (
        await session.exec(
            select(CoopStatusHistory.effective_on, CoopStatusHistory.status)
            .where(CoopStatusHistory.coop_id == coop.id)
            .order_by(CoopStatusHistory.effective_on, CoopStatusHistory.id)
        )
    ).all()
    if not rows:
        return await history_from_current_status(session, coop, year)
    suspensions, dissolved_on = rules.periods_from_statuses([(on, status) for on, status in rows])
    return OperatingHistory(suspensions=suspensions, dissolved_on=dissolved_on)


def grading_public(grading: Grading, current: bool) -> GradingPublic:
    return GradingPublic(
        id=grading.id,
        coop_id=grading.coop_id,
        year=grading.year,
        revision=grading.revision,
        current=current,
        scheme=grading.scheme,
        scores=json.loads(grading.scores_json) if grading.scores_json else None,
        total_score=grading.total_score,
        grade=grading.grade,
        not_graded_reason=grading.not_graded_reason,
        note=grading.note,
        supersedes_id=grading.supersedes_id,
        regrade_reason=grading.regrade_reason,
    )


async def _current_grading(session: AsyncSession, coop_id: int, year: int) -> Grading | None:
    rows = await session.exec(
        select(Grading)
        .where(Grading.coop_id == coop_id, Grading.year == year)
        .order_by(col(Grading.revision).desc())
        .limit(1)
    )
    return rows.first()


async def _grade(
    session: AsyncSession,
    coop: Coop,
    year: int,
    scheme_code: str,
    scores: dict[str, int] | None,
    reader: OperatingHistoryReader,
    today: date,
) -> dict:
    """The grading's computed fields: scheme, scores, total and grade, or not graded with the reason."""
    rules.check_grading_year(year, coop.founded_on, today)
    scheme = await load_scheme(session, scheme_code)
    history = await reader(session, coop, year)
    reason = rules.not_graded_reason(year, coop.founded_on, history.suspensions, scheme, history.dissolved_on)
    if reason is not None:
        return {
            "scheme": scheme.code,
            "scores_json": None,
            "total_score": None,
            "grade": "not_graded",
            "not_graded_reason": reason,
        }
    if scores is None:
        raise Unprocessable("grading.scores_required", coop_id=coop.id, year=year)
    total = rules.total_score(scores, scheme)
    return {
        "scheme": scheme.code,
        "scores_json": json.dumps(scores),
        "total_score": total,
        "grade": rules.grade_for_total(total, scheme),
        "not_graded_reason": None,
    }


def _record_graded(session: AsyncSession, grading: Grading, principal: Principal) -> None:
    record_event(
        session,
        contracts.STREAM,
        contracts.CoopGraded(
            grading_id=grading.id,
            coop_id=grading.coop_id,
            year=grading.year,
            scheme=grading.scheme,
            total_score=grading.total_score,
            grade=grading.grade,
            not_graded_reason=grading.not_graded_reason,
            revision=grading.revision,
            supersedes_grading_id=grading.supersedes_id,
        ),
        actor=principal.actor,
    )


async def grade_coop(
    session: AsyncSession,
    coop_id: int,
    data: GradingCreate,
    principal: Principal,
    reader: OperatingHistoryReader = history_from_status_rows,
    today: date | None = None,
) -> Grading:
    """The first grading of a co-op for a year; a second one is 409 (use a regrade)."""
    principal.require_role("province")
    coop = await get_coop(session, coop_id)
    if await _current_grading(session, coop_id, data.year) is not None:
        raise Conflict("grading.duplicate", coop_id=coop_id, year=data.year)
    scores = data.scores.model_dump() if data.scores else None
    computed = await _grade(session, coop, data.year, data.scheme, scores, reader, today or today_in_vietnam())
    grading = Grading(coop_id=coop_id, year=data.year, revision=1, note=data.note, **computed)
    session.add(grading)
    await _flush_or_conflict(session, "grading.duplicate", coop_id=coop_id, year=data.year)
    _record_graded(session, grading, principal)
    return grading


async def regrade_coop(
    session: AsyncSession,
    coop_id: int,
    year: int,
    data: RegradeCreate,
    principal: Principal,
    reader: OperatingHistoryReader = history_from_status_rows,
    today: date | None = None,
) -> Grading:
    """A correction: a new revision that supersedes the current one; the old one stays in the history."""
    principal.require_role("province")
    coop = await get_coop(session, coop_id)
    current = await _current_grading(session, coop_id, year)
    if current is None:
        raise NotFound("grading.not_found", coop_id=coop_id, year=year)
    scores = data.scores.model_dump() if data.scores else None
    computed = await _grade(session, coop, year, data.scheme, scores, reader, today or today_in_vietnam())
    grading = Grading(
        coop_id=coop_id,
        year=year,
        revision=current.revision + 1,
        note=data.note,
        supersedes_id=current.id,
        regrade_reason=data.reason,
        **computed,
    )
    session.add(grading)
    # Two regrades at once both draw the same revision; the loser is told to look again.
    await _flush_or_conflict(session, "grading.duplicate", coop_id=coop_id, year=year)
    _record_graded(session, grading, principal)
    return grading


async def grading_history(session: AsyncSession, coop_id: int, principal: Principal) -> list[GradingPublic]:
    """Every revision of every year, newest year first; `current` marks the revision that counts."""
    require_coop_reader(principal, coop_id)
    await get_coop(session, coop_id)
    rows = (
        await session.exec(
            select(Grading)
            .where(Grading.coop_id == coop_id)
            .order_by(col(Grading.year).desc(), col(Grading.revision).desc())
        )
    ).all()
    seen: set[int] = set()
    history = []
    for grading in rows:
        history.append(grading_public(grading, current=grading.year not in seen))
        seen.add(grading.year)
    return history


# --------------------------------------------------------------------------- inspections


def _violation_public(violation: Violation) -> ViolationPublic:
    return ViolationPublic(
        id=violation.id,
        inspection_id=violation.inspection_id,
        description=violation.description,
        correction_deadline=violation.correction_deadline,
        status="open" if violation.resolved_on is None else "resolved",
        resolved_on=violation.resolved_on,
        resolution_note=violation.resolution_note,
    )


def inspection_public(inspection: Inspection, violations: list[Violation]) -> InspectionPublic:
    return InspectionPublic(
        id=inspection.id,
        coop_id=inspection.coop_id,
        inspected_on=inspection.inspected_on,
        body=inspection.body,
        kind=inspection.kind,
        findings=inspection.findings,
        commendations=json.loads(inspection.commendations_json),
        violations=[_violation_public(v) for v in sorted(violations, key=lambda v: v.id)],
    )


async def record_inspection(
    session: AsyncSession, coop_id: int, data: InspectionCreate, principal: Principal, today: date | None = None
) -> InspectionPublic:
    principal.require_role("province")
    await get_coop(session, coop_id)
    if data.inspected_on > (today or today_in_vietnam()):
        raise Unprocessable("inspection.in_future", inspected_on=data.inspected_on)
    for violation in data.violations:
        if violation.correction_deadline < data.inspected_on:
            raise Unprocessable(
                "inspection.deadline_before", deadline=violation.correction_deadline, inspected_on=data.inspected_on
            )
    inspection = Inspection(
        coop_id=coop_id,
        inspected_on=data.inspected_on,
        body=data.body,
        kind=data.kind,
        findings=data.findings,
        commendations_json=json.dumps(data.commendations, ensure_ascii=False),
    )
    session.add(inspection)
    await session.flush()
    violations = [
        Violation(
            inspection_id=inspection.id,
            coop_id=coop_id,
            description=v.description,
            correction_deadline=v.correction_deadline,
        )
        for v in data.violations
    ]
    session.add_all(violations)
    await session.flush()
    record_event(
        session,
        contracts.STREAM,
        contracts.InspectionRecorded(
            inspection_id=inspection.id,
            coop_id=coop_id,
            inspected_on=inspection.inspected_on,
            body=inspection.body,
            kind=inspection.kind,
            violations=len(violations),
            commended=bool(data.commendations),
        ),
        occurred_at=start_of_local_day(inspection.inspected_on),
        actor=principal.actor,
    )
    return inspection_public(inspection, violations)


async def _inspection(session: AsyncSession, coop_id: int, inspection_id: int) -> Inspection:
    inspection = await session.get(Inspection, inspection_id)
    if inspection is None or inspection.coop_id != coop_id:
        raise NotFound("inspection.not_found", inspection_id=inspection_id, coop_id=coop_id)
    return inspection


async def _violations(session: AsyncSession, inspection_ids: Sequence[int]) -> dict[int, list[Violation]]:
    found: dict[int, list[Violation]] = defaultdict(list)
    if inspection_ids:
        for violation in (
            await session.exec(select(Violation).where(col(Violation.inspection_id).in_(inspection_ids)))
        ).all():
            found[violation.inspection_id].append(violation)
    return found


async def get_inspection(
    session: AsyncSession, coop_id: int, inspection_id: int, principal: Principal
) -> InspectionPublic:
    require_coop_reader(principal, coop_id)
    inspection = await _inspection(session, coop_id, inspection_id)
    return inspection_public(inspection, (await _violations(session, [inspection_id]))[inspection_id])


async def list_inspections(session: AsyncSession, coop_id: int, principal: Principal) -> list[InspectionPublic]:
    require_coop_reader(principal, coop_id)
    await get_coop(session, coop_id)
    inspections = (
        await session.exec(
            select(Inspection)
            .where(Inspection.coop_id == coop_id)
            .order_by(col(Inspection.inspected_on).desc(), col(Inspection.id).desc())
        )
    ).all()
    violations = await _violations(session, [i.id for i in inspections])
    return [inspection_public(i, violations[i.id]) for i in inspections]


async def resolve_violation(
    session: AsyncSession,
    coop_id: int,
    inspection_id: int,
    violation_id: int,
    data: ResolutionCreate,
    principal: Principal,
    today: date | None = None,
) -> InspectionPublic:
    principal.require_role("province")
    inspection = await _inspection(session, coop_id, inspection_id)
    locked = await session.exec(select(Violation).where(Violation.id == violation_id).with_for_update())
    violation = locked.first()
    if violation is None or violation.inspection_id != inspection_id:
        raise NotFound("violation.not_found", violation_id=violation_id, inspection_id=inspection_id)
    if violation.resolved_on is not None:
        raise Conflict("violation.already_resolved", violation_id=violation_id, resolved_on=violation.resolved_on)
    if not inspection.inspected_on <= data.resolved_on <= (today or today_in_vietnam()):
        raise Unprocessable(
            "violation.resolved_date", resolved_on=data.resolved_on, inspected_on=inspection.inspected_on
        )
    violation.resolved_on, violation.resolution_note = data.resolved_on, data.note
    session.add(violation)
    record_event(
        session,
        contracts.STREAM,
        contracts.ViolationResolved(
            inspection_id=inspection_id, violation_id=violation_id, coop_id=coop_id, resolved_on=data.resolved_on
        ),
        occurred_at=start_of_local_day(data.resolved_on),
        actor=principal.actor,
    )
    await session.flush()
    return inspection_public(inspection, (await _violations(session, [inspection_id]))[inspection_id])


# --------------------------------------------------------------------------- compliance flags

UnionMembersReader = Callable[[AsyncSession, list[int]], Awaitable[dict[int, list[rules.Membership]]]]


async def union_memberships(session: AsyncSession, union_ids: list[int]) -> dict[int, list[rules.Membership]]:
    """Member co-ops of each union, with the dates they joined and left."""
    found: dict[int, list[rules.Membership]] = defaultdict(list)
    for union_id, joined_on, left_on in (
        await session.exec(
            select(UnionMembership.union_id, UnionMembership.joined_on, UnionMembership.left_on).where(
                col(UnionMembership.union_id).in_(union_ids)
            )
        )
    ).all():
        found[union_id].append(rules.Membership(joined_on, left_on))
    return found


async def compliance_flags(
    session: AsyncSession,
    principal: Principal,
    *,
    day: date,
    language: Language,
    ward_code: str | None = None,
    coop_id: int | None = None,
    union_members: UnionMembersReader = union_memberships,
) -> list[ComplianceFlag]:
    """What a province officer should follow up on `day`, oldest first."""
    principal.require_role("province")
    statement = select(Coop).where(Coop.status != "dissolved", Coop.founded_on <= day)
    if ward_code is not None:
        statement = statement.where(Coop.ward_code == ward_code)
    if coop_id is not None:
        statement = statement.where(Coop.id == coop_id)
    coops = {c.id: c for c in (await session.exec(statement)).all()}
    if not coops:
        return []
    flags: list[ComplianceFlag] = []

    def flag(flag_kind: str, coop: Coop, since: date, /, **params: object) -> None:
        flags.append(
            ComplianceFlag(
                kind=flag_kind,
                coop_id=coop.id,
                coop_name=coop.name,
                ward_code=coop.ward_code,
                since=since,
                detail=translate(f"flag.{flag_kind}", language, **params),
                params={k: str(v) for k, v in params.items()},
            )
        )

    ids = list(coops)
    members: dict[int, list[rules.Membership]] = defaultdict(list)
    for member_coop, joined_on, left_on in (
        await session.exec(
            select(Member.coop_id, Member.joined_on, Member.left_on).where(
                col(Member.coop_id).in_(ids), Member.membership == "official"
            )
        )
    ).all():
        members[member_coop].append(rules.Membership(joined_on, left_on))
    for coop in coops.values():
        minimum = rules.MINIMUM_MEMBERS.get(coop.form)
        if minimum is None:
            continue
        since = rules.below_minimum_since(members[coop.id], minimum, coop.founded_on, day)
        if since is not None:
            flag("coop_below_min_members", coop, since, count=rules.count_on(day, members[coop.id]), minimum=minimum)

    unions = [c.id for c in coops.values() if c.form == "lien_hiep"]
    union_coops = await union_members(session, unions) if unions else {}
    for union_id in unions:
        union, recorded = coops[union_id], union_coops.get(union_id, [])
        since = rules.below_minimum_since(recorded, rules.MINIMUM_UNION_COOPS, union.founded_on, day)
        if since is not None:
            flag(
                "union_below_min_coops",
                union,
                since,
                count=rules.count_on(day, recorded),
                minimum=rules.MINIMUM_UNION_COOPS,
            )

    certificates = (
        await session.exec(select(Certificate).where(col(Certificate.coop_id).in_(ids), Certificate.valid_from <= day))
    ).all()
    plots = await plot_ids_of(session, [c.id for c in certificates])
    by_id = {c.id: c for c in certificates}
    scopes = [
        rules.CertificateScope(
            certificate_id=c.id,
            coop_id=c.coop_id,
            kind=c.kind,
            valid_from=c.valid_from,
            valid_to=c.valid_to,
            revoked_on=c.revoked_on,
            plot_ids=frozenset(plots[c.id]),
            products=frozenset(search_key(p) for p in _products(c)),
        )
        for c in certificates
    ]
    for scope in rules.expired_unreplaced(scopes, day):
        certificate = by_id[scope.certificate_id]
        flag(
            "certificate_expired_unreplaced",
            coops[certificate.coop_id],
            certificate.valid_to + timedelta(days=1),
            certificate_id=certificate.id,
            kind=certificate.kind,
            code=certificate.code,
            valid_to=certificate.valid_to,
        )

    open_violations = (
        await session.exec(
            select(Violation).where(
                col(Violation.coop_id).in_(ids),
                Violation.correction_deadline < day,
                or_(col(Violation.resolved_on).is_(None), col(Violation.resolved_on) > day),
            )
        )
    ).all()
    for violation in open_violations:
        if rules.violation_overdue(violation.correction_deadline, violation.resolved_on, day):
            flag(
                "violation_overdue",
                coops[violation.coop_id],
                violation.correction_deadline + timedelta(days=1),
                violation_id=violation.id,
                inspection_id=violation.inspection_id,
                description=violation.description,
                deadline=violation.correction_deadline,
            )

    return sorted(flags, key=lambda f: (f.since, f.kind, f.coop_id, sorted(f.params.items())))
