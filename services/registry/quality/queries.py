"""Registry quality reads: plots, certificates, grading schemes, grading histories, inspections
and compliance flags. Plain async functions over a session; no HTTP, nothing written.

Gradings and inspections are the co-op's own records: only the province and the co-op itself
read them (`visibility.require_coop_reader`). Where the not-graded rules read a co-op's
suspensions from, and where the union check reads member co-ops from, are injectable readers.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.quality import compliance_rules, grading_rules
from services.registry.quality.schemas import (
    CertificatePage,
    ComplianceFlag,
    GradingPublic,
    InspectionPublic,
    certificate_public,
    grading_public,
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
    certificate_products,
)
from services.registry.queries import get_coop
from services.registry.tables import Coop, CoopStatusHistory, Member, UnionMembership
from services.registry.visibility import require_coop_reader
from shared.auth import Principal
from shared.clock import today_in_vietnam
from shared.errors import NotFound, Unprocessable
from shared.i18n import Language, translate
from shared.text import search_key

# --------------------------------------------------------------------------- plots


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


async def get_certificate(session: AsyncSession, certificate_id: int) -> tuple[Certificate, list[int]]:
    certificate = await session.get(Certificate, certificate_id)
    if certificate is None:
        raise NotFound("certificate.not_found", certificate_id=certificate_id)
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


async def certificate_page(
    session: AsyncSession,
    *,
    coop_id: int | None,
    valid_on: date | None,
    kind: str | None,
    code: str | None,
    limit: int,
    offset: int,
) -> CertificatePage:
    """A page of certificates, each with its status as of `valid_on` (or today)."""
    found, total = await list_certificates(
        session, coop_id=coop_id, valid_on=valid_on, kind=kind, code=code, limit=limit, offset=offset
    )
    status_on = valid_on or today_in_vietnam()
    return CertificatePage(
        items=[certificate_public(c, p, status_on) for c, p in found], total=total, limit=limit, offset=offset
    )


# --------------------------------------------------------------------------- grading schemes


def _scheme_from_row(row: GradingSchemeRow) -> grading_rules.GradingScheme:
    definition = json.loads(row.definition_json)
    return grading_rules.GradingScheme(
        code=row.code,
        title=row.title,
        thresholds=tuple((m, g) for m, g in definition["thresholds"]),
        criteria_max=definition["criteria_max"],
        total_max=definition["total_max"],
        min_operating_months=definition["min_operating_months"],
        max_suspended_days=definition["max_suspended_days"],
        unconfirmed_maxima=tuple(definition.get("unconfirmed_maxima", ())),
    )


async def load_scheme(session: AsyncSession, code: str) -> grading_rules.GradingScheme:
    if code in grading_rules.BUILTIN_SCHEMES:
        return grading_rules.BUILTIN_SCHEMES[code]
    row = await session.get(GradingSchemeRow, code)
    if row is None:
        raise Unprocessable("grading.scheme_unknown", scheme=code)
    return _scheme_from_row(row)


async def list_schemes(session: AsyncSession) -> list[grading_rules.GradingScheme]:
    rows = (await session.exec(select(GradingSchemeRow).order_by(GradingSchemeRow.code))).all()
    return [*grading_rules.BUILTIN_SCHEMES.values(), *(_scheme_from_row(r) for r in rows)]


# --------------------------------------------------------------------------- gradings


@dataclass(frozen=True)
class OperatingHistory:
    """What the not-graded rules need to know about a co-op's year."""

    suspensions: list[grading_rules.Period] = field(default_factory=list)
    dissolved_on: date | None = None


OperatingHistoryReader = Callable[[AsyncSession, Coop, int], Awaitable[OperatingHistory]]


async def history_from_current_status(session: AsyncSession, coop: Coop, year: int) -> OperatingHistory:
    """The fallback for a co-op with no status history rows (e.g. imported before history was kept).

    ASSUMPTION: a co-op that is suspended now is taken as suspended for the whole year being
    graded, and one dissolved now as not operating from the start of that year; an active one as
    never suspended. So a co-op suspended today is reported not graded rather than graded on a guess.
    """
    if coop.status == "suspended":
        return OperatingHistory(suspensions=[grading_rules.Period(date(year, 1, 1), date(year, 12, 31))])
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
    suspensions, dissolved_on = grading_rules.periods_from_statuses([(on, status) for on, status in rows])
    return OperatingHistory(suspensions=suspensions, dissolved_on=dissolved_on)


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


async def load_inspection(session: AsyncSession, coop_id: int, inspection_id: int) -> Inspection:
    inspection = await session.get(Inspection, inspection_id)
    if inspection is None or inspection.coop_id != coop_id:
        raise NotFound("inspection.not_found", inspection_id=inspection_id, coop_id=coop_id)
    return inspection


async def violations_of(session: AsyncSession, inspection_ids: Sequence[int]) -> dict[int, list[Violation]]:
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
    inspection = await load_inspection(session, coop_id, inspection_id)
    return inspection_public(inspection, (await violations_of(session, [inspection_id]))[inspection_id])


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
    violations = await violations_of(session, [i.id for i in inspections])
    return [inspection_public(i, violations[i.id]) for i in inspections]


# --------------------------------------------------------------------------- compliance flags

UnionMembersReader = Callable[[AsyncSession, list[int]], Awaitable[dict[int, list[compliance_rules.Membership]]]]


async def union_memberships(
    session: AsyncSession, union_ids: list[int]
) -> dict[int, list[compliance_rules.Membership]]:
    """Member co-ops of each union, with the dates they joined and left."""
    found: dict[int, list[compliance_rules.Membership]] = defaultdict(list)
    for union_id, joined_on, left_on in (
        await session.exec(
            select(UnionMembership.union_id, UnionMembership.joined_on, UnionMembership.left_on).where(
                col(UnionMembership.union_id).in_(union_ids)
            )
        )
    ).all():
        found[union_id].append(compliance_rules.Membership(joined_on, left_on))
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
    members: dict[int, list[compliance_rules.Membership]] = defaultdict(list)
    for member_coop, joined_on, left_on in (
        await session.exec(
            select(Member.coop_id, Member.joined_on, Member.left_on).where(
                col(Member.coop_id).in_(ids), Member.membership == "official"
            )
        )
    ).all():
        members[member_coop].append(compliance_rules.Membership(joined_on, left_on))
    for coop in coops.values():
        minimum = compliance_rules.MINIMUM_MEMBERS.get(coop.form)
        if minimum is None:
            continue
        since = compliance_rules.below_minimum_since(members[coop.id], minimum, coop.founded_on, day)
        if since is not None:
            flag(
                "coop_below_min_members",
                coop,
                since,
                count=compliance_rules.count_on(day, members[coop.id]),
                minimum=minimum,
            )

    unions = [c.id for c in coops.values() if c.form == "lien_hiep"]
    union_coops = await union_members(session, unions) if unions else {}
    for union_id in unions:
        union, recorded = coops[union_id], union_coops.get(union_id, [])
        since = compliance_rules.below_minimum_since(
            recorded, compliance_rules.MINIMUM_UNION_COOPS, union.founded_on, day
        )
        if since is not None:
            flag(
                "union_below_min_coops",
                union,
                since,
                count=compliance_rules.count_on(day, recorded),
                minimum=compliance_rules.MINIMUM_UNION_COOPS,
            )

    certificates = (
        await session.exec(select(Certificate).where(col(Certificate.coop_id).in_(ids), Certificate.valid_from <= day))
    ).all()
    plots = await plot_ids_of(session, [c.id for c in certificates])
    by_id = {c.id: c for c in certificates}
    scopes = [
        compliance_rules.CertificateScope(
            certificate_id=c.id,
            coop_id=c.coop_id,
            kind=c.kind,
            valid_from=c.valid_from,
            valid_to=c.valid_to,
            revoked_on=c.revoked_on,
            plot_ids=frozenset(plots[c.id]),
            products=frozenset(search_key(p) for p in certificate_products(c)),
        )
        for c in certificates
    ]
    for scope in compliance_rules.expired_unreplaced(scopes, day):
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
        if compliance_rules.violation_overdue(violation.correction_deadline, violation.resolved_on, day):
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
