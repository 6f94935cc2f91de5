"""Contracts published by the registry service on `registry.events`."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from shared.events.envelope import Event, upcaster

STREAM = "registry.events"

OrganisationForm = Literal["to_hop_tac", "hop_tac_xa", "lien_hiep"]
CoopStatus = Literal["active", "suspended", "dissolved"]
MemberKind = Literal["household", "individual", "legal_entity"]
Membership = Literal["official", "associate", "worker"]
# How a co-op's public trace shows its households: full names, initials (the default) or only how many.
HouseholdDisplay = Literal["names", "initials", "counts"]


class RegistryEvent(Event):
    producer: ClassVar[str] = "registry"


class CoopRegistered(RegistryEvent):
    """A co-operative group, co-op or union was entered in the register."""

    event_type: ClassVar[str] = "registry.coop_registered"

    coop_id: int
    name: str
    form: OrganisationForm
    registration_code: str
    ward_code: str
    founded_on: date
    status: CoopStatus
    legacy_ward_code: str | None = None  # the pre-July-2025 code it was registered with, if any


class CoopStatusChanged(RegistryEvent):
    """An organisation was suspended, reactivated or dissolved."""

    event_type: ClassVar[str] = "registry.coop_status_changed"

    coop_id: int
    status: CoopStatus
    effective_on: date
    reason: str


class MemberJoined(RegistryEvent):
    """A household, individual or legal entity joined a co-op (or was taken on as a worker)."""

    event_type: ClassVar[str] = "registry.member_joined"

    member_id: int
    coop_id: int
    name: str
    kind: MemberKind
    membership: Membership
    joined_on: date


class MemberLeft(RegistryEvent):
    """A member left a co-op; events dated after `left_on` may not name them."""

    event_type: ClassVar[str] = "registry.member_left"

    member_id: int
    coop_id: int
    left_on: date


PartnerKind = Literal["enterprise", "buyer", "trader", "craft_village", "farmer_household", "other"]
CertificateKind = Literal["vietgap", "organic", "ocop", "globalgap", "other"]
Grade = Literal["tot", "kha", "trung_binh", "yeu", "not_graded"]


class CoopDetailsChanged(RegistryEvent):
    """Name, address, ward, tax code, products, contacts or the public display of households of an organisation changed."""

    event_type: ClassVar[str] = "registry.coop_details_changed"

    coop_id: int
    name: str
    ward_code: str
    changed_on: date
    changed: list[str] = []  # names of the fields that changed
    # The co-op's setting after the change; absent from events recorded before the setting existed.
    household_display: HouseholdDisplay | None = None


class UnionMemberAdded(RegistryEvent):
    """A co-op joined a union (liên hiệp HTX), or a group was attached to a co-op."""

    event_type: ClassVar[str] = "registry.union_member_added"

    union_id: int
    coop_id: int
    joined_on: date


class UnionMemberRemoved(RegistryEvent):
    """A co-op left a union."""

    event_type: ClassVar[str] = "registry.union_member_removed"

    union_id: int
    coop_id: int
    left_on: date


class PartnerRegistered(RegistryEvent):
    """An enterprise, buyer, trader, craft village or farmer household on a chain."""

    event_type: ClassVar[str] = "registry.partner_registered"

    partner_id: int
    name: str
    kind: PartnerKind
    ward_code: str | None = None


class ChainContractSigned(RegistryEvent):
    """A value-chain link: a partner buys (or supplies) a product of a co-op over a period."""

    event_type: ClassVar[str] = "registry.chain_contract_signed"

    contract_id: int
    coop_id: int
    partner_id: int
    product: str
    valid_from: date
    valid_to: date | None = None
    volume_kg: Decimal | None = None


class PlotRegistered(RegistryEvent):
    """A member household's plot with its planting-area code (mã số vùng trồng)."""

    event_type: ClassVar[str] = "registry.plot_registered"

    plot_id: int
    coop_id: int
    member_id: int
    planting_area_code: str
    area_ha: Decimal
    crop: str
    cultivar: str | None = None
    geometry: dict[str, Any] | None = None  # GeoJSON Point or Polygon, WGS 84


class CertificateIssued(RegistryEvent):
    """A VietGAP, organic, OCOP or other certificate, with its scope and validity window."""

    event_type: ClassVar[str] = "registry.certificate_issued"

    certificate_id: int
    coop_id: int
    kind: CertificateKind
    code: str
    issuer: str
    valid_from: date
    valid_to: date
    ocop_stars: int | None = None
    plot_ids: list[int] = []
    products: list[str] = []
    area_ha: Decimal | None = None


class CertificateRevoked(RegistryEvent):
    """A certificate was withdrawn before its end date."""

    event_type: ClassVar[str] = "registry.certificate_revoked"

    certificate_id: int
    coop_id: int
    revoked_on: date
    reason: str


class ProposedCriterion(BaseModel):
    """What the platform proposed for one criterion from its own data: the points, the rule that
    gave them and the figures it read (keys are reporting's `grading_proposals` vocabulary)."""

    points: int
    rule: str
    evidence: dict[str, int | str | None] = {}


class CoopGraded(RegistryEvent):
    """A co-op's yearly performance grade under a versioned scheme (Circular 01/2020 by default).

    Since the 15-criteria scheme (ADR 0027) it carries its workings: each criterion's points and
    maximum, what the platform proposed, and why a score differs from the proposal. Older events
    lack them (None): their score sheet is the total alone.
    """

    event_type: ClassVar[str] = "registry.coop_graded"

    grading_id: int
    coop_id: int
    year: int
    scheme: str
    total_score: int | None
    grade: Grade
    not_graded_reason: str | None = None
    # A regrade is a new grading with the next revision; the highest revision of (coop_id, year) counts.
    revision: int = 1
    supersedes_grading_id: int | None = None
    scores: dict[str, int] | None = None
    maxima: dict[str, int] | None = None  # each criterion's cap under `scheme` (the total's when uncapped)
    proposal: dict[str, ProposedCriterion] | None = None
    notes: dict[str, str] | None = None


class _Inspection(RegistryEvent):
    """What every version of `registry.inspection_recorded` says (no wire name: not a contract itself)."""

    inspection_id: int
    coop_id: int
    inspected_on: date
    body: str
    kind: str
    violations: int = 0


class InspectionRecordedV1(_Inspection):
    """An inspection with its findings, violations (with deadlines) and commendations."""

    # The schema keeps the title it was published under (its snapshot is registry.inspection_recorded.v1.json).
    model_config = ConfigDict(title="InspectionRecorded")
    event_type: ClassVar[str] = "registry.inspection_recorded"

    commended: bool = False  # only yes/no: how many commendations is v2's `commendations`


class InspectionRecorded(_Inspection):
    """An inspection with its findings, violations (with deadlines) and how many commendations it gave."""

    event_type: ClassVar[str] = "registry.inspection_recorded"
    version: ClassVar[int] = 2

    commendations: int = 0  # v1's `commended` (a yes/no) could not say three


@upcaster(InspectionRecordedV1)
def _inspection_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    """A v1 inspection said only whether it commended: one commendation if it did, none if not."""
    payload["commendations"] = 1 if payload.pop("commended", False) else 0
    return payload


class ViolationResolved(RegistryEvent):
    """A violation found in an inspection was corrected."""

    event_type: ClassVar[str] = "registry.violation_resolved"

    inspection_id: int
    violation_id: int
    coop_id: int
    resolved_on: date


# How a figure must compare with its target ("<=" for what should stay low), and what it counts
# over: each year on its own, or the plan's years so far.
Comparison = Literal[">=", ">", "<=", "<"]
TargetPer = Literal["year", "plan"]
# The scorecard's figures a plan may set a target on (services/reporting/kpis.scorecard reads each).
TARGET_FIGURES = (
    "new_coops",
    "new_unions",
    "effective_share",
    "member_income_growth",
    "contract_share",
    "traced_sales_share",
)


class PlanTarget(BaseModel):
    """What a plan aims for on one figure of the scorecard."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: int | float
    comparison: Comparison = ">="
    per: TargetPer = "year"


class PlanPublished(RegistryEvent):
    """The province published a version of a plan period with its targets: the whole plan as of
    this version (a later version of the same `plan_key` replaces it whole)."""

    event_type: ClassVar[str] = "registry.plan_published"

    plan_key: str  # e.g. "2026-2030"; the same key across its versions
    plan_version: int  # 1, 2, ... per plan_key
    name: str
    first_year: int
    last_year: int
    # Keyed by the scorecard's figure (new_coops, effective_share, ...); a key a consumer does not know is ignored.
    targets: dict[str, PlanTarget] = {}
    note: str | None = None


class TokenRevoked(RegistryEvent):
    """The province revoked a bearer token: every service refuses the token id from now on.

    `expires_at` is when the token expires at the latest; after it the revocation may be forgotten.
    """

    event_type: ClassVar[str] = "registry.token_revoked"

    token_id: str  # the token's `jti`: random, names the token without granting anything
    expires_at: datetime  # with its offset, as the producer writes every time
