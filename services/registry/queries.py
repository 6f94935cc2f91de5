"""Registry reads: organisations, members, unions, partners and contracts, their searches and
their history views. Plain functions over a session; no HTTP here, and nothing written.

The history views read back the outbox through the indexes `publishing` writes with each event.
"""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.schemas import (
    ContractPublic,
    CoopHistory,
    CoopSort,
    PartnerHistory,
    RecordedEvent,
    StatusHistoryPublic,
    UnionMembershipPublic,
    contract_public,
    union_membership_public,
)
from services.registry.tables import (
    ChainContract,
    Coop,
    CoopEvent,
    CoopStatusHistory,
    Member,
    Partner,
    PartnerEvent,
    UnionMembership,
)
from shared.errors import NotFound, Unprocessable
from shared.events.envelope import EventEnvelope
from shared.messaging.outbox import OutboxMessage
from shared.text import identity_key, search_key

# --- history views ---------------------------------------------------------------------------


async def _recorded_events(
    session: AsyncSession, coop_id: int | None = None, *, partner_id: int | None = None
) -> list[RecordedEvent]:
    """Every event recorded about an organisation (or a partner), in the order it was recorded
    (from the outbox)."""
    if partner_id is not None:
        statement = (
            select(OutboxMessage)
            .join(PartnerEvent, col(PartnerEvent.event_id) == col(OutboxMessage.event_id))
            .where(PartnerEvent.partner_id == partner_id)
        )
    else:
        statement = (
            select(OutboxMessage)
            .join(CoopEvent, col(CoopEvent.event_id) == col(OutboxMessage.event_id))
            .where(CoopEvent.coop_id == coop_id)
        )
    outbox = (await session.exec(statement.order_by(OutboxMessage.id))).all()
    events = []
    for row in outbox:
        envelope = EventEnvelope.from_fields(json.loads(row.fields_json))
        events.append(
            RecordedEvent(
                event_id=str(envelope.event_id),
                event_type=envelope.event_type,
                occurred_at=envelope.occurred_at,
                recorded_at=envelope.recorded_at,
                actor=envelope.actor,
                payload=envelope.payload,
            )
        )
    return events


# --- organisations ---------------------------------------------------------------------------


async def get_coop(session: AsyncSession, coop_id: int) -> Coop:
    coop = await session.get(Coop, coop_id)
    if coop is None:
        raise NotFound("coop.not_found", coop_id=coop_id)
    return coop


async def coop_history(session: AsyncSession, coop_id: int) -> CoopHistory:
    """Status rows in order, and every event recorded about the organisation."""
    await get_coop(session, coop_id)
    statuses = (
        await session.exec(
            select(CoopStatusHistory)
            .where(CoopStatusHistory.coop_id == coop_id)
            .order_by(CoopStatusHistory.effective_on, CoopStatusHistory.id)
        )
    ).all()
    return CoopHistory(
        coop_id=coop_id,
        status_history=[StatusHistoryPublic.model_validate(s, from_attributes=True) for s in statuses],
        events=await _recorded_events(session, coop_id),
    )


_COOP_ORDER = {
    "name": (col(Coop.name_search), col(Coop.id)),
    "-name": (col(Coop.name_search).desc(), col(Coop.id).desc()),
    "founded_on": (col(Coop.founded_on), col(Coop.id)),
    "-founded_on": (col(Coop.founded_on).desc(), col(Coop.id).desc()),
    "registration_code": (col(Coop.registration_code),),
    "-registration_code": (col(Coop.registration_code).desc(),),
}


async def search_coops(
    session: AsyncSession,
    query: str | None,
    limit: int,
    offset: int,
    *,
    form: str | None = None,
    status: str | None = None,
    ward_code: str | None = None,
    product: str | None = None,
    sort: CoopSort = "name",
) -> tuple[list[Coop], int]:
    """Organisations whose name (or registration code) matches `query` with or without diacritics."""
    statement = select(Coop)
    if query and (key := search_key(query)):
        statement = statement.where(
            or_(col(Coop.name_search).contains(key, autoescape=True), col(Coop.registration_key) == identity_key(query))
        )
    if form:
        statement = statement.where(Coop.form == form)
    if status:
        statement = statement.where(Coop.status == status)
    if ward_code:
        statement = statement.where(Coop.ward_code == ward_code)
    if product and (key := search_key(product)):
        statement = statement.where(col(Coop.products_search).contains(key, autoescape=True))
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    rows = await session.exec(statement.order_by(*_COOP_ORDER[sort]).limit(limit).offset(offset))
    return list(rows.all()), total


# --- members ---------------------------------------------------------------------------------


async def get_member(session: AsyncSession, coop_id: int, member_id: int) -> Member:
    member = await session.get(Member, member_id)
    if member is None or member.coop_id != coop_id:
        raise NotFound("member.not_found", member_id=member_id, coop_id=coop_id)
    return member


async def member_history(session: AsyncSession, coop_id: int, member_id: int) -> list[RecordedEvent]:
    """The events about one member (joined, left, and any other naming them, such as plots)."""
    await get_member(session, coop_id, member_id)
    return [e for e in await _recorded_events(session, coop_id) if e.payload.get("member_id") == member_id]


async def search_members(
    session: AsyncSession,
    coop_id: int,
    query: str | None,
    limit: int,
    offset: int,
    *,
    membership: str | None = None,
    kind: str | None = None,
    active_on: date | None = None,
) -> tuple[list[Member], int]:
    """Members of one co-op by name, diacritics optional. Never matches phone or ID number,
    so a search cannot reveal personal data to someone who may not see it."""
    await get_coop(session, coop_id)
    statement = select(Member).where(Member.coop_id == coop_id)
    if query and (key := search_key(query)):
        statement = statement.where(col(Member.name_search).contains(key, autoescape=True))
    if membership:
        statement = statement.where(Member.membership == membership)
    if kind:
        statement = statement.where(Member.kind == kind)
    if active_on:
        statement = statement.where(
            Member.joined_on <= active_on, or_(col(Member.left_on).is_(None), col(Member.left_on) >= active_on)
        )
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    rows = await session.exec(statement.order_by(Member.name_search, Member.id).limit(limit).offset(offset))
    return list(rows.all()), total


# --- unions ----------------------------------------------------------------------------------


async def get_union(session: AsyncSession, union_id: int) -> Coop:
    union = await get_coop(session, union_id)
    if union.form != "lien_hiep":
        raise Unprocessable("union.not_union", coop_id=union_id)
    return union


async def union_members(session: AsyncSession, union_id: int, on: date | None) -> list[UnionMembershipPublic]:
    """Member co-ops over time; with `on`, only those that were members that day."""
    await get_union(session, union_id)
    statement = (
        select(UnionMembership, Coop.name)
        .join(Coop, col(Coop.id) == col(UnionMembership.coop_id))
        .where(UnionMembership.union_id == union_id)
    )
    if on is not None:
        statement = statement.where(
            UnionMembership.joined_on <= on,
            or_(col(UnionMembership.left_on).is_(None), col(UnionMembership.left_on) >= on),
        )
    rows = (await session.exec(statement.order_by(UnionMembership.joined_on, UnionMembership.id))).all()
    return [union_membership_public(m, name) for m, name in rows]


# --- partners and value-chain contracts ------------------------------------------------------


async def get_partner(session: AsyncSession, partner_id: int) -> Partner:
    partner = await session.get(Partner, partner_id)
    if partner is None:
        raise NotFound("partner.not_found", partner_id=partner_id)
    return partner


async def partner_history(session: AsyncSession, partner_id: int) -> PartnerHistory:
    """The partner's registration and every contract signed with it, in the order recorded."""
    await get_partner(session, partner_id)
    return PartnerHistory(partner_id=partner_id, events=await _recorded_events(session, partner_id=partner_id))


async def search_partners(
    session: AsyncSession, query: str | None, kind: str | None, limit: int, offset: int
) -> tuple[list[Partner], int]:
    statement = select(Partner)
    if query and (key := search_key(query)):
        statement = statement.where(col(Partner.name_search).contains(key, autoescape=True))
    if kind:
        statement = statement.where(Partner.kind == kind)
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    rows = await session.exec(statement.order_by(Partner.name_search, Partner.id).limit(limit).offset(offset))
    return list(rows.all()), total


async def list_contracts(
    session: AsyncSession, *, coop_id: int | None = None, partner_id: int | None = None
) -> list[ContractPublic]:
    statement = select(ChainContract, Partner.name).join(Partner, col(Partner.id) == col(ChainContract.partner_id))
    if coop_id is not None:
        await get_coop(session, coop_id)
        statement = statement.where(ChainContract.coop_id == coop_id)
    if partner_id is not None:
        await get_partner(session, partner_id)
        statement = statement.where(ChainContract.partner_id == partner_id)
    rows = (await session.exec(statement.order_by(ChainContract.valid_from, ChainContract.id))).all()
    return [contract_public(contract, name) for contract, name in rows]
