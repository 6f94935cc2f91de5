"""The plans' one table: every version of every plan, written once and never edited."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared.clock import utcnow


class PlanVersion(SQLModel, table=True):
    """One version of a plan period, whole; the highest `version` of a `plan_key` is in force."""

    __tablename__ = "plan_version"
    # Two writers racing to the same next version: one of them is refused, never both kept.
    __table_args__ = (UniqueConstraint("plan_key", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_key: str = Field(max_length=40, index=True)
    version: int
    name: str = Field(max_length=255)
    first_year: int
    last_year: int
    targets: str = Field(sa_column=Column(Text, nullable=False))  # JSON: {figure: {value, comparison, per}}
    note: str | None = Field(default=None, max_length=1000)
    changed_by: str = Field(max_length=255)  # the actor; public views show its role only
    changed_by_account_id: int | None = None  # a signed-in person's account (ADR 0017); None for operator tokens
    changed_at: datetime = Field(default_factory=utcnow)


PLAN_TABLES = [PlanVersion.__table__]
