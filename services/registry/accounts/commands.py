"""Who may manage which account, the account commands, and signing in, refreshing and out."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import Request
from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.accounts.credentials import (
    DUMMY_HASH,
    HASHER,
    check_password,
    hash_password,
    normalise_phone,
    token_hash,
    verify_password,
)
from services.registry.accounts.schemas import (
    AccountCreate,
    AccountUpdate,
    Login,
    PasswordChange,
    Refresh,
    Tokens,
    account_public,
)
from services.registry.accounts.tables import Account, RefreshSession, RefreshToken
from services.registry.publishing import publish
from services.registry.tables import Coop, Partner
from shared.auth import (
    FailedAuthentications,
    Principal,
    client_address,
    issue_token,
    too_many_failures,
    verify_token,
)
from shared.clock import as_utc, utcnow
from shared.db import UnitOfWork
from shared.errors import Conflict, Forbidden, NotFound, Unauthorized, Unprocessable
from shared.events import registry as contracts
from shared.revocation import record_revocation
from shared.settings import Settings
from shared.text import identity_key

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
    check_password(data.password, data.username, data.phone)
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
        if data.current_password is None or not await verify_password(account.password_hash, data.current_password):
            raise Forbidden("account.current_password")
    elif not _may_manage(principal, account):
        raise Forbidden("account.not_allowed")
    check_password(data.new_password, account.username, account.phone)
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
    # Counted as failed before anything is awaited, and forgiven on success: concurrent guesses
    # would otherwise all pass the check above before the first of them was counted.
    throttle.per_login.failed(key)
    throttle.per_address.failed(address)
    column = Account.phone if by_phone else Account.username_key
    account = (await session.exec(select(Account).where(col(column) == key))).first()
    # Unknown, inactive or wrong: one answer, and an unknown name costs a hash as well.
    matched = await verify_password(account.password_hash if account else DUMMY_HASH, data.password)
    if account is None or not matched or not account.active:
        raise Unauthorized("login.failed")
    throttle.per_login.forgive(key)
    throttle.per_address.forgive(address)
    if HASHER.check_needs_rehash(account.password_hash):
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
    session.add(RefreshToken(token_hash=token_hash(refresh), session_id=refresh_session.id))
    return Tokens(
        access_token=access, expires_in=int(ttl.total_seconds()), refresh_token=refresh, account=account_public(account)
    )


async def refresh(session: AsyncSession, data: Refresh, settings: Settings) -> Tokens:
    """Rotate: the token given is used up, a new one comes back. A used one again ends its session."""
    stored = await session.get(RefreshToken, token_hash(data.refresh_token.strip()))
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
        raise RefreshReused()
    # Only the first of two concurrent uses marks it used; the other counts as reuse.
    marked = await session.exec(
        update(RefreshToken)
        .where(col(RefreshToken.token_hash) == stored.token_hash, col(RefreshToken.used_at).is_(None))
        .values(used_at=utcnow())
    )
    if marked.rowcount != 1:
        # The winner of a concurrent use committed a new access token on this session: that one is
        # revoked, not the one read before it (PostgreSQL's READ COMMITTED read it stale).
        await session.refresh(refresh_session)
        await _end(session, refresh_session, f"{account.role}:reuse-detected")
        raise RefreshReused()
    return await _tokens(session, account, refresh_session, settings)


async def refresh_in(work: UnitOfWork, data: Refresh, settings: Settings) -> Tokens:
    """`refresh` in the route's unit of work. A detected reuse commits the session's end before the
    401 goes out: the refusal must not roll back the one thing it did (no key is stored: plain route)."""
    try:
        return await refresh(work.session, data, settings)
    except RefreshReused:
        await work.commit()
        raise


class RefreshReused(Unauthorized):
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
