"""Request and response shapes of the plans. A plan is written whole, as `targets.json` holds one."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import pydantic
from pydantic import BaseModel, ConfigDict, model_validator

from services.registry.plans.tables import PlanVersion
from shared.auth import Principal, public_actor
from shared.errors import InvalidValue
from shared.events.registry import TARGET_FIGURES, PlanTarget

YEAR_MIN, YEAR_MAX = 1900, 2100
PlanKey = Annotated[str, pydantic.StringConstraints(pattern=r"^[0-9a-z][0-9a-z-]{0,39}$")]
Year = Annotated[int, pydantic.Field(ge=YEAR_MIN, le=YEAR_MAX)]


class PlanWrite(BaseModel):
    """A plan period as `targets.json` holds one (plus an optional key and note)."""

    model_config = ConfigDict(extra="forbid")

    key: PlanKey | None = pydantic.Field(
        default=None, description='Names the plan across its versions; default "<first_year>-<last_year>"'
    )
    name: Annotated[str, pydantic.StringConstraints(min_length=2, max_length=255, strip_whitespace=True)]
    first_year: Year
    last_year: Year
    targets: dict[str, PlanTarget] = pydantic.Field(
        default_factory=dict, description="Per figure: value, comparison (>=, >, <=, <) and per (year or plan)"
    )
    note: str | None = pydantic.Field(default=None, max_length=1000, description="Why this version, e.g. a decision")

    @model_validator(mode="after")
    def _years_and_figures(self) -> PlanWrite:
        if self.first_year > self.last_year:
            raise InvalidValue("plan.years_order", first_year=self.first_year, last_year=self.last_year)
        unknown = sorted(set(self.targets) - set(TARGET_FIGURES))
        if unknown:
            raise InvalidValue("plan.unknown_figure", figures=", ".join(unknown), known=", ".join(TARGET_FIGURES))
        return self

    @property
    def plan_key(self) -> str:
        return self.key or f"{self.first_year}-{self.last_year}"

    def same_plan_as(self, version: PlanVersion) -> bool:
        """Whether publishing this would change nothing: the in-force version already says it (the note aside)."""
        return (self.name, self.first_year, self.last_year, self.targets) == (
            version.name,
            version.first_year,
            version.last_year,
            targets_of(version),
        )


def targets_of(version: PlanVersion) -> dict[str, PlanTarget]:
    return {figure: PlanTarget(**target) for figure, target in json.loads(version.targets).items()}


class PlanVersionPublic(BaseModel):
    key: str
    version: int
    name: str
    first_year: int
    last_year: int
    targets: dict[str, PlanTarget]
    note: str | None
    changed_at: datetime
    # The province only: the role that made the change and, for a signed-in person, the account.
    changed_by: str | None = None
    changed_by_account_id: int | None = None


def plan_version_public(version: PlanVersion, principal: Principal | None) -> PlanVersionPublic:
    """Anyone sees what a version says and when; who made it only the province (never a person's name)."""
    province = principal is not None and principal.role == "province"
    return PlanVersionPublic(
        key=version.plan_key,
        version=version.version,
        name=version.name,
        first_year=version.first_year,
        last_year=version.last_year,
        targets=targets_of(version),
        note=version.note,
        changed_at=version.changed_at,
        changed_by=public_actor(version.changed_by) if province else None,
        changed_by_account_id=version.changed_by_account_id if province else None,
    )
