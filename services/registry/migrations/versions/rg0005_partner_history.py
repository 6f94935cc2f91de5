"""partner history: index the outbox events about each partner

Revision ID: rg0005_partner_history
Revises: rg0004_merge
Create Date: 2026-11-29 16:40:00
"""

import json
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision: str = "rg0005_partner_history"
down_revision: Union[str, None] = "rg0004_merge"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_str = sqlmodel.sql.sqltypes.AutoString
_STREAM = "registry.events"  # shared.events.registry.STREAM, frozen here as the migration saw it


def upgrade() -> None:
    partner_event = op.create_table(
        "partner_event",
        sa.Column("event_id", _str(length=36), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "partner_id"),
    )
    with op.batch_alter_table("partner_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_event_partner_id"), ["partner_id"], unique=False)

    # Backfill: partners registered and contracts signed before this revision get their history too.
    outbox = sa.table(
        "outbox", sa.column("event_id", sa.String), sa.column("stream", sa.String), sa.column("fields_json", sa.Text)
    )
    rows = (
        op.get_bind()
        .execute(sa.select(outbox.c.event_id, outbox.c.fields_json).where(outbox.c.stream == _STREAM))
        .all()
    )
    index = []
    for event_id, fields_json in rows:
        partner_id = json.loads(json.loads(fields_json)["payload"]).get("partner_id")
        if isinstance(partner_id, int):
            index.append({"event_id": event_id, "partner_id": partner_id})
    if index:
        op.bulk_insert(partner_event, index)


def downgrade() -> None:
    with op.batch_alter_table("partner_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_event_partner_id"))
    op.drop_table("partner_event")
