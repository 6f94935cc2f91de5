"""Registry tables and the request/response shapes around them.

SQLModel family per resource: `XCreate` (validated input), `X` (table), `XPublic` (output).
Table models skip validation, so input is always validated through `XCreate` first.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pydantic
from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from shared.events.registry import CoopStatus, MemberKind, Membership, OrganisationForm
from shared.messaging.consumer import InboxEntry
from shared.messaging.outbox import OutboxMessage
from shared.text import normalise_name
from services.registry.places import validate_ward_code


def _now() -> datetime:
    return datetime.now(timezone.utc)


class CoopCreate(BaseModel):
    """A co-operative group, co-op or union to enter in the register."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = pydantic.Field(min_length=2, max_length=255, description="Exactly as written, in Vietnamese")
    form: OrganisationForm = "hop_tac_xa"
    registration_code: str = pydantic.Field(min_length=1, max_length=50)
    tax_code: str | None = pydantic.Field(default=None, max_length=20)
    ward_code: str = pydantic.Field(description="Commune/ward code from the official list, e.g. 05488")
    founded_on: date
    address: str | None = pydantic.Field(default=None, max_length=500)
    main_products: list[str] = pydantic.Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return normalise_name(value)

    @field_validator("ward_code")
    @classmethod
    def _ward(cls, value: str) -> str:
        return validate_ward_code(value)

    @field_validator("founded_on")
    @classmethod
    def _not_future(cls, value: date) -> date:
        if value > date.today():
            raise ValueError("founding date is in the future")
        return value


class Coop(SQLModel, table=True):
    __tablename__ = "coop"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=255)
    name_search: str = Field(max_length=255, index=True)
    form: str = Field(max_length=20)
    registration_code: str = Field(max_length=50, unique=True)
    tax_code: str | None = Field(default=None, max_length=20)
    ward_code: str = Field(max_length=10, index=True)
    founded_on: date
    address: str | None = Field(default=None, max_length=500)
    main_products: str = Field(default="", max_length=1000)
    status: str = Field(default="active", max_length=20)
    created_at: datetime = Field(default_factory=_now)


class CoopPublic(BaseModel):
    id: int
    name: str
    form: OrganisationForm
    registration_code: str
    tax_code: str | None
    ward_code: str
    ward_name: str
    founded_on: date
    address: str | None
    main_products: list[str]
    status: CoopStatus


class MemberCreate(BaseModel):
    """A household (through its representative), individual or legal entity joining a co-op."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = pydantic.Field(min_length=2, max_length=255, description="The household representative's name for a household")
    kind: MemberKind = "household"
    membership: Membership = "official"
    joined_on: date
    capital_vnd: int = pydantic.Field(default=0, ge=0)
    phone: str | None = pydantic.Field(default=None, max_length=20, pattern=r"^\+?[0-9 .-]{8,20}$")
    id_number: str | None = pydantic.Field(default=None, max_length=20)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return normalise_name(value)


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
    capital_vnd: int = 0
    phone: str | None = Field(default=None, max_length=20)
    id_number: str | None = Field(default=None, max_length=20)
    created_at: datetime = Field(default_factory=_now)


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


class Page(BaseModel):
    total: int
    limit: int
    offset: int


class CoopPage(Page):
    items: list[CoopPublic]


TABLES = [Coop.__table__, Member.__table__, OutboxMessage.__table__, InboxEntry.__table__]
