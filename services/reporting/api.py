"""Reporting HTTP routes: the dependencies of `parameters` parse and check a request, a
query of `queries` answers it, and the result goes out as JSON, CSV, XLSX or the dashboard page.

Access: the scorecard (`/kpis`, `/dashboard`) is public; reports need a token. The dashboard's
lists of co-ops are the province's, `/dashboard/coop` a co-op's own (ADR 0024; a browser signs in
with `/dashboard/sign-in`, which keeps the access token in a cookie). The province
sees everything; a co-op token sees only its own co-op (its reports are narrowed to it, and
asking for another co-op is refused with 403); a buyer token sees no report. Rebuilding the
read model (`/admin/rebuild`, a job of `services.reporting.rebuild`) and closing a year's scorecard
(`/scorecards/{year}/close`) are the province's.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Path, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting import commands, exports, kpis, lists, panels, queries, rebuild, score_sheets
from services.reporting import dashboard as page
from services.reporting import session as sign_in_session
from services.reporting.parameters import (
    PagePrincipalDep,
    ReportRequestDep,
    ScorecardYearDep,
    commune_of,
    coop_scope,
    dashboard_coop,
    dashboard_province,
    invalid,
    province_only,
    scorecard_year_of,
    table_format_of,
    today_of,
)
from services.reporting.rebuild import RebuildJobs
from services.reporting.schemas import GradingProposal, KpiReport, RebuildJobPublic, Report
from shared.auth import OptionalPrincipalDep, Principal, PrincipalDep
from shared.errors import Forbidden, NotFound
from shared.i18n import language_of, page_language_of
from shared.idempotency import IdempotentRoute
from shared.service import SessionDep, UnitOfWorkDep

router = APIRouter(tags=["reporting"], route_class=IdempotentRoute)
# Signing in to the dashboard: plain routes, as the registry's /auth routes (a stored answer would carry a token).
sign_in_router = APIRouter(tags=["reporting: dashboard sign-in"])


@router.get("/kpis", response_model=KpiReport, summary="Provincial scorecard for a calendar year (public)")
async def get_kpis(
    request: Request, session: SessionDep, year: ScorecardYearDep, principal: OptionalPrincipalDep
) -> KpiReport:
    """Anyone. Co-ops by form and status, new co-ops and unions, the graded Tốt/Khá share of hợp tác
    xã, members and workers, harvest and sales volumes, member income and its growth, chain linkage,
    each against the target of the plan covering the year (the shipped one, or the latest version the
    province published), each with its `definition` (what is counted, over which days and forms, in
    Vietnamese and English); `as_of` is 31 December, or today while the year runs. Without ?year, the
    latest year that has data and a plan covering it, as the dashboard opens on. A year the province
    closed shows its frozen figures, and `closed` says when, by whom (the account: to the province
    only) and each figure the read model now puts otherwise (frozen, current, difference)."""
    plans, year, today = await _scorecard_of(request, session, year)
    return await queries.kpi_report(session, year, plans, today, reveal_actor=_is_province(principal))


def _is_province(principal: Principal | None) -> bool:
    return principal is not None and principal.role == "province"


@router.post(
    "/scorecards/{year}/close",
    status_code=201,
    response_model=KpiReport,
    dependencies=[Depends(province_only)],  # before the unit of work opens
    summary="Close a past year's scorecard: freeze its figures (province)",
)
async def close_scorecard(request: Request, year: str, work: UnitOfWorkDep, principal: PrincipalDep) -> KpiReport:
    """The province: freezes the year's figures as they stand now, with their targets, recording who
    closed it and when (ADR 0025); the answer is the closed scorecard. From then on `/kpis` and the
    dashboard show the frozen figures, and a later correction as a restatement beside them. A year
    still running: 422; a year already closed: 409 (closing is once; a close is not undone)."""
    closing = scorecard_year_of(request, year)
    plans, today = await queries.plans_in_force(work.session, request.app.state.shipped_plans), today_of(request)
    return await commands.close_scorecard(work.session, closing, plans, today, principal)


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


@router.get(
    "/dashboard",
    response_class=HTMLResponse,
    summary="The provincial dashboard (?lang=en; lists: province)",
    responses={404: {"description": "No plan by the key `plan` names"}},
)
async def dashboard(
    request: Request,
    session: SessionDep,
    year: ScorecardYearDep,
    principal: PagePrincipalDep,
    plan: Annotated[str | None, Query(max_length=40, description="A plan's key, e.g. 2021-2025")] = None,
    commune: Annotated[str | None, Query(description="Only this commune's production, grading, inspections")] = None,
    product: Annotated[str | None, Query(max_length=100, description="Only this product's production")] = None,
) -> HTMLResponse:
    """Anyone: the scorecard with each figure's target and trend over the plan's years, production by
    month and commune, the grading distribution, members' average income by year and inspection
    totals, in Vietnamese (English with ?lang=en); without ?year, the plan's (or else the) latest
    year with data and a plan. Province accounts (signed in, ADR 0024) also get each figure's list
    of co-ops and the inspections per co-op; nothing here names a household or shows its money."""
    is_province = principal is not None and principal.role == "province"
    board, groups = await _province_board(request, session, year, plan, commune, product, is_province)
    return HTMLResponse(page.render_board(board, page_language_of(request), groups, principal, is_province))


async def _province_board(
    request: Request,
    session: AsyncSession,
    year: int | None,
    plan_key: str | None,
    commune: str | None,
    product: str | None,
    is_province: bool,
) -> tuple[panels.ProvinceBoard, list[page.YearGroup]]:
    commune = commune_of(request, commune or None)  # the picker's "all communes" sends commune=
    plans, today = await queries.plans_in_force(session, request.app.state.shipped_plans), today_of(request)
    if year is None and plan_key:
        chosen = next((p for p in plans if p.key == plan_key), None)
        if chosen is None:
            raise NotFound("dashboard.plan_unknown", plan=plan_key, known=", ".join(p.key for p in plans))
        begun = kpis.reportable_years(chosen, today)
        year = await queries.latest_year_with_facts(session, begun) or (begun[-1] if begun else today.year)
    if year is None:
        year = await queries.default_year(session, plans, today)
    history = await queries.plan_history(session, year, plans, today)
    report = next((past for past in history if past.year == year), None)
    report = report or await queries.kpi_report(session, year, plans, today)
    language = page_language_of(request)
    board = await panels.province_board(
        session,
        report,
        history,
        today,
        request.app.state.wards,
        language,
        commune,
        (product or "").strip() or None,
        graded_by_commune=is_province,
    )
    return board, page.year_groups(plans, today, year)


@router.get(
    "/dashboard/tables/{name}",
    summary="A table of the provincial dashboard as CSV or XLSX (inspections per co-op: province)",
    responses={200: {"content": {exports.CSV_TYPE: {}, exports.XLSX_TYPE: {}}}},
)
async def dashboard_table(
    request: Request,
    session: SessionDep,
    name: str,
    year: ScorecardYearDep,
    principal: PagePrincipalDep,
    format: Annotated[str, Query(description="csv or xlsx")] = "csv",
    commune: Annotated[str | None, Query(description="As on the page")] = None,
    product: Annotated[str | None, Query(max_length=100, description="As on the page")] = None,
) -> Response:
    """Anyone, the aggregate tables the page shows (scorecard, production_month, production_commune,
    grading, income); `inspections` names each co-op with its violations, so only the province."""
    if name not in page.PROVINCE_TABLES:
        raise NotFound("dashboard.table_unknown", name=name, known=", ".join(page.PROVINCE_TABLES))
    if name in page.PRIVATE_TABLES and (principal is None or principal.role != "province"):
        raise Forbidden("dashboard.table_private", name=name)
    extension = _download_format(request, format)
    is_province = principal is not None and principal.role == "province"
    board, _ = await _province_board(request, session, year, None, commune, product, is_province)
    return exports.file_response(board.tables[name], extension)


def _download_format(request: Request, raw: str) -> str:
    extension = table_format_of(request, raw)
    if extension == "html":
        raise invalid(request, "format", "table_format_invalid", raw)
    return extension


SIGNED_OUT: dict[int | str, dict[str, Any]] = {
    303: {"description": "A browser not signed in: to the sign-in form, and back here after it"}
}


def _signed_out(request: Request) -> RedirectResponse:
    """A browser without a signed-in cookie goes to the sign-in form, and comes back here after it."""
    return RedirectResponse(
        f"/dashboard/sign-in?{urlencode({'next': str(request.url.path) + '?' + str(request.url.query), 'lang': page_language_of(request)})}",
        status_code=303,
    )


@router.get(
    "/dashboard/lists/{name}",
    summary="The co-ops (or communes) behind a dashboard figure (province)",
    responses={200: {"content": {"text/html": {}, exports.CSV_TYPE: {}, exports.XLSX_TYPE: {}}}, **SIGNED_OUT},
)
async def dashboard_list(
    request: Request,
    session: SessionDep,
    name: str,
    year: ScorecardYearDep,
    principal: PagePrincipalDep,
    grade: Annotated[str | None, Query(description="For `graded`: tot, kha, trung_binh, yeu, not_graded")] = None,
    status: Annotated[str | None, Query(description="For `organisations`: active, suspended, dissolved")] = None,
    commune: Annotated[str | None, Query(description="Only this commune (current or legacy code)")] = None,
    format: Annotated[str, Query(description="html, csv or xlsx")] = "html",
) -> Response:
    """The province: the list behind a figure of `year` (new_coops, new_unions, effective, graded,
    contract, traced_sales, organisations, communes_without_coop); its length is the figure. Names
    and communes of organisations, their status and grade: no person, no money. Others: 403; a
    browser not signed in is sent to the sign-in form."""
    if name not in lists.LISTS:
        raise NotFound("dashboard.list_unknown", name=name, known=", ".join(lists.LISTS))
    extension = table_format_of(request, format)
    if principal is None and extension == "html":
        return _signed_out(request)
    dashboard_province(principal)
    if (name == "graded") != (grade is not None) or (grade is not None and grade not in kpis.GRADES):
        raise invalid(request, "grade", "grade_invalid", grade, known=", ".join(kpis.GRADES))
    if status is not None and status not in kpis.STATUSES:
        raise invalid(request, "status", "status_invalid", status, known=", ".join(kpis.STATUSES))
    commune = commune_of(request, commune)
    plans, today = await queries.plans_in_force(session, request.app.state.shipped_plans), today_of(request)
    year = year if year is not None else await queries.default_year(session, plans, today)
    language = page_language_of(request)
    report = await lists.drilldown(
        session,
        name,
        year,
        plans,
        today,
        request.app.state.wards,
        language,
        grade=grade if name == "graded" else None,
        status=status,
        commune=commune,
        grade_names=page.GRADE_NAMES[language],
    )
    if extension != "html":
        return exports.file_response(report, extension)
    return HTMLResponse(page.render_list(report, language, year, principal, {"grade": grade, "status": status}))


@router.get(
    "/dashboard/coop",
    summary="A co-op's own dashboard (the co-op's accounts; the province with ?coop_id)",
    responses={
        200: {"content": {"text/html": {}, exports.CSV_TYPE: {}, exports.XLSX_TYPE: {}}},
        404: {"description": "No table by the name `table` gives"},
        **SIGNED_OUT,
    },
)
async def coop_dashboard(
    request: Request,
    session: SessionDep,
    year: ScorecardYearDep,
    principal: PagePrincipalDep,
    coop_id: Annotated[int | None, Query(description="The co-op (a co-op account: its own, the default)")] = None,
    table: Annotated[str | None, Query(description="Download one table: " + ", ".join(page.COOP_TABLES))] = None,
    format: Annotated[str, Query(description="html; csv or xlsx with ?table")] = "html",
) -> Response:
    """A co-op's accounts, its own figures only (another co-op: 403), and the province for any co-op:
    the year's production by month, purchases and what is owed to each member household (names and
    amounts: household finances, so never public), stock by grade, sales by grade and by buyer."""
    extension = table_format_of(request, format)
    if principal is None and extension == "html":
        return _signed_out(request)
    coop = dashboard_coop(principal, coop_id)
    if table is not None and table not in page.COOP_TABLES:
        raise NotFound("dashboard.table_unknown", name=table, known=", ".join(page.COOP_TABLES))
    today = today_of(request)
    year = year if year is not None else today.year
    language = page_language_of(request)
    board = await panels.coop_board(session, coop, year, kpis.as_of(year, today), request.app.state.wards, language)
    if extension != "html":
        return exports.file_response(board.tables[table or "payables"], extension)
    return HTMLResponse(page.render_coop(board, language, principal, today))


@router.get(
    "/coops/{coop_id}/gradings/{year}/proposal",
    response_model=GradingProposal,
    summary="The grading criteria the platform proposes from its data for a co-op's year (province; the co-op itself)",
)
async def grading_proposal(
    session: SessionDep,
    principal: PrincipalDep,
    coop_id: Annotated[int, Path(ge=1, le=2_147_483_647)],
    year: Annotated[int, Path(ge=2000, le=2100)],
) -> GradingProposal:
    """The province, or the co-op's own accounts (another co-op: 403; a buyer: 403): for the
    TT01-2020-15 scheme (ADR 0027), the points proposed for member participation, member benefit,
    services to members and the value-chain part of criterion 9, each with the rule and the
    figures it read (members, deliveries, the co-op's purchase and payment totals, contracts; no
    household is named), and the criteria to be entered. What the registry's grading takes as `proposal`."""
    scoped = coop_scope(principal, coop_id)
    assert scoped is not None
    return await score_sheets.grading_proposal(session, scoped, year)


@router.get(
    "/dashboard/gradings/{coop_id}/{year}",
    response_class=HTMLResponse,
    summary="A co-op's grading score sheet for a year (province; ?lang=en)",
    responses={404: {"description": "The co-op was not graded for that year"}, **SIGNED_OUT},
)
async def score_sheet_page(
    request: Request,
    session: SessionDep,
    principal: PagePrincipalDep,
    coop_id: Annotated[int, Path(ge=1, le=2_147_483_647)],
    year: Annotated[int, Path(ge=2000, le=2100)],
) -> Response:
    """The province (others: 403; a browser not signed in goes to the sign-in form): the grading
    in force, criterion by criterion with its points and maximum, what the data proposed with its
    figures and rule, the officer's reason for each change, the total and the grade. A co-op's
    aggregate figures only: no household is named."""
    if principal is None:
        return _signed_out(request)
    dashboard_province(principal)
    sheet = await score_sheets.score_sheet(session, coop_id, year)
    if sheet is None:
        raise NotFound("grading.sheet_not_found", coop_id=coop_id, year=year)
    return HTMLResponse(page.render_score_sheet(sheet, page_language_of(request), principal))


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


def _next_page(raw: str | None) -> str:
    """Where to go after signing in: a dashboard page of this service, never another site."""
    return raw if raw and raw.startswith("/dashboard") and not raw.startswith("//") else "/dashboard"


@sign_in_router.get("/dashboard/sign-in", response_class=HTMLResponse, summary="The dashboard's sign-in form")
async def sign_in_form(request: Request, principal: PagePrincipalDep, next: str | None = None) -> HTMLResponse:
    """Anyone: the form for a province or co-op account's user name (or phone) and password."""
    return HTMLResponse(page.render_sign_in(page_language_of(request), _next_page(next), principal))


@sign_in_router.post(
    "/dashboard/sign-in",
    response_class=HTMLResponse,
    summary="Sign in to the dashboard",
    responses={
        303: {"description": "Signed in: on to `next` (a dashboard page)"},
        401: {"description": "Wrong name or password: the form again, with the reason", "content": {"text/html": {}}},
        503: {"description": "The registry, where passwords are checked, does not answer"},
    },
)
async def sign_in(
    request: Request,
    login: Annotated[str, Form(max_length=50)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str | None, Form()] = None,
) -> Response:
    """Anyone: checks the name and password at the registry (ADR 0017); on success keeps the access
    token in an HttpOnly cookie (ADR 0024) and goes on to `next`; otherwise the form again, 401,
    with the registry's reason in the page's language."""
    language = page_language_of(request)
    # Another site's form signing this browser in (login CSRF): browsers say where a request comes
    # from in Sec-Fetch-Site (Origin is "null" under the services' no-referrer policy).
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        raise Forbidden("dashboard.cross_site", site=site)
    token, refusal = await sign_in_session.sign_in(request, login, password, language)
    if token is None:
        return HTMLResponse(page.render_sign_in(language, _next_page(next), None, refusal), status_code=401)
    response = RedirectResponse(_next_page(next), status_code=303)
    sign_in_session.keep(response, request, token, int(request.app.state.settings.access_token_minutes * 60))
    return response


@sign_in_router.post(
    "/dashboard/sign-out",
    summary="Sign out of the dashboard",
    responses={
        303: {"description": "Signed out: to the public dashboard"},
        503: {"description": "The registry, where the session is ended, does not answer"},
    },
)
async def sign_out(request: Request) -> Response:
    """Whoever holds the cookie: ends the registry's session of its token and forgets the cookie."""
    response = RedirectResponse(f"/dashboard?lang={page_language_of(request)}", status_code=303)
    await sign_in_session.sign_out(request, response)
    return response
