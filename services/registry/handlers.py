"""Registry commands and queries: plain functions over a session, no HTTP here."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.auth import Principal
from shared.clock import start_of_local_day
from shared.errors import Conflict, NotFound
from shared.events import registry as contracts
from shared.messaging.outbox import record_event
from shared.text import search_key
from services.registry.models import Coop, CoopCreate, CoopPublic, Member, MemberCreate
from services.registry.places import ward_name


def coop_public(coop: Coop) -> CoopPublic:
    return CoopPublic(
        id=coop.id, name=coop.name, form=coop.form, registration_code=coop.registration_code,
        tax_code=coop.tax_code, ward_code=coop.ward_code, ward_name=ward_name(coop.ward_code),
        founded_on=coop.founded_on, address=coop.address,
        main_products=[p for p in coop.main_products.split("\n") if p], status=coop.status,
    )


async def register_coop(session: AsyncSession, data: CoopCreate, principal: Principal) -> Coop:
    principal.require_role("province")
    taken = await session.exec(select(Coop.id).where(Coop.registration_code == data.registration_code))
    if taken.first() is not None:
        raise Conflict("coop.duplicate_code", code=data.registration_code)
    coop = Coop(
        name=data.name, name_search=search_key(data.name), form=data.form,
        registration_code=data.registration_code, tax_code=data.tax_code, ward_code=data.ward_code,
        founded_on=data.founded_on, address=data.address, main_products="\n".join(data.main_products),
    )
    session.add(coop)
    await session.flush()
    record_event(
        session, contracts.STREAM,
        contracts.CoopRegistered(
            coop_id=coop.id, name=coop.name, form=coop.form, registration_code=coop.registration_code,
            ward_code=coop.ward_code, founded_on=coop.founded_on, status=coop.status,
        ),
        occurred_at=start_of_local_day(coop.founded_on), actor=principal.actor,
    )
    return coop


async def get_coop(session: AsyncSession, coop_id: int) -> Coop:
    coop = await session.get(Coop, coop_id)
    if coop is None:
        raise NotFound("coop.not_found", coop_id=coop_id)
    return coop


async def search_coops(session: AsyncSession, query: str | None, limit: int, offset: int) -> tuple[list[Coop], int]:
    """Co-ops whose name matches `query` with or without diacritics, by name."""
    statement = select(Coop)
    if query:
        statement = statement.where(col(Coop.name_search).contains(search_key(query)))
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    rows = await session.exec(statement.order_by(Coop.name_search, Coop.id).limit(limit).offset(offset))
    return list(rows.all()), total


async def add_member(session: AsyncSession, coop_id: int, data: MemberCreate, principal: Principal) -> Member:
    principal.require_coop_write(coop_id)
    await get_coop(session, coop_id)
    member = Member(
        coop_id=coop_id, name=data.name, name_search=search_key(data.name), kind=data.kind,
        membership=data.membership, joined_on=data.joined_on, capital_vnd=data.capital_vnd,
        phone=data.phone, id_number=data.id_number,
    )
    session.add(member)
    await session.flush()
    record_event(
        session, contracts.STREAM,
        contracts.MemberJoined(
            member_id=member.id, coop_id=coop_id, name=member.name, kind=member.kind,
            membership=member.membership, joined_on=member.joined_on,
        ),
        occurred_at=start_of_local_day(member.joined_on), actor=principal.actor,
    )
    return member


async def get_member(session: AsyncSession, coop_id: int, member_id: int) -> Member:
    member = await session.get(Member, member_id)
    if member is None or member.coop_id != coop_id:
        raise NotFound("member.not_found", member_id=member_id, coop_id=coop_id)
    return member


async def list_members(session: AsyncSession, coop_id: int) -> list[Member]:
    await get_coop(session, coop_id)
    rows = await session.exec(select(Member).where(Member.coop_id == coop_id).order_by(Member.id))
    return list(rows.all())
