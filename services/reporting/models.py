"""Reporting read model: projections of `registry.events` and `supplychain.events`.

Every row here is derived from events and can be thrown away and rebuilt from the streams
(`services.reporting.projections.rebuild`). Nothing else writes these tables.

Weights are stored as whole grams (`*_g`): SUM over integers is exact on SQLite and
PostgreSQL alike, where SQLite would sum a NUMERIC column as floats. The API shows kg.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel
from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel

from shared.messaging.consumer import InboxEntry


class CoopView(SQLModel, table=True):
    """An organisation as registered; its status history is in `CoopStatusView`."""

    __tablename__ = "rpt_coop"

    coop_id: int = Field(primary_key=True)
    name: str = Field(max_length=255)
    form: str = Field(max_length=20, index=True)
    registration_code: str = Field(max_length=50)
    ward_code: str = Field(max_length=10, index=True)
    founded_on: date = Field(index=True)


class CoopStatusView(SQLModel, table=True):
    """One status a co-op took from `effective_on`; history is kept, never overwritten.

    The registration itself is a row (its status, effective on the founding date). Ties on
    one date are broken by stream position (`entry_id`), so the answer does not depend on
    the order a retry happened to apply events in.
    """

    __tablename__ = "rpt_coop_status"

    event_id: str = Field(primary_key=True, max_length=36)
    coop_id: int = Field(index=True)
    status: str = Field(max_length=20)
    effective_on: date
    entry_id: str = Field(max_length=40)


class MemberView(SQLModel, table=True):
    """A membership: member of `coop_id` from `joined_on` through `left_on` (inclusive).

    Join and leave fill their own columns, so the row comes out the same whichever event
    is applied first (a join parked in the dead-letter stream and replayed later).
    """

    __tablename__ = "rpt_member"

    member_id: int = Field(primary_key=True)
    coop_id: int = Field(index=True)
    kind: str | None = Field(default=None, max_length=20)
    membership: str | None = Field(default=None, max_length=20)
    joined_on: date | None = Field(default=None, index=True)
    left_on: date | None = None


class HarvestFact(SQLModel, table=True):
    """A lot of fresh leaf plucked by a member household (append-only)."""

    __tablename__ = "rpt_harvest"

    event_id: str = Field(primary_key=True, max_length=36)
    lot_code: str = Field(max_length=100, index=True)
    coop_id: int = Field(index=True)
    member_id: int = Field(index=True)
    product: str = Field(max_length=100)
    quantity_g: int = Field(sa_column=Column(BigInteger, nullable=False))
    harvested_on: date = Field(index=True)
    harvest_round: int
    plot_code: str | None = Field(default=None, max_length=100)


class SaleFact(SQLModel, table=True):
    """A sale of (part of) a lot to a buyer (append-only)."""

    __tablename__ = "rpt_sale"

    event_id: str = Field(primary_key=True, max_length=36)
    sale_id: int = Field(index=True)
    lot_code: str = Field(max_length=100)
    coop_id: int = Field(index=True)
    buyer_name: str = Field(max_length=255)
    buyer_partner_id: int | None = None
    quantity_g: int = Field(sa_column=Column(BigInteger, nullable=False))
    amount_vnd: int = Field(sa_column=Column(BigInteger, nullable=False))
    sold_on: date = Field(index=True)
    invoice_number: str = Field(max_length=100)


class ProjectionPosition(SQLModel, table=True):
    """The highest stream entry applied to the read model, written with the rows it produced."""

    __tablename__ = "projection_position"

    stream: str = Field(primary_key=True, max_length=200)
    last_entry_id: str = Field(max_length=40)
    updated_at: datetime


# Rebuild empties these (children of nothing, so order does not matter).
READ_MODEL = [CoopView, CoopStatusView, MemberView, HarvestFact, SaleFact, ProjectionPosition]

TABLES = [model.__table__ for model in READ_MODEL] + [InboxEntry.__table__]


# ---- API shapes ---------------------------------------------------------------------------


class Figure(BaseModel):
    """A target-bearing figure. `target`/`met` are null when no plan covers the year;
    `value`/`met` are null while the data behind the figure does not flow yet."""

    value: int | float | None
    target: int | float | None
    comparison: str | None = None  # ">=" or ">": how value must compare with target
    met: bool | None
    since: date | None = None  # counted from this day through the year end
    available: bool = True
    note: str | None = None


class StatusCounts(BaseModel):
    total: int = 0
    active: int = 0
    suspended: int = 0
    dissolved: int = 0


class CoopFigures(BaseModel):
    """Organisations founded on or before the year end, with their status on that day."""

    total: int
    by_status: dict[str, int]
    by_form: dict[str, StatusCounts]


class MemberFigures(BaseModel):
    """Memberships current on 31 December (joined on or before, not left before)."""

    total: int
    members: int
    workers: int
    by_membership: dict[str, int]


class HarvestFigures(BaseModel):
    lots: int
    kg: Decimal


class SalesFigures(BaseModel):
    count: int
    kg: Decimal
    amount_vnd: int


class PlanRef(BaseModel):
    name: str
    first_year: int
    last_year: int


class KpiReport(BaseModel):
    """The provincial scorecard for one calendar year (dates are Vietnam's calendar dates)."""

    year: int
    as_of: date
    plan: PlanRef | None
    coops: CoopFigures
    new_coops: Figure
    new_unions: Figure
    effective_share: Figure
    members: MemberFigures
    harvest: HarvestFigures
    sales: SalesFigures
    member_income_growth: Figure
    positions: dict[str, str]
