"""merge the parallel supplychain branches

Revision ID: sc0004_merge
Revises: sc0002_chain, sc0003_epcis
Create Date: 2026-11-29 16:26:04.412986
"""

from typing import Sequence, Union


revision: str = "sc0004_merge"
down_revision: Union[str, None] = ("sc0002_chain", "sc0003_epcis")
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
