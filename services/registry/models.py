"""Registry tables and the request/response shapes around them.

SQLModel family per resource: `XCreate` (validated input), `X` (table), `XPublic` (output).
Table models skip validation, so input is always validated through `XCreate` first.

Personal data (a member's phone and ID number, a co-op's contact person) is only ever put
into the `...Private` shapes, which the routes give to the co-op itself and the province.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

import pydantic
from pydantic import AfterValidator, BaseModel, ConfigDict, field_validator, model_validator
from sqlalchemy import Column, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared.auth import public_actor
from shared.clock import not_in_future, utcnow
from shared.events.registry import CoopStatus, MemberKind, Membership, OrganisationForm, PartnerKind
from shared.messaging.consumer import InboxEntry
from shared.messaging.outbox import OutboxMessage
from shared.places import resolve_ward
from shared.text import normalise_name


def _clean_list(values: list[str]) -> list[str]:
    """Trimmed, NFC, without blanks or repeats, in the order given."""
    seen: list[str] = []
    for value in values:
        item = normalise_name(value)
        if item and item not in seen:
            seen.append(item)
    return seen


def _check_ward_field(value: str | None, field_name: str) -> str | None:
    """Field-level check, so a bad code is reported against its own field."""
    if value is None:
        return None
    if field_name == "legacy_ward_code":
        return resolve_ward(None, value).legacy_code
    resolve_ward(value)
    return value.strip().zfill(5)


Name = pydantic.constr(min_length=2, max_length=255, strip_whitespace=True)
Phone = pydantic.constr(max_length=20, pattern=r"^\+?[0-9 .-]{8,20}$")


# --- organisations ---------------------------------------------------------------------------


class CoopContact(BaseModel):
    """Who to call at an organisation: personal data, shown to the co-op and the province only."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    contact_name: str | None = pydantic.Field(default=None, max_length=255)
    contact_phone: Phone | None = None
    contact_email: str | None = pydantic.Field(default=None, max_length=255, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class CoopCreate(CoopContact):
    """A co-operative group, co-op or union to enter in the register."""

    name: Name = pydantic.Field(description="Exactly as written, in Vietnamese")
    form: OrganisationForm = "hop_tac_xa"
    registration_code: str = pydantic.Field(min_length=1, max_length=50, pattern=r"^[^\s/]+$")
    tax_code: str | None = pydantic.Field(default=None, max_length=20, pattern=r"^[0-9-]{10,14}$")
    ward_code: str | None = pydantic.Field(
        default=None, description="Current commune/ward code, e.g. 05488; a pre-July-2025 code is mapped"
    )
    legacy_ward_code: str | None = pydantic.Field(
        default=None, description="The commune code on pre-July-2025 documents, e.g. 05488 (Xã Phúc Xuân)"
    )
    founded_on: date
    address: str | None = pydantic.Field(default=None, max_length=500)
    sectors: list[str] = pydantic.Field(default_factory=list, max_length=20, description="e.g. trồng trọt, chế biến")
    main_products: list[str] = pydantic.Field(default_factory=list, max_length=20)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return normalise_name(value)

    @field_validator("founded_on")
    @classmethod
    def _founded(cls, value: date) -> date:
        return not_in_future(value)

    @field_validator("sectors", "main_products")
    @classmethod
    def _lists(cls, values: list[str]) -> list[str]:
        return _clean_list(values)

    @field_validator("ward_code", "legacy_ward_code")
    @classmethod
    def _ward_known(cls, value: str | None, info) -> str | None:
        return _check_ward_field(value, info.field_name)

    @model_validator(mode="after")
    def _ward(self) -> CoopCreate:
        resolved = resolve_ward(self.ward_code, self.legacy_ward_code)
        self.ward_code, self.legacy_ward_code = resolved.code, resolved.legacy_code
        return self


class CoopUpdate(CoopContact):
    """Details to change; omitted fields stay. Status has its own route and history."""

    name: Name | None = None
    tax_code: str | None = pydantic.Field(default=None, max_length=20, pattern=r"^[0-9-]{10,14}$")
    ward_code: str | None = None
    legacy_ward_code: str | None = None
    address: str | None = pydantic.Field(default=None, max_length=500)
    sectors: list[str] | None = pydantic.Field(default=None, max_length=20)
    main_products: list[str] | None = pydantic.Field(default=None, max_length=20)
    changed_on: date | None = pydantic.Field(default=None, description="When it changed; default today")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return None if value is None else normalise_name(value)

    @field_validator("sectors", "main_products")
    @classmethod
    def _lists(cls, values: list[str] | None) -> list[str] | None:
        return None if values is None else _clean_list(values)

    @field_validator("changed_on")
    @classmethod
    def _changed(cls, value: date | None) -> date | None:
        return not_in_future(value)

    @field_validator("ward_code", "legacy_ward_code")
    @classmethod
    def _ward_known(cls, value: str | None, info) -> str | None:
        return _check_ward_field(value, info.field_name)

    @model_validator(mode="after")
    def _ward(self) -> CoopUpdate:
        emptied = [
            name
            for name in ("name", "ward_code", "sectors", "main_products")
            if name in self.model_fields_set and getattr(self, name) is None
        ]
        if emptied and not (emptied == ["ward_code"] and self.legacy_ward_code):
            raise ValueError(f"{', '.join(emptied)} cannot be null; send a value or leave the field out")
        if self.ward_code is not None or self.legacy_ward_code is not None:
            resolved = resolve_ward(self.ward_code, self.legacy_ward_code)
            self.ward_code, self.legacy_ward_code = resolved.code, resolved.legacy_code
        return self


class Coop(SQLModel, table=True):
    __tablename__ = "coop"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=255)
    name_search: str = Field(max_length=255, index=True)
    form: str = Field(max_length=20)
    registration_code: str = Field(max_length=50, unique=True)
    tax_code: str | None = Field(default=None, max_length=20)
    ward_code: str = Field(max_length=10, index=True)
    legacy_ward_code: str | None = Field(default=None, max_length=10)
    founded_on: date
    address: str | None = Field(default=None, max_length=500)
    main_products: str = Field(default="", max_length=1000)
    products_search: str = Field(default="", max_length=1000)
    sectors: str = Field(default="", max_length=1000)
    contact_name: str | None = Field(default=None, max_length=255)
    contact_phone: str | None = Field(default=None, max_length=20)
    contact_email: str | None = Field(default=None, max_length=255)
    status: str = Field(default="active", max_length=20)
    created_at: datetime = Field(default_factory=utcnow)


class CoopPublic(BaseModel):
    id: int
    name: str
    form: OrganisationForm
    registration_code: str
    tax_code: str | None
    ward_code: str
    ward_name: str
    legacy_ward_code: str | None = None
    founded_on: date
    address: str | None
    sectors: list[str] = []
    main_products: list[str]
    status: CoopStatus


class CoopPrivate(CoopPublic):
    """A co-op as itself and the province see it: with its contact person."""

    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None


class StatusChange(BaseModel):
    """Suspend, reactivate or dissolve an organisation, from a date, for a reason."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    status: CoopStatus
    effective_on: date
    reason: str = pydantic.Field(min_length=3, max_length=1000)

    @field_validator("effective_on")
    @classmethod
    def _effective(cls, value: date) -> date:
        return not_in_future(value)


class CoopStatusHistory(SQLModel, table=True):
    """Every status an organisation has had; rows are only ever added."""

    __tablename__ = "coop_status_history"

    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="coop.id", index=True)
    status: str = Field(max_length=20)
    effective_on: date
    reason: str = Field(max_length=1000)
    actor: str = Field(default="", max_length=200)
    recorded_at: datetime = Field(default_factory=utcnow)


class StatusHistoryPublic(BaseModel):
    status: CoopStatus
    effective_on: date
    reason: str
    actor: Annotated[str, AfterValidator(public_actor)]
    recorded_at: datetime


class CoopEvent(SQLModel, table=True):
    """Which outbox events are about which organisation: the index of its history view."""

    __tablename__ = "coop_event"

    event_id: str = Field(primary_key=True, max_length=36)
    coop_id: int = Field(primary_key=True, index=True)


class RecordedEvent(BaseModel):
    event_id: str
    event_type: str
    occurred_at: datetime
    recorded_at: datetime
    actor: Annotated[str, AfterValidator(public_actor)]  # history views are public
    payload: dict


class CoopHistory(BaseModel):
    coop_id: int
    status_history: list[StatusHistoryPublic]
    events: list[RecordedEvent]


CoopSort = Literal["name", "-name", "founded_on", "-founded_on", "registration_code", "-registration_code"]


# --- members ---------------------------------------------------------------------------------


class MemberCreate(BaseModel):
    """A household (through its representative), individual or legal entity joining a co-op,
    or a worker taken on by it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Name = pydantic.Field(description="The household representative's name for a household")
    kind: MemberKind = "household"
    membership: Membership = "official"
    joined_on: date
    capital_vnd: int = pydantic.Field(default=0, ge=0, le=10**15)
    phone: Phone | None = None
    id_number: str | None = pydantic.Field(default=None, max_length=20, pattern=r"^[0-9A-Za-z]{6,20}$")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return normalise_name(value)

    @field_validator("joined_on")
    @classmethod
    def _joined(cls, value: date) -> date:
        return not_in_future(value)


class MemberLeave(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    left_on: date
    reason: str | None = pydantic.Field(default=None, max_length=1000)

    @field_validator("left_on")
    @classmethod
    def _left(cls, value: date) -> date:
        return not_in_future(value)


class Member(SQLModel, table=True):
    __tablename__ = "member"
    __table_args__ = (UniqueConstraint("coop_id", "id_number", name="uq_member_id_number"),)

    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="coop.id", index=True)
    name: str = Field(max_length=255)
    name_search: str = Field(max_length=255, index=True)
    kind: str = Field(max_length=20)
    membership: str = Field(max_length=20)
    joined_on: date
    left_on: date | None = None
    left_reason: str | None = Field(default=None, max_length=1000)
    capital_vnd: int = 0
    phone: str | None = Field(default=None, max_length=20)
    id_number: str | None = Field(default=None, max_length=20)
    created_at: datetime = Field(default_factory=utcnow)


class MemberPublic(BaseModel):
    """A member as anyone may see them: no phone, no ID number."""

    id: int
    coop_id: int
    name: str
    kind: MemberKind
    membership: Membership
    joined_on: date
    left_on: date | None
    capital_vnd: int


class MemberPrivate(MemberPublic):
    """A member as their co-op and the province see them."""

    phone: str | None
    id_number: str | None
    left_reason: str | None = None


# --- unions ----------------------------------------------------------------------------------


class UnionMemberAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    coop_id: int
    joined_on: date

    @field_validator("joined_on")
    @classmethod
    def _joined(cls, value: date) -> date:
        return not_in_future(value)


class UnionMemberRemove(BaseModel):
    model_config = ConfigDict(extra="forbid")

    left_on: date

    @field_validator("left_on")
    @classmethod
    def _left(cls, value: date) -> date:
        return not_in_future(value)


class UnionMembership(SQLModel, table=True):
    """A co-op's membership of a union (liên hiệp HTX) from `joined_on` through `left_on`."""

    __tablename__ = "union_membership"

    id: int | None = Field(default=None, primary_key=True)
    union_id: int = Field(foreign_key="coop.id", index=True)
    coop_id: int = Field(foreign_key="coop.id", index=True)
    joined_on: date
    left_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow)


class UnionMembershipPublic(BaseModel):
    union_id: int
    coop_id: int
    coop_name: str
    joined_on: date
    left_on: date | None


# --- partners and value-chain contracts -------------------------------------------------------


class PartnerCreate(BaseModel):
    """An enterprise, buyer, trader, craft village (làng nghề) or farmer household on a chain."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Name
    kind: PartnerKind
    tax_code: str | None = pydantic.Field(default=None, max_length=20, pattern=r"^[0-9-]{10,14}$")
    ward_code: str | None = None
    address: str | None = pydantic.Field(default=None, max_length=500)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return normalise_name(value)

    @field_validator("ward_code")
    @classmethod
    def _ward(cls, value: str | None) -> str | None:
        return None if value is None else resolve_ward(value).code


class Partner(SQLModel, table=True):
    __tablename__ = "partner"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=255)
    name_search: str = Field(max_length=255, index=True)
    kind: str = Field(max_length=20)
    tax_code: str | None = Field(default=None, max_length=20)
    ward_code: str | None = Field(default=None, max_length=10)
    address: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


class PartnerPublic(BaseModel):
    id: int
    name: str
    kind: PartnerKind
    tax_code: str | None
    ward_code: str | None
    ward_name: str | None
    address: str | None


class PartnerEvent(SQLModel, table=True):
    """Which outbox events are about which partner: the index of its history view."""

    __tablename__ = "partner_event"

    event_id: str = Field(primary_key=True, max_length=36)
    partner_id: int = Field(primary_key=True, index=True)


class PartnerHistory(BaseModel):
    """Every event recorded about a partner (registered, contracts signed), oldest first."""

    partner_id: int
    events: list[RecordedEvent]


class ContractCreate(BaseModel):
    """A value-chain link: the partner buys (or supplies) a product of the co-op over a period."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    partner_id: int
    product: Name
    valid_from: date
    valid_to: date | None = None
    volume_kg: Decimal | None = pydantic.Field(default=None, gt=0, max_digits=14, decimal_places=3)

    @field_validator("product")
    @classmethod
    def _product(cls, value: str) -> str:
        return normalise_name(value)

    @model_validator(mode="after")
    def _period(self) -> ContractCreate:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        return self


class ChainContract(SQLModel, table=True):
    __tablename__ = "chain_contract"

    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="coop.id", index=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    product: str = Field(max_length=255)
    valid_from: date
    valid_to: date | None = None
    volume_kg: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 3), nullable=True))
    created_at: datetime = Field(default_factory=utcnow)


class ContractPublic(BaseModel):
    id: int
    coop_id: int
    partner_id: int
    partner_name: str
    product: str
    valid_from: date
    valid_to: date | None
    volume_kg: Decimal | None


# --- pages -----------------------------------------------------------------------------------


class Page(BaseModel):
    total: int
    limit: int
    offset: int


class CoopPage(Page):
    items: list[CoopPublic]


class MemberPage(Page):
    items: list[MemberPrivate | MemberPublic]


class PartnerPage(Page):
    items: list[PartnerPublic]


TABLES = [
    Coop.__table__,
    Member.__table__,
    CoopStatusHistory.__table__,
    CoopEvent.__table__,
    UnionMembership.__table__,
    Partner.__table__,
    PartnerEvent.__table__,
    ChainContract.__table__,
    OutboxMessage.__table__,
    InboxEntry.__table__,
]
