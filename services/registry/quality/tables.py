"""Registry quality tables: plots, certificates and their scopes, grading schemes and gradings,
inspections with their violations. `TABLES` goes to the migrations' env.py.

JSON values (geometry, products, scores, scheme thresholds) are stored as text and never edited
in place: a row is written once, and later facts (a revocation, a resolution, a regrade) are
new columns set once or new rows.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared.clock import utcnow

# --------------------------------------------------------------------------- plots


class Plot(SQLModel, table=True):
    __tablename__ = "plot"

    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="coop.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    planting_area_code: str = Field(max_length=50, unique=True)
    area_ha: Decimal = Field(max_digits=12, decimal_places=4)
    crop: str = Field(max_length=255)
    cultivar: str | None = Field(default=None, max_length=255)
    geometry_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)


# --------------------------------------------------------------------------- certificates


class Certificate(SQLModel, table=True):
    __tablename__ = "certificate"
    __table_args__ = (UniqueConstraint("kind", "issuer", "code", name="uq_certificate_code"),)

    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="coop.id", index=True)
    kind: str = Field(max_length=20)
    code: str = Field(max_length=100)
    issuer: str = Field(max_length=255)
    valid_from: date = Field(index=True)
    valid_to: date = Field(index=True)
    ocop_stars: int | None = None
    ocop_score: int | None = None
    products_json: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    area_ha: Decimal | None = Field(default=None, max_digits=12, decimal_places=4)
    revoked_on: date | None = None
    revocation_reason: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


class CertificatePlot(SQLModel, table=True):
    """A plot inside a certificate's scope."""

    __tablename__ = "certificate_plot"

    certificate_id: int = Field(foreign_key="certificate.id", primary_key=True)
    plot_id: int = Field(foreign_key="plot.id", primary_key=True, index=True)


def certificate_products(certificate: Certificate) -> list[str]:
    """The products in a certificate's scope, as stored."""
    return json.loads(certificate.products_json)


# --------------------------------------------------------------------------- grading


class GradingSchemeRow(SQLModel, table=True):
    """A grading scheme defined at run time; the built-in ones live in grading_rules."""

    __tablename__ = "grading_scheme"

    code: str = Field(primary_key=True, max_length=40)
    title: str = Field(max_length=255)
    definition_json: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class Grading(SQLModel, table=True):
    """One revision of a co-op's grade for a year; the highest revision is the current one."""

    __tablename__ = "grading"
    __table_args__ = (UniqueConstraint("coop_id", "year", "revision", name="uq_grading_revision"),)

    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="coop.id", index=True)
    year: int = Field(index=True)
    revision: int = 1
    scheme: str = Field(max_length=40)
    scores_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # What the platform proposed per criterion (points, rule, figures) and why a score differs from it.
    proposal_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    notes_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    total_score: int | None = None
    grade: str = Field(max_length=20)
    not_graded_reason: str | None = Field(default=None, max_length=50)
    note: str | None = Field(default=None, max_length=1000)
    supersedes_id: int | None = Field(default=None, foreign_key="grading.id")
    regrade_reason: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


# --------------------------------------------------------------------------- inspections


class Inspection(SQLModel, table=True):
    __tablename__ = "inspection"

    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="coop.id", index=True)
    inspected_on: date
    body: str = Field(max_length=255)
    kind: str = Field(max_length=20)
    findings: str = Field(default="", sa_column=Column(Text, nullable=False))
    commendations_json: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class Violation(SQLModel, table=True):
    __tablename__ = "violation"

    id: int | None = Field(default=None, primary_key=True)
    inspection_id: int = Field(foreign_key="inspection.id", index=True)
    coop_id: int = Field(foreign_key="coop.id", index=True)
    description: str = Field(max_length=1000)
    correction_deadline: date
    resolved_on: date | None = None
    resolution_note: str | None = Field(default=None, max_length=1000)


TABLES = [
    Plot.__table__,
    Certificate.__table__,
    CertificatePlot.__table__,
    GradingSchemeRow.__table__,
    Grading.__table__,
    Inspection.__table__,
    Violation.__table__,
]
