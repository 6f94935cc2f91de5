"""Revoked tokens: one deny-list implementation for the three services (ADR 0014).

The registry owns revocations. `POST /admin/tokens/revocations` adds a `token_revocation` row
and a `registry.token_revoked` event in one transaction, so the registry refuses the token from
its answer on. Supplychain and reporting apply the event into their own `token_revocation`
table (`on_token_revoked`, wired by each composition root through `consuming_revocations`), and
refuse the token once it has arrived. Every service looks the token's id up in its own table
whenever it authenticates a request (`install_token_checks`).

No in-process cache: a service may run several processes and only one of them consumes a given
event, so a per-process copy would miss revocations the others applied. The lookup is one
primary-key read.

A revoked token's row is kept until the token expires (after that it is refused anyway), and
rows past that are deleted whenever a revocation is recorded: revocations are few.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import FastAPI
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import Field, SQLModel, col
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.auth import FailedAuthentications, TokenChecks
from shared.clock import utcnow
from shared.db import insert_if_absent, table_of
from shared.events.envelope import Event
from shared.events.registry import TokenRevoked
from shared.messaging.consumer import ConsumedEvent, EventHandlers, Handler
from shared.settings import Settings


class TokenRevocation(SQLModel, table=True):
    """A token id every request is refused with, until the token's own expiry."""

    __tablename__ = "token_revocation"

    token_id: str = Field(primary_key=True, max_length=64)
    expires_at: datetime = Field(index=True)
    revoked_at: datetime
    revoked_by: str = Field(max_length=300)


async def record_revocation(
    session: AsyncSession, token_id: str, expires_at: datetime, *, revoked_by: str, revoked_at: datetime | None = None
) -> bool:
    """Add the revocation in the caller's transaction; False if the id was already revoked (nothing changes).

    Revocations whose tokens have expired are forgotten first.
    """
    await session.exec(delete(TokenRevocation).where(col(TokenRevocation.expires_at) < utcnow()))
    row = TokenRevocation(
        token_id=token_id, expires_at=expires_at, revoked_at=revoked_at or utcnow(), revoked_by=revoked_by
    )
    return await insert_if_absent(session, row)


async def on_token_revoked(session: AsyncSession, event: ConsumedEvent[TokenRevoked]) -> None:
    """A consumer's copy of the registry's revocation; one arriving after its token expired is moot."""
    fact = event.event
    if fact.expires_at > utcnow():
        await record_revocation(
            session,
            fact.token_id,
            fact.expires_at,
            revoked_by=event.envelope.actor,
            revoked_at=event.envelope.occurred_at,
        )


REVOCATION_HANDLERS: dict[type[Event], Handler] = {TokenRevoked: on_token_revoked}


def consuming_revocations(handlers: EventHandlers) -> EventHandlers:
    """A service's handlers of `registry.events`, plus the copy of revocations into its deny-list."""
    return handlers.including(REVOCATION_HANDLERS)


class DenyList:
    """Whether a token id is revoked, read from this service's `token_revocation` table.

    A Core SELECT on a pooled connection, not an ORM session: it runs on every authenticated request.
    """

    _QUERY = select(table_of(TokenRevocation).c.token_id)

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def contains(self, token_id: str) -> bool:
        async with self._engine.connect() as connection:
            found = await connection.execute(self._QUERY.where(table_of(TokenRevocation).c.token_id == token_id))
            return found.first() is not None


def install_token_checks(app: FastAPI, settings: Settings, read_engine: AsyncEngine) -> None:
    """What a service's composition root calls: lifetime, deny-list and failure limit for every token."""
    app.state.token_checks = TokenChecks(
        max_ttl=settings.token_max_ttl,
        failures=FailedAuthentications(settings.auth_failure_limit, settings.auth_failure_window_seconds),
        is_revoked=DenyList(read_engine).contains,
    )
