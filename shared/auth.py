"""Bearer tokens (HS256 JWT with expiry) carrying a role and a scope.

- `province`: everything;
- `coop`: writes only its own co-op's data (`coop_id`);
- `buyer`: acts for one partner (`partner_id`).
Trace reads are public and take no token.

Every token carries `iat`, `exp` and a random id (`jti`). A service refuses (401) a token that
lives longer than `HTX_TOKEN_MAX_TTL_HOURS`, one without `iat` or `jti`, a scoped role without its
scope (a `coop` token without `coop_id` would otherwise read as unscoped), and one whose id is on
its deny-list (`shared.revocation`, ADR 0014). A client address with too many failed
authentications in a window gets 429 for requests that carry a token (`FailedAuthentications`).
Tokens from a login (`POST /auth/login`, ADR 0017) also carry `account_id`, `sid` and, for co-op
staff, `staff`; operator tokens (`htx token issue`) have none of them.
"""

from __future__ import annotations

import math
import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal, NamedTuple

import jwt
from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, model_validator

from shared.errors import Forbidden, Unauthorized
from shared.i18n import language_of, translate
from shared.settings import TokenSettings

Role = Literal["province", "coop", "buyer"]
Staff = Literal["manager", "clerk"]
ALGORITHM = "HS256"
ISSUER = "htx-platform"

_DEFAULTS = TokenSettings.model_construct()  # the defaults, not this process's environment
DEFAULT_TTL = timedelta(hours=_DEFAULTS.token_ttl_hours)
DEFAULT_MAX_TTL = _DEFAULTS.token_max_ttl
# The scope each scoped role must carry.
SCOPE_CLAIM: dict[str, str] = {"coop": "coop_id", "buyer": "partner_id"}


class Principal(BaseModel):
    """Who is calling, as the token says. A scoped role always has its scope."""

    subject: str
    role: Role
    coop_id: int | None = None
    partner_id: int | None = None
    # Set on tokens from `POST /auth/login` (ADR 0017); operator tokens (`htx token issue`) have none.
    account_id: int | None = None
    session_id: int | None = None
    staff: Staff | None = None

    @model_validator(mode="after")
    def _scoped_roles_have_their_scope(self) -> Principal:
        claim = SCOPE_CLAIM.get(self.role)
        if claim is not None and getattr(self, claim) is None:
            raise ValueError(f"a {self.role} principal needs {claim}")
        return self

    @property
    def actor(self) -> str:
        scope = self.coop_id if self.role == "coop" else self.partner_id
        return f"{self.role}:{scope}:{self.subject}" if scope is not None else f"{self.role}:{self.subject}"

    def require_role(self, *roles: Role) -> None:
        if self.role not in roles:
            raise Forbidden("auth.role", role=self.role)

    def require_coop_write(self, coop_id: int) -> None:
        """Province may write anything; a co-op only its own data; a buyer no co-op data."""
        if self.role == "province":
            return
        if self.role == "coop" and self.coop_id == coop_id:
            return
        if self.role == "coop":
            raise Forbidden("auth.other_coop", own=self.coop_id, target=coop_id)
        raise Forbidden("auth.role", role=self.role)

    @property
    def is_coop_manager(self) -> bool:
        """A co-op's manager: a manager's account, or an operator's coop token (no staff claim: the
        operator who issued it stands for the co-op, as before accounts existed)."""
        return self.role == "coop" and self.staff != "clerk"


def public_actor(actor: str) -> str:
    """An actor as public views show it: role and scope, not the token's subject (a login)."""
    role, _, rest = actor.partition(":")
    scope = rest.split(":", 1)[0] if role in ("coop", "buyer") and rest.count(":") else ""
    return f"{role}:{scope}" if scope else role


class TokenLifetimeTooLong(ValueError):
    """A token asked to live longer than the maximum lifetime."""


def issue_token(
    secret: str,
    *,
    subject: str,
    role: Role,
    coop_id: int | None = None,
    partner_id: int | None = None,
    ttl: timedelta = DEFAULT_TTL,
    max_ttl: timedelta = DEFAULT_MAX_TTL,
    account_id: int | None = None,
    session_id: int | None = None,
    staff: Staff | None = None,
) -> str:
    if role == "coop" and coop_id is None:
        raise ValueError("a coop token needs coop_id")
    if role == "buyer" and partner_id is None:
        raise ValueError("a buyer token needs partner_id")
    if ttl > max_ttl:
        raise TokenLifetimeTooLong(
            f"a token may live at most {max_ttl.total_seconds() / 3600:g} hours, not {ttl.total_seconds() / 3600:g}"
        )
    now = datetime.now(UTC)
    claims = {
        "sub": subject,
        "role": role,
        "iss": ISSUER,
        "iat": now,
        "exp": now + ttl,
        "jti": secrets.token_urlsafe(16),  # 128 random bits: the name a revocation gives it
    }
    optional = {
        "coop_id": coop_id,
        "partner_id": partner_id,
        "account_id": account_id,
        "sid": session_id,
        "staff": staff,
    }
    claims.update({name: value for name, value in optional.items() if value is not None})
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


class VerifiedToken(NamedTuple):
    """A token whose signature, issuer, expiry, lifetime and scope hold (revocation not yet checked)."""

    principal: Principal
    token_id: str
    expires_at: datetime


def _claims(secret: str, token: str, *, verify_exp: bool = True) -> dict[str, object]:
    claims: dict[str, object] = jwt.decode(
        token,
        secret,
        algorithms=[ALGORITHM],
        issuer=ISSUER,
        options={"require": ["exp", "sub", "role"], "verify_exp": verify_exp},
    )
    return claims


def verify_token(secret: str, token: str, *, max_ttl: timedelta = DEFAULT_MAX_TTL) -> VerifiedToken:
    """The token's principal, id and expiry; `Unauthorized` (401) with the reason otherwise."""
    try:
        claims = _claims(secret, token)
    except (jwt.PyJWTError, ValueError) as error:
        raise Unauthorized("auth.invalid") from error
    issued, expires, token_id = claims.get("iat"), claims["exp"], claims.get("jti")
    # Without iat a token's lifetime cannot be bounded; without jti it cannot be revoked.
    if not isinstance(issued, int | float) or not isinstance(expires, int | float):
        raise Unauthorized("auth.too_long", max_hours=_hours(max_ttl))
    if expires - issued > max_ttl.total_seconds():
        raise Unauthorized("auth.too_long", max_hours=_hours(max_ttl))
    if not isinstance(token_id, str) or not token_id:
        raise Unauthorized("auth.no_id")
    role = claims["role"]
    claim = SCOPE_CLAIM.get(role) if isinstance(role, str) else None
    if claim is not None and claims.get(claim) is None:
        raise Unauthorized("auth.no_scope", role=role, claim=claim)
    try:
        principal = Principal(
            subject=claims["sub"],
            role=role,
            coop_id=claims.get("coop_id"),
            partner_id=claims.get("partner_id"),
            account_id=claims.get("account_id"),
            session_id=claims.get("sid"),
            staff=claims.get("staff"),
        )
    except ValueError as error:
        raise Unauthorized("auth.invalid") from error
    return VerifiedToken(principal, token_id, datetime.fromtimestamp(expires, UTC))


def decode_token(secret: str, token: str, *, max_ttl: timedelta = DEFAULT_MAX_TTL) -> Principal:
    return verify_token(secret, token, max_ttl=max_ttl).principal


class RevocableToken(NamedTuple):
    token_id: str
    expires_at: datetime
    actor: str  # whose it is, as `Principal.actor` says it (role, scope, subject)


def revocable_token(secret: str, token: str) -> RevocableToken:
    """What revoking a token signed with `secret` needs, expired or not: its id and expiry.

    ValueError if it is not one of ours, or has no id (it is refused everywhere anyway).
    """
    try:
        claims = _claims(secret, token, verify_exp=False)
    except jwt.PyJWTError as error:
        raise ValueError(f"not a token of this platform: {error}") from error
    token_id, expires = claims.get("jti"), claims["exp"]
    if not isinstance(token_id, str) or not token_id or not isinstance(expires, int | float):
        raise ValueError("the token has no id (jti)")
    role, scope = claims["role"], claims.get("coop_id", claims.get("partner_id"))
    actor = ":".join(str(part) for part in (role, scope, claims["sub"]) if part is not None)
    return RevocableToken(token_id, datetime.fromtimestamp(expires, UTC), actor)


def _hours(span: timedelta) -> str:
    return f"{span.total_seconds() / 3600:g}"


# --- failed authentication, per client ----------------------------------------------------------


class FailedAuthentications:
    """A sliding window of failed authentications per client address, in this process.

    After `limit` failures within `window_seconds`, `retry_after` gives the seconds until the
    oldest of them leaves the window. Only failures are counted. At most `max_clients` addresses
    are remembered; beyond that the one whose last failure is oldest is forgotten first.
    """

    def __init__(
        self,
        limit: int,
        window_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 10_000,
    ) -> None:
        self.limit, self.window, self._clock, self._max_clients = limit, window_seconds, clock, max_clients
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, client: str) -> deque[float] | None:
        failures = self._failures.get(client)
        if failures is None:
            return None
        horizon = self._clock() - self.window
        while failures and failures[0] <= horizon:
            failures.popleft()
        if not failures:
            del self._failures[client]
            return None
        return failures

    def retry_after(self, client: str) -> float | None:
        """Seconds this client must wait, or None when it may try."""
        failures = self._recent(client)
        if failures is None or len(failures) < self.limit:
            return None
        return failures[-self.limit] + self.window - self._clock()

    def forgive(self, client: str) -> None:
        """Take back one attempt counted ahead of its outcome (see `failed`): it succeeded."""
        failures = self._failures.get(client)
        if failures:
            failures.pop()
            if not failures:
                del self._failures[client]

    def failed(self, client: str) -> None:
        """Count a failure; or, counted before a slow check (a password hash), an attempt that
        `forgive` takes back on success, so concurrent attempts cannot all pass `retry_after` first."""
        failures = self._recent(client)
        if failures is None:
            failures = self._failures[client] = deque(maxlen=self.limit)
        failures.append(self._clock())
        self._failures.move_to_end(client)
        while len(self._failures) > self._max_clients:
            self._failures.popitem(last=False)


# --- what a service checks, and the FastAPI dependencies -----------------------------------------


@dataclass
class TokenChecks:
    """What a service checks beyond the signature; its composition root sets `app.state.token_checks`
    (`shared.revocation.install_token_checks`). An app without it checks lifetime with the defaults."""

    max_ttl: timedelta = DEFAULT_MAX_TTL
    failures: FailedAuthentications = field(
        default_factory=lambda: FailedAuthentications(
            _DEFAULTS.auth_failure_limit, _DEFAULTS.auth_failure_window_seconds
        )
    )
    is_revoked: Callable[[str], Awaitable[bool]] | None = None

    @classmethod
    def of(cls, request: Request) -> TokenChecks:
        checks: TokenChecks | None = getattr(request.app.state, "token_checks", None)
        if checks is None:
            checks = request.app.state.token_checks = cls()
        return checks


def client_address(request: Request) -> str:
    """The client as the ASGI server sees it (behind a proxy: the proxy, unless the server is told otherwise)."""
    return request.client.host if request.client else "unknown"


async def authenticate(request: Request, token: str) -> Principal:
    """The caller of a request carrying `token`: 429 while its address is blocked, 401 if refused."""
    checks = TokenChecks.of(request)
    client = client_address(request)
    wait = checks.failures.retry_after(client)
    if wait is not None:
        raise too_many_failures(request, wait)
    try:
        verified = verify_token(request.app.state.settings.secret_key, token, max_ttl=checks.max_ttl)
        if checks.is_revoked is not None and await checks.is_revoked(verified.token_id):
            raise Unauthorized("auth.revoked")
    except Unauthorized:
        checks.failures.failed(client)
        raise
    return verified.principal


def too_many_failures(request: Request, wait: float, key: str = "auth.too_many_failures") -> HTTPException:
    """429 with Retry-After and the message `key` (its `{seconds}`) in the request's language."""
    seconds = max(1, math.ceil(wait))
    detail = {"code": key, "message": translate(key, language_of(request), seconds=seconds), "params": {}}
    return HTTPException(status_code=429, detail=detail, headers={"Retry-After": str(seconds)})


_bearer = HTTPBearer(auto_error=False, description="Token from `htx token issue`")


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """FastAPI dependency: the caller, or 401 (429 after too many failures from this client)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("auth.missing")
    return await authenticate(request, credentials.credentials)


PrincipalDep = Annotated[Principal, Depends(current_principal)]


async def optional_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    """FastAPI dependency for public reads that show more to a signed-in caller."""
    if credentials is None:
        return None
    return await authenticate(request, credentials.credentials)


OptionalPrincipalDep = Annotated[Principal | None, Depends(optional_principal)]
