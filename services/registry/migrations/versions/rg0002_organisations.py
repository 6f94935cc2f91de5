"""organisations: legacy ward codes, sectors, contacts, status history, unions, partners, contracts

Revision ID: rg0002_organisations
Revises: 59a020f02f33
Create Date: 2026-11-29 16:20:00
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

from shared.text import search_key

revision: str = "rg0002_organisations"
down_revision: Union[str, None] = "59a020f02f33"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_str = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("coop", schema=None) as batch_op:
        batch_op.add_column(sa.Column("legacy_ward_code", _str(length=10), nullable=True))
        batch_op.add_column(sa.Column("products_search", _str(length=1000), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("sectors", _str(length=1000), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("contact_name", _str(length=255), nullable=True))
        batch_op.add_column(sa.Column("contact_phone", _str(length=20), nullable=True))
        batch_op.add_column(sa.Column("contact_email", _str(length=255), nullable=True))
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("left_reason", _str(length=1000), nullable=True))

    op.create_table(
        "coop_status_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coop_id", sa.Integer(), nullable=False),
        sa.Column("status", _str(length=20), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reason", _str(length=1000), nullable=False),
        sa.Column("actor", _str(length=200), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["coop_id"], ["coop.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("coop_status_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_coop_status_history_coop_id"), ["coop_id"], unique=False)

    op.create_table(
        "coop_event",
        sa.Column("event_id", _str(length=36), nullable=False),
        sa.Column("coop_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "coop_id"),
    )
    with op.batch_alter_table("coop_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_coop_event_coop_id"), ["coop_id"], unique=False)

    op.create_table(
        "union_membership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("union_id", sa.Integer(), nullable=False),
        sa.Column("coop_id", sa.Integer(), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["coop_id"], ["coop.id"]),
        sa.ForeignKeyConstraint(["union_id"], ["coop.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("union_membership", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_union_membership_coop_id"), ["coop_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_union_membership_union_id"), ["union_id"], unique=False)

    op.create_table(
        "partner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", _str(length=255), nullable=False),
        sa.Column("name_search", _str(length=255), nullable=False),
        sa.Column("kind", _str(length=20), nullable=False),
        sa.Column("tax_code", _str(length=20), nullable=True),
        sa.Column("ward_code", _str(length=10), nullable=True),
        sa.Column("address", _str(length=500), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("partner", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_name_search"), ["name_search"], unique=False)

    op.create_table(
        "chain_contract",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coop_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("product", _str(length=255), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("volume_kg", sa.Numeric(14, 3), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["coop_id"], ["coop.id"]),
        sa.ForeignKeyConstraint(["partner_id"], ["partner.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("chain_contract", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chain_contract_coop_id"), ["coop_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_chain_contract_partner_id"), ["partner_id"], unique=False)

    # Organisations registered before this revision: their registration opens their status history,
    # and their products become searchable.
    connection = op.get_bind()
    connection.execute(
        sa.text(
            "INSERT INTO coop_status_history (coop_id, status, effective_on, reason, actor, recorded_at) "
            "SELECT id, status, founded_on, 'registered', '', created_at FROM coop"
        )
    )
    for coop_id, products in connection.execute(sa.text("SELECT id, main_products FROM coop")).all():
        keys = "\n".join(search_key(p) for p in products.split("\n") if p)
        connection.execute(
            sa.text("UPDATE coop SET products_search = :keys WHERE id = :id"), {"keys": keys, "id": coop_id}
        )


def downgrade() -> None:
    op.drop_table("chain_contract")
    op.drop_table("partner")
    op.drop_table("union_membership")
    op.drop_table("coop_event")
    op.drop_table("coop_status_history")
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_column("left_reason")
    with op.batch_alter_table("coop", schema=None) as batch_op:
        for column in (
            "contact_email",
            "contact_phone",
            "contact_name",
            "sectors",
            "products_search",
            "legacy_ward_code",
        ):
            batch_op.drop_column(column)
