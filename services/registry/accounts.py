"""Accounts and login (ADR 0017): people, not tokens. The tables, shapes, rules and routes.

An account is a person of the province, a co-op (its manager or a clerk) or a buyer. It signs in
with its user name or phone number and a password (argon2id), and gets a short-lived access
token (the platform's JWT, with `account_id`, `sid` and, for co-op staff, `staff`) and an opaque
refresh token. Refresh tokens are stored as sha256 digests, rotate on every use, and the reuse of
one already rotated ends its whole session (someone else holds a copy). Ending a session also
revokes its latest access token through ADR 0014's deny-list, so every service refuses it.

`/auth/*` routes are plain routes, never `IdempotentRoute`: an answer carrying tokens must not be
stored and replayed (login has no caller to scope a key to).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Literal

import pydantic
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel, ConfigDict, model_validator
from sqlalchemy import UniqueConstraint, update
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.publishing import publish
from services.registry.tables import Coop, Partner
from shared.auth import (
    FailedAuthentications,
    Principal,
    PrincipalDep,
    Role,
    Staff,
    client_address,
    issue_token,
    revocable_token,
    too_many_failures,
    verify_token,
)
from shared.clock import as_utc, utcnow
from shared.errors import Conflict, Forbidden, InvalidValue, NotFound, Unauthorized, Unprocessable
from shared.events import registry as contracts
from shared.idempotency import IdempotentRoute
from shared.revocation import record_revocation
from shared.service import RuntimeDep, SessionDep, UnitOfWorkDep
from shared.settings import Settings
from shared.text import identity_key, normalise_name

# --- tables ------------------------------------------------------------------------------------


class Account(SQLModel, table=True):
    __tablename__ = "account"
    __table_args__ = (UniqueConstraint("username_key"), UniqueConstraint("phone"))

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=50)  # as chosen, for display
    username_key: str = Field(max_length=50)  # shared.text.identity_key: "Lan.NV" and "lan.nv" are one name
    phone: str | None = Field(default=None, max_length=16)  # E.164 (+84...), see `normalise_phone`
    display_name: str = Field(max_length=255)
    role: str = Field(max_length=10)
    coop_id: int | None = Field(default=None, foreign_key="coop.id", index=True)
    partner_id: int | None = Field(default=None, foreign_key="partner.id", index=True)
    staff: str | None = Field(default=None, max_length=10)  # coop accounts: manager | clerk
    password_hash: str = Field(max_length=255)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    changed_at: datetime = Field(default_factory=utcnow)


class RefreshSession(SQLModel, table=True):
    """One sign-in on one device: lives until `expires_at`, logout, or a reset/deactivation ends it."""

    __tablename__ = "refresh_session"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    ended_at: datetime | None = None
    # The latest access token given on it: revoked when the session ends.
    access_token_id: str = Field(max_length=64)
    access_expires_at: datetime


class RefreshToken(SQLModel, table=True):
    """A refresh token by its sha256 digest (never the token); `used_at` once it has been rotated."""

    __tablename__ = "refresh_token"

    token_hash: str = Field(primary_key=True, max_length=64)
    session_id: int = Field(foreign_key="refresh_session.id", index=True)
    issued_at: datetime = Field(default_factory=utcnow)
    used_at: datetime | None = None


ACCOUNT_TABLES = [Account.__table__, RefreshSession.__table__, RefreshToken.__table__]

# --- passwords, user names, phone numbers ----------------------------------------------------------

MIN_PASSWORD = 8
_hasher = PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) parameters
# Verified against for unknown login names, so they cost what a wrong password costs.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
_USERNAME = r"^[A-Za-z][A-Za-z0-9._-]{2,49}$"  # starts with a letter: never mistaken for a phone number
_PHONE_PUNCTUATION = re.compile(r"[\s.()-]")


def normalise_phone(value: str) -> str | None:
    """A Vietnamese number as E.164: "0912 345 678", "+84912345678" and "84912345678" are "+84912345678".

    None if it is not a Vietnamese number (9 or 10 digits after the 0: mobiles and landlines).
    """
    digits = _PHONE_PUNCTUATION.sub("", value.strip())
    if digits.startswith("+84"):
        national = digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        national = digits[2:]
    elif digits.startswith("0"):
        national = digits[1:]
    else:
        return None
    if not national.isdigit() or not 9 <= len(national) <= 10 or national.startswith("0"):
        return None
    return f"+84{national}"


def _phone(value: str | None) -> str | None:
    if value is None:
        return None
    phone = normalise_phone(value)
    if phone is None:
        raise InvalidValue("account.phone_invalid", value=value)
    return phone


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)  # ~50 ms of CPU: not on the event loop


async def _verify(password_hash: str, password: str) -> bool:
    def verify() -> bool:
        try:
            return _hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)


def _check_password(password: str, *names: str | None) -> None:
    """Refuses (422) a short password, or one that is the account's user name or phone number."""
    if len(password) < MIN_PASSWORD:
        raise Unprocessable("account.password_short", minimum=MIN_PASSWORD)
    typed, as_phone = identity_key(password), normalise_phone(password)
    for name in names:
        if name and (typed == identity_key(name) or (as_phone is not None and as_phone == normalise_phone(name))):
            raise Unprocessable("account.password_is_name")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- shapes --------------------------------------------------------------------------------------

Password = Annotated[str, pydantic.StringConstraints(min_length=1, max_length=256)]
DisplayName = Annotated[str, pydantic.StringConstraints(min_length=2, max_length=255, strip_whitespace=True)]
PhoneIn = Annotated[str, pydantic.StringConstraints(max_length=20)]


class AccountCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = pydantic.Field(pattern=_USERNAME, description="3-50 letters, digits, '.', '_', '-'; first a letter")
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
        self.phone = _phone(self.phone)
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
            self.phone = _phone(self.phone)
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


# --- who may do what ------------------------------------------------------------------------------


def _may_manage(principal: Principal, account: Account) -> bool:
    """The province manages every account; a co-op's manager its co-op's clerks."""
    if principal.role == "province":
        return True
    return principal.is_coop_manager and account.coop_id == principal.coop_id and account.staff == "clerk"


def _require_manager_of(principal: Principal, coop_id: int | None, staff: str | None) -> None:
    if principal.role == "province":
        return
    if not principal.is_coop_manager:
        raise Forbidden("account.not_allowed")
    if coop_id != principal.coop_id:
        raise Forbidden("auth.other_coop", own=principal.coop_id, target=coop_id)
    if staff != "clerk":
        raise Forbidden("account.clerks_only")


async def _account(session: AsyncSession, account_id: int) -> Account:
    account = await session.get(Account, account_id)
    if account is None:
        raise NotFound("account.not_found", account_id=account_id)
    return account


async def _refuse_taken(session: AsyncSession, username_key: str | None, phone: str | None, own: int | None) -> None:
    """409 for a user name or phone number another account has (the unique indexes back this up)."""
    checks = (
        (Account.username_key, username_key, "account.username_taken"),
        (Account.phone, phone, "account.phone_taken"),
    )
    for column, value, key in checks:
        if value is None:
            continue
        found = (await session.exec(select(Account.id).where(col(column) == value))).first()
        if found is not None and found != own:
            raise Conflict(key, value=value)


# --- commands ------------------------------------------------------------------------------------


async def create_account(session: AsyncSession, data: AccountCreate, principal: Principal) -> Account:
    _require_manager_of(principal, data.coop_id, data.staff)
    if data.coop_id is not None and await session.get(Coop, data.coop_id) is None:
        raise Unprocessable("account.unknown_coop", coop_id=data.coop_id)
    if data.partner_id is not None and await session.get(Partner, data.partner_id) is None:
        raise Unprocessable("account.unknown_partner", partner_id=data.partner_id)
    _check_password(data.password, data.username, data.phone)
    await _refuse_taken(session, identity_key(data.username), data.phone, None)
    account = Account(
        username=data.username,
        username_key=identity_key(data.username),
        phone=data.phone,
        display_name=data.display_name,
        role=data.role,
        coop_id=data.coop_id,
        partner_id=data.partner_id,
        staff=data.staff,
        password_hash=await hash_password(data.password),
    )
    session.add(account)
    await session.flush()
    return account


async def list_accounts(session: AsyncSession, principal: Principal, coop_id: int | None) -> Sequence[Account]:
    if principal.role != "province":
        _require_manager_of(principal, coop_id if coop_id is not None else principal.coop_id, "clerk")
        coop_id = principal.coop_id
    query = select(Account).order_by(col(Account.id))
    if coop_id is not None:
        query = query.where(col(Account.coop_id) == coop_id)
    return (await session.exec(query)).all()


async def update_account(session: AsyncSession, account_id: int, data: AccountUpdate, principal: Principal) -> Account:
    account = await _account(session, account_id)
    own = principal.account_id == account.id
    if not _may_manage(principal, account) and not (own and data.active is None):
        raise Forbidden("account.not_allowed")  # one's own name and phone, yes; one's own deactivation, no
    phone = (data.phone or None) if data.phone is not None else account.phone
    await _refuse_taken(session, None, phone, account.id)
    if data.display_name is not None:
        account.display_name = data.display_name
    account.phone = phone
    if data.active is not None and data.active != account.active:
        account.active = data.active
        if not data.active:
            await end_sessions(session, account.id, principal)
    account.changed_at = utcnow()
    session.add(account)
    return account


async def change_password(
    session: AsyncSession, account_id: int, data: PasswordChange, principal: Principal
) -> Account:
    """A reset by the province or the co-op's manager, or one's own change with the current password.

    Either way every session of the account ends: whoever knew the old password is signed out.
    """
    account = await _account(session, account_id)
    if principal.account_id == account.id and not _may_manage(principal, account):
        if data.current_password is None or not await _verify(account.password_hash, data.current_password):
            raise Forbidden("account.current_password")
    elif not _may_manage(principal, account):
        raise Forbidden("account.not_allowed")
    _check_password(data.new_password, account.username, account.phone)
    account.password_hash = await hash_password(data.new_password)
    account.changed_at = utcnow()
    session.add(account)
    await end_sessions(session, account.id, principal)
    return account


async def end_sessions(session: AsyncSession, account_id: int, principal: Principal) -> None:
    live = select(RefreshSession).where(
        col(RefreshSession.account_id) == account_id, col(RefreshSession.ended_at).is_(None)
    )
    for refresh_session in (await session.exec(live)).all():
        await _end(session, refresh_session, principal.actor)


async def _end(session: AsyncSession, refresh_session: RefreshSession, actor: str) -> None:
    """The session can no longer refresh, and its latest access token is refused everywhere (ADR 0014)."""
    now = utcnow()
    refresh_session.ended_at = now
    session.add(refresh_session)
    await _revoke(session, refresh_session.access_token_id, as_utc(refresh_session.access_expires_at), actor)


async def _revoke(session: AsyncSession, token_id: str, expires_at: datetime, actor: str) -> None:
    if expires_at > utcnow() and await record_revocation(session, token_id, expires_at, revoked_by=actor):
        publish(session, contracts.TokenRevoked(token_id=token_id, expires_at=expires_at), actor=actor)


# --- signing in ---------------------------------------------------------------------------------


@dataclass
class LoginThrottle:
    """Failed logins per login name and per client address, in this process (as `FailedAuthentications`)."""

    per_login: FailedAuthentications
    per_address: FailedAuthentications

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginThrottle:
        window = settings.login_failure_window_seconds
        return cls(
            FailedAuthentications(settings.login_failure_limit, window),
            FailedAuthentications(settings.login_address_failure_limit, window),
        )

    @classmethod
    def of(cls, request: Request) -> LoginThrottle:
        throttle: LoginThrottle | None = getattr(request.app.state, "login_throttle", None)
        if throttle is None:
            throttle = request.app.state.login_throttle = cls.from_settings(request.app.state.settings)
        return throttle


def _login_key(login: str) -> tuple[str, bool]:
    """What a login name is looked up by: a phone number's E.164 form, or a user name's identity key."""
    phone = normalise_phone(login)
    return (phone, True) if phone is not None else (identity_key(login), False)


async def login(session: AsyncSession, data: Login, request: Request, settings: Settings) -> Tokens:
    key, by_phone = _login_key(data.login)
    throttle, address = LoginThrottle.of(request), client_address(request)
    waits = [throttle.per_login.retry_after(key), throttle.per_address.retry_after(address)]
    if any(wait is not None for wait in waits):
        raise too_many_failures(request, max(wait for wait in waits if wait is not None), "login.too_many_failures")
    column = Account.phone if by_phone else Account.username_key
    account = (await session.exec(select(Account).where(col(column) == key))).first()
    # Unknown, inactive or wrong: one answer, and an unknown name costs a hash as well.
    matched = await _verify(account.password_hash if account else _DUMMY_HASH, data.password)
    if account is None or not matched or not account.active:
        throttle.per_login.failed(key)
        throttle.per_address.failed(address)
        raise Unauthorized("login.failed")
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = await hash_password(data.password)
        session.add(account)
    expires_at = utcnow() + timedelta(days=settings.refresh_token_days)
    refresh_session = RefreshSession(
        account_id=account.id, expires_at=expires_at, access_token_id="", access_expires_at=utcnow()
    )
    session.add(refresh_session)
    await session.flush()
    return await _tokens(session, account, refresh_session, settings)


async def _tokens(
    session: AsyncSession, account: Account, refresh_session: RefreshSession, settings: Settings
) -> Tokens:
    """A new access token and refresh token on the session; the session remembers the access token's id."""
    assert account.id is not None and refresh_session.id is not None
    ttl = timedelta(minutes=settings.access_token_minutes)
    access = issue_token(
        settings.secret_key,
        subject=account.username,
        role=account.role,
        coop_id=account.coop_id,
        partner_id=account.partner_id,
        ttl=ttl,
        max_ttl=settings.token_max_ttl,
        account_id=account.id,
        session_id=refresh_session.id,
        staff=account.staff,
    )
    verified = verify_token(settings.secret_key, access, max_ttl=settings.token_max_ttl)
    refresh_session.access_token_id, refresh_session.access_expires_at = verified.token_id, verified.expires_at
    session.add(refresh_session)
    refresh = secrets.token_urlsafe(32)  # 256 random bits
    session.add(RefreshToken(token_hash=_token_hash(refresh), session_id=refresh_session.id))
    return Tokens(
        access_token=access, expires_in=int(ttl.total_seconds()), refresh_token=refresh, account=account_public(account)
    )


async def refresh(session: AsyncSession, data: Refresh, settings: Settings) -> Tokens:
    """Rotate: the token given is used up, a new one comes back. A used one again ends its session."""
    stored = await session.get(RefreshToken, _token_hash(data.refresh_token.strip()))
    if stored is None:
        raise Unauthorized("refresh.invalid")
    refresh_session = await session.get(RefreshSession, stored.session_id)
    assert refresh_session is not None
    if refresh_session.ended_at is not None or as_utc(refresh_session.expires_at) <= utcnow():
        raise Unauthorized("refresh.invalid")
    account = await session.get(Account, refresh_session.account_id)
    if account is None or not account.active:
        raise Unauthorized("refresh.invalid")
    if stored.used_at is not None:
        await _end(session, refresh_session, f"{account.role}:reuse-detected")
        raise _Reused()
    # Only the first of two concurrent uses marks it used; the other counts as reuse.
    marked = await session.exec(
        update(RefreshToken)
        .where(col(RefreshToken.token_hash) == stored.token_hash, col(RefreshToken.used_at).is_(None))
        .values(used_at=utcnow())
    )
    if marked.rowcount != 1:
        await _end(session, refresh_session, f"{account.role}:reuse-detected")
        raise _Reused()
    return await _tokens(session, account, refresh_session, settings)


class _Reused(Unauthorized):
    """Raised after the session was ended: the route commits that end before answering 401."""

    def __init__(self) -> None:
        super().__init__("refresh.reused")


async def logout(session: AsyncSession, principal: Principal, token_id: str, expires_at: datetime) -> None:
    """The calling token is revoked (everywhere), and its session, if it came from a login, ends."""
    await _revoke(session, token_id, expires_at, principal.actor)
    if principal.session_id is not None:
        refresh_session = await session.get(RefreshSession, principal.session_id)
        if refresh_session is not None and refresh_session.ended_at is None:
            await _end(session, refresh_session, principal.actor)


# --- routes ---------------------------------------------------------------------------------------

# Plain routes: their answers carry tokens, and must never be stored for a replay (module docstring).
auth_router = APIRouter(tags=["accounts"])
router = APIRouter(tags=["accounts"], route_class=IdempotentRoute)


@auth_router.post(
    "/auth/login",
    response_model=Tokens,
    summary="Sign in with a user name or phone number and a password (anyone)",
    description="Anyone may call it. Shows, for the right password of an active account, an access token "
    "(Bearer, for every service; lives HTX_ACCESS_TOKEN_MINUTES), a refresh token (for `/auth/refresh`; lives "
    "HTX_REFRESH_TOKEN_DAYS) and the account. 401 `login.failed` for an unknown name, a wrong password or a "
    "deactivated account alike. After HTX_LOGIN_FAILURE_LIMIT failures for one login name (or "
    "HTX_LOGIN_ADDRESS_FAILURE_LIMIT from one address) within HTX_LOGIN_FAILURE_WINDOW_SECONDS: 429 with "
    "Retry-After. A phone number may be written 0912345678 or +84912345678.",
    responses={401: {"description": "Wrong login or password"}, 429: {"description": "Too many failed sign-ins"}},
)
async def sign_in(data: Login, request: Request, uow: UnitOfWorkDep, runtime: RuntimeDep) -> Tokens:
    return await login(uow.session, data, request, runtime.settings)


@auth_router.post(
    "/auth/refresh",
    response_model=Tokens,
    summary="Trade a refresh token for new tokens (its holder)",
    description="Whoever holds a refresh token. Shows a new access token and a new refresh token; the one sent "
    "is used up. Sending a used one again ends its whole session (someone else has a copy), revokes the "
    "session's latest access token and answers 401 `refresh.reused`. 401 `refresh.invalid` for an unknown, "
    "expired or ended one, or a deactivated account.",
    responses={401: {"description": "Not a live refresh token"}},
)
async def refresh_tokens(data: Refresh, uow: UnitOfWorkDep, runtime: RuntimeDep) -> Tokens:
    try:
        return await refresh(uow.session, data, runtime.settings)
    except _Reused:
        await uow.commit()  # the session's end stays, though the answer is a refusal
        raise


def _bearer_token(request: Request) -> str:
    return request.headers.get("authorization", "").partition(" ")[2].strip()


@auth_router.post(
    "/auth/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Sign out (any signed-in caller)",
    description="Any valid token. Revokes the calling token, at once in the registry and in the other services "
    "once they have the `registry.token_revoked` event; a token from a login also ends its session, so its "
    "refresh token no longer works. Shows nothing.",
)
async def sign_out(request: Request, principal: PrincipalDep, uow: UnitOfWorkDep, runtime: RuntimeDep) -> None:
    token_id, expires_at, _ = revocable_token(runtime.settings.secret_key, _bearer_token(request))
    await logout(uow.session, principal, token_id, expires_at)


@auth_router.get(
    "/auth/me",
    response_model=Me,
    summary="Who the token is (any signed-in caller)",
    description="Any valid token. Shows its role and scope, and the account a login's token belongs to "
    "(none for an operator's token).",
)
async def me(principal: PrincipalDep, session: SessionDep) -> Me:
    account = await session.get(Account, principal.account_id) if principal.account_id else None
    return Me(
        role=principal.role,
        coop_id=principal.coop_id,
        partner_id=principal.partner_id,
        staff=principal.staff,
        account=account_public(account) if account else None,
    )


@router.post(
    "/accounts",
    status_code=status.HTTP_201_CREATED,
    response_model=AccountPublic,
    summary="Create an account (province; a co-op manager: clerks of its co-op)",
    description="The province creates any account; a co-op's manager creates clerks of its own co-op (403 "
    "otherwise, and for clerks and buyers). A coop account needs coop_id and staff, a buyer account partner_id. "
    "Shows the account, never its password. 409 for a user name or phone number in use; 422 for a password "
    f"under {MIN_PASSWORD} characters or equal to the user name or phone number.",
)
async def create(data: AccountCreate, uow: UnitOfWorkDep, principal: PrincipalDep) -> AccountPublic:
    return account_public(await create_account(uow.session, data, principal))


@router.get(
    "/accounts",
    response_model=list[AccountPublic],
    summary="List accounts (province: all; a co-op manager: its co-op's)",
    description="The province sees every account (or one co-op's, with coop_id); a co-op's manager its own "
    "co-op's; others 403. Shows names, phone numbers, roles and whether active; never password hashes.",
)
async def list_all(
    session: SessionDep, principal: PrincipalDep, coop_id: Annotated[int | None, Query()] = None
) -> list[AccountPublic]:
    return [account_public(account) for account in await list_accounts(session, principal, coop_id)]


@router.patch(
    "/accounts/{account_id}",
    response_model=AccountPublic,
    summary="Change an account's name, phone or active flag (province; a co-op manager: its clerks)",
    description="The province changes any account, a co-op's manager its co-op's clerks; an account its own "
    "display name and phone number, not its active flag. Deactivating ends every session of the account and "
    "revokes their access tokens. Shows the account.",
)
async def change(account_id: int, data: AccountUpdate, uow: UnitOfWorkDep, principal: PrincipalDep) -> AccountPublic:
    return account_public(await update_account(uow.session, account_id, data, principal))


@router.post(
    "/accounts/{account_id}/password",
    response_model=AccountPublic,
    summary="Reset or change a password (province; a co-op manager: its clerks; an account: its own)",
    description="The province resets any account's password, a co-op's manager its clerks'; an account changes "
    "its own with current_password (403 if wrong). Ends every session of the account. Shows the account.",
)
async def set_password(
    account_id: int, data: PasswordChange, uow: UnitOfWorkDep, principal: PrincipalDep
) -> AccountPublic:
    return account_public(await change_password(uow.session, account_id, data, principal))
