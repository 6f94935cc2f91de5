"""Contracts published by the supplychain service on `supplychain.events`.

Quantities are decimal strings in the unit named beside them (kg), so no float rounding
crosses a service boundary; money is whole VND.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

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
    # A sale of packed pieces: `quantity_kg` is their net weight and `price_per_kg_vnd` the
    # amount over it; `quantity_units` and `price_per_unit_vnd` are what the invoice says.
    unit: str = "kg"
    quantity_units: int | None = None
    price_per_unit_vnd: int | None = None
    shipment_id: int | None = None  # invoices goods already shipped (LotShipped) to this buyer


class LotQuantity(BaseModel):
    """A lot and a quantity of it, as inputs and outputs of a transformation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lot_code: str
    quantity_kg: Decimal
    product: str | None = None
    grade: str | None = None
    # Packed lots count pieces: `quantity_kg` is then their net weight, `quantity_units` the count.
    unit: str = "kg"
    quantity_units: int | None = None


class LotPurchased(SupplyChainEvent):
    """The co-op bought a member household's lot: what it owes the household (member income)."""

    event_type: ClassVar[str] = "supplychain.lot_purchased"

    purchase_id: int
    lot_code: str
    coop_id: int
    member_id: int
    quantity_kg: Decimal
    price_per_kg_vnd: int
    amount_vnd: int
    purchased_on: date
    harvest_round: int | None = None
    # The year of the harvest the round belongs to; absent in events from before it was carried,
    # which then mean the lot's harvest year (`shared.settlement.purchase_round`).
    harvest_year: int | None = None


class LotsTransformed(SupplyChainEvent):
    """Processing, grading or packing: input lots consumed, output lots created (EPCIS TransformationEvent)."""

    event_type: ClassVar[str] = "supplychain.lots_transformed"

    batch_id: str
    coop_id: int
    step: str  # e.g. processing, grading, packing
    inputs: list[LotQuantity]
    outputs: list[LotQuantity]
    transformed_on: date
    yield_ratio: Decimal | None = None
    yield_flagged: bool = False
    process: str | None = None


class LotShipped(SupplyChainEvent):
    """Lots dispatched to a partner with document numbers (EPCIS shipping)."""

    event_type: ClassVar[str] = "supplychain.lot_shipped"

    shipment_id: int
    coop_id: int
    partner_id: int | None
    lots: list[LotQuantity]
    shipped_on: date
    document_number: str
    partner_name: str | None = None


class ShipmentReceived(SupplyChainEvent):
    """The buyer received a shipment (EPCIS receiving)."""

    event_type: ClassVar[str] = "supplychain.shipment_received"

    shipment_id: int
    partner_id: int | None
    received_on: date
    coop_id: int | None = None


class EventCorrected(SupplyChainEvent):
    """An earlier fact was declared wrong (EPCIS errorDeclaration) and replaced by corrective events.

    Consumers undo what `corrected_event_id` did and apply the corrective events instead.
    """

    event_type: ClassVar[str] = "supplychain.event_corrected"

    corrected_event_id: str
    reason: str
    declared_on: date
    corrective_event_ids: list[str] = []


PaymentMethod = Literal["cash", "bank_transfer"]


class HouseholdPaid(SupplyChainEvent):
    """The co-op paid a member household (cash or bank transfer) against what its purchases owe it.

    `harvest_round` of `harvest_year` is the round it settles (an absent year, in events from before
    it was carried: `shared.settlement.payment_round`); without a round the payment settles the household's oldest rounds
    first (`shared.settlement`). Never more than is still owed (refused by the command).
    """

    event_type: ClassVar[str] = "supplychain.household_paid"

    payment_id: int
    coop_id: int
    member_id: int
    amount_vnd: int = Field(gt=0)
    method: PaymentMethod
    paid_on: date
    harvest_round: int | None = None
    harvest_year: int | None = None
    reference: str | None = None  # a bank transfer's reference
    note: str | None = None


class HouseholdPaymentVoided(SupplyChainEvent):
    """A payment recorded wrongly was voided: it no longer counts as paid. The payment's own event stays."""

    event_type: ClassVar[str] = "supplychain.household_payment_voided"

    payment_id: int
    paid_event_id: str  # the HouseholdPaid it voids
    coop_id: int
    member_id: int
    amount_vnd: int
    reason: str
    voided_on: date


# Every contract the supply chain publishes on STREAM, in the order of the chain.
PUBLISHED: tuple[type[SupplyChainEvent], ...] = (
    LotHarvested,
    LotPurchased,
    LotsTransformed,
    LotShipped,
    ShipmentReceived,
    LotSold,
    EventCorrected,
    HouseholdPaid,
    HouseholdPaymentVoided,
)
