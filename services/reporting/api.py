"""Reporting HTTP routes: turn a request into a handler call, and the result into JSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError

from shared.auth import PrincipalDep
from shared.i18n import language_of
from shared.service import RuntimeDep, SessionDep
from services.reporting import handlers, kpis, projections
from services.reporting.models import KpiReport

router = APIRouter(tags=["reporting"])

# Reporting's own messages; FastAPI's 422 shape is kept so clients parse one format.
_YEAR_MESSAGES = {
    "missing": {"vi": "Thiếu tham số năm, ví dụ /kpis?year=2024.",
                "en": "The year is required, e.g. /kpis?year=2024."},
    "invalid": {"vi": f"Năm phải là số nguyên từ {kpis.YEAR_MIN} đến {kpis.YEAR_MAX}, nhận được {{raw!r}}.",
                "en": f"The year must be a whole number from {kpis.YEAR_MIN} to {kpis.YEAR_MAX}; got {{raw!r}}."},
}


@router.get("/kpis", response_model=KpiReport, summary="Provincial scorecard for a calendar year (public)")
async def get_kpis(
    request: Request,
    session: SessionDep,
    year: Annotated[str | None, Query(description="Calendar year, e.g. 2024; figures are as of 31 December")] = None,
) -> KpiReport:
    """Co-ops by form and status, new co-ops and unions against the plan's targets, members and
    workers, harvest and sales totals. Figures whose data does not flow yet are null with a note."""
    try:
        parsed = kpis.parse_year(year)
    except kpis.InvalidYear as error:
        message = _YEAR_MESSAGES[error.key][language_of(request)].format(raw=error.raw)
        raise RequestValidationError([{"type": f"year_{error.key}", "loc": ("query", "year"), "msg": message,
                                       "input": year}]) from None
    return await handlers.kpi_report(session, parsed, request.app.state.plans)


@router.post("/admin/rebuild", summary="Rebuild the read model from both streams (province)")
async def rebuild(runtime: RuntimeDep, principal: PrincipalDep) -> dict[str, dict[str, int]]:
    """Empty the read model and replay `registry.events` and `supplychain.events` from id 0.
    Live consumption waits meanwhile; the answer counts entries per stream and outcome."""
    principal.require_role("province")
    return await projections.rebuild_read_model(runtime.sessions, runtime.redis, runtime.settings)
