"""EPCIS event owner and parties: captures and queries are scoped to who may write and read them

Backfill: a chain event belongs to its fact's co-op (chain_event.epcis_events lists its eventIDs);
a captured event to the co-op whose token captured it (epcis_capture.actor "coop:<id>:..."); the
province's captures stay without an owner. Every event's source and destination parties become
identifier rows (field "source" / "destination"), as the store now writes them.

Revision ID: sc0008_epcis_owner
Revises: sc0007_idempotency
"""

import json
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = "sc0008_epcis_owner"
down_revision: Union[str, None] = "sc0007_idempotency"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_CHUNK = 500


def upgrade() -> None:
    with op.batch_alter_table("epcis_event", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("owner_coop_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_epcis_event_owner_coop_id"), ["owner_coop_id"], unique=False)

    bind = op.get_bind()
    event = sa.table(
        "epcis_event",
        sa.column("event_id", sa.String),
        sa.column("capture_id", sa.String),
        sa.column("owner_coop_id", sa.Integer),
    )
    chain = sa.table("chain_event", sa.column("coop_id", sa.Integer), sa.column("epcis_events", sa.JSON))
    capture = sa.table("epcis_capture", sa.column("id", sa.String), sa.column("actor", sa.String))

    owners: dict[int, list[str]] = {}
    for coop_id, events in bind.execute(sa.select(chain.c.coop_id, chain.c.epcis_events)).all():
        events = json.loads(events) if isinstance(events, str) else events
        owners.setdefault(coop_id, []).extend(e["eventID"] for e in events or [] if "eventID" in e)
    for coop_id, event_ids in owners.items():
        for start in range(0, len(event_ids), _CHUNK):
            bind.execute(
                event.update()
                .where(event.c.event_id.in_(event_ids[start : start + _CHUNK]), event.c.capture_id.is_(None))
                .values(owner_coop_id=coop_id)
            )
    for capture_id, actor in bind.execute(sa.select(capture.c.id, capture.c.actor)).all():
        role, _, rest = (actor or "").partition(":")
        scope = rest.split(":", 1)[0]
        if role == "coop" and scope.isdigit():
            bind.execute(event.update().where(event.c.capture_id == capture_id).values(owner_coop_id=int(scope)))

    identifier = sa.table(
        "epcis_event_identifier",
        sa.column("event_pk", sa.Integer),
        sa.column("field", sa.String),
        sa.column("value", sa.String),
    )
    stored = sa.table("epcis_event", sa.column("id", sa.Integer), sa.column("body", sa.Text))
    rows = []
    for pk, body in bind.execute(sa.select(stored.c.id, stored.c.body)).all():
        parsed = json.loads(body)
        seen = set()
        for field, key in (("source", "sourceList"), ("destination", "destinationList")):
            for element in parsed.get(key) or ():
                value = element.get(field) if isinstance(element, dict) else None
                if isinstance(value, str) and (field, value) not in seen:
                    seen.add((field, value))
                    rows.append({"event_pk": pk, "field": field, "value": value})
        if len(rows) >= _CHUNK:
            bind.execute(identifier.insert(), rows)
            rows = []
    if rows:
        bind.execute(identifier.insert(), rows)


def downgrade() -> None:
    bind = op.get_bind()
    bind.execute(sa.text("DELETE FROM epcis_event_identifier WHERE field IN ('source', 'destination')"))
    with op.batch_alter_table("epcis_event", schema=None, recreate="never") as batch_op:
        batch_op.drop_index(batch_op.f("ix_epcis_event_owner_coop_id"))
        batch_op.drop_column("owner_coop_id")
