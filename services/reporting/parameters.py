"""Reporting's query parameters and access, as typed FastAPI dependencies.

Each parses what a route was asked for and refuses a bad value before the route runs: a
translated 422 in FastAPI's own shape (so clients parse one format), 404 for a report that
does not exist, 403 for a co-op the token may not see. The province sees every co-op; a
co-op token only its own; a buyer token no report.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.reporting import kpis, queries
from services.reporting.schemas import REPORT_FORMATS, ReportFilters, ReportPeriod, ReportRequest
from services.reporting.wards import normalise, ward_name
from shared.auth import Principal, PrincipalDep, authenticate
from shared.errors import Forbidden, NotFound, Unauthorized
from shared.i18n import language_of, translate


def invalid(request: Request, field: str, key: str, raw: Any = None, **values: Any) -> RequestValidationError:
    """FastAPI's own 422 shape for the query parameter `field`, with a translated message."""
    message = translate(
        f"report.{key}", language_of(request), raw=raw, year_min=kpis.YEAR_MIN, year_max=kpis.YEAR_MAX, **values
    )
    return RequestValidationError([{"type": key, "loc": ("query", field), "msg": message, "input": raw}])


def year_of(request: Request, raw: str | None) -> int:
    try:
        return kpis.parse_year(raw)
    except kpis.InvalidYear as error:
        raise invalid(request, "year", f"year_{error.key}", error.raw) from None


def date_of(request: Request, field: str, raw: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise invalid(request, field, "date_invalid", raw) from None


def period_of(request: Request, year: str | None, first: str | None, last: str | None) -> ReportPeriod:
    """A calendar year, or `from` .. `to`: one of the two, never both."""
    if year is not None and (first or last):
        raise invalid(request, "year", "period_both", year)
    if year is not None:
        window = kpis.YearWindow(year_of(request, year))
        return ReportPeriod(first=window.first, last=window.last)
    if not first or not last:
        raise invalid(request, "from" if not first else "to", "period_missing")
    start, end = date_of(request, "from", first), date_of(request, "to", last)
    if start > end:
        raise invalid(request, "from", "period_order", first, first=start, last=end)
    return ReportPeriod(first=start, last=end)


def commune_of(request: Request, raw: str | None) -> str | None:
    """A commune code, current or legacy, as five digits; refused when the ward map does not know it."""
    if raw is None:
        return None
    if not raw.strip().isdigit():
        raise invalid(request, "commune", "commune_invalid", raw)
    if not ward_name(request.app.state.wards.current(raw)):
        raise invalid(request, "commune", "commune_unknown", normalise(raw))
    return normalise(raw)


def coop_scope(principal: Principal, coop_id: int | None) -> int | None:
    """The co-op a caller's report is narrowed to: a co-op token sees only its own.

    None means every co-op, so only the province may get it: a co-op principal without a co-op
    (refused when its token is decoded) is refused here again rather than read as province-wide.
    """
    if principal.role == "province":
        return coop_id
    if principal.role == "coop":
        if principal.coop_id is None:
            raise Unauthorized("auth.no_scope", role=principal.role, claim="coop_id")
        if coop_id is not None and coop_id != principal.coop_id:
            raise Forbidden("report.other_coop", own=principal.coop_id, target=coop_id)
        return principal.coop_id
    raise Forbidden("auth.role", role=principal.role)


def today_of(request: Request) -> date:
    """Today in Vietnam by the app's clock (`create_app(today=...)`)."""
    today: date = request.app.state.today()
    return today


def scorecard_year_of(request: Request, raw: str | None) -> int:
    """A year that has begun: the scorecard of one to come would stand on a day that has not come."""
    year = year_of(request, raw)
    this_year = today_of(request).year
    if year > this_year:
        raise invalid(request, "year", "year_future", raw, this_year=this_year)
    return year


async def scorecard_year(
    request: Request,
    year: Annotated[
        str | None,
        Query(
            description="Calendar year up to this one, e.g. 2024 (figures as of 31 December or today); "
            "default the latest with data and a plan"
        ),
    ] = None,
) -> int | None:
    """The year asked for, or None for the default (which needs the read model: the route finds it)."""
    return scorecard_year_of(request, year) if year is not None else None


# One dependency for all of a report's parameters, not one each: FastAPI calls every
# dependency even after another one's parameters failed, so only this keeps the checks in
# order: FastAPI's own (coop_id a number, product's length), then name (404), format,
# commune, period (422), co-op scope (403).
async def report_request(
    name: str,
    request: Request,
    principal: PrincipalDep,
    year: Annotated[str | None, Query(description="Calendar year; or give from and to")] = None,
    first: Annotated[str | None, Query(alias="from", description="First day, YYYY-MM-DD")] = None,
    last: Annotated[str | None, Query(alias="to", description="Last day, YYYY-MM-DD (inclusive)")] = None,
    commune: Annotated[str | None, Query(description="Commune/ward code, current (05488) or legacy")] = None,
    coop_id: Annotated[int | None, Query(description="Only this co-op")] = None,
    product: Annotated[str | None, Query(max_length=100, description="Only this product, e.g. chè búp tươi")] = None,
    format: Annotated[str, Query(description="json, csv or xlsx")] = "json",
) -> ReportRequest:
    if name not in queries.REPORTS:
        raise NotFound("report.unknown", name=name, known=", ".join(queries.REPORTS))
    if format not in REPORT_FORMATS:
        raise invalid(request, "format", "format_invalid", format)
    commune = commune_of(request, commune)
    period = period_of(request, year, first, last)
    filters = ReportFilters(
        first=period.first,
        last=period.last,
        commune=commune,
        coop_id=coop_scope(principal, coop_id),
        product=product.strip() if product else None,
    )
    return ReportRequest(name=name, format=format, filters=filters)


async def province_only(principal: PrincipalDep) -> None:
    """The province's operations (rebuild): any other token is refused with 403."""
    principal.require_role("province")


# The dashboard's pages are opened in a browser, which sends no Authorization header with a link:
# the signed-in page keeps the platform's access token in this cookie (ADR 0024).
SESSION_COOKIE = "htx_dashboard"
_bearer = HTTPBearer(auto_error=False, description="A token, or the dashboard's sign-in cookie")


async def page_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal | None:
    """The caller of a dashboard page: from a Bearer token (refused with 401 when bad), else from the
    sign-in cookie (an expired or revoked one is a signed-out visitor), else None (anyone)."""
    if credentials is not None:
        return await authenticate(request, credentials.credentials)
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        return await authenticate(request, token)
    except Unauthorized:
        return None


def dashboard_coop(principal: Principal | None, coop_id: int | None) -> int:
    """The co-op whose own page is asked for: a co-op's own (another: 403), any one for the province."""
    if principal is None:
        raise Unauthorized("auth.missing")
    if principal.role == "province":
        if coop_id is None:
            raise Forbidden("dashboard.coop_needed")
        return coop_id
    scoped = coop_scope(principal, coop_id)
    assert scoped is not None  # a co-op principal always has its co-op
    return scoped


def dashboard_province(principal: Principal | None) -> Principal:
    """The lists that name co-ops with their grades and inspections are the province's (403 otherwise)."""
    if principal is None:
        raise Unauthorized("auth.missing")
    principal.require_role("province")
    return principal


def table_format_of(request: Request, raw: str) -> str:
    if raw not in ("html", "csv", "xlsx"):
        raise invalid(request, "format", "table_format_invalid", raw)
    return raw


ScorecardYearDep = Annotated[int | None, Depends(scorecard_year)]
PagePrincipalDep = Annotated[Principal | None, Depends(page_principal)]
ReportRequestDep = Annotated[ReportRequest, Depends(report_request)]
