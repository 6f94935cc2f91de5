"""Registry part B tables and shapes: plots, certificates, grading schemes and gradings,
inspections with their violations. `QUALITY_TABLES` goes to the migrations' env.py.

JSON values (geometry, products, scores, scheme thresholds) are stored as text and never edited
in place: a row is written once, and later facts (a revocation, a resolution, a regrade) are
new columns set once or new rows.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

import pydantic
from pydantic import AfterValidator, BaseModel, ConfigDict
from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared.clock import utcnow
from shared.events.registry import CertificateKind, Grade
from shared.text import normalise_name

InspectionKind = Literal["periodic", "thematic", "unscheduled", "follow_up"]
ViolationStatus = Literal["open", "resolved"]
CertificateStatus = Literal["valid", "revoked", "expired", "not_yet_valid"]
Hectares = Annotated[
    Decimal,
    pydantic.Field(gt=0, max_digits=12, decimal_places=4),
    AfterValidator(lambda ha: ha.quantize(Decimal("0.0001"))),
]
Text255 = Annotated[str, pydantic.Field(min_length=1, max_length=255), AfterValidator(normalise_name)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --------------------------------------------------------------------------- plots


class PlotCreate(_Input):
    """A member household's plot. Geometry is GeoJSON in WGS 84, [longitude, latitude]."""

    planting_area_code: str = pydantic.Field(
        min_length=1, max_length=50, pattern=r"^[A-Za-z0-9._:/-]+$", description="Mã số vùng trồng, e.g. VN-TNCH-0012"
    )
    member_id: int = pydantic.Field(description="The household (a member of this co-op) that farms the plot")
    area_ha: Hectares
    crop: Text255 = "chè"
    cultivar: Text255 | None = pydantic.Field(default=None, description="e.g. Trung du, LDP1, Kim Tuyên")
    geometry: dict | None = pydantic.Field(
        default=None,
        description="GeoJSON Point or Polygon; a plot of 4 ha or more needs a Polygon",
        examples=[{"type": "Point", "coordinates": [105.745312, 21.601234]}],
    )


class Plot(SQLModel, table=True):
    __tablename__ = "plot"

    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="coop.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    planting_area_code: str = Field(max_length=50, unique=True)
    area_ha: Decimal = Field(max_digits=12, decimal_places=4)
    crop: str = Field(max_length=255)
    cultivar: str | None = Field(default=None, max_length=255)
    geometry_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)


class PlotPublic(BaseModel):
    id: int
    coop_id: int
    member_id: int
    planting_area_code: str
    area_ha: Decimal
    crop: str
    cultivar: str | None
    geometry: dict | None


# --------------------------------------------------------------------------- certificates


class CertificateCreate(_Input):
    """A certificate and its scope. OCOP needs `ocop_stars` (3-5) or `ocop_score` (points out of 100)."""

    kind: CertificateKind
    code: str = pydantic.Field(min_length=1, max_length=100)
    issuer: Text255
    valid_from: date
    valid_to: date = pydantic.Field(description="Last day of validity, included")
    ocop_stars: int | None = pydantic.Field(default=None, ge=1, le=5)
    ocop_score: int | None = pydantic.Field(default=None, ge=0, le=100)
    plot_ids: list[int] = pydantic.Field(default_factory=list, max_length=5000)
    products: list[Text255] = pydantic.Field(default_factory=list, max_length=100)
    area_ha: Hectares | None = None


class Certificate(SQLModel, table=True):
    __tablename__ = "certificate"
    __table_args__ = (UniqueConstraint("kind", "issuer", "code", name="uq_certificate_code"),)

    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="coop.id", index=True)
    kind: str = Field(max_length=20)
    code: str = Field(max_length=100)
    issuer: str = Field(max_length=255)
    valid_from: date = Field(index=True)
    valid_to: date = Field(index=True)
    ocop_stars: int | None = None
    ocop_score: int | None = None
    products_json: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    area_ha: Decimal | None = Field(default=None, max_digits=12, decimal_places=4)
    revoked_on: date | None = None
    revocation_reason: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


class CertificatePlot(SQLModel, table=True):
    """A plot inside a certificate's scope."""

    __tablename__ = "certificate_plot"

    certificate_id: int = Field(foreign_key="certificate.id", primary_key=True)
    plot_id: int = Field(foreign_key="plot.id", primary_key=True, index=True)


class RevocationCreate(_Input):
    revoked_on: date
    reason: str = pydantic.Field(min_length=3, max_length=500)


class CertificatePublic(BaseModel):
    """A certificate as buyers see it; `status` is as of `status_on` (the asked date, or today)."""

    id: int
    coop_id: int
    kind: CertificateKind
    code: str
    issuer: str
    valid_from: date
    valid_to: date
    ocop_stars: int | None
    ocop_score: int | None
    plot_ids: list[int]
    products: list[str]
    area_ha: Decimal | None
    revoked_on: date | None
    revocation_reason: str | None
    status: CertificateStatus
    status_on: date


# --------------------------------------------------------------------------- grading


class CriteriaScores(_Input):
    """Points per criteria group; together at most the scheme's total (100)."""

    finance: int = pydantic.Field(ge=0, le=100)
    governance: int = pydantic.Field(ge=0, le=100)
    members: int = pydantic.Field(ge=0, le=100)
    community: int = pydantic.Field(ge=0, le=100)


class GradingSchemeCreate(_Input):
    """A new version of the grading rules, e.g. when a new circular replaces 01/2020."""

    code: str = pydantic.Field(min_length=2, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")
    title: Text255
    thresholds: list[tuple[int, Literal["tot", "kha", "trung_binh", "yeu"]]] = pydantic.Field(
        min_length=1,
        max_length=4,
        description="(minimum total, grade), best grade first, last minimum 0",
        examples=[[[80, "tot"], [65, "kha"], [50, "trung_binh"], [0, "yeu"]]],
    )
    criteria_max: dict[Literal["finance", "governance", "members", "community"], int | None] = pydantic.Field(
        default_factory=lambda: {"finance": None, "governance": None, "members": None, "community": None}
    )
    total_max: int = pydantic.Field(default=100, ge=1, le=1000)
    min_operating_months: int = pydantic.Field(default=12, ge=0, le=12)
    max_suspended_days: int = pydantic.Field(default=90, ge=0, le=366)


class GradingSchemeRow(SQLModel, table=True):
    """A grading scheme defined at run time; the built-in ones live in quality_rules."""

    __tablename__ = "grading_scheme"

    code: str = Field(primary_key=True, max_length=40)
    title: str = Field(max_length=255)
    definition_json: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class GradingSchemePublic(BaseModel):
    code: str
    title: str
    thresholds: list[tuple[int, str]]
    criteria_max: dict[str, int | None]
    total_max: int
    min_operating_months: int
    max_suspended_days: int
    builtin: bool


class GradingCreate(_Input):
    """A co-op's grade for a finished year. Scores may be left out when the co-op is not graded."""

    year: int = pydantic.Field(ge=2000, le=2100)
    scheme: str = pydantic.Field(default="TT01-2020", max_length=40)
    scores: CriteriaScores | None = None
    note: str | None = pydantic.Field(default=None, max_length=1000)


class RegradeCreate(_Input):
    """A corrected grading for a year already graded: a new revision, with the reason."""

    scheme: str = pydantic.Field(default="TT01-2020", max_length=40)
    scores: CriteriaScores | None = None
    note: str | None = pydantic.Field(default=None, max_length=1000)
    reason: str = pydantic.Field(min_length=3, max_length=500)


class Grading(SQLModel, table=True):
    """One revision of a co-op's grade for a year; the highest revision is the current one."""

    __tablename__ = "grading"
    __table_args__ = (UniqueConstraint("coop_id", "year", "revision", name="uq_grading_revision"),)

    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="coop.id", index=True)
    year: int = Field(index=True)
    revision: int = 1
    scheme: str = Field(max_length=40)
    scores_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    total_score: int | None = None
    grade: str = Field(max_length=20)
    not_graded_reason: str | None = Field(default=None, max_length=50)
    note: str | None = Field(default=None, max_length=1000)
    supersedes_id: int | None = Field(default=None, foreign_key="grading.id")
    regrade_reason: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


class GradingPublic(BaseModel):
    id: int
    coop_id: int
    year: int
    revision: int
    current: bool
    scheme: str
    scores: dict[str, int] | None
    total_score: int | None
    grade: Grade
    not_graded_reason: str | None
    note: str | None
    supersedes_id: int | None
    regrade_reason: str | None


# --------------------------------------------------------------------------- inspections


class ViolationCreate(_Input):
    description: str = pydantic.Field(min_length=3, max_length=1000)
    correction_deadline: date


class InspectionCreate(_Input):
    """An inspection of a co-op: who inspected, what was found, violations to correct, commendations."""

    inspected_on: date
    body: Text255 = pydantic.Field(description="e.g. Sở Nông nghiệp và Môi trường Thái Nguyên")
    kind: InspectionKind = "periodic"
    findings: str = pydantic.Field(default="", max_length=5000)
    violations: list[ViolationCreate] = pydantic.Field(default_factory=list, max_length=100)
    commendations: list[Annotated[str, pydantic.Field(min_length=3, max_length=1000)]] = pydantic.Field(
        default_factory=list, max_length=50
    )


class Inspection(SQLModel, table=True):
    __tablename__ = "inspection"

    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="coop.id", index=True)
    inspected_on: date
    body: str = Field(max_length=255)
    kind: str = Field(max_length=20)
    findings: str = Field(default="", sa_column=Column(Text, nullable=False))
    commendations_json: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class Violation(SQLModel, table=True):
    __tablename__ = "violation"

    id: int | None = Field(default=None, primary_key=True)
    inspection_id: int = Field(foreign_key="inspection.id", index=True)
    coop_id: int = Field(foreign_key="coop.id", index=True)
    description: str = Field(max_length=1000)
    correction_deadline: date
    resolved_on: date | None = None
    resolution_note: str | None = Field(default=None, max_length=1000)


class ResolutionCreate(_Input):
    resolved_on: date
    note: str | None = pydantic.Field(default=None, max_length=1000)


class ViolationPublic(BaseModel):
    id: int
    inspection_id: int
    description: str
    correction_deadline: date
    status: ViolationStatus
    resolved_on: date | None
    resolution_note: str | None


class InspectionPublic(BaseModel):
    id: int
    coop_id: int
    inspected_on: date
    body: str
    kind: InspectionKind
    findings: str
    commendations: list[str]
    violations: list[ViolationPublic]


# --------------------------------------------------------------------------- compliance

FlagKind = Literal[
    "coop_below_min_members", "union_below_min_coops", "certificate_expired_unreplaced", "violation_overdue"
]


class ComplianceFlag(BaseModel):
    """Something a province officer should follow up, and since when it has been true."""

    kind: FlagKind
    coop_id: int
    coop_name: str
    ward_code: str
    detail: str
    since: date
    params: dict[str, str]


class ComplianceReport(BaseModel):
    as_of: date
    flags: list[ComplianceFlag]


QUALITY_TABLES = [
    Plot.__table__,
    Certificate.__table__,
    CertificatePlot.__table__,
    GradingSchemeRow.__table__,
    Grading.__table__,
    Inspection.__table__,
    Violation.__table__,
]
