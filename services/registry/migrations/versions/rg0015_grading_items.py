"""gradings keep their workings: what the platform proposed per criterion and why a score differs (ADR 0027)

grading.proposal_json: {criterion: {points, rule, evidence}}; grading.notes_json: {criterion: why}.
Both empty for older gradings and for the 4-group scheme TT01-2020.

Revision ID: rg0015_grading_items
Revises: rg0013_event_archive
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "rg0015_grading_items"
down_revision: Union[str, None] = "rg0013_event_archive"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("grading", schema=None) as batch_op:
        batch_op.add_column(sa.Column("proposal_json", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("notes_json", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("grading", schema=None) as batch_op:
        batch_op.drop_column("notes_json")
        batch_op.drop_column("proposal_json")
