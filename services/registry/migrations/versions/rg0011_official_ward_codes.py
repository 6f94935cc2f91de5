"""official ward codes: the draft commune code of Thái Nguyên replaced by the official one

`vietnam-provinces` 2025.10.1, the platform's list until now, carried the draft codes of the
communes formed on 1 July 2025; Xã Phú Lạc was 05794 there and is 05788 in the official list
(`vietnamadminunits`, ADR 0021). A `ward_code` column holds current codes only, so a stored
05794 can only be that draft code. Thái Nguyên's is the one draft code that differs.
The downgrade keeps the official code: the draft one was never right.

Revision ID: rg0011_official_ward_codes
Revises: rg0010_accounts
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = "rg0011_official_ward_codes"
down_revision: Union[str, None] = "rg0010_accounts"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

DRAFT_TO_OFFICIAL = {"05794": "05788"}  # Xã Phú Lạc


def upgrade() -> None:
    for table in ("coop", "partner"):
        for draft, official in DRAFT_TO_OFFICIAL.items():
            op.execute(
                sa.text(f"UPDATE {table} SET ward_code = :official WHERE ward_code = :draft").bindparams(
                    official=official, draft=draft
                )
            )


def downgrade() -> None:
    pass
