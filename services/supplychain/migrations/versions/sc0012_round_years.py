"""round years: a harvest round is a season's, so purchases and payments carry the harvest's year

purchase.harvest_year: the year of the lot's harvest (backfilled from lot.harvested_on, else the
purchase date). household_payment.harvest_year: the season of the round a payment names; older
rows keep NULL and are read by `shared.settlement.payment_round` (the latest season with that round).

Revision ID: sc0012_round_years
Revises: sc0011_household_payments
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "sc0012_round_years"
down_revision: Union[str, None] = "sc0011_household_payments"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _year(column: str) -> str:
    if op.get_bind().dialect.name == "postgresql":
        return f"CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)"
    return f"CAST(strftime('%Y', {column}) AS INTEGER)"


def upgrade() -> None:
    with op.batch_alter_table("purchase") as batch:
        batch.add_column(sa.Column("harvest_year", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE purchase SET harvest_year = COALESCE("
        f"(SELECT {_year('lot.harvested_on')} FROM lot WHERE lot.id = purchase.lot_id), {_year('purchased_on')})"
    )
    with op.batch_alter_table("purchase") as batch:
        batch.alter_column("harvest_year", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("household_payment") as batch:
        batch.add_column(sa.Column("harvest_year", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("household_payment") as batch:
        batch.drop_column("harvest_year")
    with op.batch_alter_table("purchase") as batch:
        batch.drop_column("harvest_year")
