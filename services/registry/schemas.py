"""Registry request and response shapes, and the public shapes built from table rows.

Per resource: `XCreate` (validated input) and `XPublic` (output). Table models skip validation,
so input is always validated through one of these shapes first.

Personal data and finances (a member's full name, capital, phone and ID number, a co-op's contact
person, a partner's tax code and address) are only ever put into the `...Private` shapes, which
the routes give to those `visibility` lets see them; docs/public-surfaces.md lists what is public.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal

import pydantic
from fastapi.exceptions import RequestValidationError
from pydantic import AfterValidator, BaseModel, ConfigDict, field_validator, model_validator

from services.registry.tables import ChainContract, Coop, Partner, UnionMembership, split_lines
from shared.auth import public_actor
from shared.clock import PastDate
from shared.errors import InvalidValue
from shared.events.registry import (
    CoopStatus,
    HouseholdDisplay,
    MemberKind,
    Membership,
    OrganisationForm,
    PartnerKind,
)
from shared.places import CurrentWard, LegacyWard, Scheme, legacy_ward, resolve_ward, ward_name
from shared.shapes import from_fields
from shared.text import clean_code, normalise_name

KG = Decimal("0.001")  # kilograms always carry 3 decimals on the wire


def _clean_list(values: list[str]) -> list[str]:
    """Trimmed, NFC, without blanks or repeats, in the order given."""
    seen: list[str] = []
    for value in values:
        item = normalise_name(value)
        if item and item not in seen:
            seen.append(item)
    return seen


Name = Annotated[str, pydantic.StringConstraints(min_length=2, max_length=255, strip_whitespace=True)]
Phone = Annotated[str, pydantic.StringConstraints(max_length=20, pattern=r"^\+?[0-9 .-]{8,20}$")]


# --- wards -----------------------------------------------------------------------------------


def ward_filter(ward_code: str | None) -> str | None:
    """A search's `ward_code` as the current code (a legacy code finds the commune that absorbed
    it), or a 422 against the query parameter, in the shape FastAPI gives its own checks."""
    if not ward_code:
        return None
    try:
        return resolve_ward(ward_code).code
    except ValueError as error:
        raise RequestValidationError(
            [{"loc": ("query", "ward_code"), "msg": str(error), "type": "value_error", "input": ward_code}]
        ) from None


# --- organisations ---------------------------------------------------------------------------


class CoopContact(BaseModel):
    """Who to call at an organisation: personal data, shown to the co-op and the province only."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    contact_name: str | None = pydantic.Field(default=None, max_length=255)
    contact_phone: Phone | None = None
    contact_email: str | None = pydantic.Field(default=None, max_length=255, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class _CoopWards(CoopContact):
    """The ward rules `CoopCreate` and `CoopUpdate` share; each declares its own ward fields."""

    if TYPE_CHECKING:  # declared by each subclass, with its own defaults and descriptions
        ward_code: str | None
        legacy_ward_code: str | None

    @field_validator("ward_code", "legacy_ward_code", check_fields=False)
    @classmethod
    def _ward_known(cls, value: str | None, info) -> str | None:
        """Field-level check, so a bad code is reported against its own field."""
        if value is None:
            return None
        if info.field_name == "legacy_ward_code":
            return legacy_ward(value).code  # where it went, given a divided one, is the pair's check
        resolve_ward(value)
        return value.strip().zfill(5)

    def _resolve_wards(self) -> None:
        """The pair as stored: the current code, and the legacy code it was given as (if any)."""
        resolved = resolve_ward(self.ward_code, self.legacy_ward_code)
        self.ward_code, self.legacy_ward_code = resolved.code, resolved.legacy_code


class CoopCreate(_CoopWards):
    """A co-operative group, co-op or union to enter in the register."""

    name: Name = pydantic.Field(description="Exactly as written, in Vietnamese")
    form: OrganisationForm = "hop_tac_xa"
    registration_code: Annotated[
        str,
        pydantic.BeforeValidator(lambda value: clean_code(value) if isinstance(value, str) else value),
        pydantic.Field(min_length=1, max_length=50, pattern=r"^[^\s/]+$"),
    ]
    tax_code: str | None = pydantic.Field(default=None, max_length=20, pattern=r"^[0-9-]{10,14}$")
    ward_code: str | None = pydantic.Field(
        default=None, description="Current commune/ward code, e.g. 05488; a pre-July-2025 code is mapped"
    )
    legacy_ward_code: str | None = pydantic.Field(
        default=None, description="The commune code on pre-July-2025 documents, e.g. 05488 (Xã Phúc Xuân)"
    )
    founded_on: PastDate
    address: str | None = pydantic.Field(default=None, max_length=500)
    sectors: list[str] = pydantic.Field(default_factory=list, max_length=20, description="e.g. trồng trọt, chế biến")
    main_products: list[str] = pydantic.Field(default_factory=list, max_length=20)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return normalise_name(value)

    @field_validator("sectors", "main_products")
    @classmethod
    def _lists(cls, values: list[str]) -> list[str]:
        return _clean_list(values)

    @model_validator(mode="after")
    def _ward(self) -> CoopCreate:
        self._resolve_wards()  # a ward is required: neither code given is refused here
        return self


class CoopUpdate(_CoopWards):
    """Details to change; omitted fields stay. Status has its own route and history."""

    name: Name | None = None
    tax_code: str | None = pydantic.Field(default=None, max_length=20, pattern=r"^[0-9-]{10,14}$")
    ward_code: str | None = None
    legacy_ward_code: str | None = None
    address: str | None = pydantic.Field(default=None, max_length=500)
    sectors: list[str] | None = pydantic.Field(default=None, max_length=20)
    main_products: list[str] | None = pydantic.Field(default=None, max_length=20)
    household_display: HouseholdDisplay | None = pydantic.Field(
        default=None,
        description="How the public (trace pages, member lists) shows member households: `names`, "
        "`initials` (the default: Nguyễn Văn Hùng is N. V. H.) or `counts` (only how many)",
    )
    changed_on: PastDate | None = pydantic.Field(default=None, description="When it changed; default today")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return None if value is None else normalise_name(value)

    @field_validator("sectors", "main_products")
    @classmethod
    def _lists(cls, values: list[str] | None) -> list[str] | None:
        return None if values is None else _clean_list(values)

    @model_validator(mode="after")
    def _ward(self) -> CoopUpdate:
        emptied = [
            name
            for name in ("name", "ward_code", "sectors", "main_products", "household_display")
            if name in self.model_fields_set and getattr(self, name) is None
        ]
        if emptied and not (emptied == ["ward_code"] and self.legacy_ward_code):
            raise InvalidValue("update.null_field", fields=", ".join(emptied))
        if self.ward_code is not None or self.legacy_ward_code is not None:
            self._resolve_wards()
        return self


class CoopPublic(BaseModel):
    id: int
    name: str
    form: OrganisationForm
    registration_code: str
    tax_code: str | None
    ward_code: str
    ward_name: str
    legacy_ward_code: str | None = None
    legacy_ward_name: str | None = pydantic.Field(
        default=None, description="The pre-July-2025 commune of `legacy_ward_code`, e.g. Xã Phúc Xuân"
    )
    founded_on: date
    address: str | None
    sectors: list[str] = []
    main_products: list[str]
    status: CoopStatus
    household_display: HouseholdDisplay = pydantic.Field(
        default="initials", description="How the public sees this co-op's member households"
    )


class CoopPrivate(CoopPublic):
    """A co-op as itself and the province see it: with its contact person."""

    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None


def coop_public(coop: Coop, *, private: bool = False) -> CoopPublic:
    # Only `CoopPrivate` declares the contact fields, so only it is given them.
    return from_fields(
        CoopPrivate if private else CoopPublic,
        coop,
        ward_name=ward_name(coop.ward_code),
        legacy_ward_name=legacy_ward(coop.legacy_ward_code).name if coop.legacy_ward_code else None,
        sectors=split_lines(coop.sectors),
        main_products=split_lines(coop.main_products),
    )


class StatusChange(BaseModel):
    """Suspend, reactivate or dissolve an organisation, from a date, for a reason."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    status: CoopStatus
    effective_on: PastDate
    reason: str = pydantic.Field(min_length=3, max_length=1000)


class StatusHistoryPublic(BaseModel):
    status: CoopStatus
    effective_on: date
    reason: str
    actor: Annotated[str, AfterValidator(public_actor)]
    recorded_at: datetime


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
    joined_on: PastDate
    capital_vnd: int = pydantic.Field(default=0, ge=0, le=10**15)
    phone: Phone | None = None
    id_number: str | None = pydantic.Field(default=None, max_length=20, pattern=r"^[0-9A-Za-z]{6,20}$")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return normalise_name(value)


class MemberLeave(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    left_on: PastDate
    reason: str | None = pydantic.Field(default=None, max_length=1000)


class MemberPublic(BaseModel):
    """A member as anyone may see them: the name only as the co-op shows households (initials by
    default, none when it shows counts), no capital contribution, phone or ID number."""

    id: int
    coop_id: int
    name: str | None = pydantic.Field(
        description="Full name for the co-op and the province; for others as the co-op's `household_display` says"
    )
    kind: MemberKind
    membership: Membership
    joined_on: date
    left_on: date | None


class MemberPrivate(MemberPublic):
    """A member as their co-op and the province see them."""

    name: str
    capital_vnd: int = pydantic.Field(description="Capital contributed, whole VND")
    phone: str | None
    id_number: str | None
    left_reason: str | None = None


# --- unions ----------------------------------------------------------------------------------


class UnionMemberAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    coop_id: int
    joined_on: PastDate


class UnionMemberRemove(BaseModel):
    model_config = ConfigDict(extra="forbid")

    left_on: PastDate


class UnionMembershipPublic(BaseModel):
    union_id: int
    coop_id: int
    coop_name: str
    joined_on: date
    left_on: date | None


def union_membership_public(row: UnionMembership, coop_name: str) -> UnionMembershipPublic:
    return from_fields(UnionMembershipPublic, row, coop_name=coop_name)


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


class PartnerPublic(BaseModel):
    """A partner as anyone may see it: name, kind and commune; no tax code or address."""

    id: int
    name: str
    kind: PartnerKind
    ward_code: str | None
    ward_name: str | None


class PartnerPrivate(PartnerPublic):
    """A partner as the province, the co-ops (they invoice it) and the partner itself see it."""

    tax_code: str | None
    address: str | None


def partner_public(partner: Partner, *, private: bool = False) -> PartnerPublic:
    # Only `PartnerPrivate` declares the tax code and the address, so only it is given them.
    return from_fields(
        PartnerPrivate if private else PartnerPublic,
        partner,
        ward_name=ward_name(partner.ward_code) if partner.ward_code else None,
    )


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
            raise InvalidValue("contract.window", valid_from=self.valid_from, valid_to=self.valid_to)
        return self


class ContractPublic(BaseModel):
    id: int
    coop_id: int
    partner_id: int
    partner_name: str
    product: str
    valid_from: date
    valid_to: date | None
    volume_kg: Decimal | None


def contract_public(contract: ChainContract, partner_name: str) -> ContractPublic:
    volume = None if contract.volume_kg is None else contract.volume_kg.quantize(KG)
    return from_fields(ContractPublic, contract, partner_name=partner_name, volume_kg=volume)


# --- pages -----------------------------------------------------------------------------------


class Page(BaseModel):
    total: int
    limit: int
    offset: int


class WardRef(BaseModel):
    code: str
    name: str


class WardPublic(BaseModel):
    """A commune or ward in one scheme; a legacy one with the current one(s) it went to, the
    proposed one first."""

    code: str
    name: str
    scheme: Scheme
    province: str
    former_district: str | None = None
    now_in: list[WardRef] = pydantic.Field(default_factory=list)


def ward_public(unit: CurrentWard | LegacyWard) -> WardPublic:
    if isinstance(unit, CurrentWard):
        return WardPublic(code=unit.code, name=unit.name, scheme=Scheme.CURRENT, province=unit.province_name)
    return WardPublic(
        code=unit.code,
        name=unit.name,
        scheme=Scheme.LEGACY,
        province=unit.province_name,
        former_district=unit.former_district,
        now_in=[WardRef(code=code, name=ward_name(code)) for code in unit.current_codes],
    )


class CoopPage(Page):
    items: list[CoopPublic]


class MemberPage(Page):
    items: list[MemberPrivate | MemberPublic]


class PartnerPage(Page):
    items: list[PartnerPrivate | PartnerPublic]


# --- bulk import -----------------------------------------------------------------------------

ImportKind = Literal["coops", "members"]


class RowError(BaseModel):
    row: int
    column: str
    message: str


class ImportReport(BaseModel):
    """What a file held, what was wrong with it (by row and column) and what was imported, closing
    with `message` (what happened, in counts) and `retry_with` (what to do next), in plain words."""

    file: str
    kind: ImportKind
    rows: int
    valid_rows: int
    imported: int
    skipped_rows: list[int] = pydantic.Field(
        default=[], description="Spreadsheet row numbers not imported because of their errors"
    )
    errors: list[RowError]
    warnings: list[RowError] = []
    message: str
    retry_with: str | None = pydantic.Field(default=None, description="What to do next, for the person importing")

    def status_code(self) -> int:
        """201 when rows went in, 422 when errors kept every row out, 200 when there was nothing to import."""
        return 201 if self.imported else 422 if self.errors else 200
