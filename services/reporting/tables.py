"""Reporting's read-model tables, built from `registry.events` and `supplychain.events`.

Every row of the read model is derived from events and can be thrown away and rebuilt from
the streams (`services.reporting.rebuild`). Nothing else writes these tables; `RebuildJob`,
the record of those rebuilds, and `ClosedFigureRow`, the scorecards the province closed, are the
tables that are not derived (a rebuild keeps them).

Weights are stored as whole grams (`*_g`): SUM over integers is exact on SQLite and
PostgreSQL alike, where SQLite would sum a NUMERIC column as floats. The API shows kg.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Column, Text
from sqlmodel import Field, SQLModel

from shared.idempotency import IdempotencyRecord
from shared.messaging.consumer import InboxEntry
from shared.revocation import TokenRevocation


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
    name: str | None = Field(default=None, max_length=255)
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


class CoopDetailsView(SQLModel, table=True):
    """A change of an organisation's name or ward; the latest (by date, then stream order) is current."""

    __tablename__ = "rpt_coop_details"

    event_id: str = Field(primary_key=True, max_length=36)
    coop_id: int = Field(index=True)
    name: str = Field(max_length=255)
    ward_code: str = Field(max_length=10)
    changed_on: date
    entry_id: str = Field(max_length=40)


class UnionMembershipFact(SQLModel, table=True):
    """A co-op joining (`added`) or leaving (`removed`) a union, kept as history."""

    __tablename__ = "rpt_union_membership"

    event_id: str = Field(primary_key=True, max_length=36)
    union_id: int = Field(index=True)
    coop_id: int = Field(index=True)
    change: str = Field(max_length=10)
    effective_on: date


class PartnerView(SQLModel, table=True):
    """An enterprise, buyer, trader, craft village or farmer household on a chain."""

    __tablename__ = "rpt_partner"

    partner_id: int = Field(primary_key=True)
    name: str = Field(max_length=255)
    kind: str = Field(max_length=20)
    ward_code: str | None = Field(default=None, max_length=10)


class ContractFact(SQLModel, table=True):
    """A value-chain contract between a co-op and a partner over a period."""

    __tablename__ = "rpt_contract"

    event_id: str = Field(primary_key=True, max_length=36)
    contract_id: int = Field(index=True)
    coop_id: int = Field(index=True)
    partner_id: int
    product: str = Field(max_length=100)
    valid_from: date
    valid_to: date | None = None


class PlotView(SQLModel, table=True):
    """A member household's plot, found from a harvest by its planting-area code."""

    __tablename__ = "rpt_plot"

    plot_id: int = Field(primary_key=True)
    coop_id: int = Field(index=True)
    member_id: int
    planting_area_code: str = Field(max_length=100, index=True)
    crop: str = Field(max_length=100)


class CertificateView(SQLModel, table=True):
    """A certificate's validity window and scope; its revocation is a row of its own."""

    __tablename__ = "rpt_certificate"

    certificate_id: int = Field(primary_key=True)
    coop_id: int = Field(index=True)
    kind: str = Field(max_length=20)
    code: str = Field(max_length=100)
    valid_from: date
    valid_to: date
    plot_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class CertificateRevocation(SQLModel, table=True):
    """A certificate withdrawn: not valid from `revoked_on` on (filled independently of the issue)."""

    __tablename__ = "rpt_certificate_revocation"

    certificate_id: int = Field(primary_key=True)
    coop_id: int
    revoked_on: date


class GradingFact(SQLModel, table=True):
    """A yearly grade; for one co-op and year the highest revision is in force (a regrade replaces),
    ties broken by stream order."""

    __tablename__ = "rpt_grading"

    event_id: str = Field(primary_key=True, max_length=36)
    grading_id: int
    coop_id: int = Field(index=True)
    year: int = Field(index=True)
    grade: str = Field(max_length=20)
    total_score: int | None = None
    revision: int = 1
    entry_id: str = Field(max_length=40)
    # The workings, for the score sheet (ADR 0027); None on events from before the 15-criteria scheme.
    scheme: str | None = Field(default=None, max_length=40)
    scores: dict[str, int] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    maxima: dict[str, int] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    proposal: dict[str, dict] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    notes: dict[str, str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class InspectionFact(SQLModel, table=True):
    """An inspection with the number of violations it found and of commendations it gave (a v1 event,
    which said only yes or no, counts as one or none)."""

    __tablename__ = "rpt_inspection"

    inspection_id: int = Field(primary_key=True)
    coop_id: int = Field(index=True)
    inspected_on: date = Field(index=True)
    body: str = Field(max_length=255)
    kind: str = Field(max_length=100)
    violations: int
    commendations: int = 0


class ViolationResolutionFact(SQLModel, table=True):
    """One violation of an inspection corrected."""

    __tablename__ = "rpt_violation_resolution"

    event_id: str = Field(primary_key=True, max_length=36)
    inspection_id: int = Field(index=True)
    violation_id: int
    coop_id: int
    resolved_on: date


class PurchaseFact(SQLModel, table=True):
    """The co-op bought a member household's lot: what it owes the household (append-only)."""

    __tablename__ = "rpt_purchase"

    event_id: str = Field(primary_key=True, max_length=36)
    purchase_id: int
    lot_code: str = Field(max_length=100)
    coop_id: int = Field(index=True)
    member_id: int = Field(index=True)
    quantity_g: int = Field(sa_column=Column(BigInteger, nullable=False))
    price_per_kg_vnd: int = Field(sa_column=Column(BigInteger, nullable=False))
    amount_vnd: int = Field(sa_column=Column(BigInteger, nullable=False))
    purchased_on: date = Field(index=True)
    harvest_round: int | None = None
    harvest_year: int | None = None  # absent from older events: the harvest's year (`queries.payables_report`)


class PaymentFact(SQLModel, table=True):
    """The co-op paid a member household (HouseholdPaid): cash the household received (append-only)."""

    __tablename__ = "rpt_payment"

    event_id: str = Field(primary_key=True, max_length=36)
    payment_id: int
    coop_id: int = Field(index=True)
    member_id: int = Field(index=True)
    amount_vnd: int = Field(sa_column=Column(BigInteger, nullable=False))
    method: str = Field(max_length=20)
    paid_on: date = Field(index=True)
    harvest_round: int | None = None
    harvest_year: int | None = None  # absent from older events: `shared.settlement.payment_round`


class PaymentVoidFact(SQLModel, table=True):
    """A payment voided (HouseholdPaymentVoided): every figure leaves it out, whichever arrived first."""

    __tablename__ = "rpt_payment_void"

    paid_event_id: str = Field(primary_key=True, max_length=36)
    event_id: str = Field(max_length=36)
    reason: str
    voided_on: date


class PlanVersionView(SQLModel, table=True):
    """A version of a plan the province published (PlanPublished); the highest of a key is in force
    and merged with the shipped plans (kpis.merge_plans)."""

    __tablename__ = "rpt_plan_version"

    plan_key: str = Field(primary_key=True, max_length=40)
    plan_version: int = Field(primary_key=True)
    name: str = Field(max_length=255)
    first_year: int
    last_year: int
    targets: dict[str, dict[str, object]] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    event_id: str = Field(max_length=36)


class LotOutputFact(SQLModel, table=True):
    """An output lot of processing, grading or packing, with its grade (sales by grade read this)."""

    __tablename__ = "rpt_lot_output"

    event_id: str = Field(primary_key=True, max_length=36)
    position: int = Field(primary_key=True)
    batch_id: str = Field(max_length=100)
    coop_id: int
    step: str = Field(max_length=50)
    lot_code: str = Field(max_length=100, index=True)
    product: str | None = Field(default=None, max_length=100)
    grade: str | None = Field(default=None, max_length=100)
    quantity_g: int = Field(sa_column=Column(BigInteger, nullable=False))
    transformed_on: date
    # The batch's input lots: an output without a grade of its own (packing) takes theirs.
    input_lots: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class ShipmentFact(SQLModel, table=True):
    """A lot dispatched to a partner (one row per lot of a shipment)."""

    __tablename__ = "rpt_shipment"

    event_id: str = Field(primary_key=True, max_length=36)
    position: int = Field(primary_key=True)
    shipment_id: int = Field(index=True)
    coop_id: int = Field(index=True)
    partner_id: int | None = None
    lot_code: str = Field(max_length=100)
    quantity_g: int = Field(sa_column=Column(BigInteger, nullable=False))
    shipped_on: date = Field(index=True)
    document_number: str = Field(max_length=100)


class ShipmentReceiptFact(SQLModel, table=True):
    """The buyer received a shipment."""

    __tablename__ = "rpt_shipment_receipt"

    event_id: str = Field(primary_key=True, max_length=36)
    shipment_id: int = Field(index=True)
    received_on: date


class CorrectionFact(SQLModel, table=True):
    """A supply-chain event declared wrong: every figure leaves out the facts it produced.

    Facts stay keyed by the event that produced them, so undoing one is leaving out its
    `event_id`; the result does not depend on whether the correction was applied before or
    after the event it corrects.
    """

    __tablename__ = "rpt_correction"

    corrected_event_id: str = Field(primary_key=True, max_length=36)
    event_id: str = Field(max_length=36)
    reason: str
    declared_on: date


class ProjectionPosition(SQLModel, table=True):
    """The highest stream entry applied to the read model, written with the rows it produced."""

    __tablename__ = "projection_position"

    stream: str = Field(primary_key=True, max_length=200)
    last_entry_id: str = Field(max_length=40)
    updated_at: datetime


class RebuildJob(SQLModel, table=True):
    """One rebuild of the read model (`services.reporting.rebuild`): who asked, how far it got, how it ended."""

    __tablename__ = "rebuild_job"

    id: int | None = Field(default=None, primary_key=True)
    state: str = Field(max_length=20)  # queued, running, succeeded, failed
    phase: str | None = Field(default=None, max_length=20)  # while running: replaying, catching_up, swapping
    # Per stream: entries known, entries read and what became of them (schemas.StreamProgress).
    progress: dict[str, dict[str, int]] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    requested_by: str = Field(max_length=300)
    runner: str = Field(max_length=200)  # the process that runs it, <host>-<pid> (the consumer name)
    requested_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    heartbeat_at: datetime  # moved by every page: a runner that stops moving it has died
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # True while queued or running, NULL once finished: the unique index admits one active job.
    active: bool | None = Field(default=None, index=True, unique=True)


class ClosedFigureRow(SQLModel, table=True):
    """One figure of a year's scorecard as the province closed it (`POST /scorecards/{year}/close`).

    Reporting's own fact, not a projection of the streams: not in `READ_MODEL`, so a rebuild keeps
    it, and the figures of a closed year stay as closed while a later correction is shown beside
    them as a restatement. `value`/`target` are JSON so a count stays whole and a share a fraction.
    """

    __tablename__ = "rpt_closed_figure"

    year: int = Field(primary_key=True)
    figure: str = Field(primary_key=True, max_length=40)
    value: int | float | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    target: int | float | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    comparison: str | None = Field(default=None, max_length=2)
    closed_by: str = Field(max_length=300)
    closed_at: datetime


# A rebuild replaces these with what the streams replay to (children of nothing, so order does not matter).
READ_MODEL = [
    CoopView,
    CoopStatusView,
    MemberView,
    HarvestFact,
    SaleFact,
    ProjectionPosition,
    CoopDetailsView,
    UnionMembershipFact,
    PartnerView,
    ContractFact,
    PlotView,
    CertificateView,
    CertificateRevocation,
    GradingFact,
    InspectionFact,
    ViolationResolutionFact,
    PurchaseFact,
    LotOutputFact,
    ShipmentFact,
    ShipmentReceiptFact,
    CorrectionFact,
    PaymentFact,
    PaymentVoidFact,
    PlanVersionView,
]

# What migrations/env.py hands to Alembic: the read model, the consumer's inbox, the write keys, the rebuilds,
# the revoked tokens, the closed scorecards.
TABLES = [model.__table__ for model in READ_MODEL] + [
    InboxEntry.__table__,
    IdempotencyRecord.__table__,
    RebuildJob.__table__,
    TokenRevocation.__table__,
    ClosedFigureRow.__table__,
]
