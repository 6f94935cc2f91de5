"""plan versions: the plans the province published, as the registry's PlanPublished events say (ADR 0022)

Revision ID: rp0008_plan_versions
Revises: rp0007_round_years
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = "rp0008_plan_versions"
down_revision: Union[str, None] = "rp0007_round_years"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "rpt_plan_version",
        sa.Column("plan_key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("plan_version", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("first_year", sa.Integer(), nullable=False),
        sa.Column("last_year", sa.Integer(), nullable=False),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.PrimaryKeyConstraint("plan_key", "plan_version"),
    )


def downgrade() -> None:
    op.drop_table("rpt_plan_version")
