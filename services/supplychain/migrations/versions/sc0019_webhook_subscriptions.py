"""EPCIS webhook subscriptions to named queries, and the deliveries owed to them

Revision ID: sc0019_webhook_subscriptions
Revises: sc0018_named_queries
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision: str = "sc0019_webhook_subscriptions"
down_revision: Union[str, None] = "sc0018_named_queries"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "epcis_subscription",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("query_id", sa.Integer(), nullable=False),
        sa.Column("dest", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("signature_token", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("epc_format", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("initial_record_time", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_notified_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.ForeignKeyConstraint(["query_id"], ["epcis_named_query.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_epcis_subscription_query_id", "epcis_subscription", ["query_id"])
    op.create_table(
        "epcis_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.String(length=36), nullable=False),
        sa.Column("event_ids", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("delivered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.ForeignKeyConstraint(["subscription_id"], ["epcis_subscription.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_epcis_delivery_subscription_id", "epcis_delivery", ["subscription_id"])
    op.create_index("ix_epcis_delivery_next_attempt_at", "epcis_delivery", ["next_attempt_at"])
    op.create_index("ix_epcis_delivery_delivered_at", "epcis_delivery", ["delivered_at"])


def downgrade() -> None:
    op.drop_table("epcis_delivery")
    op.drop_table("epcis_subscription")
