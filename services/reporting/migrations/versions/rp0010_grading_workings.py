"""gradings keep their workings for the score sheet: scheme, scores and maxima per criterion, the
platform's proposal and the officer's notes (ADR 0027); empty on events from before them. A rebuild
fills them from the stream for gradings recorded since.

Revision ID: rp0010_grading_workings
Revises: rp0009_period_close
"""

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "rp0010_grading_workings"
down_revision: Union[str, None] = "rp0009_period_close"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("rpt_grading", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scheme", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
        batch_op.add_column(sa.Column("scores", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("maxima", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("proposal", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("notes", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rpt_grading", schema=None) as batch_op:
        batch_op.drop_column("notes")
        batch_op.drop_column("proposal")
        batch_op.drop_column("maxima")
        batch_op.drop_column("scores")
        batch_op.drop_column("scheme")
