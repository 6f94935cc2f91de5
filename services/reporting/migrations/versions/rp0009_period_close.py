"""period close (the scorecards the province closed, ADR 0025) and commendation counts

`rpt_closed_figure` is reporting's own record, not a projection: a rebuild keeps it.
`rpt_inspection.commended` (a yes/no) becomes `commendations` (how many): an inspection that
commended counts as one, as the v1 -> v2 upcaster of `registry.inspection_recorded` reads it.

Revision ID: rp0009_period_close
Revises: rp0008_plan_versions
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = "rp0009_period_close"
down_revision: Union[str, None] = "rp0008_plan_versions"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "rpt_closed_figure",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("figure", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("target", sa.JSON(), nullable=True),
        sa.Column("comparison", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
        sa.Column("closed_by", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("closed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("year", "figure"),
    )
    with op.batch_alter_table("rpt_inspection", schema=None) as batch_op:
        batch_op.add_column(sa.Column("commendations", sa.Integer(), nullable=False, server_default="0"))
    op.execute("UPDATE rpt_inspection SET commendations = CASE WHEN commended THEN 1 ELSE 0 END")
    with op.batch_alter_table("rpt_inspection", schema=None) as batch_op:
        batch_op.alter_column("commendations", server_default=None)
        batch_op.drop_column("commended")


def downgrade() -> None:
    with op.batch_alter_table("rpt_inspection", schema=None) as batch_op:
        batch_op.add_column(sa.Column("commended", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE rpt_inspection SET commended = (commendations > 0)")
    with op.batch_alter_table("rpt_inspection", schema=None) as batch_op:
        batch_op.alter_column("commended", server_default=None)
        batch_op.drop_column("commendations")
    op.drop_table("rpt_closed_figure")
