"""lot GTINs: a co-op's GS1 trade item number of a lot's product, for GS1 Digital Link QR codes

lot.gtin: 14 digits or null (most lots, and every lot made before), indexed: `/01/<gtin>/10/<lot>`
and `/01/<gtin>/21/<serial>` are resolved by it.

Revision ID: sc0014_lot_gtin
Revises: sc0013_event_archive
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = "sc0014_lot_gtin"
down_revision: Union[str, None] = "sc0013_event_archive"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("lot", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("gtin", sa.String(length=14), nullable=True))
    op.create_index("ix_lot_gtin", "lot", ["gtin"])


def downgrade() -> None:
    op.drop_index("ix_lot_gtin", table_name="lot")
    with op.batch_alter_table("lot", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("gtin")
