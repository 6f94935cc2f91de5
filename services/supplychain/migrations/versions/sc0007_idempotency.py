"""idempotency keys: writes retried with the same Idempotency-Key are answered, not redone

Revision ID: sc0007_idempotency
Revises: sc0006_unit_names
"""

from typing import Sequence, Union

from alembic import op

from shared.migrations import create_idempotency_record_table

revision: str = "sc0007_idempotency"
down_revision: Union[str, None] = "sc0006_unit_names"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    create_idempotency_record_table(op)


def downgrade() -> None:
    op.drop_index("ix_idempotency_record_created_at", table_name="idempotency_record")
    op.drop_table("idempotency_record")
