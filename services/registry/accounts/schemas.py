"""What the account and login routes accept and answer; never a password or its hash."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, model_validator

from services.registry.accounts.credentials import MIN_PASSWORD, USERNAME_PATTERN, phone_or_refuse
from services.registry.accounts.tables import Account
from shared.auth import (
    Role,
    Staff,
)
from shared.errors import InvalidValue
from shared.text import normalise_name

Password = Annotated[str, pydantic.StringConstraints(min_length=1, max_length=256)]
DisplayName = Annotated[str, pydantic.StringConstraints(min_length=2, max_length=255, strip_whitespace=True)]
PhoneIn = Annotated[str, pydantic.StringConstraints(max_length=20)]


class AccountCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = pydantic.Field(
        pattern=USERNAME_PATTERN, description="3-50 letters, digits, '.', '_', '-'; first a letter"
    )
    password: Password = pydantic.Field(description=f"At least {MIN_PASSWORD} characters; not the user name or phone")
    display_name: DisplayName
    phone: PhoneIn | None = pydantic.Field(default=None, description="A Vietnamese number: 0912345678 or +84912345678")
    role: Role
    coop_id: int | None = pydantic.Field(default=None, description="For role coop: its co-op")
    partner_id: int | None = pydantic.Field(default=None, description="For role buyer: its partner")
    staff: Staff | None = pydantic.Field(default=None, description="For role coop: manager or clerk")

    @model_validator(mode="after")
    def _scope_as_the_role_needs(self) -> AccountCreate:
        wanted = {"province": (False, False, False), "coop": (True, False, True), "buyer": (False, True, False)}
        given = (self.coop_id is not None, self.partner_id is not None, self.staff is not None)
        if given != wanted[self.role]:
            raise InvalidValue("account.scope", role=self.role)
        self.display_name = normalise_name(self.display_name)
        self.phone = phone_or_refuse(self.phone)
        return self


class AccountUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    display_name: DisplayName | None = None
    phone: PhoneIn | None = pydantic.Field(default=None, description="A new number; an empty string removes it")
    active: bool | None = pydantic.Field(default=None, description="false ends every session of the account")

    @model_validator(mode="after")
    def _normalised(self) -> AccountUpdate:
        if self.display_name is not None:
            self.display_name = normalise_name(self.display_name)
        if self.phone:
            self.phone = phone_or_refuse(self.phone)
        return self


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    new_password: Password
    current_password: Password | None = pydantic.Field(
        default=None, description="Needed when changing one's own password; not for a reset by the province or manager"
    )


class AccountPublic(BaseModel):
    """An account as its managers and itself see it; never its password or hash."""

    id: int
    username: str
    display_name: str
    phone: str | None
    role: Role
    coop_id: int | None
    partner_id: int | None
    staff: Staff | None
    active: bool
    created_at: datetime
    changed_at: datetime


def account_public(account: Account) -> AccountPublic:
    return AccountPublic.model_validate(account, from_attributes=True)


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")

    login: str = pydantic.Field(min_length=1, max_length=50, description="User name or phone number")
    password: Password


class Refresh(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str = pydantic.Field(min_length=1, max_length=200)


class Tokens(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = pydantic.Field(description="Seconds the access token lives")
    refresh_token: str = pydantic.Field(description="Sent once: keep it; each use gives a new one")
    account: AccountPublic


class Me(BaseModel):
    role: Role
    coop_id: int | None
    partner_id: int | None
    staff: Staff | None
    account: AccountPublic | None = pydantic.Field(description="None for an operator's token (`htx token issue`)")
