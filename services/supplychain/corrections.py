"""Corrections: a recorded fact declared wrong (EPCIS error declaration), and the chain command replacing it."""

from __future__ import annotations

import uuid

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.supplychain.commands import apply_command
from services.supplychain.epcis import chain_mapping as epcis
from services.supplychain.epcis.store import AlreadyDeclared
from services.supplychain.queries import corrected_event_ids, holdings
from services.supplychain.recording import add_lot_events, save_chain_epcis_event
from services.supplychain.registry_client import RegistryClient
from services.supplychain.schemas import CorrectionCreate, CorrectionResult
from services.supplychain.tables import ChainEvent, Correction, Lot, LotEvent, Purchase, Sale, Shipment, ShipmentReceipt
from shared.auth import Principal
from shared.clock import VIETNAM, start_of_local_day, utcnow
from shared.errors import Conflict, Forbidden, NotFound, Unprocessable
from shared.events import supplychain as contracts
from shared.messaging.outbox import record_event


async def record_correction(
    session: AsyncSession, registry: RegistryClient, data: CorrectionCreate, principal: Principal
) -> CorrectionResult:
    """EPCIS error declaration plus corrective event. Nothing is edited in place.

    The wrong fact's lot events are cancelled by `corrected` events, the corrective command
    runs as usual, and every lot the wrong fact touched must still hold 0 or more afterwards
    (what was made from a wrong lot must be corrected first). The wrong fact's EPCIS events
    are declared in error, naming the corrective ones; EventCorrected is published.
    """
    fact = (await session.exec(select(ChainEvent).where(ChainEvent.event_id == data.event_id))).first()
    if fact is None:
        raise NotFound("correction.unknown_event", event_id=data.event_id)
    if fact.kind == "receipt" and principal.role == "buyer":  # a buyer corrects its own receipts
        if principal.partner_id != fact.partner_id:
            receipt = (
                await session.exec(select(ShipmentReceipt).where(ShipmentReceipt.event_id == fact.event_id))
            ).one()
            raise Forbidden("shipment.other_partner", shipment_id=receipt.shipment_id)
    else:
        principal.require_coop_write(fact.coop_id)
    if await corrected_event_ids(session, [fact.event_id]):
        raise Conflict("correction.already", event_id=fact.event_id)
    await _refuse_live_dependants(session, fact)
    declared_on = data.declared_on or utcnow().astimezone(VIETNAM).date()
    if declared_on < fact.occurred_on:
        raise Unprocessable("correction.before_fact", on=declared_on, event_id=fact.event_id, occurred=fact.occurred_on)

    # The declaration goes in first, so the corrective command already sees the wrong fact as gone
    # (a corrective purchase of the same lot, for one); its published id is known at the end.
    correction = Correction(
        corrected_event_id=fact.event_id,
        event_id=str(uuid.uuid4()),
        reason=data.reason,
        explanation=data.explanation,
        declared_on=declared_on,
        actor=principal.actor,
    )
    session.add(correction)
    wrong = (
        await session.exec(select(LotEvent).where(LotEvent.event_id == fact.event_id, LotEvent.kind != "corrected"))
    ).all()
    await add_lot_events(
        session, [(e.lot_id, "corrected", -e.quantity_delta) for e in wrong], declared_on, fact.event_id, principal
    )
    await session.flush()
    corrective = await apply_command(session, registry, data.corrective, principal) if data.corrective else None

    held = await holdings(session, {e.lot_id for e in wrong})
    for lot_id, quantity in held.items():
        if quantity < 0:
            lot = await session.get(Lot, lot_id)
            raise Conflict("correction.consumed", lot_code=lot.code, held=quantity)

    corrective_ids = [corrective.event_id] if corrective else []
    corrective_epcis = []
    if corrective:
        corrective_fact = (
            await session.exec(select(ChainEvent).where(ChainEvent.event_id == corrective.event_id))
        ).one()
        corrective_epcis = [event["eventID"] for event in corrective_fact.epcis_events]
    declared_at = utcnow()
    for event in fact.epcis_events:
        declared = epcis.error_declaration(
            event, declared_at=declared_at, reason=data.reason, corrective_event_ids=corrective_epcis
        )
        try:
            await save_chain_epcis_event(session, declared, fact.coop_id)
        except AlreadyDeclared:  # declared through EPCIS capture before capture refused that (docs/adr/0012)
            raise Conflict("correction.already", event_id=fact.event_id) from None
    envelope = record_event(
        session,
        contracts.STREAM,
        contracts.EventCorrected(
            corrected_event_id=fact.event_id,
            reason=data.reason,
            declared_on=declared_on,
            corrective_event_ids=corrective_ids,
        ),
        occurred_at=start_of_local_day(declared_on),
        actor=principal.actor,
    )
    correction.event_id, correction.corrective_event_ids = str(envelope.event_id), corrective_ids
    session.add(correction)
    await session.flush()
    return CorrectionResult(event_id=str(envelope.event_id), corrected_event_id=fact.event_id, corrective=corrective)


async def _refuse_live_dependants(session: AsyncSession, fact: ChainEvent) -> None:
    """Facts that only make sense on top of this one must be corrected first."""
    dependants: list[str] = []
    if fact.kind == "harvest":
        lot_ids = (await session.exec(select(LotEvent.lot_id).where(LotEvent.event_id == fact.event_id))).all()
        dependants = list(
            (await session.exec(select(Purchase.event_id).where(col(Purchase.lot_id).in_(lot_ids)))).all()
        )
    elif fact.kind == "shipment":
        shipment = (await session.exec(select(Shipment).where(Shipment.event_id == fact.event_id))).one()
        dependants = list(
            (
                await session.exec(select(ShipmentReceipt.event_id).where(ShipmentReceipt.shipment_id == shipment.id))
            ).all()
        )
        dependants += list(
            (
                await session.exec(
                    select(LotEvent.event_id)
                    .join(Sale, col(Sale.id) == col(LotEvent.sale_id))
                    .where(Sale.shipment_id == shipment.id)
                )
            ).all()
        )
    live = set(dependants) - await corrected_event_ids(session, dependants)
    if live:
        raise Conflict("correction.has_dependants", event_id=fact.event_id, dependants=", ".join(sorted(live)))
