"""Writes of the plans: publish a plan's next version, with its event, or change nothing.

Everything is checked before anything is written (the shape by `PlanWrite`, the years against
the other plans here), so a refusal leaves no row and no event.
"""

from __future__ import annotations

import json

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.plans.queries import latest_version, plans_in_force
from services.registry.plans.schemas import PlanWrite
from services.registry.plans.tables import PlanVersion
from services.registry.publishing import publish
from shared.auth import Principal
from shared.clock import utcnow
from shared.errors import Conflict, Unprocessable
from shared.events import registry as contracts


async def create_plan(session: AsyncSession, data: PlanWrite, principal: Principal) -> PlanVersion:
    """The first version of a new plan; a key already taken is refused (its next version is a PUT)."""
    principal.require_role("province")
    existing = await latest_version(session, data.plan_key)
    if existing is not None:
        raise Conflict("plan.exists", plan=data.plan_key, version=existing.version)
    return await _publish(session, data.plan_key, 1, data, principal)


async def put_plan(session: AsyncSession, key: str, data: PlanWrite, principal: Principal) -> tuple[PlanVersion, bool]:
    """Plan `key` as `data` says: its next version (the first if it is new), or, when the version in
    force already says the same, that version unchanged (so a file loaded twice publishes once).
    Answers the version and whether it is new."""
    principal.require_role("province")
    if data.key is not None and data.key != key:
        raise Unprocessable("plan.key_mismatch", plan=key, body_key=data.key)
    existing = await latest_version(session, key)
    if existing is not None and data.same_plan_as(existing):
        return existing, False
    return await _publish(session, key, existing.version + 1 if existing else 1, data, principal), True


async def _publish(session: AsyncSession, key: str, version: int, data: PlanWrite, principal: Principal) -> PlanVersion:
    await _refuse_overlap(session, key, data)
    row = PlanVersion(
        plan_key=key,
        version=version,
        name=data.name,
        first_year=data.first_year,
        last_year=data.last_year,
        targets=json.dumps({figure: target.model_dump() for figure, target in data.targets.items()}),
        note=data.note,
        changed_by=principal.actor,
        changed_by_account_id=principal.account_id,
        changed_at=utcnow(),
    )
    session.add(row)
    try:
        await session.flush()
    except IntegrityError:  # another writer took this version first
        raise Conflict("plan.changed_meanwhile", plan=key) from None
    event = contracts.PlanPublished(
        plan_key=key,
        plan_version=version,
        name=data.name,
        first_year=data.first_year,
        last_year=data.last_year,
        targets=data.targets,
        note=data.note,
    )
    publish(session, event, occurred_at=row.changed_at, actor=principal.actor)
    return row


async def _refuse_overlap(session: AsyncSession, key: str, data: PlanWrite) -> None:
    """A year belongs to one plan: another plan's version in force covering any of these years is refused."""
    for other in await plans_in_force(session):
        if other.plan_key != key and other.first_year <= data.last_year and data.first_year <= other.last_year:
            raise Conflict(
                "plan.overlap",
                plan=key,
                first_year=data.first_year,
                last_year=data.last_year,
                other=other.plan_key,
                other_name=other.name,
                other_first=other.first_year,
                other_last=other.last_year,
            )
