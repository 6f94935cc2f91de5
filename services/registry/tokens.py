"""Token revocation, owned by the registry (ADR 0014): the route, its shapes and its command.

The registry records a revocation in its own deny-list and publishes `registry.token_revoked` in
the same transaction; supplychain and reporting copy it into theirs (`shared.revocation`).
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import pydantic
from fastapi import APIRouter, Response, status
from pydantic import BaseModel, ConfigDict, model_validator
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.publishing import publish
from shared.auth import Principal, PrincipalDep, revocable_token
from shared.clock import utcnow
from shared.errors import Unprocessable
from shared.events import registry as contracts
from shared.idempotency import IdempotentRoute
from shared.revocation import TokenRevocation, record_revocation
from shared.service import RuntimeDep, UnitOfWorkDep
from shared.settings import Settings

router = APIRouter(tags=["tokens"], route_class=IdempotentRoute)


class TokenOrIdNeeded(ValueError):
    key = "revocation.token_or_id"
    values: ClassVar[dict[str, str]] = {}


class TokenRevocationCreate(BaseModel):
    """The token to revoke: the token itself, or its id (`jti`) when only that is known."""

    model_config = ConfigDict(extra="forbid")

    token: str | None = pydantic.Field(
        default=None, max_length=4096, description="The token itself; its id and expiry are read from it"
    )
    jti: str | None = pydantic.Field(
        default=None,
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="The token's id, when the token itself is not at hand; the revocation is then kept for "
        "the longest lifetime a token may have (HTX_TOKEN_MAX_TTL_HOURS), since its expiry is not known",
    )

    @model_validator(mode="after")
    def _one_of_them(self) -> TokenRevocationCreate:
        if (self.token is None) == (self.jti is None):
            raise TokenOrIdNeeded("send either token or jti")
        return self


class TokenRevocationPublic(BaseModel):
    jti: str
    expires_at: datetime = pydantic.Field(description="Kept until then: the token has expired by that time")
    revoked_at: datetime
    revoked_by: str
    already_revoked: bool = pydantic.Field(description="True if it had been revoked before: nothing changed")


async def revoke_token(
    session: AsyncSession, data: TokenRevocationCreate, principal: Principal, settings: Settings
) -> tuple[TokenRevocation, bool]:
    """The revocation of the token (new, or the one recorded before) and whether it is new."""
    principal.require_role("province")
    now = utcnow()
    latest = now + settings.token_max_ttl  # no token accepted now expires later
    if data.token is not None:
        try:
            token_id, expires_at, _ = revocable_token(settings.secret_key, data.token.strip())
        except ValueError:
            raise Unprocessable("revocation.not_our_token") from None
        if expires_at <= now:
            raise Unprocessable("revocation.expired", expired_at=expires_at.isoformat(timespec="seconds"))
        expires_at = min(expires_at, latest)
    else:
        assert data.jti is not None
        token_id, expires_at = data.jti, latest
    created = await record_revocation(session, token_id, expires_at, revoked_by=principal.actor, revoked_at=now)
    if created:
        publish(session, contracts.TokenRevoked(token_id=token_id, expires_at=expires_at), actor=principal.actor)
    revocation = await session.get(TokenRevocation, token_id)
    assert revocation is not None
    return revocation, created


@router.post(
    "/admin/tokens/revocations",
    status_code=status.HTTP_201_CREATED,
    response_model=TokenRevocationPublic,
    summary="Revoke a bearer token (province)",
    description="Province only (403 for other roles). Every service refuses the token from then on: the "
    "registry from this answer, supplychain and reporting once they have consumed the `registry.token_revoked` "
    "event (normally within a second; while Redis is down, when it is back). Shows the revocation: the token's "
    "id, until when it is kept, when and by whom it was revoked. Revoking a token again changes nothing and "
    "answers 200 with the first revocation. 422 for a token not signed by this platform, or already expired.",
    responses={200: {"model": TokenRevocationPublic, "description": "Revoked before: nothing changed"}},
)
async def revoke(
    data: TokenRevocationCreate, uow: UnitOfWorkDep, principal: PrincipalDep, runtime: RuntimeDep, response: Response
) -> TokenRevocationPublic:
    revocation, created = await revoke_token(uow.session, data, principal, runtime.settings)
    if not created:
        response.status_code = status.HTTP_200_OK
    return TokenRevocationPublic(
        jti=revocation.token_id,
        expires_at=revocation.expires_at,
        revoked_at=revocation.revoked_at,
        revoked_by=revocation.revoked_by,
        already_revoked=not created,
    )
