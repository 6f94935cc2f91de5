"""Reads of the plans: the version in force of each, and a plan's whole history."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.plans.tables import PlanVersion
from shared.errors import NotFound


async def plans_in_force(session: AsyncSession) -> list[PlanVersion]:
    """The latest version of every plan, earliest period first."""
    latest = (
        select(PlanVersion.plan_key, func.max(PlanVersion.version).label("version"))
        .group_by(col(PlanVersion.plan_key))
        .subquery()
    )
    rows = await session.exec(
        select(PlanVersion)
        .join(latest, (col(PlanVersion.plan_key) == latest.c.plan_key) & (col(PlanVersion.version) == latest.c.version))
        .order_by(col(PlanVersion.first_year), col(PlanVersion.plan_key))
    )
    return list(rows.all())


async def plan_versions(session: AsyncSession, key: str) -> list[PlanVersion]:
    """Every version of plan `key`, first to latest; NotFound when there is none."""
    rows = list(
        (
            await session.exec(
                select(PlanVersion).where(PlanVersion.plan_key == key).order_by(col(PlanVersion.version))
            )
        ).all()
    )
    if not rows:
        raise NotFound("plan.not_found", plan=key)
    return rows


async def latest_version(session: AsyncSession, key: str) -> PlanVersion | None:
    row = await session.exec(
        select(PlanVersion).where(PlanVersion.plan_key == key).order_by(col(PlanVersion.version).desc()).limit(1)
    )
    return row.first()
