"""round years: purchases and payments carry the season of their harvest round (LotPurchased and
HouseholdPaid `harvest_year`); rows from older events keep NULL and are read as the lot's harvest
year (purchases) or the latest season with that round (payments, `shared.settlement.payment_round`),
as a rebuild from those events would.

Revision ID: rp0007_round_years
Revises: rp0006_household_payments
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "rp0007_round_years"
down_revision: Union[str, None] = "rp0006_household_payments"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    for table in ("rpt_purchase", "rpt_payment"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("harvest_year", sa.Integer(), nullable=True))


def downgrade() -> None:
    for table in ("rpt_payment", "rpt_purchase"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("harvest_year")
