"""Supplychain request and response shapes: the commands' bodies and the answers.

Commands carry a `type`, so `/batch` and `/corrections` take any of them (`ChainCommand`).
The public answers (lots, traces) hold no prices or personal data. `Registry*` are the
parts of the registry's API answers this service keeps.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

import pydantic
from pydantic import AfterValidator, AliasChoices, BaseModel, ConfigDict, computed_field, field_validator

from services.supplychain.digital_link import gtin_14
from shared.clock import PastDate
from shared.errors import InvalidValue
from shared.events.registry import CoopStatus, HouseholdDisplay, MemberKind, Membership
from shared.events.supplychain import PaymentMethod
from shared.text import normalise_name

DEFAULT_PRODUCT = "chè búp tươi"

# Kilograms: positive, at most 3 decimals (grams), at most 9 digits before the point; always
# carried with exactly 3 decimals, so the API, the tables and the events all say "120.500".
Kilograms = Annotated[
    Decimal,
    pydantic.Field(gt=0, max_digits=12, decimal_places=3),
    AfterValidator(lambda kg: kg.quantize(Decimal("0.001"))),
]
# Lot codes go into URLs (`/lots/{code}`) and later into private URNs: no spaces or slashes.
LotCode = Annotated[str, pydantic.Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]

# Positive quantities in a lot's unit: kilograms to the gram, or whole pieces for packed lots.
Quantity = Annotated[
    Decimal,
    pydantic.Field(gt=0, max_digits=12, decimal_places=3),
    AfterValidator(lambda q: q.quantize(Decimal("0.001"))),
]
Unit = Literal["kg", "pcs"]
# A co-op's GS1 trade item number, as 14 digits with a verified check digit (GTIN-8/12/13 accepted).
Gtin = Annotated[
    str,
    AfterValidator(gtin_14),
    pydantic.Field(
        description="The product's GTIN (GTIN-8/12/13/14, check digit verified; kept as 14 digits): "
        "the lot's QR code becomes a GS1 Digital Link, /01/<gtin>/10/<lot>"
    ),
]
LotEventKind = Literal["harvested", "purchased", "consumed", "produced", "shipped", "received", "sold", "corrected"]
TraceDirection = Literal["backward", "forward", "both"]


# --- the registry's API answers ------------------------------------------------------------


class RegistryCoop(BaseModel):
    """The part of the registry's `CoopPublic` this service keeps."""

    id: int
    name: str
    registration_code: str
    status: CoopStatus
    ward_code: str
    founded_on: date
    household_display: HouseholdDisplay = "initials"  # a registry older than the setting shows initials


class RegistryMember(BaseModel):
    """The part of the registry's `MemberPublic` this service keeps."""

    id: int
    coop_id: int
    name: str
    kind: MemberKind
    membership: Membership
    joined_on: date
    left_on: date | None = None


class RegistryPartner(BaseModel):
    """The part of the registry's `PartnerPublic` this service keeps."""

    id: int
    name: str
    kind: str  # not the contract's Literal: a kind the registry adds later must not break shipments
    ward_code: str | None = None


# --- commands (request bodies) ------------------------------------------------------------


class _Command(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class HarvestCreate(_Command):
    """A member household's harvest, delivered to its co-op as a new lot."""

    type: Literal["harvest"] = "harvest"
    coop_id: int
    member_id: int = pydantic.Field(description="The registry's member id of the household")
    product: str = pydantic.Field(default=DEFAULT_PRODUCT, min_length=2, max_length=255)
    quantity_kg: Kilograms
    harvested_on: PastDate
    harvest_round: int = pydantic.Field(ge=1, description="Lứa hái in the year, 1 for the first round")
    plot_code: str | None = pydantic.Field(default=None, max_length=100, description="Mã số vùng trồng")
    lot_code: LotCode | None = pydantic.Field(
        default=None, description="Omit to get TH-<coop id>-<yyyymmdd of harvest>-<n>"
    )

    _product = field_validator("product")(classmethod(lambda cls, value: normalise_name(value)))


class PurchaseCreate(_Command):
    """The co-op buys (part of) a household's harvest lot: kg x price is owed to the household."""

    type: Literal["purchase"] = "purchase"
    coop_id: int
    lot_code: LotCode
    quantity_kg: Kilograms
    price_per_kg_vnd: int = pydantic.Field(gt=0, le=10**9)
    purchased_on: PastDate


class LotTake(_Command):
    """A quantity taken from an existing lot, in the lot's own unit."""

    lot_code: LotCode
    quantity: Quantity
    unit: Unit = "kg"


class LotMake(_Command):
    """An output lot of processing or grading, in kilograms."""

    lot_code: LotCode | None = pydantic.Field(default=None, description="Omit for a generated code")
    product: str = pydantic.Field(min_length=2, max_length=255)
    quantity_kg: Kilograms
    grade: str | None = pydantic.Field(default=None, min_length=1, max_length=100)
    gtin: Gtin | None = None

    _product = field_validator("product", "grade")(
        classmethod(lambda cls, value: None if value is None else normalise_name(value))
    )


class _TransformCreate(_Command):
    coop_id: int
    batch_id: LotCode | None = pydantic.Field(default=None, description="Omit for a generated batch id")
    process: str | None = pydantic.Field(default=None, max_length=255, description="e.g. sao sấy, vò, sàng")
    transformed_on: PastDate
    inputs: list[LotTake] = pydantic.Field(min_length=1, max_length=1000)


class ProcessingCreate(_TransformCreate):
    """Processing: input lots (fresh leaf) become output lots (dry tea); the yield is checked."""

    type: Literal["processing"] = "processing"
    outputs: list[LotMake] = pydantic.Field(min_length=1, max_length=100)


class GradingCreate(_TransformCreate):
    """Grading (phân loại): a dry lot is sorted into graded lots (móc câu, tôm nõn, đinh...)."""

    type: Literal["grading"] = "grading"
    outputs: list[LotMake] = pydantic.Field(min_length=1, max_length=100)

    @field_validator("outputs")
    @classmethod
    def _graded(cls, outputs: list[LotMake]) -> list[LotMake]:
        if any(o.grade is None for o in outputs):
            raise InvalidValue("grading.grade_missing")
        return outputs


class PackingCreate(_TransformCreate):
    """Packing: kilograms of graded lots become a lot of numbered units, optionally in cartons."""

    type: Literal["packing"] = "packing"
    lot_code: LotCode | None = pydantic.Field(default=None, description="The packed lot; omit for a generated code")
    product: str = pydantic.Field(min_length=2, max_length=255)
    units: int = pydantic.Field(gt=0, le=100_000)
    net_kg_per_unit: Kilograms
    units_per_carton: int | None = pydantic.Field(default=None, gt=0, le=10_000)
    gtin: Gtin | None = None

    _product = field_validator("product")(classmethod(lambda cls, value: normalise_name(value)))


class ShipmentCreate(_Command):
    """Lots dispatched to a partner (buyer) under a delivery document number."""

    type: Literal["shipment"] = "shipment"
    coop_id: int
    partner_id: int = pydantic.Field(description="The registry's partner id of the receiver")
    partner_name: str | None = pydantic.Field(
        default=None,
        min_length=2,
        max_length=255,
        description="Accepted for older clients; the registry's name of the partner is what is stored",
    )
    document_number: str = pydantic.Field(min_length=1, max_length=50)
    shipped_on: PastDate
    lines: list[LotTake] = pydantic.Field(min_length=1, max_length=1000)

    _name = field_validator("partner_name")(
        classmethod(lambda cls, value: None if value is None else normalise_name(value))
    )


class ReceiptCreate(_Command):
    """The partner confirms it received a shipment (a buyer token of that partner, or the province)."""

    type: Literal["receipt"] = "receipt"
    shipment_id: int
    received_on: PastDate


class SaleCreate(_Command):
    """A co-op selling (part of) one of its lots: `quantity` in the lot's unit, at `unit_price_vnd` per kg or piece.

    With `shipment_id` the sale invoices goods already shipped to that buyer: the lot does not
    lose them a second time. `quantity_kg` and `price_per_kg_vnd`, the names of older clients,
    are still accepted for `quantity` and `unit_price_vnd` (deprecated: for a packed lot they
    were pieces and price per piece all along); a body may not give both.
    """

    type: Literal["sale"] = "sale"
    coop_id: int
    lot_code: LotCode
    buyer_name: str = pydantic.Field(min_length=2, max_length=255)
    buyer_partner_id: int | None = None
    quantity: Quantity = pydantic.Field(
        validation_alias=AliasChoices("quantity", "quantity_kg"),
        description="In the lot's unit: kg, or whole pieces for a packed lot (deprecated alias: quantity_kg)",
    )
    unit: Unit = "kg"
    unit_price_vnd: int = pydantic.Field(
        gt=0,
        le=10**12,
        validation_alias=AliasChoices("unit_price_vnd", "price_per_kg_vnd"),
        description="Per kg, or per piece for a packed lot (deprecated alias: price_per_kg_vnd)",
    )
    sold_on: PastDate
    invoice_number: str = pydantic.Field(min_length=1, max_length=50)
    shipment_id: int | None = None

    _buyer = field_validator("buyer_name")(classmethod(lambda cls, value: normalise_name(value)))


ChainCommand = Annotated[
    HarvestCreate
    | PurchaseCreate
    | ProcessingCreate
    | GradingCreate
    | PackingCreate
    | ShipmentCreate
    | ReceiptCreate
    | SaleCreate,
    pydantic.Field(discriminator="type"),
]


class BatchCreate(_Command):
    """Many chain commands in one request, applied in order, all or nothing."""

    commands: list[ChainCommand] = pydantic.Field(min_length=1, max_length=5000)


class CorrectionCreate(_Command):
    """Declare a recorded fact wrong (EPCIS error declaration) and, usually, record what is right."""

    event_id: str = pydantic.Field(min_length=1, max_length=36, description="The fact's event_id")
    reason: Literal["incorrect_data", "did_not_occur"] = "incorrect_data"
    explanation: str | None = pydantic.Field(default=None, max_length=1000)
    declared_on: date | None = pydantic.Field(default=None, description="Default: today in Vietnam")
    corrective: ChainCommand | None = None


class YieldRuleSet(_Command):
    """The plausible output/input ratio of processing into `output_product`."""

    min_ratio: Decimal = pydantic.Field(gt=0, le=10, max_digits=6, decimal_places=4)
    max_ratio: Decimal = pydantic.Field(gt=0, le=10, max_digits=6, decimal_places=4)
    loses_mass: bool = True


# --- answers ------------------------------------------------------------------------------

# Answers still carry the old `..._kg` names of fields in the lot's unit, for older clients.
_DEPRECATED = "Deprecated: the same as `{name}`, in the lot's unit (pieces for a packed lot) despite its name"


class ChainResult(BaseModel):
    """What an accepted chain command made: its event id (for corrections) and the lots it touched."""

    type: str
    event_id: str
    lot_codes: list[str] = []
    id: int | None = pydantic.Field(default=None, description="purchase, shipment, receipt or sale id")
    batch_id: str | None = None
    yield_ratio: Decimal | None = None
    yield_flagged: bool | None = None
    serials: list[str] | None = None
    amount_vnd: int | None = None


class OpenLot(BaseModel):
    """A co-op's lot that still holds something: what the app offers as an input or a purchase."""

    code: str
    product: str
    grade: str | None
    unit: Unit
    held: Decimal = pydantic.Field(description="What it holds now, in its unit")
    net_kg_per_unit: Decimal | None
    created_on: date
    member_id: int | None = pydantic.Field(description="The household, for a harvest lot")
    harvest_round: int | None
    harvested_kg: Decimal | None
    purchased_kg: Decimal | None = pydantic.Field(description="Bought of a harvest lot so far (corrections applied)")


class OpenLotPage(BaseModel):
    total: int
    items: list[OpenLot]


class YieldRulePublic(BaseModel):
    """The plausible output/input ratio of processing into `output_product`; outside it a batch is flagged."""

    output_product: str
    min_ratio: Decimal
    max_ratio: Decimal
    loses_mass: bool


class BatchResult(BaseModel):
    results: list[ChainResult]


class CorrectionResult(BaseModel):
    event_id: str = pydantic.Field(description="The EventCorrected published")
    corrected_event_id: str
    corrective: ChainResult | None


class SalePrivate(BaseModel):
    """A sale as the selling co-op and the province see it."""

    id: int
    lot_code: str
    coop_id: int
    buyer_name: str
    buyer_partner_id: int | None
    quantity: Decimal = pydantic.Field(description="In the lot's unit")
    unit: Unit
    unit_price_vnd: int = pydantic.Field(description="Per kg, or per piece for a packed lot")
    amount_vnd: int
    sold_on: date
    invoice_number: str
    shipment_id: int | None = None
    event_id: str | None = None

    @computed_field(description=_DEPRECATED.format(name="quantity"), json_schema_extra={"deprecated": True})
    @property
    def quantity_kg(self) -> Decimal:
        return self.quantity

    @computed_field(description=_DEPRECATED.format(name="unit_price_vnd"), json_schema_extra={"deprecated": True})
    @property
    def price_per_kg_vnd(self) -> int:
        return self.unit_price_vnd


class Payable(BaseModel):
    """What a co-op owes one household for one harvest round, what it has paid and what is still owed.

    A round is a season's (`harvest_year`): round 1 of 2025 and of 2026 are two rows. Both are None only
    for money paid beyond every round (after a purchase was corrected away).
    """

    member_id: int
    household_name: str
    harvest_year: int | None
    harvest_round: int | None
    purchases: int
    quantity_kg: Decimal
    amount_vnd: int = pydantic.Field(description="Owed for the round's purchases")
    paid_vnd: int = 0
    outstanding_vnd: int = pydantic.Field(default=0, description="Still owed: amount_vnd - paid_vnd")


class PayablesTotals(BaseModel):
    """The co-op's payables summed over the households and rounds `/coops/{id}/payables` lists."""

    households: int
    purchases: int
    quantity_kg: Decimal
    amount_vnd: int
    paid_vnd: int
    outstanding_vnd: int


class DeliveryPurchase(BaseModel):
    """The co-op's purchase of (part of) a delivered lot, with its event id for corrections."""

    event_id: str
    quantity_kg: Decimal
    price_per_kg_vnd: int
    amount_vnd: int
    purchased_on: date


class Delivery(BaseModel):
    """A household's harvest delivered to its co-op (a harvest lot) and what the co-op bought of it."""

    lot_code: str
    event_id: str = pydantic.Field(description="The harvest's event id, what `/corrections` names")
    member_id: int
    household_name: str
    harvested_on: date
    harvest_round: int
    plot_code: str | None
    quantity_kg: Decimal
    recorded_by: str = pydantic.Field(description="Who recorded it: role, co-op and the account's subject")
    purchases: list[DeliveryPurchase]


class PaymentCreate(_Command):
    """The co-op (named by the path) paid a member household: cash or bank transfer, never more than is still owed."""

    member_id: int = pydantic.Field(description="The registry's member id of the household")
    amount_vnd: int = pydantic.Field(gt=0, le=10**12)
    method: PaymentMethod
    paid_on: PastDate
    harvest_round: int | None = pydantic.Field(
        default=None, ge=1, description="The round it settles; omit to settle the oldest rounds first"
    )
    harvest_year: int | None = pydantic.Field(
        default=None,
        ge=1900,
        le=2100,
        description="The season of `harvest_round` (only with it); omitted: the latest season in which the household has that round",
    )
    reference: str | None = pydantic.Field(
        default=None, min_length=1, max_length=100, description="A bank transfer's reference"
    )
    note: str | None = pydantic.Field(default=None, max_length=500)

    @field_validator("harvest_year")
    @classmethod
    def _year_of_a_round(cls, year: int | None, info: pydantic.ValidationInfo) -> int | None:
        if year is not None and info.data.get("harvest_round") is None:
            raise InvalidValue("payment.year_without_round", harvest_year=year)
        return year


class PaymentVoidCreate(_Command):
    """A payment recorded wrongly (wrong household, amount or date): it stops counting as paid."""

    reason: str = pydantic.Field(min_length=3, max_length=500)
    voided_on: PastDate | None = pydantic.Field(default=None, description="Default: today in Vietnam")


class PaymentVoid(BaseModel):
    event_id: str
    reason: str
    voided_on: date


class PaymentPrivate(BaseModel):
    """A payment as the co-op and the province see it (a household's finances: never public)."""

    id: int
    event_id: str
    coop_id: int
    member_id: int
    household_name: str
    amount_vnd: int
    method: PaymentMethod
    paid_on: date
    harvest_round: int | None
    harvest_year: int | None = None
    reference: str | None
    note: str | None
    voided: PaymentVoid | None = None


class LotEventPublic(BaseModel):
    kind: LotEventKind
    quantity_delta: Decimal = pydantic.Field(description="+ in, - out, in the lot's unit")
    occurred_on: date
    recorded_at: datetime
    sale_id: int | None
    event_id: str
    corrected: bool = False

    @computed_field(description=_DEPRECATED.format(name="quantity_delta"), json_schema_extra={"deprecated": True})
    @property
    def quantity_delta_kg(self) -> Decimal:
        return self.quantity_delta


class LotPublic(BaseModel):
    """A lot, what it holds now, and its history. No prices; the household's id only for the co-op
    itself and the province (it would link a household's lots)."""

    code: str
    public_token: str | None = pydantic.Field(
        default=None, description="What the lot's QR code and public links name: /t/<public_token>"
    )
    coop_id: int
    member_id: int | None
    product: str
    unit: Unit
    grade: str | None
    gtin: str | None = pydantic.Field(default=None, description="14 digits; the lot then has a GS1 Digital Link")
    net_kg_per_unit: Decimal | None
    created_on: date
    harvested_quantity_kg: Decimal | None
    quantity: Decimal = pydantic.Field(description="What the lot holds now, in its unit")
    harvested_on: date | None
    harvest_round: int | None
    plot_code: str | None
    created_at: datetime
    batch_id: str | None = None
    step: str | None = None
    yield_ratio: Decimal | None = None
    yield_flagged: bool = False
    events: list[LotEventPublic]

    @computed_field(description=_DEPRECATED.format(name="quantity"), json_schema_extra={"deprecated": True})
    @property
    def quantity_kg(self) -> Decimal:
        return self.quantity


class TraceCertificate(BaseModel):
    kind: str
    code: str
    issuer: str
    valid_from: date
    valid_to: date
    revoked_on: date | None = None
    ocop_stars: int | None = None


class TraceOrigin(BaseModel):
    """A harvest lot at the start of the chain: household, plot, round, certificates valid that day."""

    lot_code: str
    coop_id: int
    coop_name: str
    ward_code: str
    member_id: int | None = pydantic.Field(description="The household's id: for the co-op itself and the province")
    household_name: str | None = pydantic.Field(
        description="In full for the co-op itself and the province; for others as the co-op chose "
        "(`household_display`): in full, initials (N. V. H., the default), or null when it shows counts"
    )
    plot_code: str | None
    harvested_on: date
    harvest_round: int
    harvested_quantity_kg: Decimal
    certificates: list[TraceCertificate] = []


class TraceLot(BaseModel):
    code: str
    product: str
    grade: str | None
    unit: Unit
    coop_id: int
    created_on: date
    step: str = pydantic.Field(description="harvest, processing, grading or packing")
    quantity_held: Decimal


class TraceQuantity(BaseModel):
    lot_code: str
    quantity: Decimal
    unit: Unit


class TraceStep(BaseModel):
    """A transformation crossed by the trace, with every input and output and their quantities."""

    batch_id: str
    step: str
    process: str | None
    transformed_on: date
    inputs: list[TraceQuantity]
    outputs: list[TraceQuantity]
    yield_ratio: Decimal | None
    yield_flagged: bool


class TraceShipment(BaseModel):
    shipment_id: int
    partner_id: int
    partner_name: str
    shipped_on: date
    received_on: date | None
    lines: list[TraceQuantity]


class TraceSale(BaseModel):
    lot_code: str
    buyer_name: str
    quantity: Decimal
    unit: Unit
    sold_on: date


class LotTrace(BaseModel):
    """Where lots came from and where they went, with quantities. No prices, no personal data."""

    direction: TraceDirection
    start: list[str] = pydantic.Field(description="The lot codes the trace started from")
    serial: str | None = None
    households: int = pydantic.Field(description="How many households the origins come from")
    lots: list[TraceLot]
    steps: list[TraceStep]
    origins: list[TraceOrigin]
    shipments: list[TraceShipment]
    sales: list[TraceSale]


# --- a buyer's view and totals for reconciliation ------------------------------------------


class PartnerShipmentLine(BaseModel):
    lot_code: str
    product: str
    grade: str | None
    quantity: Decimal = pydantic.Field(description="In the lot's unit")
    unit: Unit
    quantity_kg: Decimal = pydantic.Field(description="Kilograms (pieces x net kg per piece for packs)")


class PartnerShipment(BaseModel):
    """A shipment as its buyer sees it: what arrived, under which documents. No prices."""

    shipment_id: int
    coop_id: int
    coop_name: str | None = pydantic.Field(default=None, description="From the registry replica; null if never learnt")
    document_number: str
    shipped_on: date
    received_on: date | None
    lines: list[PartnerShipmentLine]
    invoice_numbers: list[str] = pydantic.Field(description="Invoices of sales made against this shipment")


class RecallRow(BaseModel):
    """One event of a recall: its key data elements (FSMA 204 style), as the recall files have them."""

    event_type: str
    date: date
    lot_code: str
    product: str
    quantity: Decimal = pydantic.Field(description="In the lot's unit; negative for what left the lot")
    unit: Unit
    location: str
    party: str = pydantic.Field(description="Households as the reader may see them")
    reference_document: str
    event_id: str
    status: Literal["valid", "corrected", "correction"]


class PartnerShipments(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    partner_id: int
    partner_name: str | None = pydantic.Field(description="From the registry replica; null if never learnt")
    date_from: date | None = pydantic.Field(alias="from")
    date_to: date | None = pydantic.Field(alias="to")
    shipments: list[PartnerShipment]


class HarvestTotals(BaseModel):
    lots: int
    kg: Decimal


class MoneyTotals(BaseModel):
    count: int
    kg: Decimal
    amount_vnd: int


class PaymentTotals(BaseModel):
    count: int
    amount_vnd: int


class ChainTotals(BaseModel):
    """Harvests, purchases and sales dated in a range, corrected facts left out (for reconciliation)."""

    model_config = ConfigDict(populate_by_name=True)

    date_from: date = pydantic.Field(alias="from")
    date_to: date = pydantic.Field(alias="to")
    harvests: HarvestTotals
    purchases: MoneyTotals
    sales: MoneyTotals
    payments: PaymentTotals = PaymentTotals(count=0, amount_vnd=0)
