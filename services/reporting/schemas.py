"""Reporting's request and response shapes: the scorecard (`GET /kpis`), a report and what
it was narrowed to, the typed parameters the routes' dependencies parse a request into, and
a rebuild job (`/admin/rebuild`).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, get_args

from pydantic import BaseModel

# ---- the scorecard ------------------------------------------------------------------------


class Definition(BaseModel):
    """What a figure counts, over which days and which organisation forms, in words (Vietnamese and
    English) a reader can hold the figure to (`kpis.definitions`)."""

    forms: list[str]  # the organisation forms counted: to_hop_tac, hop_tac_xa, lien_hiep
    first: date | None = None  # counted from this day (None: a state on `last`, not a count over days)
    last: date  # through this day, or standing on it
    vi: str
    en: str


class Figure(BaseModel):
    """A target-bearing figure. `target`/`met` are null when no plan covers the year;
    `value`/`met` are null while the data behind the figure does not flow yet."""

    value: int | float | None
    target: int | float | None
    comparison: str | None = None  # ">=", ">", "<=" or "<": how value must compare with target
    met: bool | None
    since: date | None = None  # counted from this day through the year end
    available: bool = True
    note: str | None = None
    definition: Definition | None = None


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
    definition: Definition | None = None


class MemberFigures(BaseModel):
    """Memberships current on 31 December (joined on or before, not left before)."""

    total: int
    members: int
    workers: int
    by_membership: dict[str, int]
    definition: Definition | None = None


class HarvestFigures(BaseModel):
    lots: int
    kg: Decimal


class SalesFigures(BaseModel):
    count: int
    kg: Decimal
    amount_vnd: int


class GradingFigures(BaseModel):
    """Grades in force for the year; `share` = (Tốt + Khá) / graded, `not_graded` left out."""

    graded: int
    effective: int
    not_graded: int
    by_grade: dict[str, int]
    share: float | None
    definition: Definition | None = None


class IncomeFigures(BaseModel):
    """Member income from the chain: co-op purchases from member households in the year."""

    members_selling: int
    total_vnd: int
    average_vnd: int | None
    previous_average_vnd: int | None
    growth: float | None
    paid_vnd: int = 0  # cash co-ops paid member households in the year (payments, voids left out)
    definition: Definition | None = None


class ChainFigures(BaseModel):
    """Hợp tác xã active on 31 December, with a chain contract valid in the year, with traced sales."""

    coops: int
    with_contract: int
    with_traced_sales: int
    contract_share: float | None
    traced_sales_share: float | None
    definition: Definition | None = None


class PlanRef(BaseModel):
    name: str
    first_year: int
    last_year: int
    key: str
    version: int | None = None  # the version the province published (GET /plans/{key}/versions); None as shipped


class ClosedFigure(BaseModel):
    """One figure as the province closed it: frozen, whatever the read model says later."""

    figure: str
    value: int | float | None
    target: int | float | None
    comparison: str | None


class Restatement(BaseModel):
    """A closed figure the live read model no longer agrees with (a correction declared after the close)."""

    figure: str
    frozen: int | float | None
    current: int | float | None
    difference: int | float | None  # current - frozen; null when either is missing


class ScorecardClose(BaseModel):
    """The province closed this year's scorecard: the figures shown are those frozen then; where the
    read model now says otherwise, `restatements` says by how much (never a silent change)."""

    year: int
    closed_at: datetime
    closed_by: str  # the province's actor; to anyone else its role only (no login is public)
    figures: list[ClosedFigure]
    restated: bool
    restatements: list[Restatement]


class KpiReport(BaseModel):
    """The provincial scorecard for one calendar year (dates are Vietnam's calendar dates)."""

    year: int
    as_of: date
    plan: PlanRef | None
    coops: CoopFigures
    new_coops: Figure
    new_unions: Figure
    effective_share: Figure
    grading: GradingFigures
    members: MemberFigures
    harvest: HarvestFigures
    sales: SalesFigures
    member_income: IncomeFigures
    member_income_growth: Figure
    chain: ChainFigures
    contract_share: Figure
    traced_sales_share: Figure
    positions: dict[str, str]
    closed: ScorecardClose | None = None  # the year closed by the province (POST /scorecards/{year}/close)


# ---- reports ------------------------------------------------------------------------------

ReportFormat = Literal["json", "csv", "xlsx"]
REPORT_FORMATS: tuple[str, ...] = get_args(ReportFormat)


class ReportPeriod(BaseModel):
    """The days a report covers, both ends included: a calendar year, or `from` .. `to`."""

    first: date
    last: date


class ReportFilters(ReportPeriod):
    """What a report was narrowed to: a period (inclusive), and optionally a commune, co-op, product."""

    commune: str | None = None
    coop_id: int | None = None
    product: str | None = None


class ReportRequest(BaseModel):
    """A report asked for, parsed and checked: which one, in which format, narrowed to what."""

    name: str
    format: ReportFormat
    filters: ReportFilters


class Report(BaseModel):
    """A report: its filters, its columns in order, one dict per row, and totals of the summable columns."""

    report: str
    title: str
    filters: ReportFilters
    columns: list[dict[str, str]]
    rows: list[dict[str, Any]]
    totals: dict[str, Any]


# ---- rebuild jobs -------------------------------------------------------------------------

RebuildState = Literal["queued", "running", "succeeded", "failed"]
RebuildPhase = Literal["replaying", "catching_up", "swapping"]
ACTIVE_REBUILD_STATES: tuple[str, ...] = ("queued", "running")


class StreamProgress(BaseModel):
    """One stream's replay: entries known so far (`total`), entries read, and what became of them."""

    total: int = 0
    entries: int = 0
    applied: int = 0
    duplicates: int = 0  # an event_id already applied earlier in the stream (published twice)
    ignored: int = 0  # an event type with no handler here
    failed: int = 0  # its handler raised: left out, as the live consumer would dead-letter it
    malformed: int = 0  # not an event envelope


class RebuildJobPublic(BaseModel):
    """A rebuild of the read model, as `POST /admin/rebuild` and `GET /admin/rebuild/{id}` show it.

    `phase` says where a running job is: replaying the streams from id 0 into shadow tables,
    catching up with entries added meanwhile, or swapping the result in (the only moment live
    consumption waits).
    """

    id: int
    state: RebuildState
    phase: RebuildPhase | None
    streams: dict[str, StreamProgress]
    requested_by: str
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None


# ---- grading proposals and score sheets (ADR 0027) -----------------------------------------


class ProposedCriterion(BaseModel):
    """One criterion the platform proposes from its data: what the registry's grading takes as `proposal`."""

    criterion: str
    number: int
    points: int
    maximum: int
    rule: str
    evidence: dict[str, int | str | None]


class ProposedScore(BaseModel):
    """A criterion's proposal as the registry's grading takes it."""

    points: int
    rule: str
    evidence: dict[str, int | str | None]


class GradingPrefill(BaseModel):
    """The registry grading's fields the proposal fills (POST /coops/{id}/gradings): the officer adds
    the entered criteria's scores, may change a proposed one, and then says why in `notes`."""

    scheme: str
    scores: dict[str, int]
    proposal: dict[str, ProposedScore]


class GradingProposal(BaseModel):
    """The proposal for a co-op's year under TT01-2020-15: the computed criteria; the rest are entered."""

    coop_id: int
    year: int
    scheme: str
    proposed: list[ProposedCriterion]
    entered: list[str]  # the criteria the officer fills in from the co-op's report
    prefill: GradingPrefill


class SheetLine(BaseModel):
    """A line of a score sheet: the recorded points, the cap, and what the data proposed (if anything)."""

    criterion: str
    number: int | None
    points: int
    maximum: int | None
    proposed: ProposedCriterion | None
    note: str | None


class ScoreSheet(BaseModel):
    coop_id: int
    coop_name: str
    year: int
    revision: int
    scheme: str | None
    grade: str
    total_score: int | None
    lines: list[SheetLine]  # empty for a grading published before the workings were (total only)
