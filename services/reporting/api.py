"""Reporting HTTP routes: turn a request into a handler call, and the result into JSON,
CSV, XLSX or the dashboard page.

Access: the scorecard (`/kpis`, `/dashboard`) is public; reports need a token. The province
sees everything; a co-op token sees only its own co-op (its reports are narrowed to it, and
asking for another co-op is refused with 403); a buyer token sees no report.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.reporting import exports, handlers, kpis, projections
from services.reporting.models import KpiReport
from services.reporting.reports import Report, ReportFilters
from services.reporting.wards import normalise, ward_name
from shared.auth import Principal, PrincipalDep
from shared.clock import VIETNAM, utcnow
from shared.errors import Forbidden, NotFound
from shared.i18n import language_of, page_language_of, translate
from shared.service import RuntimeDep, SessionDep

router = APIRouter(tags=["reporting"])


def _invalid(request: Request, field: str, key: str, raw: Any = None, **values: Any) -> RequestValidationError:
    """FastAPI's own 422 shape, so clients parse one format, with a translated message."""
    message = translate(
        f"report.{key}", language_of(request), raw=raw, year_min=kpis.YEAR_MIN, year_max=kpis.YEAR_MAX, **values
    )
    return RequestValidationError([{"type": key, "loc": ("query", field), "msg": message, "input": raw}])


def _year(request: Request, raw: str | None) -> int:
    try:
        return kpis.parse_year(raw)
    except kpis.InvalidYear as error:
        raise _invalid(request, "year", f"year_{error.key}", error.raw) from None


def _date(request: Request, field: str, raw: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise _invalid(request, field, "date_invalid", raw) from None


def _period(request: Request, year: str | None, first: str | None, last: str | None) -> tuple[date, date]:
    if year is not None and (first or last):
        raise _invalid(request, "year", "period_both", year)
    if year is not None:
        window = kpis.YearWindow(_year(request, year))
        return window.first, window.last
    if not first or not last:
        raise _invalid(request, "from" if not first else "to", "period_missing")
    start, end = _date(request, "from", first), _date(request, "to", last)
    if start > end:
        raise _invalid(request, "from", "period_order", first, first=start, last=end)
    return start, end


def _coop_scope(principal: Principal, coop_id: int | None) -> int | None:
    """The co-op a caller's report is narrowed to: a co-op token sees only its own."""
    if principal.role == "province":
        return coop_id
    if principal.role == "coop":
        if coop_id is not None and coop_id != principal.coop_id:
            raise Forbidden("report.other_coop", own=principal.coop_id, target=coop_id)
        return principal.coop_id
    raise Forbidden("auth.role", role=principal.role)


@router.get("/kpis", response_model=KpiReport, summary="Provincial scorecard for a calendar year (public)")
async def get_kpis(
    request: Request,
    session: SessionDep,
    year: Annotated[str | None, Query(description="Calendar year, e.g. 2024; figures are as of 31 December")] = None,
) -> KpiReport:
    """Co-ops by form and status, new co-ops and unions, the graded Tốt/Khá share, members and
    workers, member income and its growth, chain linkage, each against the plan's target."""
    return await handlers.kpi_report(session, _year(request, year), request.app.state.plans)


@router.get(
    "/reports/{name}",
    response_model=Report,
    summary="A report as JSON, CSV or XLSX (province: all; co-op: its own)",
    responses={200: {"content": {exports.CSV_TYPE: {}, exports.XLSX_TYPE: {}}}},
)
async def get_report(
    name: str,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    year: Annotated[str | None, Query(description="Calendar year; or give from and to")] = None,
    first: Annotated[str | None, Query(alias="from", description="First day, YYYY-MM-DD")] = None,
    last: Annotated[str | None, Query(alias="to", description="Last day, YYYY-MM-DD (inclusive)")] = None,
    commune: Annotated[str | None, Query(description="Commune/ward code, current (05488) or legacy")] = None,
    coop_id: Annotated[int | None, Query(description="Only this co-op")] = None,
    product: Annotated[str | None, Query(max_length=100, description="Only this product, e.g. chè búp tươi")] = None,
    format: Annotated[str, Query(description="json, csv or xlsx")] = "json",
) -> Any:
    """Reports: `production` (product, commune, month, harvest round), `sales` (grade, buyer,
    month), `payables` (what each co-op owes each household per round), `inspections`
    (violations open and closed, commendations), `certified` (certified share of harvest)."""
    if name not in handlers.REPORTS:
        raise NotFound("report.unknown", name=name, known=", ".join(handlers.REPORTS))
    if format not in ("json", "csv", "xlsx"):
        raise _invalid(request, "format", "format_invalid", format)
    if commune is not None and not commune.strip().isdigit():
        raise _invalid(request, "commune", "commune_invalid", commune)
    if commune is not None and not ward_name(request.app.state.wards.current(commune)):
        raise _invalid(request, "commune", "commune_unknown", normalise(commune))
    start, end = _period(request, year, first, last)
    filters = ReportFilters(
        first=start,
        last=end,
        commune=normalise(commune) if commune else None,
        coop_id=_coop_scope(principal, coop_id),
        product=product.strip() if product else None,
    )
    report = await handlers.REPORTS[name](session, filters, request.app.state.wards, language_of(request))
    if format == "json":
        return report
    body, media_type = (
        (exports.to_csv(report), exports.CSV_TYPE) if format == "csv" else (exports.to_xlsx(report), exports.XLSX_TYPE)
    )
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": exports.content_disposition(exports.filename(report, format))},
    )


_templates = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")), autoescape=select_autoescape(["html"])
)

_DASHBOARD_TEXT = {
    "vi": {
        "title": "Bảng chỉ tiêu kinh tế tập thể tỉnh Thái Nguyên",
        "year": "Năm",
        "figure": "Chỉ tiêu",
        "value": "Thực hiện",
        "target": "Mục tiêu",
        "met": "Đạt",
        "yes": "Đạt",
        "no": "Chưa đạt",
        "na": "Chưa có số liệu",
        "no_target": "Không có mục tiêu",
        "coops": "Tổ chức kinh tế tập thể",
        "form": "Loại hình",
        "total": "Tổng",
        "active": "Đang hoạt động",
        "suspended": "Tạm ngừng",
        "dissolved": "Giải thể",
        "members": "Thành viên",
        "workers": "Người lao động",
        "plan": "Kế hoạch",
        "as_of": "Số liệu đến ngày",
        "other_language": "English",
        "labels": {
            "new_coops": "HTX thành lập mới trong năm",
            "new_unions": "Liên hiệp HTX mới từ đầu kỳ kế hoạch",
            "effective_share": "Tỷ lệ HTX xếp loại Tốt, Khá",
            "member_income_growth": "Tăng thu nhập bình quân của thành viên",
            "contract_share": "Tỷ lệ HTX có hợp đồng liên kết chuỗi",
            "traced_sales_share": "Tỷ lệ HTX có bán hàng truy xuất được",
        },
        "forms": {"to_hop_tac": "Tổ hợp tác", "hop_tac_xa": "Hợp tác xã", "lien_hiep": "Liên hiệp HTX"},
        "income": "Thu nhập bình quân thành viên từ chuỗi (VNĐ)",
    },
    "en": {
        "title": "Thái Nguyên co-operative economy scorecard",
        "year": "Year",
        "figure": "Figure",
        "value": "Actual",
        "target": "Target",
        "met": "Met",
        "yes": "Met",
        "no": "Not met",
        "na": "No data yet",
        "no_target": "No target",
        "coops": "Co-operative organisations",
        "form": "Form",
        "total": "Total",
        "active": "Active",
        "suspended": "Suspended",
        "dissolved": "Dissolved",
        "members": "Members",
        "workers": "Workers",
        "plan": "Plan",
        "as_of": "Figures as of",
        "other_language": "Tiếng Việt",
        "labels": {
            "new_coops": "New co-ops founded in the year",
            "new_unions": "New co-op unions since the plan began",
            "effective_share": "Share of co-ops graded Good or Fair",
            "member_income_growth": "Growth of members' average income",
            "contract_share": "Share of co-ops with a chain contract",
            "traced_sales_share": "Share of co-ops with traced sales",
        },
        "forms": {"to_hop_tac": "Co-operative group", "hop_tac_xa": "Co-operative", "lien_hiep": "Co-op union"},
        "income": "Members' average income from the chain (VND)",
    },
}
PERCENT_FIGURES = {"effective_share", "member_income_growth", "contract_share", "traced_sales_share"}


@router.get("/dashboard", response_class=HTMLResponse, summary="The public scorecard as a page (?lang=en)")
async def dashboard(
    request: Request,
    session: SessionDep,
    year: Annotated[str | None, Query(description="Calendar year; default the current one")] = None,
) -> HTMLResponse:
    """The provincial scorecard for people: Vietnamese by default, English with ?lang=en."""
    chosen = _year(request, year) if year is not None else utcnow().astimezone(VIETNAM).year
    report = await handlers.kpi_report(session, chosen, request.app.state.plans)
    language = page_language_of(request)
    page = _templates.get_template("dashboard.html").render(
        report=report,
        t=_DASHBOARD_TEXT[language],
        language=language,
        percent=PERCENT_FIGURES,
        other=("en" if language == "vi" else "vi"),
    )
    return HTMLResponse(page)


@router.post("/admin/rebuild", summary="Rebuild the read model from both streams (province)")
async def rebuild(runtime: RuntimeDep, principal: PrincipalDep) -> dict[str, dict[str, int]]:
    """Empty the read model and replay `registry.events` and `supplychain.events` from id 0.
    Live consumption waits meanwhile; the answer counts entries per stream and outcome."""
    principal.require_role("province")
    return await projections.rebuild_read_model(runtime.sessions, runtime.redis, runtime.settings)
