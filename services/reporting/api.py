"""Reporting HTTP routes: the dependencies of `parameters` parse and check a request, a
query of `queries` answers it, and the result goes out as JSON, CSV, XLSX or the dashboard page.

Access: the scorecard (`/kpis`, `/dashboard`) is public; reports need a token. The province
sees everything; a co-op token sees only its own co-op (its reports are narrowed to it, and
asking for another co-op is refused with 403); a buyer token sees no report.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from services.reporting import consumers, exports, queries
from services.reporting.dashboard import render as render_dashboard
from services.reporting.parameters import DashboardYearDep, KpiYearDep, ReportRequestDep, province_only
from services.reporting.schemas import KpiReport, Report
from shared.i18n import language_of, page_language_of
from shared.service import RuntimeDep, SessionDep

router = APIRouter(tags=["reporting"])


@router.get("/kpis", response_model=KpiReport, summary="Provincial scorecard for a calendar year (public)")
async def get_kpis(request: Request, session: SessionDep, year: KpiYearDep) -> KpiReport:
    """Co-ops by form and status, new co-ops and unions, the graded Tốt/Khá share, members and
    workers, member income and its growth, chain linkage, each against the plan's target."""
    return await queries.kpi_report(session, year, request.app.state.plans)


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
async def dashboard(request: Request, session: SessionDep, year: DashboardYearDep) -> HTMLResponse:
    """The provincial scorecard for people: Vietnamese by default, English with ?lang=en."""
    report = await queries.kpi_report(session, year, request.app.state.plans)
    return HTMLResponse(render_dashboard(report, page_language_of(request)))


@router.post(
    "/admin/rebuild",
    dependencies=[Depends(province_only)],
    summary="Rebuild the read model from both streams (province)",
)
async def rebuild(runtime: RuntimeDep) -> dict[str, dict[str, int]]:
    """Empty the read model and replay `registry.events` and `supplychain.events` from id 0.
    Live consumption waits meanwhile; the answer counts entries per stream and outcome."""
    return await consumers.rebuild_read_model(runtime.sessions, runtime.redis, runtime.settings)
