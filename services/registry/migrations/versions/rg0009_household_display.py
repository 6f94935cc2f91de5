"""household display: each co-op chooses how the public sees its member households

Adds coop.household_display ("names", "initials" or "counts"); existing co-ops get the default,
"initials", so no full name is public until a co-op (or the province) chooses names.

Revision ID: rg0009_household_display
Revises: rg0008_token_revocations
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = "rg0009_household_display"
down_revision: Union[str, None] = "rg0008_token_revocations"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("coop", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("household_display", sa.String(length=10), nullable=False, server_default="initials")
        )


def downgrade() -> None:
    with op.batch_alter_table("coop", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("household_display")
