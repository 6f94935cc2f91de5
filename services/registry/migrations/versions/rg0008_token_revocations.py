"""token revocations: the deny-list every request's token is checked against (ADR 0014)

Revision ID: rg0008_token_revocations
Revises: rg0007_registration_key
"""

from typing import Sequence, Union

from alembic import op

from shared.migrations import create_token_revocation_table, drop_token_revocation_table

revision: str = "rg0008_token_revocations"
down_revision: Union[str, None] = "rg0007_registration_key"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    create_token_revocation_table(op)


def downgrade() -> None:
    drop_token_revocation_table(op)
