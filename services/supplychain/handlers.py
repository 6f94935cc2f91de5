"""Supplychain commands, queries and registry-event handlers: plain functions over a session.

Commands check everything before writing, then write the lot facts and the outbox row in
the caller's transaction, so a refusal leaves nothing behind.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.auth import Principal
from shared.clock import start_of_local_day, utcnow
from shared.errors import Conflict, NotFound, Unprocessable
from shared.events import registry as registry_contracts
from shared.events import supplychain as contracts
from shared.messaging.consumer import ConsumedEvent, Handler
from shared.messaging.outbox import record_event
from services.supplychain import lots
from services.supplychain.models import (
    HarvestCreate, KnownCoop, KnownMember, Lot, LotEvent, LotEventPublic, LotPublic, LotTrace, Sale,
    SaleCreate, SalePrivate, TraceOrigin, TraceSale,
)
from services.supplychain.registry_client import RegistryClient

# --- the registry replica, fed by registry.events ------------------------------------------
# Each handler runs inside the consumer's inbox transaction. They are upserts because the
# registry API fallback may have cached the row before the event arrived.


async def on_coop_registered(session: AsyncSession, event: ConsumedEvent) -> None:
    fact: registry_contracts.CoopRegistered = event.envelope.contract()
    coop = await session.get(KnownCoop, fact.coop_id)
    if coop is None:
        coop = KnownCoop(id=fact.coop_id, status=fact.status, learnt_from="event",
                         **fact.model_dump(include={"name", "registration_code", "ward_code", "founded_on"}))
    else:
        # Cached from the API, whose snapshot is newer than this registration: keep its status;
        # any later status change is still ahead of us on the stream and will be applied in order.
        coop.name, coop.registration_code = fact.name, fact.registration_code
        coop.ward_code, coop.founded_on, coop.updated_at = fact.ward_code, fact.founded_on, utcnow()
    session.add(coop)


async def on_coop_status_changed(session: AsyncSession, event: ConsumedEvent) -> None:
    fact: registry_contracts.CoopStatusChanged = event.envelope.contract()
    coop = await session.get(KnownCoop, fact.coop_id)
    if coop is None:
        # The stream is ordered, so registration came first; a gap means lost history: retry,
        # then dead-letter for an operator rather than invent a co-op.
        raise LookupError(f"status change for co-op {fact.coop_id}, which this replica never saw")
    coop.status, coop.updated_at = fact.status, utcnow()
    session.add(coop)


async def on_member_joined(session: AsyncSession, event: ConsumedEvent) -> None:
    fact: registry_contracts.MemberJoined = event.envelope.contract()
    member = await session.get(KnownMember, fact.member_id)
    fields = fact.model_dump(include={"coop_id", "name", "kind", "membership", "joined_on"})
    if member is None:
        member = KnownMember(id=fact.member_id, learnt_from="event", **fields)
    else:
        for name, value in fields.items():  # left_on stays: it comes from a later event or the API
            setattr(member, name, value)
        member.updated_at = utcnow()
    session.add(member)


async def on_member_left(session: AsyncSession, event: ConsumedEvent) -> None:
    fact: registry_contracts.MemberLeft = event.envelope.contract()
    member = await session.get(KnownMember, fact.member_id)
    if member is None:
        raise LookupError(f"member {fact.member_id} left, but this replica never saw them join")
    member.left_on, member.updated_at = fact.left_on, utcnow()
    session.add(member)


REGISTRY_HANDLERS: dict[str, Handler] = {
    registry_contracts.CoopRegistered.event_type: on_coop_registered,
    registry_contracts.CoopStatusChanged.event_type: on_coop_status_changed,
    registry_contracts.MemberJoined.event_type: on_member_joined,
    registry_contracts.MemberLeft.event_type: on_member_left,
}


async def known_coop(session: AsyncSession, registry: RegistryClient, coop_id: int) -> KnownCoop:
    """The co-op from the replica, or from the registry's API (cached) when the stream is behind."""
    coop = await session.get(KnownCoop, coop_id)
    if coop is None:
        answer = await registry.coop(coop_id)
        if answer is None:
            raise NotFound("coop.not_found", coop_id=coop_id)
        coop = KnownCoop(**answer.model_dump(), learnt_from="registry_api")
        session.add(coop)
    return coop


async def known_member(session: AsyncSession, registry: RegistryClient, coop_id: int, member_id: int) -> KnownMember:
    """The member from the replica, or from the registry's API (cached) when the stream is behind."""
    member = await session.get(KnownMember, member_id)
    if member is None:
        answer = await registry.member(coop_id, member_id)
        if answer is None:
            raise NotFound("member.not_found", member_id=member_id, coop_id=coop_id)
        member = KnownMember(**answer.model_dump(), learnt_from="registry_api")
        session.add(member)
    if member.coop_id != coop_id:
        raise NotFound("member.not_found", member_id=member_id, coop_id=coop_id)
    return member


# --- lots -------------------------------------------------------------------------------------


async def _lot(session: AsyncSession, code: str, *, for_update: bool = False) -> Lot:
    statement = select(Lot).where(Lot.code == code)
    if for_update:
        # PostgreSQL serialises sales of one lot here; SQLite has one writer at a time anyway.
        statement = statement.with_for_update()
    lot = (await session.exec(statement)).first()
    if lot is None:
        raise NotFound("lot.not_found", lot_code=code)
    return lot


async def _events(session: AsyncSession, lot: Lot) -> list[LotEvent]:
    rows = await session.exec(select(LotEvent).where(LotEvent.lot_id == lot.id).order_by(col(LotEvent.id)))
    return list(rows.all())


async def _generated_code(session: AsyncSession, coop_id: int, harvested_on) -> str:
    prefix = lots.generated_code_prefix(coop_id, harvested_on)
    codes = (await session.exec(select(Lot.code).where(col(Lot.code).startswith(prefix)))).all()
    return lots.lot_code(coop_id, harvested_on, lots.next_sequence(codes, coop_id, harvested_on))


async def record_harvest(session: AsyncSession, registry: RegistryClient, data: HarvestCreate,
                         principal: Principal) -> Lot:
    """A household's harvest becomes a new lot of its co-op."""
    principal.require_coop_write(data.coop_id)  # province or the co-op itself; never a buyer
    coop = await known_coop(session, registry, data.coop_id)
    if coop.status != "active":
        raise Conflict("coop.not_active", coop_id=coop.id, status=coop.status)
    member = await known_member(session, registry, data.coop_id, data.member_id)
    if not lots.was_member_on(member.joined_on, member.left_on, data.harvested_on):
        raise Unprocessable("member.not_member_on_date", member_id=member.id, coop_id=coop.id, on=data.harvested_on)

    code = data.lot_code or await _generated_code(session, data.coop_id, data.harvested_on)
    if (await session.exec(select(Lot.id).where(Lot.code == code))).first() is not None:
        raise Conflict("lot.duplicate", lot_code=code)
    lot = Lot(code=code, coop_id=coop.id, member_id=member.id, product=data.product,
              harvested_quantity_kg=data.quantity_kg, harvested_on=data.harvested_on,
              harvest_round=data.harvest_round, plot_code=data.plot_code, created_by=principal.actor)
    session.add(lot)
    try:
        await session.flush()
    except IntegrityError:
        # Two requests took the same code at the same moment and the other one won; or the
        # consumer cached the same registry row just now (then the client simply retries).
        await session.rollback()
        if (await session.exec(select(Lot.id).where(Lot.code == code))).first() is not None:
            raise Conflict("lot.duplicate", lot_code=code) from None
        raise

    envelope = record_event(
        session, contracts.STREAM,
        contracts.LotHarvested(
            lot_code=lot.code, coop_id=lot.coop_id, member_id=lot.member_id, product=lot.product,
            quantity_kg=lot.harvested_quantity_kg, harvested_on=lot.harvested_on,
            harvest_round=lot.harvest_round, plot_code=lot.plot_code,
        ),
        occurred_at=start_of_local_day(lot.harvested_on), actor=principal.actor,
    )
    session.add(LotEvent(lot_id=lot.id, kind="harvested", quantity_delta_kg=lot.harvested_quantity_kg,
                         occurred_on=lot.harvested_on, event_id=str(envelope.event_id), actor=principal.actor))
    await session.flush()
    return lot


async def record_sale(session: AsyncSession, data: SaleCreate, principal: Principal) -> Sale:
    """A co-op sells part or all of one of its lots."""
    principal.require_coop_write(data.coop_id)
    lot = await _lot(session, data.lot_code, for_update=True)
    if lot.coop_id != data.coop_id:
        raise Conflict("lot.other_coop", lot_code=lot.code, coop_id=data.coop_id)
    if data.sold_on < lot.harvested_on:
        raise Unprocessable("lot.before_creation", on=data.sold_on, lot_code=lot.code, created=lot.harvested_on)
    held = lots.quantity_held(e.quantity_delta_kg for e in await _events(session, lot))
    if data.quantity_kg > held:
        raise Conflict("lot.insufficient", lot_code=lot.code, available=held, requested=data.quantity_kg)

    sale = Sale(lot_id=lot.id, coop_id=lot.coop_id, buyer_name=data.buyer_name,
                buyer_partner_id=data.buyer_partner_id, quantity_kg=data.quantity_kg,
                price_per_kg_vnd=data.price_per_kg_vnd,
                amount_vnd=lots.sale_amount_vnd(data.quantity_kg, data.price_per_kg_vnd),
                sold_on=data.sold_on, invoice_number=data.invoice_number)
    session.add(sale)
    await session.flush()
    envelope = record_event(
        session, contracts.STREAM,
        contracts.LotSold(
            sale_id=sale.id, lot_code=lot.code, coop_id=lot.coop_id, buyer_name=sale.buyer_name,
            buyer_partner_id=sale.buyer_partner_id, quantity_kg=sale.quantity_kg,
            price_per_kg_vnd=sale.price_per_kg_vnd, amount_vnd=sale.amount_vnd, sold_on=sale.sold_on,
            invoice_number=sale.invoice_number,
        ),
        occurred_at=start_of_local_day(sale.sold_on), actor=principal.actor,
    )
    session.add(LotEvent(lot_id=lot.id, kind="sold", quantity_delta_kg=-sale.quantity_kg, occurred_on=sale.sold_on,
                         sale_id=sale.id, event_id=str(envelope.event_id), actor=principal.actor))
    await session.flush()
    return sale


def sale_private(sale: Sale, lot_code: str) -> SalePrivate:
    return SalePrivate.model_validate({**sale.model_dump(), "lot_code": lot_code})


async def get_lot(session: AsyncSession, code: str) -> LotPublic:
    lot = await _lot(session, code)
    events = await _events(session, lot)
    return LotPublic(
        **lot.model_dump(exclude={"id", "created_by"}),
        quantity_kg=lots.quantity_held(e.quantity_delta_kg for e in events),
        events=[LotEventPublic.model_validate(e, from_attributes=True) for e in events],
    )


async def trace_lot(session: AsyncSession, code: str) -> LotTrace:
    """One step back (co-op, household, plot, harvest) and one step forward (buyers)."""
    lot = await _lot(session, code)
    coop = await session.get(KnownCoop, lot.coop_id)
    member = await session.get(KnownMember, lot.member_id)
    sales = (await session.exec(
        select(Sale).where(Sale.lot_id == lot.id).order_by(col(Sale.sold_on), col(Sale.id)))).all()
    events = await _events(session, lot)
    return LotTrace(
        lot_code=lot.code, product=lot.product,
        quantity_kg=lots.quantity_held(e.quantity_delta_kg for e in events),
        origin=TraceOrigin(
            coop_id=lot.coop_id, coop_name=coop.name, ward_code=coop.ward_code, household_name=member.name,
            plot_code=lot.plot_code, harvested_on=lot.harvested_on, harvest_round=lot.harvest_round,
            harvested_quantity_kg=lot.harvested_quantity_kg,
        ),
        sales=[TraceSale(buyer_name=s.buyer_name, quantity_kg=s.quantity_kg, sold_on=s.sold_on) for s in sales],
    )
