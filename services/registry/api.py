"""Registry HTTP routes: turn a request into a handler call, and the result into JSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import TypeAdapter

from shared.auth import OptionalPrincipalDep, Principal, PrincipalDep
from shared.service import SessionDep, UnitOfWorkDep
from services.registry import handlers
from services.registry.models import CoopCreate, CoopPage, CoopPublic, MemberCreate, MemberPrivate, MemberPublic

router = APIRouter(tags=["registry"])


def _member_view(member, principal: Principal | None) -> MemberPublic:
    """Phone and ID number only for the member's own co-op and the province."""
    sees_private = principal is not None and (
        principal.role == "province" or (principal.role == "coop" and principal.coop_id == member.coop_id)
    )
    model = MemberPrivate if sees_private else MemberPublic
    return model.model_validate(member, from_attributes=True)


@router.post("/coops", status_code=status.HTTP_201_CREATED, response_model=CoopPublic,
             summary="Register a co-op (province)")
async def register_coop(data: CoopCreate, uow: UnitOfWorkDep, principal: PrincipalDep) -> CoopPublic:
    coop = await handlers.register_coop(uow.session, data, principal)
    await uow.commit()
    return handlers.coop_public(coop)


@router.get("/coops", response_model=CoopPage, summary="Search co-ops; diacritics optional")
async def list_coops(
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=200, description='"tan huong" finds "Tân Hương"')] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> CoopPage:
    coops, total = await handlers.search_coops(session, q, limit, offset)
    return CoopPage(items=[handlers.coop_public(c) for c in coops], total=total, limit=limit, offset=offset)


@router.get("/coops/{coop_id}", response_model=CoopPublic, summary="One co-op")
async def get_coop(coop_id: int, session: SessionDep) -> CoopPublic:
    return handlers.coop_public(await handlers.get_coop(session, coop_id))


@router.post("/coops/{coop_id}/members", status_code=status.HTTP_201_CREATED, response_model=MemberPrivate,
             summary="Add a member (province, or the co-op itself)")
async def add_member(coop_id: int, data: MemberCreate, uow: UnitOfWorkDep, principal: PrincipalDep) -> MemberPrivate:
    member = await handlers.add_member(uow.session, coop_id, data, principal)
    await uow.commit()
    return MemberPrivate.model_validate(member, from_attributes=True)


@router.get("/coops/{coop_id}/members", response_model=list[MemberPrivate | MemberPublic],
            summary="Members; personal data only for the co-op and the province")
async def list_members(coop_id: int, session: SessionDep, principal: OptionalPrincipalDep) -> list[MemberPublic]:
    return [_member_view(m, principal) for m in await handlers.list_members(session, coop_id)]


@router.get("/coops/{coop_id}/members/{member_id}", response_model=MemberPrivate | MemberPublic,
            summary="One member; personal data only for the co-op and the province")
async def get_member(coop_id: int, member_id: int, session: SessionDep, principal: OptionalPrincipalDep) -> MemberPublic:
    return _member_view(await handlers.get_member(session, coop_id, member_id), principal)
