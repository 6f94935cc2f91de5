"""Registry writes: register and change organisations, members, unions, partners and
value-chain contracts. Plain functions over a session, no HTTP here.

Commands check everything before they write, then add their rows and the outbox event in
the caller's transaction, so a refusal leaves nothing behind and publishes nothing. Events go
through `publishing.publish`, which also indexes them for the history views.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.publishing import publish
from services.registry.queries import get_coop, get_member, get_partner, get_union
from services.registry.schemas import (
    KG,
    ContractCreate,
    ContractPublic,
    CoopCreate,
    CoopUpdate,
    MemberCreate,
    MemberLeave,
    PartnerCreate,
    StatusChange,
    UnionMemberAdd,
    UnionMemberRemove,
    contract_public,
)
from services.registry.tables import (
    ChainContract,
    Coop,
    CoopStatusHistory,
    Member,
    Partner,
    UnionMembership,
    join_lines,
    split_lines,
)
from shared.auth import Principal
from shared.clock import VIETNAM, start_of_local_day
from shared.errors import Conflict, NotFound, Unprocessable
from shared.events import registry as contracts
from shared.shapes import from_fields
from shared.text import identity_key, search_key

# --- organisations ---------------------------------------------------------------------------


def new_coop(data: CoopCreate) -> Coop:
    return from_fields(
        Coop,
        data,
        name_search=search_key(data.name),
        registration_key=identity_key(data.registration_code),
        main_products=join_lines(data.main_products),
        products_search=join_lines([search_key(p) for p in data.main_products]),
        sectors=join_lines(data.sectors),
    )


def registration_facts(coop: Coop, actor: str) -> tuple[CoopStatusHistory, contracts.CoopRegistered]:
    """The first status row and the event of a registration (shared with the bulk import)."""
    history = CoopStatusHistory(
        coop_id=coop.id, status=coop.status, effective_on=coop.founded_on, reason="registered", actor=actor
    )
    return history, from_fields(contracts.CoopRegistered, coop, coop_id=coop.id)


async def register_coop(session: AsyncSession, data: CoopCreate, principal: Principal) -> Coop:
    principal.require_role("province")
    taken = await session.exec(select(Coop.id).where(Coop.registration_key == identity_key(data.registration_code)))
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
    publish(session, event, occurred_at=start_of_local_day(coop.founded_on), actor=principal.actor)
    return coop


async def update_coop(session: AsyncSession, coop_id: int, data: CoopUpdate, principal: Principal) -> Coop:
    """Change an organisation's details; the province or the co-op itself. No-op changes publish nothing."""
    principal.require_coop_write(coop_id)
    coop = await get_coop(session, coop_id)
    changes = data.model_dump(exclude_unset=True, exclude={"changed_on"})
    if "ward_code" in changes or "legacy_ward_code" in changes:
        # Validation resolved the pair; clearing only the legacy code leaves the ward as it is.
        changes["ward_code"] = data.ward_code or coop.ward_code
        changes["legacy_ward_code"] = data.legacy_ward_code
    for listed in ("sectors", "main_products"):
        if listed in changes:
            changes[listed] = join_lines(changes[listed] or [])
    changed = sorted(name for name, value in changes.items() if getattr(coop, name) != value)
    if not changed:
        return coop
    for name in changed:
        setattr(coop, name, changes[name])
    coop.name_search = search_key(coop.name)
    coop.products_search = join_lines([search_key(p) for p in split_lines(coop.main_products)])
    session.add(coop)
    changed_on = data.changed_on or datetime.now(VIETNAM).date()
    publish(
        session,
        contracts.CoopDetailsChanged(
            coop_id=coop.id,
            name=coop.name,
            ward_code=coop.ward_code,
            changed_on=changed_on,
            changed=changed,
            household_display=coop.household_display,  # the supply chain's trace applies it
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
    publish(
        session,
        from_fields(contracts.CoopStatusChanged, row),
        occurred_at=start_of_local_day(data.effective_on),
        actor=principal.actor,
    )
    return row


# --- members ---------------------------------------------------------------------------------


def new_member(coop_id: int, data: MemberCreate) -> Member:
    return from_fields(Member, data, coop_id=coop_id, name_search=search_key(data.name))


def member_joined(member: Member) -> contracts.MemberJoined:
    return from_fields(contracts.MemberJoined, member, member_id=member.id)


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
    publish(session, member_joined(member), occurred_at=start_of_local_day(member.joined_on), actor=principal.actor)
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
    publish(
        session,
        contracts.MemberLeft(member_id=member_id, coop_id=coop_id, left_on=data.left_on),
        occurred_at=start_of_local_day(data.left_on),
        actor=principal.actor,
    )
    return member


# --- unions ----------------------------------------------------------------------------------


async def add_union_member(
    session: AsyncSession, union_id: int, data: UnionMemberAdd, principal: Principal
) -> UnionMembership:
    """A co-op joins a union. Its members must be co-ops (not groups, not unions)."""
    principal.require_coop_write(union_id)
    union = await get_union(session, union_id)
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
    publish(
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
    await get_union(session, union_id)
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
    publish(
        session,
        contracts.UnionMemberRemoved(union_id=union_id, coop_id=coop_id, left_on=data.left_on),
        occurred_at=start_of_local_day(data.left_on),
        actor=principal.actor,
    )
    return row


# --- partners and value-chain contracts ------------------------------------------------------


async def register_partner(session: AsyncSession, data: PartnerCreate, principal: Principal) -> Partner:
    principal.require_role("province")
    partner = from_fields(Partner, data, name_search=search_key(data.name))
    session.add(partner)
    await session.flush()
    publish(session, from_fields(contracts.PartnerRegistered, partner, partner_id=partner.id), actor=principal.actor)
    return partner


async def sign_contract(
    session: AsyncSession, coop_id: int, data: ContractCreate, principal: Principal
) -> ContractPublic:
    """A value-chain link between a co-op and a partner (the province or the co-op records it)."""
    principal.require_coop_write(coop_id)
    coop = await get_coop(session, coop_id)
    if coop.status != "active":
        raise Conflict("coop.not_active", coop_id=coop_id, status=coop.status)
    partner = await get_partner(session, data.partner_id)
    volume = None if data.volume_kg is None else data.volume_kg.quantize(KG)
    contract = from_fields(ChainContract, data, coop_id=coop_id, partner_id=partner.id, volume_kg=volume)
    session.add(contract)
    await session.flush()
    publish(
        session,
        from_fields(contracts.ChainContractSigned, contract, contract_id=contract.id),
        occurred_at=start_of_local_day(contract.valid_from),
        actor=principal.actor,
    )
    return contract_public(contract, partner.name)
