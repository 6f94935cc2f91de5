"""Supplychain chain commands: harvest, purchase, shipment, receipt and sale; any chain command by its `type`.

Every chain command checks everything before it writes, then records its fact
(`recording`: lot rows, outbox row, EPCIS events) in the caller's transaction, so a refusal
leaves nothing behind. `apply_command` runs any command, processing, grading and packing
(`transformations`) included; `/batch` runs many in one transaction (`apply_batch`) and
`corrections` runs one as the corrective event of an error declaration.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from itertools import groupby

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.supplychain import lots
from services.supplychain.epcis import chain_mapping as epcis
from services.supplychain.queries import Ledger, corrected_event_ids, find_lot, household_ledgers, live_payments
from services.supplychain.recording import (
    Facts,
    active_coop,
    check_own_unit_date,
    contract_quantity,
    existing_lot_codes,
    known_coop,
    known_member,
    known_partner,
    lock_code_prefixes,
    new_lot_code,
    prefetch,
    record_fact,
    resolved,
    take_from_lots,
)
from services.supplychain.registry_client import RegistryClient
from services.supplychain.schemas import (
    ChainCommand,
    ChainResult,
    GradingCreate,
    HarvestCreate,
    LotTake,
    PackingCreate,
    PaymentCreate,
    PaymentVoidCreate,
    ProcessingCreate,
    PurchaseCreate,
    ReceiptCreate,
    SaleCreate,
    ShipmentCreate,
)
from services.supplychain.tables import (
    HouseholdPayment,
    HouseholdPaymentVoid,
    KnownMember,
    Lot,
    LotEvent,
    Purchase,
    Sale,
    Shipment,
    ShipmentLine,
    ShipmentReceipt,
    new_public_token,
)
from services.supplychain.transformations import record_transformation
from shared import formats, settlement
from shared.auth import Principal
from shared.clock import start_of_local_day, today_in_vietnam, utcnow
from shared.db import table_of
from shared.errors import Conflict, Forbidden, NotFound, Unprocessable
from shared.events import supplychain as contracts
from shared.i18n import Localized
from shared.messaging.outbox import record_event


async def record_harvests(
    session: AsyncSession,
    registry: RegistryClient,
    commands: Sequence[HarvestCreate],
    principal: Principal,
    *,
    first: int | None = None,
) -> list[ChainResult]:
    """Households' harvests become new lots of their co-ops: each one checked in order, then
    every table written with one INSERT for them all.

    `/batch` hands a run of harvests here at once, the first being its command `first` (a
    refusal names its position); POST /harvests a run of one.
    """
    await prefetch(session, commands)
    # The caller's codes the table has already, asked once; the run's own count as taken too.
    taken = await existing_lot_codes(session, [data.lot_code for data in commands if data.lot_code])
    await lock_code_prefixes(
        session,
        {
            (data.coop_id, data.harvested_on, "harvest")
            for data in commands
            if data.lot_code is None and _may_write(principal, data.coop_id)
        },
    )
    lot_rows: list[dict] = []
    for position, data in enumerate(commands):
        with blamed(None if first is None else first + position):
            principal.require_coop_write(data.coop_id)  # province or the co-op itself; never a buyer
            coop = await active_coop(session, registry, data.coop_id, data.harvested_on)
            member = await known_member(session, registry, data.coop_id, data.member_id)
            if not lots.was_member_on(member.joined_on, member.left_on, data.harvested_on):
                raise Unprocessable(
                    "member.not_member_on_date", member_id=member.id, coop_id=coop.id, on=data.harvested_on
                )
            code = await new_lot_code(
                session, data.lot_code, coop.id, data.harvested_on, "harvest", taken, looked_up=True
            )
        lot_rows.append(
            {
                "code": code,
                "public_token": new_public_token(),
                "coop_id": coop.id,
                "member_id": member.id,
                "product": data.product,
                "unit": "kg",
                "created_on": data.harvested_on,
                "initial_quantity": data.quantity_kg,
                "harvested_quantity_kg": data.quantity_kg,
                "harvested_on": data.harvested_on,
                "harvest_round": data.harvest_round,
                "plot_code": data.plot_code,
                "created_at": utcnow(),
                "created_by": principal.actor,
            }
        )
    try:
        lot_ids = await _insert_lots(session, lot_rows)
    except IntegrityError:
        # Another request took one of the codes at the same moment and won: the first command
        # whose code is taken now is refused, and nothing of this transaction stays.
        await session.rollback()
        codes = [row["code"] for row in lot_rows]
        existing = await existing_lot_codes(session, codes)
        position, code = next(((n, code) for n, code in enumerate(codes) if code in existing), (0, codes[0]))
        with blamed(None if first is None else first + position):
            raise Conflict("lot.duplicate", lot_code=code) from None

    facts = Facts()
    results = []
    for data, row in zip(commands, lot_rows, strict=True):
        coop = resolved(session).coops[data.coop_id]
        # What the integration event and the EPCIS event both say of the harvest.
        said = {
            "lot_code": row["code"],
            "product": data.product,
            "quantity_kg": data.quantity_kg,
            "harvested_on": data.harvested_on,
            "harvest_round": data.harvest_round,
            "member_id": data.member_id,
            "plot_code": data.plot_code,
        }
        event_id = facts.add(
            principal,
            kind="harvest",
            coop=coop,
            on=data.harvested_on,
            fact=contracts.LotHarvested(coop_id=coop.id, **said),
            epcis_events=lambda event_id, said=said, coop=coop: [
                epcis.harvest_event(event_id, coop.registration_code, **said)
            ],
            lot_changes=[(lot_ids[row["code"]], "harvested", data.quantity_kg)],
        )
        results.append(ChainResult(type="harvest", event_id=event_id, lot_codes=[row["code"]]))
    await facts.write(session)
    return results


def _may_write(principal: Principal, coop_id: int) -> bool:
    try:
        principal.require_coop_write(coop_id)
    except Forbidden:
        return False
    return True


async def _insert_lots(session: AsyncSession, rows: list[dict]) -> dict[str, int]:
    """New lots in one INSERT; their ids by code (matched by code: asking RETURNING for the
    parameters' order makes SQLite insert row by row)."""
    table = table_of(Lot)
    result = await session.execute(insert(table).returning(table.c.code, table.c.id), rows)
    return {code: lot_id for code, lot_id in result}


async def record_purchase(
    session: AsyncSession, registry: RegistryClient, data: PurchaseCreate, principal: Principal
) -> ChainResult:
    """The co-op buys (part of) a household's harvest lot; it then owes the household kg x price."""
    principal.require_coop_write(data.coop_id)
    coop = await active_coop(session, registry, data.coop_id, data.purchased_on)
    lot = await find_lot(session, data.lot_code, for_update=True)
    check_own_unit_date(lot, coop.id, "kg", data.quantity_kg, data.purchased_on)
    if lot.member_id is None:
        raise Unprocessable("purchase.not_harvest", lot_code=lot.code)
    member = await known_member(session, registry, coop.id, lot.member_id)
    if not lots.was_member_on(member.joined_on, member.left_on, data.purchased_on):
        raise Unprocessable("member.not_member_on_date", member_id=member.id, coop_id=coop.id, on=data.purchased_on)
    earlier = (await session.exec(select(Purchase).where(Purchase.lot_id == lot.id))).all()
    corrected = await corrected_event_ids(session, [p.event_id for p in earlier])
    bought = sum((p.quantity_kg for p in earlier if p.event_id not in corrected), Decimal("0.000"))
    if bought + data.quantity_kg > (lot.harvested_quantity_kg or Decimal(0)):
        raise Conflict(
            "purchase.exceeds_harvest",
            lot_code=lot.code,
            harvested=lot.harvested_quantity_kg,
            bought=bought,
            requested=data.quantity_kg,
        )

    amount = lots.sale_amount_vnd(data.quantity_kg, data.price_per_kg_vnd)
    harvest_year = (lot.harvested_on or data.purchased_on).year
    purchase = Purchase(
        event_id="",
        lot_id=lot.id,
        coop_id=coop.id,
        member_id=member.id,
        harvest_round=lot.harvest_round,
        harvest_year=harvest_year,
        quantity_kg=data.quantity_kg,
        price_per_kg_vnd=data.price_per_kg_vnd,
        amount_vnd=amount,
        purchased_on=data.purchased_on,
    )
    session.add(purchase)
    await session.flush()
    purchase.event_id = await record_fact(
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
            harvest_year=harvest_year,
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
        lot_changes=[(lot.id, "purchased", Decimal("0.000"))],
    )
    session.add(purchase)
    await session.flush()
    return ChainResult(
        type="purchase", event_id=purchase.event_id, lot_codes=[lot.code], id=purchase.id, amount_vnd=amount
    )


async def record_shipment(
    session: AsyncSession, registry: RegistryClient, data: ShipmentCreate, principal: Principal
) -> ChainResult:
    """Lots leave the co-op for a partner; each lot loses what was shipped."""
    principal.require_coop_write(data.coop_id)
    coop = await active_coop(session, registry, data.coop_id, data.shipped_on)
    partner = await known_partner(session, registry, data.partner_id)
    taken = await take_from_lots(session, coop.id, data.lines, data.shipped_on)
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
    shipment.event_id = await record_fact(
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
            lots=[contract_quantity(lot, q) for lot, q in taken],
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
        lot_changes=[(lot.id, "shipped", -q) for lot, q in taken],
    )
    session.add(shipment)
    await session.flush()
    return ChainResult(
        type="shipment", event_id=shipment.event_id, lot_codes=[lot.code for lot, _ in taken], id=shipment.id
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
    receipt.event_id = await record_fact(
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
        lot_changes=[(lot.id, "received", Decimal("0.000")) for lot, _ in lines],
    )
    session.add(receipt)
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
        [(lot, quantity)] = await take_from_lots(
            session, coop.id, [LotTake(lot_code=data.lot_code, quantity=data.quantity, unit=data.unit)], data.sold_on
        )
        delta = -quantity
    else:
        shipment, lines = await _live_shipment(session, data.shipment_id)
        lot = await find_lot(session, data.lot_code, for_update=True)
        check_own_unit_date(lot, coop.id, data.unit, data.quantity, max(data.sold_on, lot.created_on))
        if shipment.coop_id != coop.id:
            raise NotFound("shipment.not_found", shipment_id=shipment.id)
        if data.sold_on < shipment.shipped_on:
            raise Unprocessable(
                "sale.before_shipment",
                on=data.sold_on,
                lot_code=lot.code,
                shipment_id=shipment.id,
                shipped=shipment.shipped_on,
            )
        if buyer_partner_id is not None and buyer_partner_id != shipment.partner_id:
            raise Unprocessable("sale.other_buyer", shipment_id=shipment.id, partner_id=shipment.partner_id)
        buyer_partner_id = shipment.partner_id
        shipped = sum((q for line_lot, q in lines if line_lot.id == lot.id), Decimal("0.000"))
        invoiced_rows = (
            await session.exec(
                select(Sale.quantity, LotEvent.event_id)
                .join(LotEvent, col(LotEvent.sale_id) == col(Sale.id))
                .where(Sale.shipment_id == shipment.id, Sale.lot_id == lot.id)
            )
        ).all()
        corrected = await corrected_event_ids(session, [e for _, e in invoiced_rows])
        invoiced = sum((q for q, e in invoiced_rows if e not in corrected), Decimal("0.000"))
        if invoiced + data.quantity > shipped:
            raise Conflict(
                "sale.exceeds_shipment",
                lot_code=lot.code,
                shipment_id=shipment.id,
                shipped=shipped,
                invoiced=invoiced,
                requested=data.quantity,
            )
        quantity, delta = data.quantity, Decimal("0.000")  # the goods left the lot when shipped

    await _refuse_invoiced_twice(session, coop.id, data.invoice_number, lot)
    amount = lots.sale_amount_vnd(quantity, data.unit_price_vnd)
    sale = Sale(
        lot_id=lot.id,
        coop_id=coop.id,
        buyer_name=data.buyer_name,
        buyer_partner_id=buyer_partner_id,
        quantity=quantity,
        unit_price_vnd=data.unit_price_vnd,
        amount_vnd=amount,
        sold_on=data.sold_on,
        invoice_number=data.invoice_number,
        shipment_id=data.shipment_id,
    )
    session.add(sale)
    await session.flush()
    kg = lots.kg_of(quantity, lot.unit, lot.net_kg_per_unit)
    pieces = lot.unit == "pcs"
    event_id = await record_fact(
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
            # The contract counts kilograms even for packs: net weight, and the price per kg it works out to.
            quantity_kg=kg,
            price_per_kg_vnd=(
                int((Decimal(amount) / kg).quantize(Decimal(1), rounding=ROUND_HALF_UP))
                if pieces
                else data.unit_price_vnd
            ),
            amount_vnd=amount,
            sold_on=data.sold_on,
            invoice_number=data.invoice_number,
            unit=lot.unit,
            quantity_units=int(quantity) if pieces else None,
            price_per_unit_vnd=data.unit_price_vnd if pieces else None,
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
        lot_changes=[(lot.id, "sold", delta)],
        sale_id=sale.id,
    )
    await session.flush()
    return ChainResult(type="sale", event_id=event_id, lot_codes=[lot.code], id=sale.id, amount_vnd=amount)


async def _refuse_invoiced_twice(session: AsyncSession, coop_id: int, invoice_number: str, lot: Lot) -> None:
    """The natural key of a sale: one line per lot on a co-op's invoice (an invoice may list several lots).

    A sale posted twice (a retry without an Idempotency-Key) is refused instead of taking the stock
    twice. A sale declared wrong no longer counts, so its corrected version may reuse the number.
    The lot's row is locked by now, so two such sales at once cannot both pass this check.
    """
    rows = (
        await session.exec(
            select(LotEvent.event_id)
            .join(Sale, col(LotEvent.sale_id) == col(Sale.id))
            .where(Sale.coop_id == coop_id, Sale.invoice_number == invoice_number, Sale.lot_id == lot.id)
        )
    ).all()
    live = sorted(set(rows) - await corrected_event_ids(session, rows))
    if live:
        raise Conflict("sale.invoiced_twice", invoice_number=invoice_number, lot_code=lot.code, event_id=live[0])


async def apply_command(
    session: AsyncSession, registry: RegistryClient, command: ChainCommand, principal: Principal
) -> ChainResult:
    """Run any chain command (the body's `type` picks it)."""
    if isinstance(command, HarvestCreate):
        [result] = await record_harvests(session, registry, [command], principal)
        return result
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
    await prefetch(session, commands)
    results: list[ChainResult] = []
    # Consecutive harvests (a co-op's deliveries of a day: the bulk of what is recorded) are
    # recorded together; every other command alone, after what comes before it is written.
    for harvests, run in groupby(commands, key=lambda command: isinstance(command, HarvestCreate)):
        if harvests:
            results += await record_harvests(session, registry, list(run), principal, first=len(results))
            continue
        for command in run:
            with blamed(len(results)):
                results.append(await apply_command(session, registry, command, principal))
    return results


@contextmanager
def blamed(position: int | None) -> Iterator[None]:
    """A refusal inside names the batch's command at `position`, so the caller can fix it
    (`detail.params.command`); a single POST (None) names none."""
    try:
        yield
    except (Conflict, Unprocessable, NotFound, Forbidden) as error:
        if position is not None:
            error.values["command"] = position
        raise


# --- payments to households ----------------------------------------------------------------------


def _require_coop_staff(principal: Principal, coop_id: int) -> None:
    """The co-op's own staff: the co-op pays its households; the province reads, it does not pay."""
    if principal.role != "coop":
        raise Forbidden("payment.coop_staff_only")
    principal.require_coop_write(coop_id)


def _record(session: AsyncSession, principal: Principal, on: date, fact: contracts.SupplyChainEvent) -> str:
    """A payment fact's outbox row, said to occur on its day; its event id."""
    envelope = record_event(session, contracts.STREAM, fact, occurred_at=start_of_local_day(on), actor=principal.actor)
    return str(envelope.event_id)


def _vnd(amount: int) -> Localized:
    return Localized(str(amount), vi=formats.money(amount, "vi"), en=formats.money(amount, "en"))


async def record_payment(
    session: AsyncSession, registry: RegistryClient, coop_id: int, data: PaymentCreate, principal: Principal
) -> HouseholdPayment:
    """The co-op paid one of its households; refused (409) if it is more than the co-op still owes.

    No advances: a payment settles purchases already recorded, for the round it names or, without
    one, the oldest rounds first (`shared.settlement`). A former member is still paid what it is owed.
    """
    _require_coop_staff(principal, coop_id)
    coop = await known_coop(session, registry, coop_id)
    member = await known_member(session, registry, coop.id, data.member_id)
    # Two clerks paying one household at once must see each other's payment (PostgreSQL; SQLite's
    # write transactions are serialised already): the household's replica row is the lock.
    await session.exec(select(KnownMember.id).where(KnownMember.id == member.id).with_for_update())
    if data.reference is not None:
        same = await live_payments(
            session,
            select(HouseholdPayment).where(
                HouseholdPayment.coop_id == coop.id, HouseholdPayment.reference == data.reference
            ),
        )
        if same:
            raise Conflict("payment.duplicate_reference", reference=data.reference, payment_id=same[0].id)
    ledger = (await household_ledgers(session, coop.id, member_ids=[member.id])).get(member.id, Ledger())
    round_ = settlement.payment_round(data.harvest_year, data.harvest_round, data.paid_on, ledger.owed)
    harvest_year = None if round_ is None else round_[0]  # stored resolved: the payment names its season
    still_owed = settlement.outstanding(ledger.owed, ledger.paid, round_)
    if data.amount_vnd > still_owed:
        values = {"household": member.name, "outstanding": _vnd(max(still_owed, 0)), "amount": _vnd(data.amount_vnd)}
        if round_ is None:
            raise Conflict("payment.exceeds_owed", **values)
        raise Conflict("payment.exceeds_round", harvest_round=round_[1], harvest_year=round_[0], **values)

    payment = HouseholdPayment(
        event_id=str(uuid.uuid4()),  # replaced by the published event's id below
        coop_id=coop.id,
        member_id=member.id,
        harvest_round=data.harvest_round,
        harvest_year=harvest_year,
        amount_vnd=data.amount_vnd,
        method=data.method,
        paid_on=data.paid_on,
        reference=data.reference,
        note=data.note,
        actor=principal.actor,
    )
    session.add(payment)
    await session.flush()
    payment.event_id = _record(
        session,
        principal,
        data.paid_on,
        contracts.HouseholdPaid(
            payment_id=payment.id,
            coop_id=coop.id,
            member_id=member.id,
            amount_vnd=data.amount_vnd,
            method=data.method,
            paid_on=data.paid_on,
            harvest_round=data.harvest_round,
            harvest_year=harvest_year,
            reference=data.reference,
            note=data.note,
        ),
    )
    session.add(payment)
    await session.flush()
    return payment


async def void_payment(
    session: AsyncSession, coop_id: int, payment_id: int, data: PaymentVoidCreate, principal: Principal
) -> HouseholdPaymentVoid:
    """A payment recorded wrongly stops counting as paid; its row and its event stay (the manager only).

    To fix a wrong amount, household or round: void it, then record the right payment.
    """
    _require_coop_staff(principal, coop_id)
    payment = await session.get(HouseholdPayment, payment_id, with_for_update=True)
    if payment is None or payment.coop_id != coop_id:
        raise NotFound("payment.not_found", payment_id=payment_id)
    if not principal.is_coop_manager:
        raise Forbidden("payment.manager_only")
    if (await session.exec(select(HouseholdPaymentVoid).where(HouseholdPaymentVoid.payment_id == payment.id))).first():
        raise Conflict("payment.already_voided", payment_id=payment.id)
    voided_on = data.voided_on or today_in_vietnam()
    if voided_on < payment.paid_on:
        raise Unprocessable("payment.void_before_paid", on=voided_on, paid_on=payment.paid_on, payment_id=payment.id)
    event_id = _record(
        session,
        principal,
        voided_on,
        contracts.HouseholdPaymentVoided(
            payment_id=payment.id,
            paid_event_id=payment.event_id,
            coop_id=payment.coop_id,
            member_id=payment.member_id,
            amount_vnd=payment.amount_vnd,
            reason=data.reason,
            voided_on=voided_on,
        ),
    )
    void = HouseholdPaymentVoid(
        payment_id=payment.id,
        event_id=event_id,
        reason=data.reason,
        voided_on=voided_on,
        actor=principal.actor,
    )
    session.add(void)
    await session.flush()
    return void
