"""honest quantity names: `sale` and `lot_event` count in the lot's unit, not always kilograms

sale.quantity_kg -> quantity, sale.price_per_kg_vnd -> unit_price_vnd,
lot_event.quantity_delta_kg -> quantity_delta. Renames only, every row kept; no index or
constraint names these columns.

Revision ID: sc0006_unit_names
Revises: sc0005_partners
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "sc0006_unit_names"
down_revision: Union[str, None] = "sc0005_partners"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

RENAMES = {
    # table: [(old name, new name, type)]
    "sale": [
        ("quantity_kg", "quantity", sa.Numeric(precision=12, scale=3)),
        ("price_per_kg_vnd", "unit_price_vnd", sa.BigInteger()),
    ],
    "lot_event": [("quantity_delta_kg", "quantity_delta", sa.Numeric(precision=12, scale=3))],
}


def _rename(*, backwards: bool) -> None:
    for table, columns in RENAMES.items():
        # recreate="never": SQLite (3.25+) renames a column in place, as PostgreSQL does. A batch
        # copy of `sale` would drop the table lot_event's rows reference and trip the foreign keys.
        with op.batch_alter_table(table, schema=None, recreate="never") as batch_op:
            for old, new, type_ in columns:
                if backwards:
                    old, new = new, old
                batch_op.alter_column(old, new_column_name=new, existing_type=type_, existing_nullable=False)


def upgrade() -> None:
    _rename(backwards=False)


def downgrade() -> None:
    _rename(backwards=True)
