"""The account and login routes: thin, over `commands` (ADR 0017)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from services.registry.accounts.commands import (
    change_password,
    create_account,
    list_accounts,
    login,
    logout,
    refresh_in,
    update_account,
)
from services.registry.accounts.credentials import MIN_PASSWORD
from services.registry.accounts.schemas import (
    AccountCreate,
    AccountPublic,
    AccountUpdate,
    Login,
    Me,
    PasswordChange,
    Refresh,
    Tokens,
    account_public,
)
from services.registry.accounts.tables import Account
from shared.auth import (
    PrincipalDep,
    revocable_token,
)
from shared.idempotency import IdempotentRoute
from shared.service import RuntimeDep, SessionDep, UnitOfWorkDep

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
    return await refresh_in(uow, data, runtime.settings)


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
