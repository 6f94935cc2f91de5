"""Reporting HTTP routes: the dependencies of `parameters` parse and check a request, a
query of `queries` answers it, and the result goes out as JSON, CSV, XLSX or the dashboard page.

Access: the scorecard (`/kpis`, `/dashboard`) is public; reports need a token. The province
sees everything; a co-op token sees only its own co-op (its reports are narrowed to it, and
asking for another co-op is refused with 403); a buyer token sees no report. Rebuilding the
read model (`/admin/rebuild`, a job of `services.reporting.rebuild`) is the province's.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request, Response
from fastapi.responses import HTMLResponse
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting import dashboard as page
from services.reporting import exports, kpis, queries, rebuild
from services.reporting.parameters import ReportRequestDep, ScorecardYearDep, province_only, today_of
from services.reporting.rebuild import RebuildJobs
from services.reporting.schemas import KpiReport, RebuildJobPublic, Report
from shared.auth import PrincipalDep
from shared.errors import NotFound
from shared.i18n import language_of, page_language_of
from shared.idempotency import IdempotentRoute
from shared.service import SessionDep, UnitOfWorkDep

router = APIRouter(tags=["reporting"], route_class=IdempotentRoute)


@router.get("/kpis", response_model=KpiReport, summary="Provincial scorecard for a calendar year (public)")
async def get_kpis(request: Request, session: SessionDep, year: ScorecardYearDep) -> KpiReport:
    """Anyone. Co-ops by form and status, new co-ops and unions, the graded Tốt/Khá share, members
    and workers, harvest and sales volumes, member income and its growth, chain linkage, each
    against the target of the plan covering the year (the shipped one, or the latest version the
    province published); `as_of` is 31 December, or today while the year runs. Without ?year, the
    latest year that has data and a plan covering it, as the dashboard opens on."""
    plans, year, today = await _scorecard_of(request, session, year)
    return await queries.kpi_report(session, year, plans, today)


async def _scorecard_of(request: Request, session: AsyncSession, year: int | None) -> tuple[list[kpis.Plan], int, date]:
    """The plans in force (shipped and published), the year asked for or else the default one, and today."""
    plans, today = await queries.plans_in_force(session, request.app.state.shipped_plans), today_of(request)
    if year is None:
        year = await queries.default_year(session, plans, today)
    return plans, year, today


@router.get(
    "/reports/{name}",
    response_model=Report,
    summary="A report as JSON, CSV or XLSX (province: all; co-op: its own)",
    responses={200: {"content": {exports.CSV_TYPE: {}, exports.XLSX_TYPE: {}}}},
)
async def get_report(request: Request, session: SessionDep, asked: ReportRequestDep) -> Any:
    """Reports: `production` (product, commune, month, harvest round), `sales` (grade, buyer,
    month), `payables` (what each co-op owes each household per round), `inspections`
    (violations open and closed, commendations), `certified` (certified share of harvest)."""
    query = queries.REPORTS[asked.name]
    report = await query(session, asked.filters, request.app.state.wards, language_of(request))
    return report if asked.format == "json" else exports.file_response(report, asked.format)


@router.get("/dashboard", response_class=HTMLResponse, summary="The public scorecard as a page (?lang=en)")
async def dashboard(request: Request, session: SessionDep, year: ScorecardYearDep) -> HTMLResponse:
    """Anyone. The provincial scorecard for people, Vietnamese by default, English with ?lang=en;
    without ?year, the latest year that has data and a plan covering it."""
    plans, year, today = await _scorecard_of(request, session, year)
    history = await queries.plan_history(session, year, plans, today)
    report = next((past for past in history if past.year == year), None)
    report = report or await queries.kpi_report(session, year, plans, today)
    groups = page.year_groups(plans, today, year)
    return HTMLResponse(page.render(report, page_language_of(request), groups, history))


def _rebuilds(request: Request) -> RebuildJobs:
    jobs: RebuildJobs = request.app.state.rebuilds
    return jobs


RebuildJobsDep = Annotated[RebuildJobs, Depends(_rebuilds)]


@router.post(
    "/admin/rebuild",
    status_code=202,
    response_model=RebuildJobPublic,
    dependencies=[Depends(province_only)],  # before the unit of work opens
    summary="Start rebuilding the read model from both streams, or see the rebuild already running (province)",
)
async def start_rebuild(
    response: Response,
    background: BackgroundTasks,
    work: UnitOfWorkDep,
    principal: PrincipalDep,
    rebuilds: RebuildJobsDep,
) -> RebuildJobPublic:
    """Replay `registry.events` and `supplychain.events` from id 0 into shadow tables and swap them
    in; live consumption goes on meanwhile. Answers 202 with the job at once (`Location` to poll);
    while a rebuild is queued or running, the answer is that job, so a retried POST starts nothing."""
    job, created = await rebuilds.request(work.session, principal.actor)
    assert job.id is not None  # flushed
    if created:  # after the commit, which comes before the answer is sent
        background.add_task(rebuilds.launch, job.id)
    response.headers["Location"] = f"/admin/rebuild/{job.id}"
    return rebuild.public(job)


@router.get(
    "/admin/rebuild",
    response_model=RebuildJobPublic,
    dependencies=[Depends(province_only)],
    summary="The latest rebuild of the read model (province)",
    responses={404: {"description": "No rebuild has run yet"}},
)
async def latest_rebuild(rebuilds: RebuildJobsDep) -> RebuildJobPublic:
    """The most recent rebuild job, running or finished."""
    job = await rebuilds.job(None)
    if job is None:
        raise NotFound("rebuild.none")
    return rebuild.public(job)


@router.get(
    "/admin/rebuild/{job_id}",
    response_model=RebuildJobPublic,
    dependencies=[Depends(province_only)],
    summary="A rebuild of the read model: state, progress per stream, times, error (province)",
)
async def get_rebuild(job_id: int, rebuilds: RebuildJobsDep) -> RebuildJobPublic:
    """Poll this until `state` is `succeeded` or `failed`."""
    job = await rebuilds.job(job_id)
    if job is None:
        raise NotFound("rebuild.not_found", job_id=job_id)
    return rebuild.public(job)
