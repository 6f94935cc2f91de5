"""The accounts' tables: people who sign in, their refresh sessions and tokens (ADR 0017)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from shared.clock import utcnow


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
