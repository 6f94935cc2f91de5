"""Reporting's one write of its own: the province closing a year's scorecard (ADR 0025).

Everything else reporting stores is a projection of the streams; a close is a decision the
province made here, so it lives beside the read model (`ClosedFigureRow`) and a rebuild keeps it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting import kpis, queries
from services.reporting.schemas import KpiReport
from services.reporting.tables import ClosedFigureRow
from shared.auth import Principal
from shared.clock import VIETNAM, utcnow
from shared.errors import Conflict, Unprocessable


async def close_scorecard(
    session: AsyncSession, year: int, plans: list[kpis.Plan], today: date, principal: Principal
) -> KpiReport:
    """Freeze `year`'s figures as they stand now (with their targets), closed by `principal` (the
    province) now. A year still running cannot be closed; a year closed already is refused (409)."""
    principal.require_role("province")
    if kpis.as_of(year, today) < kpis.YearWindow(year).last:
        raise Unprocessable("scorecard.year_running", year=year, last=kpis.YearWindow(year).last)
    closed = await queries.closed_rows(session, year)
    if closed:
        when = closed[0].closed_at.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")
        raise Conflict("scorecard.closed", year=year, closed_at=when, closed_by=closed[0].closed_by)
    live = await queries.live_report(session, year, plans, today)
    closed_at = utcnow()
    session.add_all(
        ClosedFigureRow(year=year, closed_by=principal.actor, closed_at=closed_at, **frozen.model_dump())
        for frozen in kpis.closed_figures(live)
    )
    try:
        await session.flush()
    except IntegrityError:  # another close of the same year committed first
        raise Conflict("scorecard.closed_meanwhile", year=year) from None
    return kpis.with_close(live, kpis.closed_figures(live), principal.actor, closed_at, reveal_actor=True)
