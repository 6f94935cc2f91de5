"""rebuild jobs: POST /admin/rebuild records a job, polled at /admin/rebuild/{id}

Revision ID: rp0004_rebuild_jobs
Revises: rp0003_idempotency
Create Date: 2026-12-02 01:13:50.068990
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = "rp0004_rebuild_jobs"
down_revision: Union[str, None] = "rp0003_idempotency"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "rebuild_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("phase", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("progress", sa.JSON(), nullable=False),
        sa.Column("requested_by", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("runner", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("requested_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("heartbeat_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("rebuild_job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rebuild_job_active"), ["active"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("rebuild_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rebuild_job_active"))
    op.drop_table("rebuild_job")
