"""event archive: each published outbox row with the stream entry id Redis gave it (ADR 0020)

event_archive: (stream, entry_ms, entry_seq) -> outbox_id, written by the relay as it marks a row
published; with the outbox rows it is the producer's durable event log, so the stream can be trimmed.

Revision ID: rg0011_event_archive
Revises: rg0010_accounts
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = "rg0011_event_archive"
down_revision: Union[str, None] = "rg0010_accounts"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "event_archive",
        sa.Column("stream", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("entry_ms", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entry_seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["outbox_id"],
            ["outbox.id"],
        ),
        sa.PrimaryKeyConstraint("stream", "entry_ms", "entry_seq"),
        sa.UniqueConstraint("outbox_id"),
    )


def downgrade() -> None:
    op.drop_table("event_archive")
