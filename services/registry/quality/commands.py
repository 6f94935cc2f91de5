"""Registry quality writes: plots, certificates and their revocation, grading schemes, gradings
and regrades, inspections and the resolution of their violations. Plain async functions over a
session; no HTTP. The rules they apply are the pure `*_rules` modules.

Every write checks the caller's rights, validates, adds its rows and records its event in
the caller's transaction; the route commits. A refusal raises before anything is flushed
that the route would commit.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.publishing import publish
from services.registry.quality import certificate_rules, grading_rules, plot_rules
from services.registry.quality.queries import (
    OperatingHistoryReader,
    history_from_status_rows,
    load_inspection,
    load_scheme,
    plot_ids_of,
    violations_of,
)
from services.registry.quality.schemas import (
    CertificateCreate,
    GradingCreate,
    GradingSchemeCreate,
    InspectionCreate,
    InspectionPublic,
    PlotCreate,
    RegradeCreate,
    ResolutionCreate,
    RevocationCreate,
    inspection_public,
)
from services.registry.quality.tables import (
    Certificate,
    CertificatePlot,
    Grading,
    GradingSchemeRow,
    Inspection,
    Plot,
    Violation,
)
from services.registry.queries import get_coop, get_member
from services.registry.tables import Coop
from shared.auth import Principal
from shared.clock import start_of_local_day, today_in_vietnam
from shared.errors import Conflict, NotFound, Unprocessable
from shared.events import registry as contracts
from shared.shapes import from_fields


async def _flush_or_conflict(session: AsyncSession, key: str, **values: object) -> None:
    """A unique constraint lost to a concurrent request becomes the same 409 the pre-check gives."""
    try:
        await session.flush()
    except IntegrityError as error:
        await session.rollback()
        raise Conflict(key, **values) from error


# --------------------------------------------------------------------------- plots


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
    geometry = plot_rules.check_plot_geometry(data.area_ha, data.geometry)
    taken = await session.exec(select(Plot.id).where(Plot.planting_area_code == data.planting_area_code))
    if taken.first() is not None:
        raise Conflict("plot.duplicate_code", code=data.planting_area_code)
    geometry_json = json.dumps(geometry, separators=(",", ":")) if geometry else None
    plot = from_fields(Plot, data, coop_id=coop_id, member_id=member.id, geometry_json=geometry_json)
    session.add(plot)
    await _flush_or_conflict(session, "plot.duplicate_code", code=data.planting_area_code)
    publish(
        session,
        from_fields(contracts.PlotRegistered, plot, plot_id=plot.id, geometry=geometry),
        actor=principal.actor,
    )
    return plot


# --------------------------------------------------------------------------- certificates


async def issue_certificate(
    session: AsyncSession, coop_id: int, data: CertificateCreate, principal: Principal
) -> tuple[Certificate, list[int]]:
    principal.require_role("province")
    await get_coop(session, coop_id)
    certificate_rules.check_validity_window(data.valid_from, data.valid_to)
    stars = certificate_rules.check_ocop(data.kind, data.ocop_stars, data.ocop_score)
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
    products_json = json.dumps(products, ensure_ascii=False)
    certificate = from_fields(Certificate, data, coop_id=coop_id, ocop_stars=stars, products_json=products_json)
    session.add(certificate)
    await _flush_or_conflict(session, "certificate.duplicate", **duplicate)
    session.add_all(CertificatePlot(certificate_id=certificate.id, plot_id=p) for p in plot_ids)
    publish(
        session,
        from_fields(
            contracts.CertificateIssued,
            certificate,
            certificate_id=certificate.id,
            plot_ids=plot_ids,
            products=products,
        ),
        occurred_at=start_of_local_day(certificate.valid_from),
        actor=principal.actor,
    )
    return certificate, plot_ids


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
    certificate_rules.check_revocation(
        data.revoked_on, certificate.valid_from, certificate.valid_to, None, today or today_in_vietnam()
    )
    certificate.revoked_on, certificate.revocation_reason = data.revoked_on, data.reason
    session.add(certificate)
    publish(
        session,
        contracts.CertificateRevoked(
            certificate_id=certificate.id, coop_id=certificate.coop_id, revoked_on=data.revoked_on, reason=data.reason
        ),
        occurred_at=start_of_local_day(data.revoked_on),
        actor=principal.actor,
    )
    return certificate, (await plot_ids_of(session, [certificate_id]))[certificate_id]


# --------------------------------------------------------------------------- grading schemes


async def define_scheme(
    session: AsyncSession, data: GradingSchemeCreate, principal: Principal
) -> grading_rules.GradingScheme:
    """A new scheme version. Schemes are never edited: gradings keep pointing at what they used."""
    principal.require_role("province")
    scheme = grading_rules.GradingScheme(
        code=data.code,
        title=data.title,
        thresholds=tuple((m, g) for m, g in data.thresholds),
        criteria_max=dict(data.criteria_max),
        total_max=data.total_max,
        min_operating_months=data.min_operating_months,
        max_suspended_days=data.max_suspended_days,
    )
    grading_rules.check_scheme(scheme)
    if data.code in grading_rules.BUILTIN_SCHEMES or await session.get(GradingSchemeRow, data.code) is not None:
        raise Conflict("grading.scheme_exists", scheme=data.code)
    definition = {k: v for k, v in asdict(scheme).items() if k not in ("code", "title")}
    session.add(GradingSchemeRow(code=scheme.code, title=scheme.title, definition_json=json.dumps(definition)))
    await _flush_or_conflict(session, "grading.scheme_exists", scheme=data.code)
    return scheme


# --------------------------------------------------------------------------- gradings


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
    data: GradingCreate | RegradeCreate,
    reader: OperatingHistoryReader,
    today: date | None,
) -> dict:
    """The grading's computed fields: scheme, scores, total and grade, or not graded with the reason."""
    grading_rules.check_grading_year(year, coop.founded_on, today or today_in_vietnam())
    scores = dict(data.scores) if data.scores is not None else None
    scheme = await load_scheme(session, data.scheme)
    history = await reader(session, coop, year)
    reason = grading_rules.not_graded_reason(year, coop.founded_on, history.suspensions, scheme, history.dissolved_on)
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
    total = grading_rules.total_score(scores, scheme)
    proposal = {code: grading_rules.Proposed(**given.model_dump()) for code, given in data.proposal.items()}
    grading_rules.check_proposal(scores, proposal, data.notes, scheme)
    return {
        "scheme": scheme.code,
        "scores_json": json.dumps(scores),
        "proposal_json": json.dumps({code: asdict(given) for code, given in proposal.items()}, ensure_ascii=False)
        if proposal
        else None,
        "notes_json": json.dumps(data.notes, ensure_ascii=False) if data.notes else None,
        "total_score": total,
        "grade": grading_rules.grade_for_total(total, scheme),
        "not_graded_reason": None,
    }


async def _record_grading(session: AsyncSession, grading: Grading, principal: Principal) -> Grading:
    """Add a grading and its event."""
    session.add(grading)
    # Two regrades at once both draw the same revision; the loser is told to look again.
    await _flush_or_conflict(session, "grading.duplicate", coop_id=grading.coop_id, year=grading.year)
    publish(session, _graded_event(grading, await load_scheme(session, grading.scheme)), actor=principal.actor)
    return grading


def _graded_event(grading: Grading, scheme: grading_rules.GradingScheme) -> contracts.CoopGraded:
    """The grading as published, with its workings: scores, caps, proposal and notes."""
    scores = json.loads(grading.scores_json) if grading.scores_json else None
    return from_fields(
        contracts.CoopGraded,
        grading,
        grading_id=grading.id,
        supersedes_grading_id=grading.supersedes_id,
        scores=scores,
        maxima={code: grading_rules.cap_of(scheme, code) for code in scheme.criteria_max} if scores else None,
        proposal=json.loads(grading.proposal_json) if grading.proposal_json else None,
        notes=json.loads(grading.notes_json) if grading.notes_json else None,
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
    computed = await _grade(session, coop, data.year, data, reader, today)
    grading = Grading(coop_id=coop_id, year=data.year, revision=1, note=data.note, **computed)
    return await _record_grading(session, grading, principal)


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
    computed = await _grade(session, coop, year, data, reader, today)
    grading = Grading(
        coop_id=coop_id,
        year=year,
        revision=current.revision + 1,
        note=data.note,
        supersedes_id=current.id,
        regrade_reason=data.reason,
        **computed,
    )
    return await _record_grading(session, grading, principal)


# --------------------------------------------------------------------------- inspections


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
    commendations_json = json.dumps(data.commendations, ensure_ascii=False)
    inspection = from_fields(Inspection, data, coop_id=coop_id, commendations_json=commendations_json)
    session.add(inspection)
    await session.flush()
    violations = [from_fields(Violation, v, inspection_id=inspection.id, coop_id=coop_id) for v in data.violations]
    session.add_all(violations)
    await session.flush()
    publish(
        session,
        from_fields(
            contracts.InspectionRecorded,
            inspection,
            inspection_id=inspection.id,
            violations=len(violations),
            commendations=len(data.commendations),
        ),
        occurred_at=start_of_local_day(inspection.inspected_on),
        actor=principal.actor,
    )
    return inspection_public(inspection, violations)


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
    inspection = await load_inspection(session, coop_id, inspection_id)
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
    publish(
        session,
        contracts.ViolationResolved(
            inspection_id=inspection_id, violation_id=violation_id, coop_id=coop_id, resolved_on=data.resolved_on
        ),
        occurred_at=start_of_local_day(data.resolved_on),
        actor=principal.actor,
    )
    await session.flush()
    return inspection_public(inspection, (await violations_of(session, [inspection_id]))[inspection_id])
