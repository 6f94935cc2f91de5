"""registry part B: plots, certificates, grading schemes and gradings, inspections and violations

Revision ID: rg0003_quality
Revises: 59a020f02f33
Create Date: 2026-11-29 15:44:36.024151

Only part B's own tables; part A's tables and columns come in its own revision (a parallel
branch from the initial schema, applied together by `upgrade heads`).
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = "rg0003_quality"
down_revision: Union[str, None] = "59a020f02f33"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "grading_scheme",
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("definition_json", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )

    op.create_table(
        "certificate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coop_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("issuer", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("ocop_stars", sa.Integer(), nullable=True),
        sa.Column("ocop_score", sa.Integer(), nullable=True),
        sa.Column("products_json", sa.Text(), nullable=False),
        sa.Column("area_ha", sa.Numeric(precision=12, scale=4), nullable=True),
        sa.Column("revoked_on", sa.Date(), nullable=True),
        sa.Column("revocation_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["coop_id"],
            ["coop.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "issuer", "code", name="uq_certificate_code"),
    )

    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificate_coop_id"), ["coop_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificate_valid_from"), ["valid_from"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificate_valid_to"), ["valid_to"], unique=False)

    op.create_table(
        "grading",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coop_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("scheme", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("scores_json", sa.Text(), nullable=True),
        sa.Column("total_score", sa.Integer(), nullable=True),
        sa.Column("grade", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("not_graded_reason", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("regrade_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["coop_id"],
            ["coop.id"],
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["grading.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("coop_id", "year", "revision", name="uq_grading_revision"),
    )

    with op.batch_alter_table("grading", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grading_coop_id"), ["coop_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_grading_year"), ["year"], unique=False)

    op.create_table(
        "inspection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coop_id", sa.Integer(), nullable=False),
        sa.Column("inspected_on", sa.Date(), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("commendations_json", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["coop_id"],
            ["coop.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )

    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspection_coop_id"), ["coop_id"], unique=False)

    op.create_table(
        "plot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coop_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("planting_area_code", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("area_ha", sa.Numeric(precision=12, scale=4), nullable=False),
        sa.Column("crop", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("cultivar", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("geometry_json", sa.Text(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["coop_id"],
            ["coop.id"],
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("planting_area_code"),
    )

    with op.batch_alter_table("plot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plot_coop_id"), ["coop_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_plot_member_id"), ["member_id"], unique=False)

    op.create_table(
        "violation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("coop_id", sa.Integer(), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("correction_deadline", sa.Date(), nullable=False),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("resolution_note", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["coop_id"],
            ["coop.id"],
        ),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspection.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )

    with op.batch_alter_table("violation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_violation_coop_id"), ["coop_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_violation_inspection_id"), ["inspection_id"], unique=False)

    op.create_table(
        "certificate_plot",
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("plot_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificate.id"],
        ),
        sa.ForeignKeyConstraint(
            ["plot_id"],
            ["plot.id"],
        ),
        sa.PrimaryKeyConstraint("certificate_id", "plot_id"),
    )

    with op.batch_alter_table("certificate_plot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificate_plot_plot_id"), ["plot_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("certificate_plot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_plot_plot_id"))

    op.drop_table("certificate_plot")

    with op.batch_alter_table("violation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_violation_inspection_id"))
        batch_op.drop_index(batch_op.f("ix_violation_coop_id"))

    op.drop_table("violation")

    with op.batch_alter_table("plot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plot_member_id"))
        batch_op.drop_index(batch_op.f("ix_plot_coop_id"))

    op.drop_table("plot")

    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_coop_id"))

    op.drop_table("inspection")

    with op.batch_alter_table("grading", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grading_year"))
        batch_op.drop_index(batch_op.f("ix_grading_coop_id"))

    op.drop_table("grading")

    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_valid_to"))
        batch_op.drop_index(batch_op.f("ix_certificate_valid_from"))
        batch_op.drop_index(batch_op.f("ix_certificate_coop_id"))

    op.drop_table("certificate")

    op.drop_table("grading_scheme")
