"""Reporting queries: plain functions over a session, no HTTP here.

The database narrows and sums (harvests, sales, memberships can be many rows); the rules
that need history (status on a day, plan targets) are applied by `services.reporting.kpis`.
"""

from __future__ import annotations

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting import kpis
from services.reporting.models import CoopStatusView, CoopView, HarvestFact, KpiReport, MemberView, SaleFact
from services.reporting.projections import positions


async def kpi_report(session: AsyncSession, year: int, plans: list[kpis.Plan]) -> KpiReport:
    """The provincial scorecard for `year`, as of 31 December."""
    window = kpis.YearWindow(year)
    coops = [
        kpis.CoopRecord(coop_id=row.coop_id, form=row.form, founded_on=row.founded_on)
        for row in (await session.exec(select(CoopView).where(col(CoopView.founded_on) <= window.last))).all()
    ]
    changes = [
        kpis.StatusChange(coop_id=row.coop_id, status=row.status, effective_on=row.effective_on, entry_id=row.entry_id)
        for row in (await session.exec(
            select(CoopStatusView).where(col(CoopStatusView.effective_on) <= window.last)
        )).all()
    ]
    members = await session.exec(
        select(MemberView.membership, func.count())
        .where(col(MemberView.joined_on) <= window.last)
        # A member is one through their `left_on` day, so leaving on 31 December still counts.
        .where(or_(col(MemberView.left_on).is_(None), col(MemberView.left_on) >= window.last))
        .group_by(MemberView.membership)
    )
    harvest_lots, harvest_g = (await session.exec(
        select(func.count(), func.coalesce(func.sum(HarvestFact.quantity_g), 0))
        .where(col(HarvestFact.harvested_on).between(window.first, window.last))
    )).one()
    sales_count, sales_g, sales_vnd = (await session.exec(
        select(func.count(), func.coalesce(func.sum(SaleFact.quantity_g), 0), func.coalesce(func.sum(SaleFact.amount_vnd), 0))
        .where(col(SaleFact.sold_on).between(window.first, window.last))
    )).one()
    facts = kpis.Facts(
        coops=coops, changes=changes,
        members_by_membership={membership: int(count) for membership, count in members.all() if membership},
        harvest_lots=int(harvest_lots), harvest_g=int(harvest_g),
        sales_count=int(sales_count), sales_g=int(sales_g), sales_vnd=int(sales_vnd),
        positions=await positions(session),
    )
    return kpis.scorecard(year, kpis.plan_for(year, plans), facts)
