"""Supplychain reads: lots and what they hold, payables, a sale, a buyer's view of its shipments, chain totals.

Every read leaves out facts declared wrong, as the trace (`trace`) does: a corrected
harvest, purchase, shipment, receipt or sale is not shown and not counted; its rows stay.
The helpers at the top (lots by code, their events and holdings, which facts were
corrected, `IN (...)` reads in chunks) serve the commands and the trace as well.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, func, type_coerce
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.supplychain import lots
from services.supplychain.digital_link import ItemKey
from services.supplychain.schemas import (
    ChainTotals,
    Delivery,
    DeliveryPurchase,
    HarvestTotals,
    LotEventPublic,
    LotPublic,
    MoneyTotals,
    OpenLot,
    OpenLotPage,
    PartnerShipment,
    PartnerShipmentLine,
    PartnerShipments,
    Payable,
    PayablesTotals,
    PaymentPrivate,
    PaymentTotals,
    PaymentVoid,
    SalePrivate,
)
from services.supplychain.tables import (
    Correction,
    HouseholdPayment,
    HouseholdPaymentVoid,
    KnownCoop,
    KnownMember,
    KnownPartner,
    Lot,
    LotEvent,
    PackUnit,
    Purchase,
    Sale,
    Shipment,
    ShipmentLine,
    ShipmentReceipt,
    Transformation,
)
from shared import settlement
from shared.auth import Principal
from shared.errors import Forbidden, NotFound, Unprocessable
from shared.households import sees_private
from shared.settlement import Round

CHUNK = 500  # ids per IN (...) list: well under SQLite's bound-parameter limit
ZERO_KG = Decimal("0.000")

# --- reading lots and facts ----------------------------------------------------------------------


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


# A lot's holding summed in SQL in whole thousandths (the columns' scale), so that it stays exact
# on SQLite too, which keeps decimals as floating point: integers add exactly up to 2**53.
_HELD_MILLI = func.sum(func.round(col(LotEvent.quantity_delta) * 1000))


async def holdings(session: AsyncSession, lot_ids: Iterable[int]) -> dict[int, Decimal]:
    """What each lot holds now, in its unit: one grouped sum per chunk of lots."""
    ids = list(lot_ids)
    statement = select(LotEvent.lot_id, type_coerce(_HELD_MILLI, BigInteger)).group_by(col(LotEvent.lot_id))
    milli = dict(await rows_in(session, statement, LotEvent.lot_id, ids))
    return {lot_id: lots.quantity_held([Decimal(int(milli.get(lot_id) or 0)).scaleb(-3)]) for lot_id in ids}


async def corrected_event_ids(session: AsyncSession, event_ids: Iterable[str] | None = None) -> set[str]:
    """Which of these facts (all, without a list) were declared wrong."""
    statement = select(Correction.corrected_event_id)
    if event_ids is None:
        return set((await session.exec(statement)).all())
    found: set[str] = set()
    for part in chunks(sorted(set(event_ids))):
        found |= set((await session.exec(statement.where(col(Correction.corrected_event_id).in_(part)))).all())
    return found


async def rows_in(session: AsyncSession, statement, column, values) -> list:
    """`statement` restricted to rows whose `column` is one of `values`, one query per chunk."""
    rows: list = []
    for part in chunks(sorted(set(values))):
        rows += (await session.exec(statement.where(col(column).in_(part)))).all()
    return rows


def check_range(date_from: date | None, date_to: date | None) -> None:
    if date_from is not None and date_to is not None and date_from > date_to:
        raise Unprocessable("dates.range", date_from=date_from, date_to=date_to)


async def _sale_event_ids(session: AsyncSession, sale_ids) -> dict[int, str]:
    """The fact (integration event) of each sale: its `sold` lot event carries the sale id."""
    statement = select(LotEvent.sale_id, LotEvent.event_id).where(LotEvent.kind == "sold")
    return dict(await rows_in(session, statement, LotEvent.sale_id, sale_ids))


# --- a lot ---------------------------------------------------------------------------------------


async def get_lot(session: AsyncSession, code: str, viewer: Principal | None) -> LotPublic:
    """A lot by its code, as `viewer` may see it (`lot_view`)."""
    return await lot_view(session, await find_lot(session, code), viewer)


async def lot_view(session: AsyncSession, lot: Lot, viewer: Principal | None) -> LotPublic:
    """A lot, what it holds, its history (corrected facts marked) and the batch that made it;
    the household's id only for the co-op itself and the province."""
    events = (await lot_events(session, [lot.id])).get(lot.id, [])
    corrected = await corrected_event_ids(session, [e.event_id for e in events])
    batch = await session.get(Transformation, lot.transformation_id) if lot.transformation_id else None
    return LotPublic(
        **lot.model_dump(exclude={"id", "created_by", "transformation_id", "initial_quantity", "member_id"}),
        member_id=lot.member_id if sees_private(viewer, lot.coop_id) else None,
        quantity=lots.quantity_held(e.quantity_delta for e in events),
        batch_id=batch.batch_id if batch else None,
        step=batch.step if batch else "harvest",
        yield_ratio=batch.yield_ratio if batch and batch.step == "processing" else None,
        yield_flagged=bool(batch and batch.yield_flagged),
        events=[
            LotEventPublic(
                kind=e.kind,
                quantity_delta=e.quantity_delta,
                occurred_on=e.occurred_on,
                recorded_at=e.recorded_at,
                sale_id=e.sale_id,
                event_id=e.event_id,
                corrected=e.event_id in corrected and e.kind != "corrected",
            )
            for e in events
        ],
    )


async def resolve(session: AsyncSession, code: str) -> tuple[Lot, str | None]:
    """A lot by its code, or the packed lot of a unit by its serial (what a pack's QR names)."""
    lot = (await session.exec(select(Lot).where(Lot.code == code))).first()
    if lot is not None:
        return lot, None
    unit = (await session.exec(select(PackUnit).where(PackUnit.serial == code))).first()
    if unit is None:
        raise NotFound("lot.not_found", lot_code=code)
    lot = await session.get(Lot, unit.lot_id)
    if lot is None:  # a unit always belongs to a lot (foreign key); kept for the type checker's sake
        raise NotFound("lot.not_found", lot_code=code)
    return lot, code


async def resolve_public(session: AsyncSession, ref: str, viewer: Principal | None) -> tuple[Lot, str | None]:
    """A lot as the public routes name it: by its public token for anyone; a signed-in caller may
    also use its code or a unit's serial (`resolve`).

    Codes are counted (`TH-<co-op>-<yyyymmdd>-<n>`), so the public never resolves them: a code, a
    serial or an unknown token all get the same 404 without a token, which says nothing about
    whether such a lot exists.
    """
    if viewer is not None:
        try:
            return await resolve(session, ref)
        except NotFound:
            pass
    lot = (await session.exec(select(Lot).where(Lot.public_token == ref))).first()
    if lot is None:
        raise NotFound("lot.not_found", lot_code=ref) if viewer is not None else NotFound("trace.not_found")
    return lot, None


async def resolve_unit(session: AsyncSession, token: str, serial: str) -> tuple[Lot, str]:
    """A packed unit by its lot's public token and its serial (its label's address): both must
    agree, so a serial (counted) says nothing without the token."""
    lot = (await session.exec(select(Lot).where(Lot.public_token == token))).first()
    unit = None
    if lot is not None:
        unit = (
            await session.exec(select(PackUnit).where(PackUnit.lot_id == lot.id, PackUnit.serial == serial))
        ).first()
    if lot is None or unit is None:
        raise NotFound("trace.not_found")
    return lot, serial


async def resolve_digital_link(session: AsyncSession, key: ItemKey) -> tuple[Lot, str | None]:
    """The lot (and unit) a GS1 Digital Link names: its GTIN and lot code, its GTIN and a unit's
    serial, or all three, which must agree. Public, unlike a bare code: a co-op that gives a
    product a GTIN prints the lot and serial on the pack for anyone to read (GS1 Digital Link is
    made to be resolved by anyone), and only lots with that GTIN answer."""
    serial = key.serial
    if serial is not None:
        unit = (await session.exec(select(PackUnit).where(PackUnit.serial == serial))).first()
        lot = await session.get(Lot, unit.lot_id) if unit is not None else None
    else:
        lot = (await session.exec(select(Lot).where(Lot.code == key.lot, Lot.gtin == key.gtin))).first()
    if lot is None or lot.gtin != key.gtin or (key.lot is not None and lot.code != key.lot):
        raise NotFound("trace.not_found")
    return lot, serial


async def open_lots(session: AsyncSession, coop_id: int, principal: Principal, limit: int, offset: int) -> OpenLotPage:
    """The co-op's lots that still hold something, newest first, with what is left of each; for a
    harvest lot also how much of it the co-op has bought (an unpriced weigh-in is bought later)."""
    principal.require_coop_write(coop_id)
    held = type_coerce(_HELD_MILLI, BigInteger)
    open_ids = (
        select(LotEvent.lot_id, held.label("held"))
        .join(Lot, col(Lot.id) == col(LotEvent.lot_id))
        .where(Lot.coop_id == coop_id)
        .group_by(col(LotEvent.lot_id))
        .having(held > 0)
        .subquery()
    )
    total = (await session.exec(select(func.count()).select_from(open_ids))).one()
    page = (
        await session.exec(
            select(Lot, open_ids.c.held)
            .join(open_ids, open_ids.c.lot_id == col(Lot.id))
            .order_by(col(Lot.created_on).desc(), col(Lot.id).desc())
            .limit(limit)
            .offset(offset)
        )
    ).all()
    harvest_ids = [lot.id for lot, _ in page if lot.member_id is not None]
    purchases = await rows_in(session, select(Purchase), Purchase.lot_id, harvest_ids)
    corrected = await corrected_event_ids(session, [p.event_id for p in purchases])
    bought: dict[int, Decimal] = defaultdict(lambda: ZERO_KG)
    for purchase in purchases:
        if purchase.event_id not in corrected:
            bought[purchase.lot_id] += purchase.quantity_kg
    return OpenLotPage(
        total=total,
        items=[
            OpenLot(
                code=lot.code,
                product=lot.product,
                grade=lot.grade,
                unit=lot.unit,
                held=Decimal(int(milli)).scaleb(-3).quantize(Decimal("0.001")),
                net_kg_per_unit=lot.net_kg_per_unit,
                created_on=lot.created_on,
                member_id=lot.member_id,
                harvest_round=lot.harvest_round,
                harvested_kg=lot.harvested_quantity_kg,
                purchased_kg=bought[lot.id] if lot.member_id is not None else None,
            )
            for lot, milli in page
        ],
    )


async def packed_units(session: AsyncSession, code: str, principal: Principal) -> tuple[Lot, list[PackUnit]]:
    """A packed lot and its units in serial order, for the co-op's own staff (the label sheet)."""
    if principal.role != "coop":
        raise Forbidden("auth.role", role=principal.role)
    lot = await find_lot(session, code)
    principal.require_coop_write(lot.coop_id)
    if lot.unit != "pcs":
        raise Unprocessable("labels.not_packed", lot_code=lot.code)
    units = (await session.exec(select(PackUnit).where(PackUnit.lot_id == lot.id).order_by(col(PackUnit.id)))).all()
    return lot, list(units)


# --- payables and sales ----------------------------------------------------------------------------


@dataclass
class Ledger:
    """One household's account with its co-op: owed per round (live purchases), paid per round;
    a round is (year, number), `shared.settlement.Round`."""

    owed: dict[Round, int] = field(default_factory=dict)
    purchases: dict[Round, tuple[int, Decimal]] = field(default_factory=dict)  # per round: count, kg
    payments: list[tuple[Round | None, int]] = field(default_factory=list)  # (round or None, amount)

    @property
    def paid(self) -> dict[Round | None, int]:
        return settlement.settle(self.owed, self.payments)


async def voided_payment_ids(session: AsyncSession, payment_ids: Iterable[int]) -> set[int]:
    """Which of these payments were voided."""
    statement = select(HouseholdPaymentVoid.payment_id)
    return set(await rows_in(session, statement, HouseholdPaymentVoid.payment_id, list(payment_ids)))


async def live_payments(session: AsyncSession, statement) -> list[HouseholdPayment]:
    """The payments `statement` selects, voided ones left out."""
    payments = (await session.exec(statement)).all()
    voided = await voided_payment_ids(session, [p.id for p in payments])
    return [p for p in payments if p.id not in voided]


async def household_ledgers(
    session: AsyncSession,
    coop_id: int,
    *,
    member_ids: Sequence[int] | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> dict[int, Ledger]:
    """Each household's ledger from the co-op's live purchases and payments dated in the range
    (purchases by purchase date, payments by payment date): corrected purchases and voided payments left out."""
    bought = select(Purchase).where(Purchase.coop_id == coop_id)
    paid = select(HouseholdPayment).where(HouseholdPayment.coop_id == coop_id)
    if member_ids is not None:
        bought = bought.where(col(Purchase.member_id).in_(member_ids))
        paid = paid.where(col(HouseholdPayment.member_id).in_(member_ids))
    if date_from is not None:
        bought = bought.where(Purchase.purchased_on >= date_from)
        paid = paid.where(HouseholdPayment.paid_on >= date_from)
    if date_to is not None:
        bought = bought.where(Purchase.purchased_on <= date_to)
        paid = paid.where(HouseholdPayment.paid_on <= date_to)
    purchases = (await session.exec(bought)).all()
    corrected = await corrected_event_ids(session, [p.event_id for p in purchases])
    ledgers: dict[int, Ledger] = defaultdict(Ledger)
    for purchase in purchases:
        if purchase.event_id in corrected:
            continue
        ledger = ledgers[purchase.member_id]
        round_ = (purchase.harvest_year, purchase.harvest_round)  # the harvest's year, always stored
        ledger.owed[round_] = ledger.owed.get(round_, 0) + purchase.amount_vnd
        count, kg = ledger.purchases.get(round_, (0, ZERO_KG))
        ledger.purchases[round_] = (count + 1, kg + purchase.quantity_kg)
    for payment in sorted(await live_payments(session, paid), key=lambda p: p.id or 0):
        ledger = ledgers[payment.member_id]
        settles = settlement.payment_round(payment.harvest_year, payment.harvest_round, payment.paid_on, ledger.owed)
        ledger.payments.append((settles, payment.amount_vnd))
    return dict(ledgers)


async def payables(
    session: AsyncSession,
    coop_id: int,
    principal: Principal,
    *,
    harvest_round: int | None = None,
    harvest_year: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[Payable]:
    """Per household and harvest round (of a year): owed (purchases, corrections applied), paid
    (payments, voids applied, `shared.settlement`) and still owed. A date range takes purchases and
    payments dated in it; a round or a year picks the rows, and payments without a round still settle
    the oldest rounds first."""
    principal.require_coop_write(coop_id)
    check_range(date_from, date_to)
    ledgers = await household_ledgers(session, coop_id, date_from=date_from, date_to=date_to)
    names = {m.id: m.name for m in await rows_in(session, select(KnownMember), KnownMember.id, list(ledgers))}
    rows = []
    for member_id, ledger in sorted(ledgers.items()):
        paid = ledger.paid
        rounds = set(ledger.owed) | {r for r, amount in paid.items() if amount}
        for round_ in sorted(rounds, key=lambda r: (r is None, r or (0, 0))):
            year, number = round_ if round_ is not None else (None, None)
            if (harvest_round is not None and number != harvest_round) or (
                harvest_year is not None and year != harvest_year
            ):
                continue
            count, kg = ledger.purchases.get(round_, (0, ZERO_KG)) if round_ is not None else (0, ZERO_KG)
            owed = ledger.owed.get(round_, 0) if round_ is not None else 0
            rows.append(
                Payable(
                    member_id=member_id,
                    household_name=names.get(member_id, ""),
                    harvest_year=year,
                    harvest_round=number,
                    purchases=count,
                    quantity_kg=kg,
                    amount_vnd=owed,
                    paid_vnd=paid.get(round_, 0),
                    outstanding_vnd=owed - paid.get(round_, 0),
                )
            )
    return rows


def payables_totals(rows: Sequence[Payable]) -> PayablesTotals:
    return PayablesTotals(
        households=len({row.member_id for row in rows}),
        purchases=sum(row.purchases for row in rows),
        quantity_kg=sum((row.quantity_kg for row in rows), ZERO_KG),
        amount_vnd=sum(row.amount_vnd for row in rows),
        paid_vnd=sum(row.paid_vnd for row in rows),
        outstanding_vnd=sum(row.outstanding_vnd for row in rows),
    )


async def payments(
    session: AsyncSession,
    coop_id: int,
    principal: Principal,
    *,
    member_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[PaymentPrivate]:
    """The co-op's payments to households, newest first, voided ones included and marked."""
    principal.require_coop_write(coop_id)
    check_range(date_from, date_to)
    statement = select(HouseholdPayment).where(HouseholdPayment.coop_id == coop_id)
    if member_id is not None:
        statement = statement.where(HouseholdPayment.member_id == member_id)
    if date_from is not None:
        statement = statement.where(HouseholdPayment.paid_on >= date_from)
    if date_to is not None:
        statement = statement.where(HouseholdPayment.paid_on <= date_to)
    statement = statement.order_by(col(HouseholdPayment.paid_on).desc(), col(HouseholdPayment.id).desc())
    found = (await session.exec(statement)).all()
    return await payment_views(session, found)


async def payment_views(session: AsyncSession, found: Sequence[HouseholdPayment]) -> list[PaymentPrivate]:
    voids = {
        v.payment_id: v
        for v in await rows_in(
            session, select(HouseholdPaymentVoid), HouseholdPaymentVoid.payment_id, [p.id for p in found]
        )
    }
    names = {
        m.id: m.name for m in await rows_in(session, select(KnownMember), KnownMember.id, [p.member_id for p in found])
    }
    return [
        PaymentPrivate.model_validate(
            {
                **payment.model_dump(),
                "household_name": names.get(payment.member_id, ""),
                "voided": (
                    PaymentVoid(event_id=void.event_id, reason=void.reason, voided_on=void.voided_on)
                    if (void := voids.get(payment.id)) is not None
                    else None
                ),
            }
        )
        for payment in found
    ]


async def sale_private(session: AsyncSession, sale_id: int, lot_code: str, event_id: str | None = None) -> SalePrivate:
    """A sale as the selling co-op and the province see it, prices included."""
    sale = await session.get(Sale, sale_id)
    lot = await session.get(Lot, sale.lot_id)
    return SalePrivate.model_validate(
        {**sale.model_dump(), "lot_code": lot_code, "unit": lot.unit, "event_id": event_id}
    )


# --- the co-op's own day: deliveries and open lots (the clerk's app) ----------------------------


async def deliveries(
    session: AsyncSession, coop_id: int, principal: Principal, date_from: date, date_to: date
) -> list[Delivery]:
    """Harvest lots harvested in the range, or bought from in it, with their live purchases; whoever
    recorded them. A corrected harvest is left out, a corrected purchase too."""
    principal.require_coop_write(coop_id)
    check_range(date_from, date_to)
    harvested = select(Lot.id).where(
        Lot.coop_id == coop_id, col(Lot.member_id).is_not(None), col(Lot.harvested_on).between(date_from, date_to)
    )
    bought = select(Purchase.lot_id).where(
        Purchase.coop_id == coop_id, col(Purchase.purchased_on).between(date_from, date_to)
    )
    lot_ids = set((await session.exec(harvested)).all()) | set((await session.exec(bought)).all())
    found = await rows_in(session, select(Lot), Lot.id, lot_ids)
    harvest_events = dict(
        await rows_in(
            session,
            select(LotEvent.lot_id, LotEvent.event_id).where(LotEvent.kind == "harvested"),
            LotEvent.lot_id,
            lot_ids,
        )
    )
    purchases = await rows_in(session, select(Purchase), Purchase.lot_id, lot_ids)
    corrected = await corrected_event_ids(session, [*harvest_events.values(), *(p.event_id for p in purchases)])
    names = {
        m.id: m.name
        for m in await rows_in(session, select(KnownMember), KnownMember.id, {lot.member_id for lot in found})
    }
    bought_of: dict[int, list[DeliveryPurchase]] = defaultdict(list)
    for purchase in sorted(purchases, key=lambda p: p.id or 0):
        if purchase.event_id not in corrected:
            bought_of[purchase.lot_id].append(DeliveryPurchase.model_validate(purchase, from_attributes=True))
    return [
        Delivery(
            lot_code=lot.code,
            event_id=harvest_events[lot.id],
            member_id=lot.member_id,
            household_name=names.get(lot.member_id, ""),
            harvested_on=lot.harvested_on,
            harvest_round=lot.harvest_round,
            plot_code=lot.plot_code,
            quantity_kg=lot.harvested_quantity_kg,
            recorded_by=lot.created_by,
            purchases=bought_of[lot.id],
        )
        for lot in sorted(found, key=lambda lot: (lot.harvested_on, lot.id))
        if harvest_events[lot.id] not in corrected
    ]


async def lots_delivered_to(session: AsyncSession, partner_id: int) -> set[int]:
    """The lots shipped or sold to a partner: what a buyer may trace back, recall and read in EPCIS."""
    shipped = await session.exec(
        select(ShipmentLine.lot_id)
        .join(Shipment, col(Shipment.id) == col(ShipmentLine.shipment_id))
        .where(Shipment.partner_id == partner_id)
    )
    sold = await session.exec(select(Sale.lot_id).where(Sale.buyer_partner_id == partner_id))
    return set(shipped.all()) | set(sold.all())


async def partner_shipments(
    session: AsyncSession, partner_id: int, principal: Principal, date_from: date | None, date_to: date | None
) -> PartnerShipments:
    """Shipments to a partner shipped in the range, with lots, quantities, documents, receipt and invoices.

    The partner's own buyer token and the province see them all; a co-op sees only its own
    shipments to that partner; another partner's buyer token is refused.
    """
    if principal.role == "buyer" and principal.partner_id != partner_id:
        raise Forbidden("partner.other_buyer", own=principal.partner_id, target=partner_id)
    check_range(date_from, date_to)
    statement = select(Shipment).where(Shipment.partner_id == partner_id)
    if principal.role == "coop":
        statement = statement.where(Shipment.coop_id == principal.coop_id)
    if date_from is not None:
        statement = statement.where(Shipment.shipped_on >= date_from)
    if date_to is not None:
        statement = statement.where(Shipment.shipped_on <= date_to)
    found = (await session.exec(statement.order_by(col(Shipment.shipped_on), col(Shipment.id)))).all()
    corrected = await corrected_event_ids(session, [s.event_id for s in found])
    shipments = [s for s in found if s.event_id not in corrected]
    ids = [s.id for s in shipments]

    lines = await rows_in(
        session,
        select(ShipmentLine, Lot).join(Lot, col(Lot.id) == col(ShipmentLine.lot_id)),
        ShipmentLine.shipment_id,
        ids,
    )
    receipts = await rows_in(session, select(ShipmentReceipt), ShipmentReceipt.shipment_id, ids)
    sales = await rows_in(session, select(Sale), Sale.shipment_id, ids)
    sale_events = await _sale_event_ids(session, [s.id for s in sales])
    corrected = await corrected_event_ids(session, [r.event_id for r in receipts] + list(sale_events.values()))

    lines_of: dict[int, list[tuple[ShipmentLine, Lot]]] = defaultdict(list)
    for line, lot in sorted(lines, key=lambda pair: pair[0].id):
        lines_of[line.shipment_id].append((line, lot))
    received = {r.shipment_id: r.received_on for r in receipts if r.event_id not in corrected}
    invoices: dict[int, list[str]] = defaultdict(list)
    for sale in sorted(sales, key=lambda s: (s.sold_on, s.id)):
        if sale_events.get(sale.id) not in corrected and sale.invoice_number not in invoices[sale.shipment_id]:
            invoices[sale.shipment_id].append(sale.invoice_number)
    partner = await session.get(KnownPartner, partner_id)
    coop_names = dict(
        await rows_in(session, select(KnownCoop.id, KnownCoop.name), KnownCoop.id, {s.coop_id for s in shipments})
    )
    return PartnerShipments(
        partner_id=partner_id,
        partner_name=partner.name if partner else None,
        date_from=date_from,
        date_to=date_to,
        shipments=[
            PartnerShipment(
                shipment_id=s.id,
                coop_id=s.coop_id,
                coop_name=coop_names.get(s.coop_id),
                document_number=s.document_number,
                shipped_on=s.shipped_on,
                received_on=received.get(s.id),
                invoice_numbers=invoices[s.id],
                lines=[
                    PartnerShipmentLine(
                        lot_code=lot.code,
                        product=lot.product,
                        grade=lot.grade,
                        quantity=line.quantity,
                        unit=lot.unit,
                        quantity_kg=lots.kg_of(line.quantity, lot.unit, lot.net_kg_per_unit),
                    )
                    for line, lot in lines_of[s.id]
                ],
            )
            for s in shipments
        ],
    )


# --- totals for reconciliation -------------------------------------------------------------------


async def chain_totals(session: AsyncSession, principal: Principal, date_from: date, date_to: date) -> ChainTotals:
    """Harvests, purchases, sales and payments to households by fact date, inclusive, corrected facts and
    voided payments left out (province).

    Sales count kilograms (pieces of a packed lot times their net weight), as `LotSold` does,
    so these figures can be checked against the reporting read model.
    """
    principal.require_role("province")
    check_range(date_from, date_to)

    harvests = (
        await session.exec(
            select(Lot.harvested_quantity_kg, LotEvent.event_id)
            .join(LotEvent, col(LotEvent.lot_id) == col(Lot.id))
            .where(LotEvent.kind == "harvested", col(Lot.harvested_on) >= date_from, col(Lot.harvested_on) <= date_to)
        )
    ).all()
    purchases = (
        await session.exec(
            select(Purchase.quantity_kg, Purchase.amount_vnd, Purchase.event_id).where(
                Purchase.purchased_on >= date_from, Purchase.purchased_on <= date_to
            )
        )
    ).all()
    sales = (
        await session.exec(
            select(Sale.id, Sale.quantity, Sale.amount_vnd, Lot.unit, Lot.net_kg_per_unit)
            .join(Lot, col(Lot.id) == col(Sale.lot_id))
            .where(Sale.sold_on >= date_from, Sale.sold_on <= date_to)
        )
    ).all()
    sale_events = await _sale_event_ids(session, [row[0] for row in sales])
    corrected = await corrected_event_ids(
        session, [row[1] for row in harvests] + [row[2] for row in purchases] + list(sale_events.values())
    )

    paid = await live_payments(
        session,
        select(HouseholdPayment).where(HouseholdPayment.paid_on >= date_from, HouseholdPayment.paid_on <= date_to),
    )
    harvests = [kg for kg, event_id in harvests if event_id not in corrected]
    purchases = [(kg, amount) for kg, amount, event_id in purchases if event_id not in corrected]
    sales = [
        (lots.kg_of(quantity, unit, net), amount)
        for sale_id, quantity, amount, unit, net in sales
        if sale_events.get(sale_id) not in corrected
    ]
    return ChainTotals(
        date_from=date_from,
        date_to=date_to,
        harvests=HarvestTotals(lots=len(harvests), kg=_kg(harvests)),
        purchases=MoneyTotals(
            count=len(purchases), kg=_kg(kg for kg, _ in purchases), amount_vnd=sum(amount for _, amount in purchases)
        ),
        sales=MoneyTotals(
            count=len(sales), kg=_kg(kg for kg, _ in sales), amount_vnd=sum(amount for _, amount in sales)
        ),
        payments=PaymentTotals(count=len(paid), amount_vnd=sum(p.amount_vnd for p in paid)),
    )


def _kg(values) -> Decimal:
    # Summed in Python (SQLite has no exact decimals), always with 3 decimals: "0.000", "1250.500".
    return sum((Decimal(v) for v in values), ZERO_KG).quantize(Decimal("0.001"))
