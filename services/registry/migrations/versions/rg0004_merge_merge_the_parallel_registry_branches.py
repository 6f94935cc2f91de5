"""merge the parallel registry branches

Revision ID: rg0004_merge
Revises: rg0002_organisations, rg0003_quality
Create Date: 2026-11-29 16:26:03.398153
"""

from typing import Sequence, Union


revision: str = "rg0004_merge"
down_revision: Union[str, None] = ("rg0002_organisations", "rg0003_quality")
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
