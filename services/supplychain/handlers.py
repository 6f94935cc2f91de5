"""Supplychain commands and registry-event handlers: plain functions over a session.

Every chain command checks everything before it writes, then writes the lot facts, the
outbox row (the integration event) and the EPCIS events in the caller's transaction, so a
refusal leaves nothing behind. `apply_command` runs any command; `/batch` runs many in one
transaction and `/corrections` runs one as the corrective event of an error declaration.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.supplychain import epcis_mapping as epcis
from services.supplychain import lots
from services.supplychain.epcis.store import save_epcis_event
from services.supplychain.models import (
    ChainCommand,
    ChainEvent,
    ChainResult,
    Correction,
    CorrectionCreate,
    CorrectionResult,
    GradingCreate,
    HarvestCreate,
    KnownCertificate,
    KnownCoop,
    KnownCoopStatus,
    KnownMember,
    KnownPartner,
    KnownPlot,
    Lot,
    LotEvent,
    LotTake,
    PackingCreate,
    PackUnit,
    ProcessingCreate,
    Purchase,
    PurchaseCreate,
    ReceiptCreate,
    Sale,
    SaleCreate,
    SalePrivate,
    Shipment,
    ShipmentCreate,
    ShipmentLine,
    ShipmentReceipt,
    Transformation,
    TransformationInput,
    YieldRule,
    YieldRuleSet,
)
from services.supplychain.registry_client import RegistryClient
from shared.auth import Principal
from shared.clock import VIETNAM, start_of_local_day, utcnow
from shared.errors import Conflict, Forbidden, NotFound, Unprocessable
from shared.events import registry as registry_contracts
from shared.events import supplychain as contracts
from shared.events.envelope import Event
from shared.messaging.consumer import ConsumedEvent, Handler
from shared.messaging.outbox import record_event

CHUNK = 500  # ids per IN (...) list: well under SQLite's bound-parameter limit

# --- the registry replica, fed by registry.events ------------------------------------------
# Each handler runs inside the consumer's inbox transaction. They are upserts because the
# registry API fallback may have cached the row before the event arrived.


async def on_coop_registered(session: AsyncSession, event: ConsumedEvent) -> None:
    fact: registry_contracts.CoopRegistered = event.envelope.contract()
    coop = await session.get(KnownCoop, fact.coop_id)
    if coop is None:
        coop = KnownCoop(
            id=fact.coop_id,
            status=fact.status,
            learnt_from="event",
            **fact.model_dump(include={"name", "registration_code", "ward_code", "founded_on"}),
        )
    else:
        # Cached from the API, whose snapshot is newer than this registration: keep its status;
        # any later status change is still ahead of us on the stream and will be applied in order.
        coop.name, coop.registration_code = fact.name, fact.registration_code
        coop.ward_code, coop.founded_on, coop.updated_at = fact.ward_code, fact.founded_on, utcnow()
    session.add(coop)
    session.add(KnownCoopStatus(coop_id=fact.coop_id, status=fact.status, effective_on=fact.founded_on))


async def on_coop_status_changed(session: AsyncSession, event: ConsumedEvent) -> None:
    fact: registry_contracts.CoopStatusChanged = event.envelope.contract()
    coop = await session.get(KnownCoop, fact.coop_id)
    if coop is None:
        # The stream is ordered, so registration came first; a gap means lost history: retry,
        # then dead-letter for an operator rather than invent a co-op.
        raise LookupError(f"status change for co-op {fact.coop_id}, which this replica never saw")
    coop.status, coop.updated_at = fact.status, utcnow()
    session.add(coop)
    session.add(KnownCoopStatus(coop_id=fact.coop_id, status=fact.status, effective_on=fact.effective_on))


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


async def on_plot_registered(session: AsyncSession, event: ConsumedEvent) -> None:
    fact: registry_contracts.PlotRegistered = event.envelope.contract()
    plot = await session.get(KnownPlot, fact.plot_id) or KnownPlot(id=fact.plot_id)
    plot.coop_id, plot.member_id, plot.planting_area_code = fact.coop_id, fact.member_id, fact.planting_area_code
    plot.area_ha, plot.crop, plot.updated_at = fact.area_ha, fact.crop, utcnow()
    session.add(plot)


async def on_certificate_issued(session: AsyncSession, event: ConsumedEvent) -> None:
    fact: registry_contracts.CertificateIssued = event.envelope.contract()
    certificate = await session.get(KnownCertificate, fact.certificate_id) or KnownCertificate(id=fact.certificate_id)
    for name in ("coop_id", "kind", "code", "issuer", "valid_from", "valid_to", "ocop_stars"):
        setattr(certificate, name, getattr(fact, name))
    certificate.plot_ids, certificate.products = list(fact.plot_ids), list(fact.products)
    certificate.updated_at = utcnow()
    session.add(certificate)


async def on_certificate_revoked(session: AsyncSession, event: ConsumedEvent) -> None:
    fact: registry_contracts.CertificateRevoked = event.envelope.contract()
    certificate = await session.get(KnownCertificate, fact.certificate_id)
    if certificate is None:
        raise LookupError(f"certificate {fact.certificate_id} revoked, but this replica never saw it issued")
    certificate.revoked_on, certificate.updated_at = fact.revoked_on, utcnow()
    session.add(certificate)


async def on_partner_registered(session: AsyncSession, event: ConsumedEvent) -> None:
    fact: registry_contracts.PartnerRegistered = event.envelope.contract()
    partner = await session.get(KnownPartner, fact.partner_id) or KnownPartner(id=fact.partner_id, learnt_from="event")
    partner.name, partner.kind, partner.ward_code, partner.updated_at = fact.name, fact.kind, fact.ward_code, utcnow()
    session.add(partner)


REGISTRY_HANDLERS: dict[str, Handler] = {
    registry_contracts.CoopRegistered.event_type: on_coop_registered,
    registry_contracts.CoopStatusChanged.event_type: on_coop_status_changed,
    registry_contracts.MemberJoined.event_type: on_member_joined,
    registry_contracts.MemberLeft.event_type: on_member_left,
    registry_contracts.PlotRegistered.event_type: on_plot_registered,
    registry_contracts.CertificateIssued.event_type: on_certificate_issued,
    registry_contracts.CertificateRevoked.event_type: on_certificate_revoked,
    registry_contracts.PartnerRegistered.event_type: on_partner_registered,
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


async def known_partner(session: AsyncSession, registry: RegistryClient, partner_id: int) -> KnownPartner:
    """The partner from the replica, or from the registry's API (cached) when the stream is behind."""
    partner = await session.get(KnownPartner, partner_id)
    if partner is None:
        answer = await registry.partner(partner_id)
        if answer is None:
            raise NotFound("shipment.unknown_partner", partner_id=partner_id)
        partner = KnownPartner(
            id=answer.id, name=answer.name, kind=answer.kind, ward_code=answer.ward_code, learnt_from="registry_api"
        )
        session.add(partner)
        await session.flush()  # a later command of the same batch finds it without asking again
    return partner


async def active_coop(session: AsyncSession, registry: RegistryClient, coop_id: int, on: date) -> KnownCoop:
    """The co-op, which must be founded and active on the event date.

    The status history comes from registry.events; a co-op known only from the registry's API
    (the stream has not caught up) has no history yet, so its current status stands for all days.
    """
    coop = await known_coop(session, registry, coop_id)
    history = (
        await session.exec(
            select(KnownCoopStatus)
            .where(KnownCoopStatus.coop_id == coop.id)
            .order_by(col(KnownCoopStatus.effective_on), col(KnownCoopStatus.id))
        )
    ).all()
    status = (
        coop.status
        if not history
        else next((row.status for row in reversed(history) if row.effective_on <= on), "not_founded")
    )
    if status != "active" or on < coop.founded_on:
        raise Conflict("coop.not_active", coop_id=coop.id, status=status if on >= coop.founded_on else "not_founded")
    return coop


# --- reading lots ------------------------------------------------------------------------------


async def find_lot(session: AsyncSession, code: str, *, for_update: bool = False) -> Lot:
    statement = select(Lot).where(Lot.code == code)
    if for_update:
        # PostgreSQL serialises commands on one lot here; SQLite has one writer at a time anyway.
        statement = statement.with_for_update()
    lot = (await session.exec(statement)).first()
    if lot is None:
        raise NotFound("lot.not_found", lot_code=code)
    return lot


def chunks(ids: Sequence, size: int = CHUNK) -> Iterable[list]:
    items = list(ids)
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def lot_events(session: AsyncSession, lot_ids: Iterable[int]) -> dict[int, list[LotEvent]]:
    events: dict[int, list[LotEvent]] = defaultdict(list)
    for part in chunks(sorted(set(lot_ids))):
        rows = await session.exec(select(LotEvent).where(col(LotEvent.lot_id).in_(part)).order_by(col(LotEvent.id)))
        for row in rows:
            events[row.lot_id].append(row)
    return events


async def holdings(session: AsyncSession, lot_ids: Iterable[int]) -> dict[int, Decimal]:
    """What each lot holds now, in its unit (summed in Python: SQLite has no exact decimals)."""
    ids = list(lot_ids)
    events = await lot_events(session, ids)
    return {lot_id: lots.quantity_held(e.quantity_delta_kg for e in events.get(lot_id, [])) for lot_id in ids}


async def corrected_event_ids(session: AsyncSession, event_ids: Iterable[str] | None = None) -> set[str]:
    """Which of these facts (all, without a list) were declared wrong."""
    statement = select(Correction.corrected_event_id)
    if event_ids is None:
        return set((await session.exec(statement)).all())
    found: set[str] = set()
    for part in chunks(sorted(set(event_ids))):
        found |= set((await session.exec(statement.where(col(Correction.corrected_event_id).in_(part)))).all())
    return found


async def _generated_code(
    session: AsyncSession, model, column, coop_id: int, day: date, step: str, taken: set[str]
) -> str:
    prefix = lots.generated_code_prefix(coop_id, day, step)
    codes = list((await session.exec(select(column).where(col(column).startswith(prefix)))).all()) + list(taken)
    return lots.lot_code(coop_id, day, lots.next_sequence(codes, coop_id, day, step), step)


async def _new_lot_code(
    session: AsyncSession, code: str | None, coop_id: int, day: date, step: str, taken: set[str]
) -> str:
    code = code or await _generated_code(session, Lot, Lot.code, coop_id, day, step, taken)
    if code in taken or (await session.exec(select(Lot.id).where(Lot.code == code))).first() is not None:
        raise Conflict("lot.duplicate", lot_code=code)
    taken.add(code)
    return code


async def _take(session: AsyncSession, coop_id: int, takes: Sequence[LotTake], on: date) -> list[tuple[Lot, Decimal]]:
    """Check that a co-op may take these quantities from its lots on a day; the lots, locked."""
    wanted: dict[str, Decimal] = defaultdict(Decimal)
    units: dict[str, str] = {}
    for take in takes:
        wanted[take.lot_code] += take.quantity
        units[take.lot_code] = take.unit
    # Lock in code order, so two commands taking the same lots cannot deadlock on PostgreSQL.
    locked = {code: await find_lot(session, code, for_update=True) for code in sorted(wanted)}
    taken: list[tuple[Lot, Decimal]] = []
    for code, quantity in wanted.items():
        _check_own_unit_date(locked[code], coop_id, units[code], quantity, on)
        taken.append((locked[code], quantity))
    held = await holdings(session, [lot.id for lot, _ in taken])
    for lot, quantity in taken:
        if quantity > held[lot.id]:
            raise Conflict("lot.insufficient", lot_code=lot.code, available=held[lot.id], requested=quantity)
    return taken


def _check_own_unit_date(lot: Lot, coop_id: int, unit: str, quantity: Decimal, on: date) -> None:
    if lot.coop_id != coop_id:
        raise Conflict("lot.other_coop", lot_code=lot.code, coop_id=coop_id)
    if unit != lot.unit:
        raise Unprocessable("lot.unit_mismatch", lot_code=lot.code, unit=lot.unit, given=unit)
    if lot.unit == "pcs" and not lots.is_whole(quantity):
        raise Unprocessable("lot.whole_units", lot_code=lot.code, quantity=quantity)
    if on < lot.created_on:
        raise Unprocessable("lot.before_creation", on=on, lot_code=lot.code, created=lot.created_on)


async def _record(
    session: AsyncSession,
    principal: Principal,
    *,
    kind: str,
    coop: KnownCoop,
    on: date,
    fact: Event,
    epcis_events,
    partner_id: int | None = None,
) -> str:
    """Outbox row, EPCIS events and the chain-event row of one fact; returns its event id.

    `epcis_events(event_id)` builds the EPCIS events once the integration event's id is known,
    so both carry the same id.
    """
    envelope = record_event(session, contracts.STREAM, fact, occurred_at=start_of_local_day(on), actor=principal.actor)
    event_id = str(envelope.event_id)
    events = epcis_events(event_id)
    for event in events:
        await save_epcis_event(
            session, {k: v for k, v in event.items() if k != "@context"}, context={"htx": epcis.HTX_NAMESPACE}
        )
    session.add(
        ChainEvent(
            event_id=event_id,
            kind=kind,
            coop_id=coop.id,
            partner_id=partner_id,
            occurred_on=on,
            epcis_events=events,
            actor=principal.actor,
        )
    )
    return event_id


def _add_lot_events(
    session: AsyncSession,
    rows: Iterable[tuple[int, str, Decimal]],
    on: date,
    event_id: str,
    principal: Principal,
    sale_id: int | None = None,
) -> None:
    session.add_all(
        LotEvent(
            lot_id=lot_id,
            kind=kind,
            quantity_delta_kg=delta,
            occurred_on=on,
            event_id=event_id,
            sale_id=sale_id,
            actor=principal.actor,
        )
        for lot_id, kind, delta in rows
    )


# --- commands ----------------------------------------------------------------------------------


async def record_harvest(
    session: AsyncSession, registry: RegistryClient, data: HarvestCreate, principal: Principal
) -> ChainResult:
    """A household's harvest becomes a new lot of its co-op."""
    principal.require_coop_write(data.coop_id)  # province or the co-op itself; never a buyer
    coop = await active_coop(session, registry, data.coop_id, data.harvested_on)
    member = await known_member(session, registry, data.coop_id, data.member_id)
    if not lots.was_member_on(member.joined_on, member.left_on, data.harvested_on):
        raise Unprocessable("member.not_member_on_date", member_id=member.id, coop_id=coop.id, on=data.harvested_on)

    code = await _new_lot_code(session, data.lot_code, coop.id, data.harvested_on, "harvest", set())
    lot = Lot(
        code=code,
        coop_id=coop.id,
        member_id=member.id,
        product=data.product,
        unit="kg",
        created_on=data.harvested_on,
        initial_quantity=data.quantity_kg,
        harvested_quantity_kg=data.quantity_kg,
        harvested_on=data.harvested_on,
        harvest_round=data.harvest_round,
        plot_code=data.plot_code,
        created_by=principal.actor,
    )
    session.add(lot)
    try:
        await session.flush()
    except IntegrityError:
        # Two requests took the same code at the same moment and the other one won.
        await session.rollback()
        raise Conflict("lot.duplicate", lot_code=code) from None

    event_id = await _record(
        session,
        principal,
        kind="harvest",
        coop=coop,
        on=lot.created_on,
        fact=contracts.LotHarvested(
            lot_code=lot.code,
            coop_id=lot.coop_id,
            member_id=member.id,
            product=lot.product,
            quantity_kg=data.quantity_kg,
            harvested_on=data.harvested_on,
            harvest_round=data.harvest_round,
            plot_code=lot.plot_code,
        ),
        epcis_events=lambda event_id: [
            epcis.harvest_event(
                event_id,
                coop.registration_code,
                lot_code=lot.code,
                product=lot.product,
                quantity_kg=data.quantity_kg,
                harvested_on=data.harvested_on,
                harvest_round=data.harvest_round,
                member_id=member.id,
                plot_code=lot.plot_code,
            )
        ],
    )
    _add_lot_events(session, [(lot.id, "harvested", data.quantity_kg)], lot.created_on, event_id, principal)
    await session.flush()
    return ChainResult(type="harvest", event_id=event_id, lot_codes=[lot.code])


async def record_purchase(
    session: AsyncSession, registry: RegistryClient, data: PurchaseCreate, principal: Principal
) -> ChainResult:
    """The co-op buys (part of) a household's harvest lot; it then owes the household kg x price."""
    principal.require_coop_write(data.coop_id)
    coop = await active_coop(session, registry, data.coop_id, data.purchased_on)
    lot = await find_lot(session, data.lot_code, for_update=True)
    _check_own_unit_date(lot, coop.id, "kg", data.quantity_kg, data.purchased_on)
    if lot.member_id is None:
        raise Unprocessable("purchase.not_harvest", lot_code=lot.code)
    member = await known_member(session, registry, coop.id, lot.member_id)
    if not lots.was_member_on(member.joined_on, member.left_on, data.purchased_on):
        raise Unprocessable("member.not_member_on_date", member_id=member.id, coop_id=coop.id, on=data.purchased_on)
    earlier = (await session.exec(select(Purchase).where(Purchase.lot_id == lot.id))).all()
    corrected = await corrected_event_ids(session, [p.event_id for p in earlier])
    bought = sum((p.quantity_kg for p in earlier if p.event_id not in corrected), Decimal("0.000"))
    if bought + data.quantity_kg > lot.harvested_quantity_kg:
        raise Conflict(
            "purchase.exceeds_harvest",
            lot_code=lot.code,
            harvested=lot.harvested_quantity_kg,
            bought=bought,
            requested=data.quantity_kg,
        )

    amount = lots.sale_amount_vnd(data.quantity_kg, data.price_per_kg_vnd)
    purchase = Purchase(
        event_id="",
        lot_id=lot.id,
        coop_id=coop.id,
        member_id=member.id,
        harvest_round=lot.harvest_round,
        quantity_kg=data.quantity_kg,
        price_per_kg_vnd=data.price_per_kg_vnd,
        amount_vnd=amount,
        purchased_on=data.purchased_on,
    )
    session.add(purchase)
    await session.flush()
    purchase.event_id = await _record(
        session,
        principal,
        kind="purchase",
        coop=coop,
        on=data.purchased_on,
        fact=contracts.LotPurchased(
            purchase_id=purchase.id,
            lot_code=lot.code,
            coop_id=coop.id,
            member_id=member.id,
            quantity_kg=data.quantity_kg,
            price_per_kg_vnd=data.price_per_kg_vnd,
            amount_vnd=amount,
            purchased_on=data.purchased_on,
            harvest_round=lot.harvest_round,
        ),
        epcis_events=lambda event_id: [
            epcis.purchase_event(
                event_id,
                coop.registration_code,
                purchase_id=purchase.id,
                lot_code=lot.code,
                quantity_kg=data.quantity_kg,
                purchased_on=data.purchased_on,
                member_id=member.id,
            )
        ],
    )
    session.add(purchase)
    _add_lot_events(session, [(lot.id, "purchased", Decimal("0.000"))], data.purchased_on, purchase.event_id, principal)
    await session.flush()
    return ChainResult(
        type="purchase", event_id=purchase.event_id, lot_codes=[lot.code], id=purchase.id, amount_vnd=amount
    )


async def yield_rule(session: AsyncSession, products: Iterable[str]) -> tuple[Decimal, Decimal, bool] | None:
    """The rule of the first output product that has one: the table's, else the built-in default."""
    for product in products:
        row = await session.get(YieldRule, product)
        if row is not None:
            return row.min_ratio, row.max_ratio, row.loses_mass
        if product in lots.DEFAULT_YIELD_RULES:
            return lots.DEFAULT_YIELD_RULES[product]
    return None


async def set_yield_rule(session: AsyncSession, product: str, data: YieldRuleSet, principal: Principal) -> YieldRule:
    principal.require_role("province")
    if data.min_ratio > data.max_ratio:
        raise Unprocessable("yield.range", min_ratio=data.min_ratio, max_ratio=data.max_ratio)
    rule = await session.get(YieldRule, product) or YieldRule(output_product=product, min_ratio=0, max_ratio=0)
    rule.min_ratio, rule.max_ratio, rule.loses_mass, rule.updated_at = (
        data.min_ratio,
        data.max_ratio,
        data.loses_mass,
        utcnow(),
    )
    session.add(rule)
    await session.flush()
    return rule


async def record_transformation(
    session: AsyncSession,
    registry: RegistryClient,
    data: ProcessingCreate | GradingCreate | PackingCreate,
    principal: Principal,
) -> ChainResult:
    """Processing, grading or packing: input lots lose what the batch took, output lots are made.

    Processing is judged against the yield rule of its output product: outside the range the
    batch is flagged, a drying step that gains mass is refused. No step may make more
    kilograms than it took.
    """
    step, on = data.type, data.transformed_on
    principal.require_coop_write(data.coop_id)
    coop = await active_coop(session, registry, data.coop_id, on)
    taken = await _take(session, coop.id, data.inputs, on)
    input_kg = sum((lots.kg_of(q, lot.unit, lot.net_kg_per_unit) for lot, q in taken), Decimal("0.000"))

    codes: set[str] = set()
    if isinstance(data, PackingCreate):
        code = await _new_lot_code(session, data.lot_code, coop.id, on, "packing", codes)
        output_kg = (data.net_kg_per_unit * data.units).quantize(Decimal("0.001"))
        made = [
            Lot(
                code=code,
                coop_id=coop.id,
                product=data.product,
                unit="pcs",
                created_on=on,
                initial_quantity=Decimal(data.units),
                net_kg_per_unit=data.net_kg_per_unit,
                created_by=principal.actor,
            )
        ]
        verdict = lots.judge_yield(input_kg, output_kg, None)
    else:
        made = [
            Lot(
                code=await _new_lot_code(session, o.lot_code, coop.id, on, step, codes),
                coop_id=coop.id,
                product=o.product,
                grade=o.grade,
                unit="kg",
                created_on=on,
                initial_quantity=o.quantity_kg,
                created_by=principal.actor,
            )
            for o in data.outputs
        ]
        output_kg = sum((o.quantity_kg for o in data.outputs), Decimal("0.000"))
        rule = await yield_rule(session, [o.product for o in data.outputs]) if step == "processing" else None
        verdict = lots.judge_yield(input_kg, output_kg, rule)
    if verdict.impossible:
        raise Unprocessable("transform.impossible_yield", step=step, input_kg=input_kg, output_kg=output_kg)

    batch_id = data.batch_id or await _generated_code(
        session, Transformation, Transformation.batch_id, coop.id, on, "batch", set()
    )
    if (await session.exec(select(Transformation.id).where(Transformation.batch_id == batch_id))).first():
        raise Conflict("batch.duplicate", batch_id=batch_id)
    flagged = verdict.flagged
    batch = Transformation(
        event_id="",
        batch_id=batch_id,
        coop_id=coop.id,
        step=step,
        process=data.process,
        transformed_on=on,
        input_kg=input_kg,
        output_kg=output_kg,
        yield_ratio=verdict.ratio,
        yield_flagged=flagged,
    )
    session.add(batch)
    await session.flush()
    for lot in made:
        lot.transformation_id = batch.id
    session.add_all(made)
    session.add_all(TransformationInput(transformation_id=batch.id, lot_id=lot.id, quantity=q) for lot, q in taken)
    await session.flush()

    serials: list[str] = []
    if isinstance(data, PackingCreate):
        serials = lots.serials(made[0].code, data.units)
        cartons = lots.cartons(made[0].code, serials, data.units_per_carton)
        session.add_all(
            PackUnit(serial=serial, lot_id=made[0].id, carton_code=carton)
            for carton, units in cartons.items()
            for serial in units
        )

    inputs = [epcis.Line(lot.code, q, lot.unit) for lot, q in taken]

    def epcis_events(event_id: str) -> list[dict]:
        if isinstance(data, PackingCreate):
            return epcis.packing_events(
                event_id,
                coop.registration_code,
                batch_id=batch_id,
                packed_on=on,
                inputs=inputs,
                lot_code=made[0].code,
                product=made[0].product,
                net_kg_per_unit=data.net_kg_per_unit,
                cartons=cartons,
            )
        return [
            epcis.transformation_event(
                event_id,
                coop.registration_code,
                batch_id=batch_id,
                step=step,
                transformed_on=on,
                inputs=inputs,
                outputs=[epcis.Line(lot.code, lot.initial_quantity) for lot in made],
                grades={lot.code: lot.grade for lot in made if lot.grade} or None,
                process=data.process,
                yield_ratio=verdict.ratio if step == "processing" else None,
                yield_flagged=flagged,
            )
        ]

    batch.event_id = await _record(
        session,
        principal,
        kind=step,
        coop=coop,
        on=on,
        fact=contracts.LotsTransformed(
            batch_id=batch_id,
            coop_id=coop.id,
            step=step,
            transformed_on=on,
            process=data.process,
            inputs=[_contract_quantity(lot, q) for lot, q in taken],
            outputs=[_contract_quantity(lot, lot.initial_quantity) for lot in made],
            yield_ratio=verdict.ratio if step == "processing" else None,
            yield_flagged=flagged,
        ),
        epcis_events=epcis_events,
    )
    session.add(batch)
    _add_lot_events(
        session,
        [(lot.id, "consumed", -q) for lot, q in taken] + [(lot.id, "produced", lot.initial_quantity) for lot in made],
        on,
        batch.event_id,
        principal,
    )
    await session.flush()
    return ChainResult(
        type=step,
        event_id=batch.event_id,
        lot_codes=[lot.code for lot in made],
        batch_id=batch_id,
        yield_ratio=verdict.ratio if step == "processing" else None,
        yield_flagged=flagged,
        serials=serials or None,
    )


async def record_shipment(
    session: AsyncSession, registry: RegistryClient, data: ShipmentCreate, principal: Principal
) -> ChainResult:
    """Lots leave the co-op for a partner; each lot loses what was shipped."""
    principal.require_coop_write(data.coop_id)
    coop = await active_coop(session, registry, data.coop_id, data.shipped_on)
    partner = await known_partner(session, registry, data.partner_id)
    taken = await _take(session, coop.id, data.lines, data.shipped_on)
    # The registry's name, not the caller's spelling: the buyer's view and the trace name it the same way.
    shipment = Shipment(
        event_id="",
        coop_id=coop.id,
        partner_id=partner.id,
        partner_name=partner.name,
        document_number=data.document_number,
        shipped_on=data.shipped_on,
    )
    session.add(shipment)
    await session.flush()
    session.add_all(ShipmentLine(shipment_id=shipment.id, lot_id=lot.id, quantity=q) for lot, q in taken)
    lines = [epcis.Line(lot.code, q, lot.unit) for lot, q in taken]
    shipment.event_id = await _record(
        session,
        principal,
        kind="shipment",
        coop=coop,
        on=data.shipped_on,
        partner_id=data.partner_id,
        fact=contracts.LotShipped(
            shipment_id=shipment.id,
            coop_id=coop.id,
            partner_id=partner.id,
            partner_name=partner.name,
            shipped_on=data.shipped_on,
            document_number=data.document_number,
            lots=[_contract_quantity(lot, q) for lot, q in taken],
        ),
        epcis_events=lambda event_id: [
            epcis.shipping_event(
                event_id,
                coop.registration_code,
                shipment_id=shipment.id,
                document_number=data.document_number,
                shipped_on=data.shipped_on,
                lines=lines,
                partner_id=data.partner_id,
            )
        ],
    )
    session.add(shipment)
    _add_lot_events(
        session, [(lot.id, "shipped", -q) for lot, q in taken], data.shipped_on, shipment.event_id, principal
    )
    await session.flush()
    return ChainResult(
        type="shipment", event_id=shipment.event_id, lot_codes=[lot.code for lot, _ in taken], id=shipment.id
    )


def _contract_quantity(lot: Lot, quantity: Decimal) -> contracts.LotQuantity:
    return contracts.LotQuantity(
        lot_code=lot.code,
        quantity_kg=lots.kg_of(quantity, lot.unit, lot.net_kg_per_unit),
        product=lot.product,
        grade=lot.grade,
        unit=lot.unit,
        quantity_units=int(quantity) if lot.unit == "pcs" else None,
    )


async def _live_shipment(session: AsyncSession, shipment_id: int) -> tuple[Shipment, list[tuple[Lot, Decimal]]]:
    shipment = await session.get(Shipment, shipment_id)
    if shipment is None or await corrected_event_ids(session, [shipment.event_id]):
        raise NotFound("shipment.not_found", shipment_id=shipment_id)
    rows = (
        await session.exec(
            select(ShipmentLine, Lot)
            .join(Lot, col(Lot.id) == col(ShipmentLine.lot_id))
            .where(ShipmentLine.shipment_id == shipment.id)
            .order_by(col(ShipmentLine.id))
        )
    ).all()
    return shipment, [(lot, line.quantity) for line, lot in rows]


async def record_receipt(
    session: AsyncSession, registry: RegistryClient, data: ReceiptCreate, principal: Principal
) -> ChainResult:
    """The partner a shipment was sent to confirms it arrived (its buyer token, or the province)."""
    shipment, lines = await _live_shipment(session, data.shipment_id)
    if principal.role == "buyer":
        if principal.partner_id != shipment.partner_id:
            raise Forbidden("shipment.other_partner", shipment_id=shipment.id)
    elif principal.role != "province":
        raise Forbidden("auth.role", role=principal.role)
    if data.received_on < shipment.shipped_on:
        raise Unprocessable("shipment.received_before_shipped", received=data.received_on, shipped=shipment.shipped_on)
    earlier = (
        await session.exec(select(ShipmentReceipt.event_id).where(ShipmentReceipt.shipment_id == shipment.id))
    ).all()
    if set(earlier) - await corrected_event_ids(session, earlier):
        raise Conflict("shipment.already_received", shipment_id=shipment.id)
    coop = await known_coop(session, registry, shipment.coop_id)
    receipt = ShipmentReceipt(event_id="", shipment_id=shipment.id, received_on=data.received_on)
    receipt.event_id = await _record(
        session,
        principal,
        kind="receipt",
        coop=coop,
        on=data.received_on,
        partner_id=shipment.partner_id,
        fact=contracts.ShipmentReceived(
            shipment_id=shipment.id, partner_id=shipment.partner_id, received_on=data.received_on, coop_id=coop.id
        ),
        epcis_events=lambda event_id: [
            epcis.receiving_event(
                event_id,
                coop.registration_code,
                shipment_id=shipment.id,
                document_number=shipment.document_number,
                received_on=data.received_on,
                lines=[epcis.Line(lot.code, q, lot.unit) for lot, q in lines],
                partner_id=shipment.partner_id,
            )
        ],
    )
    session.add(receipt)
    _add_lot_events(
        session,
        [(lot.id, "received", Decimal("0.000")) for lot, _ in lines],
        data.received_on,
        receipt.event_id,
        principal,
    )
    await session.flush()
    return ChainResult(
        type="receipt", event_id=receipt.event_id, lot_codes=[lot.code for lot, _ in lines], id=receipt.id
    )


async def record_sale(
    session: AsyncSession, registry: RegistryClient, data: SaleCreate, principal: Principal
) -> ChainResult:
    """A co-op sells part or all of one of its lots, or invoices what it shipped to the buyer."""
    principal.require_coop_write(data.coop_id)
    coop = await known_coop(session, registry, data.coop_id)
    buyer_partner_id = data.buyer_partner_id
    if data.shipment_id is None:
        [(lot, quantity)] = await _take(
            session, coop.id, [LotTake(lot_code=data.lot_code, quantity=data.quantity_kg, unit=data.unit)], data.sold_on
        )
        delta = -quantity
    else:
        shipment, lines = await _live_shipment(session, data.shipment_id)
        lot = await find_lot(session, data.lot_code, for_update=True)
        _check_own_unit_date(lot, coop.id, data.unit, data.quantity_kg, max(data.sold_on, lot.created_on))
        if shipment.coop_id != coop.id:
            raise NotFound("shipment.not_found", shipment_id=shipment.id)
        if data.sold_on < shipment.shipped_on:
            raise Unprocessable("lot.before_creation", on=data.sold_on, lot_code=lot.code, created=shipment.shipped_on)
        if buyer_partner_id is not None and buyer_partner_id != shipment.partner_id:
            raise Unprocessable("sale.other_buyer", shipment_id=shipment.id, partner_id=shipment.partner_id)
        buyer_partner_id = shipment.partner_id
        shipped = sum((q for line_lot, q in lines if line_lot.id == lot.id), Decimal("0.000"))
        invoiced_rows = (
            await session.exec(
                select(Sale.quantity_kg, LotEvent.event_id)
                .join(LotEvent, col(LotEvent.sale_id) == col(Sale.id))
                .where(Sale.shipment_id == shipment.id, Sale.lot_id == lot.id)
            )
        ).all()
        corrected = await corrected_event_ids(session, [e for _, e in invoiced_rows])
        invoiced = sum((q for q, e in invoiced_rows if e not in corrected), Decimal("0.000"))
        if invoiced + data.quantity_kg > shipped:
            raise Conflict(
                "sale.exceeds_shipment",
                lot_code=lot.code,
                shipment_id=shipment.id,
                shipped=shipped,
                invoiced=invoiced,
                requested=data.quantity_kg,
            )
        quantity, delta = data.quantity_kg, Decimal("0.000")  # the goods left the lot when shipped

    amount = lots.sale_amount_vnd(quantity, data.price_per_kg_vnd)
    sale = Sale(
        lot_id=lot.id,
        coop_id=coop.id,
        buyer_name=data.buyer_name,
        buyer_partner_id=buyer_partner_id,
        quantity_kg=quantity,
        price_per_kg_vnd=data.price_per_kg_vnd,
        amount_vnd=amount,
        sold_on=data.sold_on,
        invoice_number=data.invoice_number,
        shipment_id=data.shipment_id,
    )
    session.add(sale)
    await session.flush()
    kg = lots.kg_of(quantity, lot.unit, lot.net_kg_per_unit)
    pieces = lot.unit == "pcs"
    event_id = await _record(
        session,
        principal,
        kind="sale",
        coop=coop,
        on=data.sold_on,
        partner_id=buyer_partner_id,
        fact=contracts.LotSold(
            sale_id=sale.id,
            lot_code=lot.code,
            coop_id=coop.id,
            buyer_name=sale.buyer_name,
            buyer_partner_id=buyer_partner_id,
            quantity_kg=kg,
            price_per_kg_vnd=(
                int((Decimal(amount) / kg).quantize(Decimal(1), rounding=ROUND_HALF_UP))
                if pieces
                else data.price_per_kg_vnd
            ),
            amount_vnd=amount,
            sold_on=data.sold_on,
            invoice_number=data.invoice_number,
            unit=lot.unit,
            quantity_units=int(quantity) if pieces else None,
            price_per_unit_vnd=data.price_per_kg_vnd if pieces else None,
            shipment_id=data.shipment_id,
        ),
        epcis_events=lambda event_id: [
            epcis.sale_event(
                event_id,
                coop.registration_code,
                sale_id=sale.id,
                invoice_number=data.invoice_number,
                sold_on=data.sold_on,
                line=epcis.Line(lot.code, quantity, lot.unit),
                buyer_partner_id=buyer_partner_id,
            )
        ],
    )
    _add_lot_events(session, [(lot.id, "sold", delta)], data.sold_on, event_id, principal, sale_id=sale.id)
    await session.flush()
    return ChainResult(type="sale", event_id=event_id, lot_codes=[lot.code], id=sale.id, amount_vnd=amount)


async def apply_command(
    session: AsyncSession, registry: RegistryClient, command: ChainCommand, principal: Principal
) -> ChainResult:
    """Run any chain command (the body's `type` picks it)."""
    if isinstance(command, HarvestCreate):
        return await record_harvest(session, registry, command, principal)
    if isinstance(command, PurchaseCreate):
        return await record_purchase(session, registry, command, principal)
    if isinstance(command, ProcessingCreate | GradingCreate | PackingCreate):
        return await record_transformation(session, registry, command, principal)
    if isinstance(command, ShipmentCreate):
        return await record_shipment(session, registry, command, principal)
    if isinstance(command, ReceiptCreate):
        return await record_receipt(session, registry, command, principal)
    return await record_sale(session, registry, command, principal)


async def apply_batch(
    session: AsyncSession, registry: RegistryClient, commands: Sequence[ChainCommand], principal: Principal
) -> list[ChainResult]:
    """Every command in order, in the caller's transaction: one refusal and the caller writes nothing."""
    results = []
    for position, command in enumerate(commands):
        try:
            results.append(await apply_command(session, registry, command, principal))
        except (Conflict, Unprocessable, NotFound, Forbidden) as error:
            error.values["command"] = position  # which one, so the caller can fix it
            raise
    return results


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
        raise Unprocessable("lot.before_creation", on=declared_on, lot_code=fact.kind, created=fact.occurred_on)

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
    _add_lot_events(
        session, [(e.lot_id, "corrected", -e.quantity_delta_kg) for e in wrong], declared_on, fact.event_id, principal
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
        await save_epcis_event(
            session, {k: v for k, v in declared.items() if k != "@context"}, context={"htx": epcis.HTX_NAMESPACE}
        )
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


def sale_private(sale: Sale, lot_code: str, event_id: str | None = None) -> SalePrivate:
    return SalePrivate.model_validate({**sale.model_dump(), "lot_code": lot_code, "event_id": event_id})
