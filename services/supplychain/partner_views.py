"""Reads across shipments and facts: a buyer's view of what it was shipped, and chain totals.

Both leave out facts declared wrong, exactly as the trace and the payables do: a corrected
shipment, receipt, harvest, purchase or sale is not shown and not counted; its rows stay.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.supplychain import lots
from services.supplychain.handlers import chunks, corrected_event_ids
from services.supplychain.models import (
    ChainTotals,
    HarvestTotals,
    KnownPartner,
    Lot,
    LotEvent,
    MoneyTotals,
    PartnerShipment,
    PartnerShipmentLine,
    PartnerShipments,
    Purchase,
    Sale,
    Shipment,
    ShipmentLine,
    ShipmentReceipt,
)
from shared.auth import Principal
from shared.errors import Forbidden, Unprocessable

ZERO_KG = Decimal("0.000")


def check_range(date_from: date | None, date_to: date | None) -> None:
    if date_from is not None and date_to is not None and date_from > date_to:
        raise Unprocessable("dates.range", date_from=date_from, date_to=date_to)


async def _rows_in(session: AsyncSession, statement, column, values) -> list:
    rows: list = []
    for part in chunks(sorted(set(values))):
        rows += (await session.exec(statement.where(col(column).in_(part)))).all()
    return rows


async def _sale_event_ids(session: AsyncSession, sale_ids) -> dict[int, str]:
    """The fact (integration event) of each sale: its `sold` lot event carries the sale id."""
    statement = select(LotEvent.sale_id, LotEvent.event_id).where(LotEvent.kind == "sold")
    return dict(await _rows_in(session, statement, LotEvent.sale_id, sale_ids))


# --- a buyer's view ------------------------------------------------------------------------------


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

    lines = await _rows_in(
        session,
        select(ShipmentLine, Lot).join(Lot, col(Lot.id) == col(ShipmentLine.lot_id)),
        ShipmentLine.shipment_id,
        ids,
    )
    receipts = await _rows_in(session, select(ShipmentReceipt), ShipmentReceipt.shipment_id, ids)
    sales = await _rows_in(session, select(Sale), Sale.shipment_id, ids)
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
    return PartnerShipments(
        partner_id=partner_id,
        partner_name=partner.name if partner else None,
        date_from=date_from,
        date_to=date_to,
        shipments=[
            PartnerShipment(
                shipment_id=s.id,
                coop_id=s.coop_id,
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
    """Harvests, purchases and sales by fact date, inclusive, corrected facts left out (province).

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
            select(Sale.id, Sale.quantity_kg, Sale.amount_vnd, Lot.unit, Lot.net_kg_per_unit)
            .join(Lot, col(Lot.id) == col(Sale.lot_id))
            .where(Sale.sold_on >= date_from, Sale.sold_on <= date_to)
        )
    ).all()
    sale_events = await _sale_event_ids(session, [row[0] for row in sales])
    corrected = await corrected_event_ids(
        session, [row[1] for row in harvests] + [row[2] for row in purchases] + list(sale_events.values())
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
    )


def _kg(values) -> Decimal:
    # Summed in Python (SQLite has no exact decimals), always with 3 decimals: "0.000", "1250.500".
    return sum((Decimal(v) for v in values), ZERO_KG).quantize(Decimal("0.001"))
