"""Bearer tokens (HS256 JWT with expiry) carrying a role and a scope.

- `province`: everything;
- `coop`: writes only its own co-op's data (`coop_id`);
- `buyer`: acts for one partner (`partner_id`).
Trace reads are public and take no token.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from shared.errors import Forbidden, Unauthorized

Role = Literal["province", "coop", "buyer"]
ALGORITHM = "HS256"
ISSUER = "htx-platform"


class Principal(BaseModel):
    """Who is calling, as the token says."""

    subject: str
    role: Role
    coop_id: int | None = None
    partner_id: int | None = None

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


def public_actor(actor: str) -> str:
    """An actor as public views show it: role and scope, not the token's subject (a login)."""
    role, _, rest = actor.partition(":")
    scope = rest.split(":", 1)[0] if role in ("coop", "buyer") and rest.count(":") else ""
    return f"{role}:{scope}" if scope else role


def issue_token(
    secret: str,
    *,
    subject: str,
    role: Role,
    coop_id: int | None = None,
    partner_id: int | None = None,
    ttl: timedelta = timedelta(days=30),
) -> str:
    if role == "coop" and coop_id is None:
        raise ValueError("a coop token needs coop_id")
    if role == "buyer" and partner_id is None:
        raise ValueError("a buyer token needs partner_id")
    now = datetime.now(UTC)
    claims = {"sub": subject, "role": role, "iss": ISSUER, "iat": now, "exp": now + ttl}
    if coop_id is not None:
        claims["coop_id"] = coop_id
    if partner_id is not None:
        claims["partner_id"] = partner_id
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def decode_token(secret: str, token: str) -> Principal:
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], issuer=ISSUER, options={"require": ["exp", "sub", "role"]}
        )
        return Principal(
            subject=claims["sub"],
            role=claims["role"],
            coop_id=claims.get("coop_id"),
            partner_id=claims.get("partner_id"),
        )
    except (jwt.PyJWTError, ValueError) as error:
        raise Unauthorized("auth.invalid") from error


_bearer = HTTPBearer(auto_error=False, description="Token from `htx token issue`")


def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """FastAPI dependency: the caller, or 401."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("auth.missing")
    return decode_token(request.app.state.settings.secret_key, credentials.credentials)


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def optional_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    """FastAPI dependency for public reads that show more to a signed-in caller."""
    if credentials is None:
        return None
    return decode_token(request.app.state.settings.secret_key, credentials.credentials)


OptionalPrincipalDep = Annotated[Principal | None, Depends(optional_principal)]
