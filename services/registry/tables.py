"""Registry tables: organisations, their status history, members, unions, partners and
value-chain contracts, the history indexes, and `TABLES` for the migrations' env.py.

Table models skip validation, so input is always validated through a `schemas` shape first.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared.clock import utcnow
from shared.idempotency import IdempotencyRecord
from shared.messaging.consumer import InboxEntry
from shared.messaging.outbox import ArchivedEntry, OutboxMessage
from shared.revocation import TokenRevocation


def join_lines(values: list[str]) -> str:
    """A list as the coop table stores it (`sectors`, `main_products` and their search keys)."""
    return "\n".join(values)


def split_lines(value: str) -> list[str]:
    """A stored list read back."""
    return [item for item in value.split("\n") if item]


# --- organisations ---------------------------------------------------------------------------


class Coop(SQLModel, table=True):
    __tablename__ = "coop"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=255)
    name_search: str = Field(max_length=255, index=True)
    form: str = Field(max_length=20)
    registration_code: str = Field(max_length=50, unique=True)
    # shared.text.identity_key of the code: unique, so "tn-0001" and "TN‐0001" cannot both register.
    # Nullable only in the schema (added to existing rows by rg0007); the registry always sets it.
    registration_key: str | None = Field(default=None, max_length=50, unique=True, index=True)
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
    # How the public sees its member households (shared.households): names, initials or counts.
    household_display: str = Field(default="initials", max_length=10)
    created_at: datetime = Field(default_factory=utcnow)


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


class CoopEvent(SQLModel, table=True):
    """Which outbox events are about which organisation: the index of its history view."""

    __tablename__ = "coop_event"

    event_id: str = Field(primary_key=True, max_length=36)
    coop_id: int = Field(primary_key=True, index=True)


# --- members ---------------------------------------------------------------------------------


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


# --- unions ----------------------------------------------------------------------------------


class UnionMembership(SQLModel, table=True):
    """A co-op's membership of a union (liên hiệp HTX) from `joined_on` through `left_on`."""

    __tablename__ = "union_membership"

    id: int | None = Field(default=None, primary_key=True)
    union_id: int = Field(foreign_key="coop.id", index=True)
    coop_id: int = Field(foreign_key="coop.id", index=True)
    joined_on: date
    left_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow)


# --- partners and value-chain contracts -------------------------------------------------------


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


class PartnerEvent(SQLModel, table=True):
    """Which outbox events are about which partner: the index of its history view."""

    __tablename__ = "partner_event"

    event_id: str = Field(primary_key=True, max_length=36)
    partner_id: int = Field(primary_key=True, index=True)


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
    ArchivedEntry.__table__,
    InboxEntry.__table__,
    IdempotencyRecord.__table__,
    TokenRevocation.__table__,
]
