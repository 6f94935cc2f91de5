"""Supplychain tables and the request/response shapes around them.

Two families of tables:
- the registry replica (`known_coop`, `known_member`): what this service has learnt about
  co-ops and members from `registry.events`, or from the registry's public API when the
  stream had not caught up yet. The registry owns these facts; rows here are a cache.
- lot facts, append-only: `lot` (the identity and origin of a lot, written once),
  `lot_event` (every change to what the lot holds, never updated or deleted) and `sale`
  (the commercial details of a sale event). The quantity a lot holds is the sum of its
  events' `quantity_delta_kg`.

Kilograms are NUMERIC(12, 3) and travel as `Decimal`; money is whole VND in BIGINT.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Annotated, Literal

import pydantic
from pydantic import AfterValidator, BaseModel, ConfigDict, field_validator
from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel

from shared.events.registry import CoopStatus, MemberKind, Membership
from shared.clock import VIETNAM
from shared.messaging.consumer import InboxEntry
from shared.messaging.outbox import OutboxMessage
from shared.text import normalise_name

DEFAULT_PRODUCT = "chè búp tươi"

# Kilograms: positive, at most 3 decimals (grams), at most 9 digits before the point; always
# carried with exactly 3 decimals, so the API, the tables and the events all say "120.500".
Kilograms = Annotated[Decimal, pydantic.Field(gt=0, max_digits=12, decimal_places=3),
                      AfterValidator(lambda kg: kg.quantize(Decimal("0.001")))]
# Lot codes go into URLs (`/lots/{code}`) and later into private URNs: no spaces or slashes.
LotCode = Annotated[str, pydantic.Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]

LotEventKind = Literal["harvested", "sold"]


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _not_future(value: date) -> date:
    # Vietnam's calendar day, so a harvest entered at 06:00 local time is not "tomorrow" in UTC.
    if value > datetime.now(VIETNAM).date():
        raise ValueError("date is in the future")
    return value


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
    learnt_from: str = Field(max_length=20, description="'event' or 'registry_api'")
    updated_at: datetime = Field(default_factory=_now)


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
    updated_at: datetime = Field(default_factory=_now)


class RegistryCoop(BaseModel):
    """The part of the registry's `CoopPublic` this service keeps."""

    id: int
    name: str
    registration_code: str
    status: CoopStatus
    ward_code: str
    founded_on: date


class RegistryMember(BaseModel):
    """The part of the registry's `MemberPublic` this service keeps."""

    id: int
    coop_id: int
    name: str
    kind: MemberKind
    membership: Membership
    joined_on: date
    left_on: date | None = None


# --- lots ---------------------------------------------------------------------------------


class HarvestCreate(BaseModel):
    """A member household's harvest, delivered to its co-op as a new lot."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    coop_id: int
    member_id: int = pydantic.Field(description="The registry's member id of the household")
    product: str = pydantic.Field(default=DEFAULT_PRODUCT, min_length=2, max_length=255)
    quantity_kg: Kilograms
    harvested_on: date
    harvest_round: int = pydantic.Field(ge=1, description="Lứa hái in the year, 1 for the first round")
    plot_code: str | None = pydantic.Field(default=None, max_length=100, description="Mã số vùng trồng")
    lot_code: LotCode | None = pydantic.Field(
        default=None, description="Omit to get TH-<coop id>-<yyyymmdd of harvest>-<n>")

    @field_validator("product")
    @classmethod
    def _product(cls, value: str) -> str:
        return normalise_name(value)

    @field_validator("harvested_on")
    @classmethod
    def _harvested_on(cls, value: date) -> date:
        return _not_future(value)


class Lot(SQLModel, table=True):
    """A lot's identity and origin; written once, never updated."""

    __tablename__ = "lot"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=100, unique=True)
    coop_id: int = Field(index=True)
    member_id: int = Field(index=True)
    product: str = Field(max_length=255)
    harvested_quantity_kg: Decimal = Field(max_digits=12, decimal_places=3)
    harvested_on: date
    harvest_round: int
    plot_code: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(default_factory=_now)
    created_by: str = Field(max_length=200)


class Sale(SQLModel, table=True):
    """The commercial side of a sale event: buyer, price, invoice."""

    __tablename__ = "sale"

    id: int | None = Field(default=None, primary_key=True)
    lot_id: int = Field(foreign_key="lot.id", index=True)
    coop_id: int = Field(index=True)
    buyer_name: str = Field(max_length=255)
    buyer_partner_id: int | None = Field(default=None, index=True)
    quantity_kg: Decimal = Field(max_digits=12, decimal_places=3)
    price_per_kg_vnd: int = Field(sa_column=Column(BigInteger, nullable=False))
    amount_vnd: int = Field(sa_column=Column(BigInteger, nullable=False))
    sold_on: date
    invoice_number: str = Field(max_length=50)
    created_at: datetime = Field(default_factory=_now)


class LotEvent(SQLModel, table=True):
    """One change to what a lot holds. Append-only: a mistake gets a corrective event."""

    __tablename__ = "lot_event"

    id: int | None = Field(default=None, primary_key=True)
    lot_id: int = Field(foreign_key="lot.id", index=True)
    kind: str = Field(max_length=30)
    quantity_delta_kg: Decimal = Field(max_digits=12, decimal_places=3, description="+ in, - out")
    occurred_on: date
    sale_id: int | None = Field(default=None, foreign_key="sale.id")
    event_id: str = Field(max_length=36, unique=True, description="The integration event published for it")
    actor: str = Field(max_length=200)
    recorded_at: datetime = Field(default_factory=_now)


class SaleCreate(BaseModel):
    """A co-op selling (part of) one of its lots."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    coop_id: int
    lot_code: LotCode
    buyer_name: str = pydantic.Field(min_length=2, max_length=255)
    buyer_partner_id: int | None = None
    quantity_kg: Kilograms
    price_per_kg_vnd: int = pydantic.Field(gt=0, le=10**12)
    sold_on: date
    invoice_number: str = pydantic.Field(min_length=1, max_length=50)

    @field_validator("buyer_name")
    @classmethod
    def _buyer(cls, value: str) -> str:
        return normalise_name(value)

    @field_validator("sold_on")
    @classmethod
    def _sold_on(cls, value: date) -> date:
        return _not_future(value)


class SalePrivate(BaseModel):
    """A sale as the selling co-op and the province see it."""

    id: int
    lot_code: str
    coop_id: int
    buyer_name: str
    buyer_partner_id: int | None
    quantity_kg: Decimal
    price_per_kg_vnd: int
    amount_vnd: int
    sold_on: date
    invoice_number: str


class LotEventPublic(BaseModel):
    kind: LotEventKind
    quantity_delta_kg: Decimal
    occurred_on: date
    recorded_at: datetime
    sale_id: int | None


class LotPublic(BaseModel):
    """A lot, what it holds now, and its history. No prices: this view is public."""

    code: str
    coop_id: int
    member_id: int
    product: str
    harvested_quantity_kg: Decimal
    quantity_kg: Decimal = pydantic.Field(description="What the lot holds now, in kg")
    harvested_on: date
    harvest_round: int
    plot_code: str | None
    created_at: datetime
    events: list[LotEventPublic]


class TraceOrigin(BaseModel):
    coop_id: int
    coop_name: str
    ward_code: str
    household_name: str
    plot_code: str | None
    harvested_on: date
    harvest_round: int
    harvested_quantity_kg: Decimal


class TraceSale(BaseModel):
    buyer_name: str
    quantity_kg: Decimal
    sold_on: date


class LotTrace(BaseModel):
    """Where a lot came from and where it went; what a QR code shows. No prices, no personal data."""

    lot_code: str
    product: str
    quantity_kg: Decimal
    origin: TraceOrigin
    sales: list[TraceSale]


TABLES = [
    KnownCoop.__table__, KnownMember.__table__, Lot.__table__, Sale.__table__, LotEvent.__table__,
    OutboxMessage.__table__, InboxEntry.__table__,
]
