"""Contracts published by the supplychain service on `supplychain.events`.

Quantities are decimal strings in the unit named beside them (kg), so no float rounding
crosses a service boundary; money is whole VND.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar

from shared.events.envelope import Event

STREAM = "supplychain.events"


class SupplyChainEvent(Event):
    producer: ClassVar[str] = "supplychain"


class LotHarvested(SupplyChainEvent):
    """A member household plucked a lot of fresh leaf (EPCIS: ObjectEvent ADD, commissioning)."""

    event_type: ClassVar[str] = "supplychain.lot_harvested"

    lot_code: str
    coop_id: int
    member_id: int
    product: str
    quantity_kg: Decimal
    harvested_on: date
    harvest_round: int
    plot_code: str | None = None


class LotSold(SupplyChainEvent):
    """A co-op sold (part of) a lot to a buyer, with price and invoice."""

    event_type: ClassVar[str] = "supplychain.lot_sold"

    sale_id: int
    lot_code: str
    coop_id: int
    buyer_name: str
    buyer_partner_id: int | None = None
    quantity_kg: Decimal
    price_per_kg_vnd: int
    amount_vnd: int
    sold_on: date
    invoice_number: str
