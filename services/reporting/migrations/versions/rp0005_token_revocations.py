"""token revocations: the deny-list every request's token is checked against (ADR 0014)

Revision ID: rp0005_token_revocations
Revises: rp0004_rebuild_jobs
"""

from typing import Sequence, Union

from alembic import op

from shared.migrations import create_token_revocation_table, drop_token_revocation_table

revision: str = "rp0005_token_revocations"
down_revision: Union[str, None] = "rp0004_rebuild_jobs"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    create_token_revocation_table(op)


def downgrade() -> None:
    drop_token_revocation_table(op)
