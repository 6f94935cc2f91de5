"""Plan routes. Anyone reads what the plans say (the public dashboard shows their targets); only
the province publishes them, and only the province sees who made a version (a role and an
account id, never a person's name)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from services.registry.plans import commands, queries
from services.registry.plans.schemas import PlanVersionPublic, PlanWrite, plan_version_public
from shared.auth import OptionalPrincipalDep, PrincipalDep
from shared.idempotency import IdempotentRoute
from shared.service import SessionDep, UnitOfWorkDep

router = APIRouter(tags=["registry: plans"], route_class=IdempotentRoute)


@router.post(
    "/plans",
    status_code=status.HTTP_201_CREATED,
    response_model=PlanVersionPublic,
    summary="Publish a new plan period with its targets, as its version 1 (province)",
)
async def create_plan(data: PlanWrite, uow: UnitOfWorkDep, principal: PrincipalDep) -> PlanVersionPublic:
    """The province. 409 when the key is taken (publish its next version with PUT) or when the years
    overlap another plan's; 422 for years out of order or a figure the scorecard does not have."""
    return plan_version_public(await commands.create_plan(uow.session, data, principal), principal)


@router.put(
    "/plans/{plan_key}",
    response_model=PlanVersionPublic,
    summary="Publish plan {plan_key} as given: its next version, or nothing when it already says this (province)",
    responses={201: {"description": "A new version was published"}, 200: {"description": "Unchanged"}},
)
async def put_plan(
    plan_key: str, data: PlanWrite, response: Response, uow: UnitOfWorkDep, principal: PrincipalDep
) -> PlanVersionPublic:
    """The province. 201 with the new version (version 1 for a new key); 200 with the version in
    force when it already says the same (name, years and targets), so a replay changes nothing."""
    version, published = await commands.put_plan(uow.session, plan_key, data, principal)
    response.status_code = status.HTTP_201_CREATED if published else status.HTTP_200_OK
    return plan_version_public(version, principal)


@router.get("/plans", response_model=list[PlanVersionPublic], summary="The plans published, each as in force")
async def list_plans(session: SessionDep, principal: OptionalPrincipalDep) -> list[PlanVersionPublic]:
    """Anyone: each published plan's latest version (the shipped 2021–2025 plan lives in reporting's
    targets.json and is not listed here). Who made a version only for the province."""
    return [plan_version_public(row, principal) for row in await queries.plans_in_force(session)]


@router.get("/plans/{plan_key}/versions", response_model=list[PlanVersionPublic], summary="Every version of a plan")
async def plan_versions(plan_key: str, session: SessionDep, principal: OptionalPrincipalDep) -> list[PlanVersionPublic]:
    """Anyone: the versions of plan {plan_key}, first to latest, with when and why; who made each only for
    the province."""
    return [plan_version_public(row, principal) for row in await queries.plan_versions(session, plan_key)]
