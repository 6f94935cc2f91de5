"""Registry quality request and response shapes, and the public shapes built from table rows:
plots, certificates, grading schemes and gradings, inspections with their violations, and
compliance flags.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

import pydantic
from pydantic import AfterValidator, BaseModel, ConfigDict

from services.registry.quality import certificate_rules, grading_rules
from services.registry.quality.tables import Certificate, Grading, Inspection, Plot, Violation, certificate_products
from shared.events.registry import CertificateKind, Grade
from shared.shapes import from_fields
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


class PlotPublic(BaseModel):
    id: int
    coop_id: int
    member_id: int
    planting_area_code: str
    area_ha: Decimal
    crop: str
    cultivar: str | None
    geometry: dict | None


def plot_public(plot: Plot) -> PlotPublic:
    return from_fields(PlotPublic, plot, geometry=json.loads(plot.geometry_json) if plot.geometry_json else None)


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


def certificate_public(certificate: Certificate, plot_ids: list[int], status_on: date) -> CertificatePublic:
    return from_fields(
        CertificatePublic,
        certificate,
        plot_ids=plot_ids,
        products=certificate_products(certificate),
        status=certificate_rules.certificate_status(
            status_on, certificate.valid_from, certificate.valid_to, certificate.revoked_on
        ),
        status_on=status_on,
    )


class CertificatePage(BaseModel):
    items: list[CertificatePublic]
    total: int
    limit: int
    offset: int


# --------------------------------------------------------------------------- grading


Criterion = Annotated[str, pydantic.Field(min_length=1, max_length=40, pattern=r"^[a-z_]+$")]
# Points per criterion: the 4 groups of TT01-2020 (finance, governance, members, community) or the
# 15 items of TT01-2020-15 (shared.grading_items); the scheme's rules check the set and each cap.
Scores = Annotated[
    dict[Criterion, Annotated[int, pydantic.Field(ge=0, le=1000)]],
    pydantic.Field(
        max_length=30,
        description="Points per criterion of the scheme (GET /grading-schemes lists them and their maxima)",
        examples=[{"finance": 30, "governance": 25, "members": 15, "community": 9}],
    ),
]
Evidence = Annotated[
    dict[
        Annotated[str, pydantic.Field(max_length=40)],
        int | Annotated[str, pydantic.Field(max_length=200)] | None,
    ],
    pydantic.Field(max_length=20),
]


class ProposedScore(_Input):
    """A criterion as reporting's proposal gave it (GET /coops/{id}/gradings/{year}/proposal on reporting)."""

    points: int = pydantic.Field(ge=0, le=1000)
    rule: str = pydantic.Field(min_length=1, max_length=80, description="The rule that gave the points")
    evidence: Evidence = pydantic.Field(default_factory=dict, description="The figures the rule read")


Proposal = Annotated[dict[Criterion, ProposedScore], pydantic.Field(max_length=30)]
Notes = Annotated[
    dict[Criterion, Annotated[str, pydantic.Field(min_length=3, max_length=500)]], pydantic.Field(max_length=30)
]


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
    criteria_max: dict[Criterion, Annotated[int, pydantic.Field(ge=0, le=1000)] | None] = pydantic.Field(
        default_factory=lambda: dict.fromkeys(grading_rules.CRITERIA),
        max_length=30,
        description="The cap of each criterion: the 4 groups (None: only the total capped) or the 15 items, each capped",
    )
    total_max: int = pydantic.Field(default=100, ge=1, le=1000)
    min_operating_months: int = pydantic.Field(default=12, ge=0, le=12)
    max_suspended_days: int = pydantic.Field(default=90, ge=0, le=366)


class GradingSchemePublic(BaseModel):
    code: str
    title: str
    thresholds: list[tuple[int, str]]
    criteria_max: dict[str, int | None]
    total_max: int
    min_operating_months: int
    max_suspended_days: int
    unconfirmed_maxima: list[str] = pydantic.Field(description="Caps not confirmed from the circular's text")
    builtin: bool


def scheme_public(scheme: grading_rules.GradingScheme) -> GradingSchemePublic:
    return GradingSchemePublic(
        code=scheme.code,
        title=scheme.title,
        thresholds=list(scheme.thresholds),
        criteria_max=scheme.criteria_max,
        total_max=scheme.total_max,
        min_operating_months=scheme.min_operating_months,
        max_suspended_days=scheme.max_suspended_days,
        unconfirmed_maxima=list(scheme.unconfirmed_maxima),
        builtin=scheme.code in grading_rules.BUILTIN_SCHEMES,
    )


class GradingCreate(_Input):
    """A co-op's grade for a finished year. Scores may be left out when the co-op is not graded."""

    year: int = pydantic.Field(ge=2000, le=2100)
    scheme: str = pydantic.Field(default="TT01-2020", max_length=40)
    scores: Scores | None = None
    proposal: Proposal = pydantic.Field(
        default_factory=dict, description="The criteria the platform proposed, as reporting gave them (prefilled)"
    )
    notes: Notes = pydantic.Field(
        default_factory=dict, description="Why a criterion's score differs from its proposal (required then)"
    )
    note: str | None = pydantic.Field(default=None, max_length=1000)


class RegradeCreate(_Input):
    """A corrected grading for a year already graded: a new revision, with the reason."""

    scheme: str = pydantic.Field(default="TT01-2020", max_length=40)
    scores: Scores | None = None
    proposal: Proposal = pydantic.Field(
        default_factory=dict, description="The criteria the platform proposed, as reporting gave them (prefilled)"
    )
    notes: Notes = pydantic.Field(
        default_factory=dict, description="Why a criterion's score differs from its proposal (required then)"
    )
    note: str | None = pydantic.Field(default=None, max_length=1000)
    reason: str = pydantic.Field(min_length=3, max_length=500)


class GradingPublic(BaseModel):
    id: int
    coop_id: int
    year: int
    revision: int
    current: bool
    scheme: str
    scores: dict[str, int] | None
    proposal: dict[str, ProposedScore]
    notes: dict[str, str]
    total_score: int | None
    grade: Grade
    not_graded_reason: str | None
    note: str | None
    supersedes_id: int | None
    regrade_reason: str | None


def grading_public(grading: Grading, current: bool) -> GradingPublic:
    scores = json.loads(grading.scores_json) if grading.scores_json else None
    proposal = json.loads(grading.proposal_json) if grading.proposal_json else {}
    notes = json.loads(grading.notes_json) if grading.notes_json else {}
    return from_fields(GradingPublic, grading, current=current, scores=scores, proposal=proposal, notes=notes)


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


def _violation_public(violation: Violation) -> ViolationPublic:
    return from_fields(ViolationPublic, violation, status="open" if violation.resolved_on is None else "resolved")


def inspection_public(inspection: Inspection, violations: list[Violation]) -> InspectionPublic:
    return from_fields(
        InspectionPublic,
        inspection,
        commendations=json.loads(inspection.commendations_json),
        violations=[_violation_public(v) for v in sorted(violations, key=lambda v: v.id or 0)],
    )


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
