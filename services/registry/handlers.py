"""Registry commands and queries: plain functions over a session, no HTTP here.

Commands check everything before they write, then add their rows and the outbox event in
the caller's transaction, so a refusal leaves nothing behind and publishes nothing.
Every event about an organisation is also indexed in `coop_event`, and every event about a
partner in `partner_event`, which their history views read back from the outbox. A union is an
organisation (form `lien_hiep`): its events (members added and removed) are indexed by
`union_id` in `coop_event`, so `GET /coops/{union_id}/history` is the union's history.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import event as sa_event
from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import Session, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.models import (
    ChainContract,
    ContractCreate,
    ContractPublic,
    Coop,
    CoopCreate,
    CoopEvent,
    CoopHistory,
    CoopPrivate,
    CoopPublic,
    CoopSort,
    CoopStatusHistory,
    CoopUpdate,
    Member,
    MemberCreate,
    MemberLeave,
    Partner,
    PartnerCreate,
    PartnerEvent,
    PartnerHistory,
    PartnerPublic,
    RecordedEvent,
    StatusChange,
    StatusHistoryPublic,
    UnionMemberAdd,
    UnionMemberRemove,
    UnionMembership,
    UnionMembershipPublic,
)
from shared.auth import Principal
from shared.clock import VIETNAM, start_of_local_day
from shared.errors import Conflict, NotFound, Unprocessable
from shared.events import registry as contracts
from shared.events.envelope import Event, EventEnvelope
from shared.messaging.outbox import OutboxMessage, record_event
from shared.places import ward_name
from shared.text import search_key

_KG = Decimal("0.001")  # kilograms always carry 3 decimals on the wire

# --- events ----------------------------------------------------------------------------------


class RegistrySession(Session):
    """The registry's sessions index every event they add to the outbox by the organisations it
    names (`coop_id`, `union_id`) and by the partner it names (`partner_id`), so each
    organisation's and partner's history view finds its events whichever handler recorded them."""


@sa_event.listens_for(RegistrySession, "before_flush")
def _index_outbox_events(session: Session, _context, _instances) -> None:
    for row in list(session.new):
        if isinstance(row, OutboxMessage) and row.stream == contracts.STREAM:
            payload = json.loads(json.loads(row.fields_json)["payload"])
            for coop_id in event_subjects(payload):
                session.add(CoopEvent(event_id=row.event_id, coop_id=coop_id))
            if isinstance(payload.get("partner_id"), int):
                session.add(PartnerEvent(event_id=row.event_id, partner_id=payload["partner_id"]))


def event_subjects(payload: dict) -> list[int]:
    """The organisations an event is about."""
    return [payload[key] for key in ("coop_id", "union_id") if isinstance(payload.get(key), int)]


def use_registry_sessions(sessions: async_sessionmaker) -> None:
    """Make a service's session factory produce `RegistrySession`s (called by the composition root)."""
    sessions.configure(sync_session_class=RegistrySession)


def _publish(session: AsyncSession, event: Event, *, occurred_at: datetime, actor: str) -> EventEnvelope:
    """Outbox row, published after commit; `RegistrySession` indexes it for the history views."""
    return record_event(session, contracts.STREAM, event, occurred_at=occurred_at, actor=actor)


def _lines(values: list[str]) -> str:
    return "\n".join(values)


def _split(value: str) -> list[str]:
    return [item for item in value.split("\n") if item]


# --- organisations ---------------------------------------------------------------------------


def coop_public(coop: Coop, *, private: bool = False) -> CoopPublic:
    model = CoopPrivate if private else CoopPublic
    extra = (
        dict(contact_name=coop.contact_name, contact_phone=coop.contact_phone, contact_email=coop.contact_email)
        if private
        else {}
    )
    return model(
        id=coop.id,
        name=coop.name,
        form=coop.form,
        registration_code=coop.registration_code,
        tax_code=coop.tax_code,
        ward_code=coop.ward_code,
        ward_name=ward_name(coop.ward_code),
        legacy_ward_code=coop.legacy_ward_code,
        founded_on=coop.founded_on,
        address=coop.address,
        sectors=_split(coop.sectors),
        main_products=_split(coop.main_products),
        status=coop.status,
        **extra,
    )


def sees_private(principal: Principal | None, coop_id: int) -> bool:
    """Personal data only for the co-op itself and the province."""
    return principal is not None and (
        principal.role == "province" or (principal.role == "coop" and principal.coop_id == coop_id)
    )


def new_coop(data: CoopCreate) -> Coop:
    return Coop(
        name=data.name,
        name_search=search_key(data.name),
        form=data.form,
        registration_code=data.registration_code,
        tax_code=data.tax_code,
        ward_code=data.ward_code,
        legacy_ward_code=data.legacy_ward_code,
        founded_on=data.founded_on,
        address=data.address,
        main_products=_lines(data.main_products),
        products_search=_lines([search_key(p) for p in data.main_products]),
        sectors=_lines(data.sectors),
        contact_name=data.contact_name,
        contact_phone=data.contact_phone,
        contact_email=data.contact_email,
    )


def registration_facts(coop: Coop, actor: str) -> tuple[CoopStatusHistory, contracts.CoopRegistered]:
    """The first status row and the event of a registration (shared with the bulk import)."""
    history = CoopStatusHistory(
        coop_id=coop.id, status=coop.status, effective_on=coop.founded_on, reason="registered", actor=actor
    )
    event = contracts.CoopRegistered(
        coop_id=coop.id,
        name=coop.name,
        form=coop.form,
        registration_code=coop.registration_code,
        ward_code=coop.ward_code,
        founded_on=coop.founded_on,
        status=coop.status,
        legacy_ward_code=coop.legacy_ward_code,
    )
    return history, event


async def register_coop(session: AsyncSession, data: CoopCreate, principal: Principal) -> Coop:
    principal.require_role("province")
    taken = await session.exec(select(Coop.id).where(Coop.registration_code == data.registration_code))
    if taken.first() is not None:
        raise Conflict("coop.duplicate_code", code=data.registration_code)
    coop = new_coop(data)
    session.add(coop)
    try:
        await session.flush()
    except IntegrityError:  # registered by a concurrent request since the check above
        raise Conflict("coop.duplicate_code", code=data.registration_code) from None
    history, event = registration_facts(coop, principal.actor)
    session.add(history)
    _publish(session, event, occurred_at=start_of_local_day(coop.founded_on), actor=principal.actor)
    return coop


async def get_coop(session: AsyncSession, coop_id: int) -> Coop:
    coop = await session.get(Coop, coop_id)
    if coop is None:
        raise NotFound("coop.not_found", coop_id=coop_id)
    return coop


async def update_coop(session: AsyncSession, coop_id: int, data: CoopUpdate, principal: Principal) -> Coop:
    """Change an organisation's details; the province or the co-op itself. No-op changes publish nothing."""
    principal.require_coop_write(coop_id)
    coop = await get_coop(session, coop_id)
    changes = data.model_dump(exclude_unset=True, exclude={"changed_on"})
    if "ward_code" in changes or "legacy_ward_code" in changes:
        changes["ward_code"], changes["legacy_ward_code"] = data.ward_code, data.legacy_ward_code
    for listed in ("sectors", "main_products"):
        if listed in changes:
            changes[listed] = _lines(changes[listed] or [])
    changed = sorted(name for name, value in changes.items() if getattr(coop, name) != value)
    if not changed:
        return coop
    for name in changed:
        setattr(coop, name, changes[name])
    coop.name_search = search_key(coop.name)
    coop.products_search = _lines([search_key(p) for p in _split(coop.main_products)])
    session.add(coop)
    changed_on = data.changed_on or datetime.now(VIETNAM).date()
    _publish(
        session,
        contracts.CoopDetailsChanged(
            coop_id=coop.id, name=coop.name, ward_code=coop.ward_code, changed_on=changed_on, changed=changed
        ),
        occurred_at=start_of_local_day(changed_on),
        actor=principal.actor,
    )
    return coop


async def change_status(
    session: AsyncSession, coop_id: int, data: StatusChange, principal: Principal
) -> CoopStatusHistory:
    """Append a status row (never overwrite one). Dissolution is final."""
    principal.require_role("province")
    coop = await get_coop(session, coop_id)
    if coop.status == "dissolved":
        raise Conflict("coop.dissolved", coop_id=coop_id)
    if coop.status == data.status:
        raise Conflict("coop.status_unchanged", coop_id=coop_id, status=data.status)
    if data.effective_on < coop.founded_on:
        raise Unprocessable("coop.status_before_founding", on=data.effective_on, founded=coop.founded_on)
    last = (
        await session.exec(select(func.max(CoopStatusHistory.effective_on)).where(CoopStatusHistory.coop_id == coop_id))
    ).one()
    if last is not None and data.effective_on < last:
        raise Unprocessable("coop.status_out_of_order", on=data.effective_on, last=last)
    row = CoopStatusHistory(
        coop_id=coop_id, status=data.status, effective_on=data.effective_on, reason=data.reason, actor=principal.actor
    )
    coop.status = data.status
    session.add_all([row, coop])
    _publish(
        session,
        contracts.CoopStatusChanged(
            coop_id=coop_id, status=data.status, effective_on=data.effective_on, reason=data.reason
        ),
        occurred_at=start_of_local_day(data.effective_on),
        actor=principal.actor,
    )
    return row


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


async def member_history(session: AsyncSession, coop_id: int, member_id: int) -> list[RecordedEvent]:
    """The events about one member (joined, left, and any other naming them, such as plots)."""
    await get_member(session, coop_id, member_id)
    return [e for e in await _recorded_events(session, coop_id) if e.payload.get("member_id") == member_id]


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
            or_(col(Coop.name_search).contains(key, autoescape=True), col(Coop.registration_code) == query.strip())
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


def new_member(coop_id: int, data: MemberCreate) -> Member:
    return Member(
        coop_id=coop_id,
        name=data.name,
        name_search=search_key(data.name),
        kind=data.kind,
        membership=data.membership,
        joined_on=data.joined_on,
        capital_vnd=data.capital_vnd,
        phone=data.phone,
        id_number=data.id_number,
    )


def member_joined(member: Member) -> contracts.MemberJoined:
    return contracts.MemberJoined(
        member_id=member.id,
        coop_id=member.coop_id,
        name=member.name,
        kind=member.kind,
        membership=member.membership,
        joined_on=member.joined_on,
    )


async def add_member(session: AsyncSession, coop_id: int, data: MemberCreate, principal: Principal) -> Member:
    principal.require_coop_write(coop_id)
    coop = await get_coop(session, coop_id)
    if coop.status == "dissolved":
        raise Conflict("coop.not_active", coop_id=coop_id, status=coop.status)
    if data.joined_on < coop.founded_on:
        raise Unprocessable("member.joined_before_founding", on=data.joined_on, founded=coop.founded_on)
    if data.id_number:
        taken = await session.exec(
            select(Member.id).where(Member.coop_id == coop_id, Member.id_number == data.id_number)
        )
        if taken.first() is not None:
            raise Conflict("member.duplicate_id_number", coop_id=coop_id)
    member = new_member(coop_id, data)
    session.add(member)
    try:
        await session.flush()
    except IntegrityError:  # the same ID number added by a concurrent request since the check above
        raise Conflict("member.duplicate_id_number", coop_id=coop_id) from None
    _publish(session, member_joined(member), occurred_at=start_of_local_day(member.joined_on), actor=principal.actor)
    return member


async def get_member(session: AsyncSession, coop_id: int, member_id: int) -> Member:
    member = await session.get(Member, member_id)
    if member is None or member.coop_id != coop_id:
        raise NotFound("member.not_found", member_id=member_id, coop_id=coop_id)
    return member


async def leave_member(
    session: AsyncSession, coop_id: int, member_id: int, data: MemberLeave, principal: Principal
) -> Member:
    principal.require_coop_write(coop_id)
    member = await get_member(session, coop_id, member_id)
    if member.left_on is not None:
        raise Conflict("member.already_left", member_id=member_id, on=member.left_on)
    if data.left_on < member.joined_on:
        raise Unprocessable("member.left_before_joined", on=data.left_on, joined=member.joined_on)
    member.left_on, member.left_reason = data.left_on, data.reason
    session.add(member)
    _publish(
        session,
        contracts.MemberLeft(member_id=member_id, coop_id=coop_id, left_on=data.left_on),
        occurred_at=start_of_local_day(data.left_on),
        actor=principal.actor,
    )
    return member


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


async def _union(session: AsyncSession, union_id: int) -> Coop:
    union = await get_coop(session, union_id)
    if union.form != "lien_hiep":
        raise Unprocessable("union.not_union", coop_id=union_id)
    return union


async def add_union_member(
    session: AsyncSession, union_id: int, data: UnionMemberAdd, principal: Principal
) -> UnionMembership:
    """A co-op joins a union. Its members must be co-ops (not groups, not unions)."""
    principal.require_coop_write(union_id)
    union = await _union(session, union_id)
    coop = await get_coop(session, data.coop_id)
    if coop.form != "hop_tac_xa":
        raise Unprocessable("union.member_not_coop", coop_id=coop.id)
    if "dissolved" in (union.status, coop.status):
        raise Conflict(
            "coop.not_active", coop_id=union.id if union.status == "dissolved" else coop.id, status="dissolved"
        )
    if data.joined_on < max(union.founded_on, coop.founded_on):
        raise Unprocessable("union.joined_before_founding", on=data.joined_on)
    current = (
        await session.exec(
            select(UnionMembership.id).where(
                UnionMembership.union_id == union_id,
                UnionMembership.coop_id == coop.id,
                col(UnionMembership.left_on).is_(None),
            )
        )
    ).first()
    if current is not None:
        raise Conflict("union.already_member", coop_id=coop.id, union_id=union_id)
    row = UnionMembership(union_id=union_id, coop_id=coop.id, joined_on=data.joined_on)
    session.add(row)
    await session.flush()
    _publish(
        session,
        contracts.UnionMemberAdded(union_id=union_id, coop_id=coop.id, joined_on=data.joined_on),
        occurred_at=start_of_local_day(data.joined_on),
        actor=principal.actor,
    )
    return row


async def remove_union_member(
    session: AsyncSession, union_id: int, coop_id: int, data: UnionMemberRemove, principal: Principal
) -> UnionMembership:
    principal.require_coop_write(union_id)
    await _union(session, union_id)
    row = (
        await session.exec(
            select(UnionMembership).where(
                UnionMembership.union_id == union_id,
                UnionMembership.coop_id == coop_id,
                col(UnionMembership.left_on).is_(None),
            )
        )
    ).first()
    if row is None:
        raise NotFound("union.not_member", coop_id=coop_id, union_id=union_id)
    if data.left_on < row.joined_on:
        raise Unprocessable("union.left_before_joined", on=data.left_on, joined=row.joined_on)
    row.left_on = data.left_on
    session.add(row)
    _publish(
        session,
        contracts.UnionMemberRemoved(union_id=union_id, coop_id=coop_id, left_on=data.left_on),
        occurred_at=start_of_local_day(data.left_on),
        actor=principal.actor,
    )
    return row


async def union_members(session: AsyncSession, union_id: int, on: date | None) -> list[UnionMembershipPublic]:
    """Member co-ops over time; with `on`, only those that were members that day."""
    await _union(session, union_id)
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
    return [
        UnionMembershipPublic(
            union_id=m.union_id, coop_id=m.coop_id, coop_name=name, joined_on=m.joined_on, left_on=m.left_on
        )
        for m, name in rows
    ]


# --- partners and value-chain contracts ------------------------------------------------------


def partner_public(partner: Partner) -> PartnerPublic:
    return PartnerPublic(
        id=partner.id,
        name=partner.name,
        kind=partner.kind,
        tax_code=partner.tax_code,
        ward_code=partner.ward_code,
        ward_name=ward_name(partner.ward_code) if partner.ward_code else None,
        address=partner.address,
    )


async def register_partner(session: AsyncSession, data: PartnerCreate, principal: Principal) -> Partner:
    principal.require_role("province")
    partner = Partner(
        name=data.name,
        name_search=search_key(data.name),
        kind=data.kind,
        tax_code=data.tax_code,
        ward_code=data.ward_code,
        address=data.address,
    )
    session.add(partner)
    await session.flush()
    record_event(
        session,
        contracts.STREAM,
        contracts.PartnerRegistered(
            partner_id=partner.id, name=partner.name, kind=partner.kind, ward_code=partner.ward_code
        ),
        actor=principal.actor,
    )
    return partner


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


async def sign_contract(
    session: AsyncSession, coop_id: int, data: ContractCreate, principal: Principal
) -> ContractPublic:
    """A value-chain link between a co-op and a partner (the province or the co-op records it)."""
    principal.require_coop_write(coop_id)
    coop = await get_coop(session, coop_id)
    if coop.status != "active":
        raise Conflict("coop.not_active", coop_id=coop_id, status=coop.status)
    partner = await get_partner(session, data.partner_id)
    contract = ChainContract(
        coop_id=coop_id,
        partner_id=partner.id,
        product=data.product,
        valid_from=data.valid_from,
        valid_to=data.valid_to,
        volume_kg=None if data.volume_kg is None else data.volume_kg.quantize(_KG),
    )
    session.add(contract)
    await session.flush()
    _publish(
        session,
        contracts.ChainContractSigned(
            contract_id=contract.id,
            coop_id=coop_id,
            partner_id=partner.id,
            product=contract.product,
            valid_from=contract.valid_from,
            valid_to=contract.valid_to,
            volume_kg=contract.volume_kg,
        ),
        occurred_at=start_of_local_day(contract.valid_from),
        actor=principal.actor,
    )
    return _contract_public(contract, partner.name)


def _contract_public(contract: ChainContract, partner_name: str) -> ContractPublic:
    volume = None if contract.volume_kg is None else contract.volume_kg.quantize(_KG)
    return ContractPublic(
        id=contract.id,
        coop_id=contract.coop_id,
        partner_id=contract.partner_id,
        partner_name=partner_name,
        product=contract.product,
        valid_from=contract.valid_from,
        valid_to=contract.valid_to,
        volume_kg=volume,
    )


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
    return [_contract_public(contract, name) for contract, name in rows]
