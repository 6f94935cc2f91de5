"""Plots keep their geometry in the supply chain's replica, for the EUDR package of a shipment

Revision ID: sc0021_plot_geometry
Revises: sc0019_webhook_subscriptions
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = "sc0021_plot_geometry"
down_revision: Union[str, None] = "sc0019_webhook_subscriptions"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("known_plot") as batch:
        batch.add_column(sa.Column("geometry", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("known_plot") as batch:
        batch.drop_column("geometry")
