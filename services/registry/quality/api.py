"""Registry quality routes: plots, certificates, grading schemes, gradings, inspections and
compliance flags. Thin: parse the request, call a command or a query, shape the answer.

Access: the province writes everything; a co-op token may register its own plots; gradings
and inspections are written by the province and read by the province and the co-op itself;
certificates and plots are public reads (buyers check them); compliance flags are the province's.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from services.registry.quality import commands, queries
from services.registry.quality.schemas import (
    CertificateCreate,
    CertificatePage,
    CertificatePublic,
    ComplianceReport,
    GradingCreate,
    GradingPublic,
    GradingSchemeCreate,
    GradingSchemePublic,
    InspectionCreate,
    InspectionPublic,
    PlotCreate,
    PlotPublic,
    RegradeCreate,
    ResolutionCreate,
    RevocationCreate,
    certificate_public,
    grading_public,
    plot_public,
    scheme_public,
)
from services.registry.queries import get_coop
from shared.auth import PrincipalDep
from shared.clock import today_in_vietnam
from shared.events import registry as contracts
from shared.i18n import language_of
from shared.idempotency import IdempotentRoute
from shared.service import SessionDep, UnitOfWorkDep

router = APIRouter(tags=["registry: plots, certificates, gradings, inspections"], route_class=IdempotentRoute)

QUALITY_EVENTS = [
    contracts.PlotRegistered,
    contracts.CertificateIssued,
    contracts.CertificateRevoked,
    contracts.CoopGraded,
    contracts.InspectionRecorded,
    contracts.ViolationResolved,
]


def operating_history_reader() -> queries.OperatingHistoryReader:
    """Where the not-graded rules read suspensions from (tests and other sources override this)."""
    return queries.history_from_status_rows


def union_members_reader() -> queries.UnionMembersReader:
    """Where the union check reads member co-ops from (the rule itself only takes memberships)."""
    return queries.union_memberships


OperatingHistoryDep = Annotated[queries.OperatingHistoryReader, Depends(operating_history_reader)]
UnionMembersDep = Annotated[queries.UnionMembersReader, Depends(union_members_reader)]
WardQuery = Annotated[str | None, Query(pattern=r"^\d{5}$", description="Commune/ward code, e.g. 05488")]


# --------------------------------------------------------------------------- plots


@router.post(
    "/coops/{coop_id}/plots",
    status_code=status.HTTP_201_CREATED,
    response_model=PlotPublic,
    summary="Register a member household's plot (province, or the co-op itself)",
)
async def register_plot(coop_id: int, data: PlotCreate, uow: UnitOfWorkDep, principal: PrincipalDep) -> PlotPublic:
    """GeoJSON [longitude, latitude] in WGS 84, kept to 6 decimals; 4 ha and above need a Polygon."""
    plot = await commands.register_plot(uow.session, coop_id, data, principal)
    return plot_public(plot)


@router.get("/coops/{coop_id}/plots", response_model=list[PlotPublic], summary="A co-op's plots")
async def list_plots(
    coop_id: int,
    session: SessionDep,
    member_id: Annotated[int | None, Query(description="Only this household's plots")] = None,
) -> list[PlotPublic]:
    return [plot_public(p) for p in await queries.list_plots(session, coop_id, member_id)]


@router.get("/plots", response_model=list[PlotPublic], summary="The plot with a planting-area code")
async def find_plot(
    session: SessionDep, planting_area_code: Annotated[str, Query(min_length=1, max_length=50)]
) -> list[PlotPublic]:
    """Harvests name plots by their planting-area code (mã số vùng trồng); this finds the plot, if any."""
    return [plot_public(p) for p in await queries.find_plots(session, planting_area_code)]


@router.get("/plots/{plot_id}", response_model=PlotPublic, summary="One plot")
async def get_plot(plot_id: int, session: SessionDep) -> PlotPublic:
    return plot_public(await queries.get_plot(session, plot_id))


# --------------------------------------------------------------------------- certificates


@router.post(
    "/coops/{coop_id}/certificates",
    status_code=status.HTTP_201_CREATED,
    response_model=CertificatePublic,
    summary="Record a VietGAP, organic, OCOP or other certificate (province)",
)
async def issue_certificate(
    coop_id: int, data: CertificateCreate, uow: UnitOfWorkDep, principal: PrincipalDep
) -> CertificatePublic:
    """OCOP: give `ocop_stars` (3-5) or `ocop_score` (3★ 50-69, 4★ 70-89, 5★ 90-100), or both if they agree."""
    certificate, plot_ids = await commands.issue_certificate(uow.session, coop_id, data, principal)
    return certificate_public(certificate, plot_ids, today_in_vietnam())


@router.post(
    "/certificates/{certificate_id}/revocation",
    response_model=CertificatePublic,
    summary="Revoke a certificate from a date on (province)",
)
async def revoke_certificate(
    certificate_id: int, data: RevocationCreate, uow: UnitOfWorkDep, principal: PrincipalDep
) -> CertificatePublic:
    """From `revoked_on` on, the certificate is no longer valid."""
    certificate, plot_ids = await commands.revoke_certificate(uow.session, certificate_id, data, principal)
    return certificate_public(certificate, plot_ids, today_in_vietnam())


ValidOn = Annotated[
    date | None,
    Query(
        description="Only certificates valid on this day: within [valid_from, valid_to] and not revoked on or before it"
    ),
]
KindQuery = Annotated[contracts.CertificateKind | None, Query()]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0)]


@router.get("/certificates", response_model=CertificatePage, summary="Certificates; e.g. those valid on a date")
async def list_certificates(
    session: SessionDep,
    coop_id: int | None = None,
    valid_on: ValidOn = None,
    kind: KindQuery = None,
    code: Annotated[str | None, Query(max_length=100)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> CertificatePage:
    """Public: a buyer checks whether a co-op's certificates were valid on an event's date."""
    return await queries.certificate_page(
        session, coop_id=coop_id, valid_on=valid_on, kind=kind, code=code, limit=limit, offset=offset
    )


@router.get("/coops/{coop_id}/certificates", response_model=CertificatePage, summary="A co-op's certificates")
async def coop_certificates(
    coop_id: int,
    session: SessionDep,
    valid_on: ValidOn = None,
    kind: KindQuery = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> CertificatePage:
    await get_coop(session, coop_id)
    return await queries.certificate_page(
        session, coop_id=coop_id, valid_on=valid_on, kind=kind, code=None, limit=limit, offset=offset
    )


@router.get("/certificates/{certificate_id}", response_model=CertificatePublic, summary="One certificate")
async def get_certificate(certificate_id: int, session: SessionDep, valid_on: ValidOn = None) -> CertificatePublic:
    """`status` (valid, revoked, expired, not_yet_valid) is as of `valid_on`, or today."""
    certificate, plot_ids = await queries.get_certificate(session, certificate_id)
    return certificate_public(certificate, plot_ids, valid_on or today_in_vietnam())


# --------------------------------------------------------------------------- grading


@router.get("/grading-schemes", response_model=list[GradingSchemePublic], summary="Grading schemes, by version")
async def list_schemes(session: SessionDep) -> list[GradingSchemePublic]:
    return [scheme_public(s) for s in await queries.list_schemes(session)]


@router.post(
    "/grading-schemes",
    status_code=status.HTTP_201_CREATED,
    response_model=GradingSchemePublic,
    summary="Define a new grading scheme version (province)",
)
async def define_scheme(data: GradingSchemeCreate, uow: UnitOfWorkDep, principal: PrincipalDep) -> GradingSchemePublic:
    scheme = await commands.define_scheme(uow.session, data, principal)
    return scheme_public(scheme)


@router.post(
    "/coops/{coop_id}/gradings",
    status_code=status.HTTP_201_CREATED,
    response_model=GradingPublic,
    summary="Grade a co-op for a finished year (province)",
)
async def grade_coop(
    coop_id: int, data: GradingCreate, uow: UnitOfWorkDep, principal: PrincipalDep, history: OperatingHistoryDep
) -> GradingPublic:
    """One grading per co-op and year (409 on a second one: send a regrade). A co-op that operated
    under 12 months of the year, or was suspended more than 3 months of it, is recorded as not graded."""
    grading = await commands.grade_coop(uow.session, coop_id, data, principal, history)
    return grading_public(grading, current=True)


@router.post(
    "/coops/{coop_id}/gradings/{year}/regrades",
    status_code=status.HTTP_201_CREATED,
    response_model=GradingPublic,
    summary="Correct a year's grading with a reason (province)",
)
async def regrade_coop(
    coop_id: int,
    year: int,
    data: RegradeCreate,
    uow: UnitOfWorkDep,
    principal: PrincipalDep,
    history: OperatingHistoryDep,
) -> GradingPublic:
    """A new revision supersedes the current one; the history keeps both."""
    grading = await commands.regrade_coop(uow.session, coop_id, year, data, principal, history)
    return grading_public(grading, current=True)


@router.get(
    "/coops/{coop_id}/gradings",
    response_model=list[GradingPublic],
    summary="A co-op's grading history (province, or the co-op itself)",
)
async def grading_history(coop_id: int, session: SessionDep, principal: PrincipalDep) -> list[GradingPublic]:
    return await queries.grading_history(session, coop_id, principal)


# --------------------------------------------------------------------------- inspections


@router.post(
    "/coops/{coop_id}/inspections",
    status_code=status.HTTP_201_CREATED,
    response_model=InspectionPublic,
    summary="Record an inspection with findings, violations and commendations (province)",
)
async def record_inspection(
    coop_id: int, data: InspectionCreate, uow: UnitOfWorkDep, principal: PrincipalDep
) -> InspectionPublic:
    inspection = await commands.record_inspection(uow.session, coop_id, data, principal)
    return inspection


@router.get(
    "/coops/{coop_id}/inspections",
    response_model=list[InspectionPublic],
    summary="A co-op's inspections (province, or the co-op itself)",
)
async def list_inspections(coop_id: int, session: SessionDep, principal: PrincipalDep) -> list[InspectionPublic]:
    return await queries.list_inspections(session, coop_id, principal)


@router.get(
    "/coops/{coop_id}/inspections/{inspection_id}",
    response_model=InspectionPublic,
    summary="One inspection (province, or the co-op itself)",
)
async def get_inspection(
    coop_id: int, inspection_id: int, session: SessionDep, principal: PrincipalDep
) -> InspectionPublic:
    return await queries.get_inspection(session, coop_id, inspection_id, principal)


@router.post(
    "/coops/{coop_id}/inspections/{inspection_id}/violations/{violation_id}/resolution",
    response_model=InspectionPublic,
    summary="Record that a violation was corrected (province)",
)
async def resolve_violation(
    coop_id: int,
    inspection_id: int,
    violation_id: int,
    data: ResolutionCreate,
    uow: UnitOfWorkDep,
    principal: PrincipalDep,
) -> InspectionPublic:
    inspection = await commands.resolve_violation(uow.session, coop_id, inspection_id, violation_id, data, principal)
    return inspection


# --------------------------------------------------------------------------- compliance


@router.get("/compliance/flags", response_model=ComplianceReport, summary="What to follow up (province)")
async def compliance_flags(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    union_members: UnionMembersDep,
    ward: WardQuery = None,
    coop_id: int | None = None,
    as_of: Annotated[date | None, Query(description="The day to judge on; today by default")] = None,
) -> ComplianceReport:
    """A co-op below 5 official members, a union below 3 member co-ops, a certificate expired
    and not replaced for the same scope, a violation past its correction deadline and still open.
    Each flag says since when it has been true."""
    day = as_of or today_in_vietnam()
    flags = await queries.compliance_flags(
        session,
        principal,
        day=day,
        language=language_of(request),
        ward_code=ward,
        coop_id=coop_id,
        union_members=union_members,
    )
    return ComplianceReport(as_of=day, flags=flags)
