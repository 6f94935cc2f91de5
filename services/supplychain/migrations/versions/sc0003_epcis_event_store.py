"""EPCIS event store: events, their identifiers, error declarations, capture jobs

Revision ID: sc0003_epcis
Revises: 7b1895e44f6a
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = "sc0003_epcis"
down_revision: Union[str, None] = "7b1895e44f6a"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "epcis_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("event_type", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("event_time", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("record_time", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("biz_step", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("disposition", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("read_point", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("biz_location", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("capture_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("context", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    with op.batch_alter_table("epcis_event", schema=None) as batch_op:
        for column in (
            "event_type",
            "event_time",
            "record_time",
            "biz_step",
            "disposition",
            "read_point",
            "biz_location",
            "capture_id",
        ):
            batch_op.create_index(batch_op.f(f"ix_epcis_event_{column}"), [column], unique=False)

    op.create_table(
        "epcis_event_identifier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_pk", sa.Integer(), nullable=False),
        sa.Column("field", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_pk"],
            ["epcis_event.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("epcis_event_identifier", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_epcis_event_identifier_event_pk"), ["event_pk"], unique=False)
        batch_op.create_index(batch_op.f("ix_epcis_event_identifier_value"), ["value"], unique=False)

    op.create_table(
        "epcis_error_declaration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_pk", sa.Integer(), nullable=False),
        sa.Column("declaration_time", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("capture_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_pk"],
            ["epcis_event.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_pk"),
    )
    with op.batch_alter_table("epcis_error_declaration", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_epcis_error_declaration_declaration_time"), ["declaration_time"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_epcis_error_declaration_reason"), ["reason"], unique=False)

    op.create_table(
        "epcis_capture",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("error_behaviour", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Text(), nullable=True),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("epcis_capture")
    with op.batch_alter_table("epcis_error_declaration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_epcis_error_declaration_reason"))
        batch_op.drop_index(batch_op.f("ix_epcis_error_declaration_declaration_time"))
    op.drop_table("epcis_error_declaration")
    with op.batch_alter_table("epcis_event_identifier", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_epcis_event_identifier_value"))
        batch_op.drop_index(batch_op.f("ix_epcis_event_identifier_event_pk"))
    op.drop_table("epcis_event_identifier")
    with op.batch_alter_table("epcis_event", schema=None) as batch_op:
        for column in (
            "capture_id",
            "biz_location",
            "read_point",
            "disposition",
            "biz_step",
            "record_time",
            "event_time",
            "event_type",
        ):
            batch_op.drop_index(batch_op.f(f"ix_epcis_event_{column}"))
    op.drop_table("epcis_event")
