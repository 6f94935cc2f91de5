"""Supplychain tables (SQLModel, `table=True`) and `TABLES`, the schema the migrations describe.

Two families:
- the registry replica (`known_coop`, `known_coop_status`, `known_member`, `known_partner`,
  `known_plot`, `known_certificate`): what this service has learnt about co-ops, members,
  partners, plots and certificates from `registry.events` (`consumers`), or from the
  registry's public API when the stream had not caught up yet. The registry owns these
  facts; rows here are a cache.
- chain facts, append-only: `lot` (the identity and origin of a lot, written once),
  `lot_event` (every change to what a lot holds, never updated or deleted), the details of
  each kind of fact (`purchase`, `transformation` + inputs, `pack_unit`, `shipment` + lines
  + receipts, `sale`), `yield_rule`, `chain_event` (every accepted fact with its EPCIS
  events) and `correction` (error declarations); `household_payment` (money paid to a household
  against its purchases) and `household_payment_void` (a payment declared recorded wrongly). The quantity a lot holds is the sum of its
  events' `quantity_delta`, in the lot's unit.

Quantities are NUMERIC(12, 3) and travel as `Decimal`: a column named `..._kg` holds
kilograms, a plain `quantity` is in its lot's `unit` (kilograms, or pieces for a packed lot).
Money is whole VND in BIGINT.
The EPCIS event store's tables are `epcis.tables`.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, BigInteger, Column
from sqlmodel import Field, SQLModel

from shared.clock import utcnow
from shared.idempotency import IdempotencyRecord
from shared.messaging.consumer import InboxEntry
from shared.messaging.outbox import ArchivedEntry, OutboxMessage
from shared.revocation import TokenRevocation

# --- registry replica -------------------------------------------------------------------


class KnownCoop(SQLModel, table=True):
    """A co-op as the registry last told us (id is the registry's id)."""

    __tablename__ = "known_coop"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    name: str = Field(max_length=255)
    registration_code: str = Field(max_length=50)
    status: str = Field(max_length=20)
    ward_code: str = Field(max_length=10)
    founded_on: date
    household_display: str = Field(
        default="initials", max_length=10, description="How the public trace shows its households (shared.households)"
    )
    learnt_from: str = Field(max_length=20, description="'event' or 'registry_api'")
    updated_at: datetime = Field(default_factory=utcnow)


class KnownCoopStatus(SQLModel, table=True):
    """A co-op's status from a day on (registration, then each change), so commands check the event date."""

    __tablename__ = "known_coop_status"

    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(index=True)
    status: str = Field(max_length=20)
    effective_on: date
    learnt_at: datetime = Field(default_factory=utcnow)


class KnownMember(SQLModel, table=True):
    """A member of a co-op as the registry last told us (id is the registry's id)."""

    __tablename__ = "known_member"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    coop_id: int = Field(index=True)
    name: str = Field(max_length=255)
    kind: str = Field(max_length=20)
    membership: str = Field(max_length=20)
    joined_on: date
    left_on: date | None = None
    learnt_from: str = Field(max_length=20)
    updated_at: datetime = Field(default_factory=utcnow)


class KnownPartner(SQLModel, table=True):
    """A partner (buyer, enterprise, trader...) as the registry last told us (id is the registry's id)."""

    __tablename__ = "known_partner"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    name: str = Field(max_length=255)
    kind: str = Field(max_length=20)
    ward_code: str | None = Field(default=None, max_length=10)
    learnt_from: str = Field(max_length=20, description="'event' or 'registry_api'")
    updated_at: datetime = Field(default_factory=utcnow)


# --- more of the registry replica: plots and certificates, for the trace -------------------


class KnownPlot(SQLModel, table=True):
    """A member household's plot as the registry announced it (`registry.plot_registered`)."""

    __tablename__ = "known_plot"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    coop_id: int = Field(index=True)
    member_id: int = Field(index=True)
    planting_area_code: str = Field(max_length=100, index=True)
    area_ha: Decimal = Field(max_digits=12, decimal_places=4)
    crop: str = Field(max_length=100)
    geometry: dict | None = Field(
        default=None, sa_column=Column(JSON, nullable=True), description="GeoJSON Point or Polygon, WGS 84"
    )
    updated_at: datetime = Field(default_factory=utcnow)


class KnownCertificate(SQLModel, table=True):
    """A certificate and its validity window; `revoked_on` ends it early (`registry.certificate_*`)."""

    __tablename__ = "known_certificate"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    coop_id: int = Field(index=True)
    kind: str = Field(max_length=20)
    code: str = Field(max_length=100)
    issuer: str = Field(max_length=255)
    valid_from: date
    valid_to: date
    revoked_on: date | None = None
    ocop_stars: int | None = None
    plot_ids: list[int] = Field(
        default_factory=list,
        sa_column=Column(JSON, nullable=False),
        description="Empty: the certificate covers the whole co-op",
    )
    products: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)


# --- chain facts, append-only --------------------------------------------------------------


def new_public_token() -> str:
    """A lot's public trace token: 128 random bits, URL-safe (22 characters), so trace pages
    cannot be found by counting, unlike lot codes (`TH-<co-op>-<yyyymmdd>-<n>`)."""
    return secrets.token_urlsafe(16)


class Lot(SQLModel, table=True):
    """A lot's identity and origin; written once, never updated.

    A harvest lot names its household, plot and round; a lot made by processing, grading or
    packing names the transformation that made it. Packed lots count pieces (`unit="pcs"`),
    each of `net_kg_per_unit`; every other lot counts kilograms.
    """

    __tablename__ = "lot"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=100, unique=True)
    # What the QR code and public links name (`/t/<token>`); the code is for staff. Nullable only
    # in the schema (sc0010 gave existing lots theirs); every lot the service makes gets one.
    public_token: str | None = Field(default_factory=new_public_token, max_length=32, unique=True, index=True)
    coop_id: int = Field(index=True)
    product: str = Field(max_length=255)
    unit: str = Field(default="kg", max_length=10)
    created_on: date
    grade: str | None = Field(default=None, max_length=100)
    gtin: str | None = Field(
        default=None, max_length=14, index=True, description="The co-op's GTIN of the product, 14 digits"
    )
    net_kg_per_unit: Decimal | None = Field(default=None, max_digits=12, decimal_places=3)
    initial_quantity: Decimal = Field(max_digits=12, decimal_places=3, description="What it was made with, in its unit")
    transformation_id: int | None = Field(default=None, foreign_key="transformation.id", index=True)
    member_id: int | None = Field(default=None, index=True)
    harvested_quantity_kg: Decimal | None = Field(default=None, max_digits=12, decimal_places=3)
    harvested_on: date | None = None
    harvest_round: int | None = None
    plot_code: str | None = Field(default=None, max_length=100, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(max_length=200)


class ChainEvent(SQLModel, table=True):
    """One recorded fact of the chain (a command that was accepted), with its EPCIS events.

    `event_id` is the integration event published for it; corrections name it. The EPCIS
    events are kept as recorded so an error declaration can repeat them (EPCIS 2.0 §7.4.1).
    """

    __tablename__ = "chain_event"

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=36, unique=True)
    kind: str = Field(max_length=30)
    coop_id: int = Field(index=True)
    partner_id: int | None = Field(default=None)
    occurred_on: date
    epcis_events: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    actor: str = Field(max_length=200)
    recorded_at: datetime = Field(default_factory=utcnow)


class Purchase(SQLModel, table=True):
    """The co-op bought (part of) a household's harvest lot: what it owes the household.

    Harvest lots always count kilograms, so here `quantity_kg` and `price_per_kg_vnd` mean what they say.
    """

    __tablename__ = "purchase"

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=36, unique=True)
    lot_id: int = Field(foreign_key="lot.id", index=True)
    coop_id: int = Field(index=True)
    member_id: int = Field(index=True)
    harvest_round: int
    harvest_year: int = Field(description="The year of the harvest: round 1 of 2025 is not round 1 of 2026")
    quantity_kg: Decimal = Field(max_digits=12, decimal_places=3)
    price_per_kg_vnd: int = Field(sa_column=Column(BigInteger, nullable=False))
    amount_vnd: int = Field(sa_column=Column(BigInteger, nullable=False))
    purchased_on: date
    created_at: datetime = Field(default_factory=utcnow)


class Transformation(SQLModel, table=True):
    """A processing, grading or packing batch: inputs consumed, output lots made."""

    __tablename__ = "transformation"

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=36, unique=True)
    batch_id: str = Field(max_length=100, unique=True)
    coop_id: int = Field(index=True)
    step: str = Field(max_length=20)
    process: str | None = Field(default=None, max_length=255)
    transformed_on: date
    input_kg: Decimal = Field(max_digits=12, decimal_places=3)
    output_kg: Decimal = Field(max_digits=12, decimal_places=3)
    yield_ratio: Decimal | None = Field(default=None, max_digits=8, decimal_places=4)
    yield_flagged: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class TransformationInput(SQLModel, table=True):
    """How much of an input lot a batch consumed (in the input lot's unit)."""

    __tablename__ = "transformation_input"

    id: int | None = Field(default=None, primary_key=True)
    transformation_id: int = Field(foreign_key="transformation.id", index=True)
    lot_id: int = Field(foreign_key="lot.id", index=True)
    quantity: Decimal = Field(max_digits=12, decimal_places=3)


class PackUnit(SQLModel, table=True):
    """One packed unit with its serial code (what a pack's QR code names), maybe in a carton."""

    __tablename__ = "pack_unit"

    id: int | None = Field(default=None, primary_key=True)
    serial: str = Field(max_length=120, unique=True)
    lot_id: int = Field(foreign_key="lot.id", index=True)
    carton_code: str | None = Field(default=None, max_length=120, index=True)


class YieldRule(SQLModel, table=True):
    """The plausible dry-out ratio of a processing step, by output product; configurable."""

    __tablename__ = "yield_rule"

    output_product: str = Field(primary_key=True, max_length=255)
    min_ratio: Decimal = Field(max_digits=6, decimal_places=4)
    max_ratio: Decimal = Field(max_digits=6, decimal_places=4)
    loses_mass: bool = Field(default=True, description="Drying: output kg above input kg is impossible")
    updated_at: datetime = Field(default_factory=utcnow)


class Shipment(SQLModel, table=True):
    """Lots dispatched by a co-op to a partner, under a delivery document number."""

    __tablename__ = "shipment"

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=36, unique=True)
    coop_id: int = Field(index=True)
    partner_id: int = Field(index=True)
    partner_name: str = Field(max_length=255)
    document_number: str = Field(max_length=50)
    shipped_on: date
    created_at: datetime = Field(default_factory=utcnow)


class ShipmentLine(SQLModel, table=True):
    __tablename__ = "shipment_line"

    id: int | None = Field(default=None, primary_key=True)
    shipment_id: int = Field(foreign_key="shipment.id", index=True)
    lot_id: int = Field(foreign_key="lot.id", index=True)
    quantity: Decimal = Field(max_digits=12, decimal_places=3, description="In the lot's unit")


class ShipmentReceipt(SQLModel, table=True):
    """The partner confirmed it received a shipment."""

    __tablename__ = "shipment_receipt"

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=36, unique=True)
    shipment_id: int = Field(foreign_key="shipment.id", index=True)
    received_on: date
    created_at: datetime = Field(default_factory=utcnow)


class Sale(SQLModel, table=True):
    """The commercial side of a sale event: buyer, price, invoice.

    `quantity` is in the lot's unit and `unit_price_vnd` is per kilogram or per piece
    accordingly; `shipment_id` names the shipment whose goods this invoices (they left the
    lot when shipped).
    """

    __tablename__ = "sale"

    id: int | None = Field(default=None, primary_key=True)
    lot_id: int = Field(foreign_key="lot.id", index=True)
    coop_id: int = Field(index=True)
    buyer_name: str = Field(max_length=255)
    buyer_partner_id: int | None = Field(default=None, index=True)
    quantity: Decimal = Field(max_digits=12, decimal_places=3, description="In the lot's unit")
    unit_price_vnd: int = Field(sa_column=Column(BigInteger, nullable=False), description="Per kg, or per piece")
    amount_vnd: int = Field(sa_column=Column(BigInteger, nullable=False))
    sold_on: date
    invoice_number: str = Field(max_length=50)
    shipment_id: int | None = Field(default=None, foreign_key="shipment.id")
    created_at: datetime = Field(default_factory=utcnow)


class LotEvent(SQLModel, table=True):
    """One change to what a lot holds, in the lot's unit. Append-only.

    `event_id` is the fact's integration event; a fact touching several lots writes one row
    per lot. A correction writes `kind="corrected"` rows that cancel the wrong fact's rows
    (same `event_id`), never an UPDATE.
    """

    __tablename__ = "lot_event"

    id: int | None = Field(default=None, primary_key=True)
    lot_id: int = Field(foreign_key="lot.id", index=True)
    kind: str = Field(max_length=30)
    quantity_delta: Decimal = Field(max_digits=12, decimal_places=3, description="+ in, - out (lot's unit)")
    occurred_on: date
    sale_id: int | None = Field(default=None, foreign_key="sale.id")
    event_id: str = Field(max_length=36, index=True, description="The integration event published for the fact")
    actor: str = Field(max_length=200)
    recorded_at: datetime = Field(default_factory=utcnow)


class Correction(SQLModel, table=True):
    """An EPCIS error declaration: the fact `corrected_event_id` is wrong; corrective facts replace it."""

    __tablename__ = "correction"

    id: int | None = Field(default=None, primary_key=True)
    corrected_event_id: str = Field(max_length=36, unique=True)
    event_id: str = Field(max_length=36, unique=True, description="The EventCorrected published")
    reason: str = Field(max_length=30)
    explanation: str | None = Field(default=None, max_length=1000)
    declared_on: date
    corrective_event_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    actor: str = Field(max_length=200)
    recorded_at: datetime = Field(default_factory=utcnow)


class HouseholdPayment(SQLModel, table=True):
    """The co-op paid a member household, in cash or by bank transfer (append-only; a void is its own row)."""

    __tablename__ = "household_payment"

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=36, unique=True, description="The HouseholdPaid published")
    coop_id: int = Field(index=True)
    member_id: int = Field(index=True)
    harvest_round: int | None = None  # None: settles the household's oldest rounds first
    harvest_year: int | None = None  # the season of `harvest_round`
    amount_vnd: int = Field(sa_column=Column(BigInteger, nullable=False))
    method: str = Field(max_length=20)
    paid_on: date
    reference: str | None = Field(default=None, max_length=100)
    note: str | None = Field(default=None, max_length=500)
    actor: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class HouseholdPaymentVoid(SQLModel, table=True):
    """A payment recorded wrongly no longer counts; its row stays, as corrected facts' rows do."""

    __tablename__ = "household_payment_void"

    id: int | None = Field(default=None, primary_key=True)
    payment_id: int = Field(foreign_key="household_payment.id", unique=True)
    event_id: str = Field(max_length=36, unique=True, description="The HouseholdPaymentVoided published")
    reason: str = Field(max_length=500)
    voided_on: date
    actor: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


TABLES = [
    KnownCoop.__table__,
    KnownCoopStatus.__table__,
    KnownMember.__table__,
    KnownPartner.__table__,
    KnownPlot.__table__,
    KnownCertificate.__table__,
    Lot.__table__,
    ChainEvent.__table__,
    Purchase.__table__,
    Transformation.__table__,
    TransformationInput.__table__,
    PackUnit.__table__,
    YieldRule.__table__,
    Shipment.__table__,
    ShipmentLine.__table__,
    ShipmentReceipt.__table__,
    Sale.__table__,
    LotEvent.__table__,
    Correction.__table__,
    HouseholdPayment.__table__,
    HouseholdPaymentVoid.__table__,
    OutboxMessage.__table__,
    ArchivedEntry.__table__,
    InboxEntry.__table__,
    IdempotencyRecord.__table__,
    TokenRevocation.__table__,
]
