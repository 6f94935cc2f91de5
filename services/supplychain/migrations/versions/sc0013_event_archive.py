"""event archive: each published outbox row with the stream entry id Redis gave it (ADR 0020)

event_archive: (stream, entry_ms, entry_seq) -> outbox_id, written by the relay as it marks a row
published; with the outbox rows it is the producer's durable event log, so the stream can be trimmed.

Revision ID: sc0013_event_archive
Revises: sc0012_round_years
"""

from typing import Sequence, Union

from alembic import op

from shared.migrations import create_event_archive_table

revision: str = "sc0013_event_archive"
down_revision: Union[str, None] = "sc0012_round_years"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    create_event_archive_table(op)


def downgrade() -> None:
    op.drop_table("event_archive")
