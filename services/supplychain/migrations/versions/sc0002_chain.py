"""co-op chain: purchases, transformations, packs, shipments, receipts, corrections, plots, certificates

Lots made by a transformation have no household, so the harvest columns of `lot` become
nullable; every lot gets a unit, a creation day and the quantity it was made with
(backfilled from the harvest columns). `lot_event.event_id` stops being unique: a fact that
touches several lots writes one row per lot.

Revision ID: sc0002_chain
Revises: 7b1895e44f6a
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = "sc0002_chain"
down_revision: Union[str, None] = "7b1895e44f6a"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "chain_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("coop_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("epcis_events", sa.JSON(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    with op.batch_alter_table("chain_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chain_event_coop_id"), ["coop_id"], unique=False)

    op.create_table(
        "correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("corrected_event_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("explanation", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("declared_on", sa.Date(), nullable=False),
        sa.Column("corrective_event_ids", sa.JSON(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("corrected_event_id"),
        sa.UniqueConstraint("event_id"),
    )
    op.create_table(
        "known_certificate",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("coop_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("issuer", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("revoked_on", sa.Date(), nullable=True),
        sa.Column("ocop_stars", sa.Integer(), nullable=True),
        sa.Column("plot_ids", sa.JSON(), nullable=False),
        sa.Column("products", sa.JSON(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("known_certificate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_known_certificate_coop_id"), ["coop_id"], unique=False)

    op.create_table(
        "known_coop_status",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coop_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("learnt_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("known_coop_status", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_known_coop_status_coop_id"), ["coop_id"], unique=False)

    op.create_table(
        "known_plot",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("coop_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("planting_area_code", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("area_ha", sa.Numeric(precision=12, scale=4), nullable=False),
        sa.Column("crop", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("known_plot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_known_plot_coop_id"), ["coop_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_known_plot_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_known_plot_planting_area_code"), ["planting_area_code"], unique=False)

    op.create_table(
        "shipment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("coop_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("partner_name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("document_number", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("shipped_on", sa.Date(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    with op.batch_alter_table("shipment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shipment_coop_id"), ["coop_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_shipment_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "transformation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("batch_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("coop_id", sa.Integer(), nullable=False),
        sa.Column("step", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("process", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("transformed_on", sa.Date(), nullable=False),
        sa.Column("input_kg", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column("output_kg", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column("yield_ratio", sa.Numeric(precision=8, scale=4), nullable=True),
        sa.Column("yield_flagged", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("batch_id"),
        sa.UniqueConstraint("event_id"),
    )
    with op.batch_alter_table("transformation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transformation_coop_id"), ["coop_id"], unique=False)

    op.create_table(
        "yield_rule",
        sa.Column("output_product", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("min_ratio", sa.Numeric(precision=6, scale=4), nullable=False),
        sa.Column("max_ratio", sa.Numeric(precision=6, scale=4), nullable=False),
        sa.Column("loses_mass", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("output_product"),
    )
    op.create_table(
        "shipment_receipt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipment.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    with op.batch_alter_table("shipment_receipt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shipment_receipt_shipment_id"), ["shipment_id"], unique=False)

    op.create_table(
        "pack_unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("carton_code", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["lot_id"],
            ["lot.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("serial"),
    )
    with op.batch_alter_table("pack_unit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pack_unit_carton_code"), ["carton_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_pack_unit_lot_id"), ["lot_id"], unique=False)

    op.create_table(
        "purchase",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("coop_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("harvest_round", sa.Integer(), nullable=False),
        sa.Column("quantity_kg", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column("price_per_kg_vnd", sa.BigInteger(), nullable=False),
        sa.Column("amount_vnd", sa.BigInteger(), nullable=False),
        sa.Column("purchased_on", sa.Date(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lot_id"],
            ["lot.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    with op.batch_alter_table("purchase", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_purchase_coop_id"), ["coop_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_purchase_lot_id"), ["lot_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_purchase_member_id"), ["member_id"], unique=False)

    op.create_table(
        "shipment_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.ForeignKeyConstraint(
            ["lot_id"],
            ["lot.id"],
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipment.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("shipment_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shipment_line_lot_id"), ["lot_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_shipment_line_shipment_id"), ["shipment_id"], unique=False)

    op.create_table(
        "transformation_input",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transformation_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.ForeignKeyConstraint(
            ["lot_id"],
            ["lot.id"],
        ),
        sa.ForeignKeyConstraint(
            ["transformation_id"],
            ["transformation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("transformation_input", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transformation_input_lot_id"), ["lot_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_transformation_input_transformation_id"), ["transformation_id"], unique=False
        )

    if op.get_bind().dialect.name == "sqlite":
        _rebuild_lot_on_sqlite()
    else:
        with op.batch_alter_table("lot", schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False, server_default="kg")
            )
            batch_op.add_column(sa.Column("created_on", sa.Date(), nullable=True))
            batch_op.add_column(sa.Column("grade", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))
            batch_op.add_column(sa.Column("net_kg_per_unit", sa.Numeric(precision=12, scale=3), nullable=True))
            batch_op.add_column(sa.Column("initial_quantity", sa.Numeric(precision=12, scale=3), nullable=True))
            batch_op.add_column(sa.Column("transformation_id", sa.Integer(), nullable=True))
        # Every lot so far is a harvest lot.
        op.execute("UPDATE lot SET created_on = harvested_on, initial_quantity = harvested_quantity_kg")
        with op.batch_alter_table("lot", schema=None) as batch_op:
            batch_op.alter_column("created_on", existing_type=sa.Date(), nullable=False)
            batch_op.alter_column("initial_quantity", existing_type=sa.Numeric(precision=12, scale=3), nullable=False)
            for column, type_ in (
                ("member_id", sa.INTEGER()),
                ("harvested_quantity_kg", sa.NUMERIC(12, 3)),
                ("harvested_on", sa.DATE()),
                ("harvest_round", sa.INTEGER()),
            ):
                batch_op.alter_column(column, existing_type=type_, nullable=True)
            batch_op.create_index(batch_op.f("ix_lot_plot_code"), ["plot_code"], unique=False)
            batch_op.create_index(batch_op.f("ix_lot_transformation_id"), ["transformation_id"], unique=False)
            batch_op.create_foreign_key("fk_lot_transformation_id", "transformation", ["transformation_id"], ["id"])

    # The initial revision left this unique constraint unnamed: PostgreSQL calls it
    # lot_event_event_id_key; on SQLite a naming convention names it for the table copy.
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("lot_event_event_id_key", "lot_event", type_="unique")
        with op.batch_alter_table("lot_event", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_lot_event_event_id"), ["event_id"], unique=False)
    else:
        with op.batch_alter_table(
            "lot_event", schema=None, recreate="always", naming_convention={"uq": "uq_%(table_name)s_%(column_0_name)s"}
        ) as batch_op:
            batch_op.drop_constraint("uq_lot_event_event_id", type_="unique")
            batch_op.create_index(batch_op.f("ix_lot_event_event_id"), ["event_id"], unique=False)

    if op.get_bind().dialect.name == "sqlite":
        # ALTER TABLE ... ADD COLUMN ... REFERENCES: no copy of `sale`, which lot_event references.
        op.execute(
            "ALTER TABLE sale ADD COLUMN shipment_id INTEGER CONSTRAINT fk_sale_shipment_id REFERENCES shipment (id)"
        )
    else:
        with op.batch_alter_table("sale", schema=None) as batch_op:
            batch_op.add_column(sa.Column("shipment_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key("fk_sale_shipment_id", "shipment", ["shipment_id"], ["id"])


def _rebuild_lot_on_sqlite() -> None:
    """SQLite cannot relax NOT NULL in place, and Alembic's batch copy ends in a RENAME that
    leaves `lot_event`'s foreign keys pointing at a dropped table. So: keep the rows aside,
    drop, create the new `lot`, put the rows back; with foreign keys deferred to the commit,
    the children find their parents again by then.
    """
    op.execute("PRAGMA defer_foreign_keys = ON")
    op.execute("CREATE TABLE _lot_before_sc0002 AS SELECT * FROM lot")
    op.drop_table("lot")
    op.create_table(
        "lot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("coop_id", sa.Integer(), nullable=False),
        sa.Column("product", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False, server_default="kg"),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("grade", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("net_kg_per_unit", sa.Numeric(precision=12, scale=3), nullable=True),
        sa.Column("initial_quantity", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column("transformation_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("harvested_quantity_kg", sa.Numeric(precision=12, scale=3), nullable=True),
        sa.Column("harvested_on", sa.Date(), nullable=True),
        sa.Column("harvest_round", sa.Integer(), nullable=True),
        sa.Column("plot_code", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.ForeignKeyConstraint(["transformation_id"], ["transformation.id"], name="fk_lot_transformation_id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    for column in ("coop_id", "member_id", "plot_code", "transformation_id"):
        op.create_index(f"ix_lot_{column}", "lot", [column], unique=False)
    op.execute(
        "INSERT INTO lot (id, code, coop_id, product, unit, created_on, initial_quantity, member_id, "
        "harvested_quantity_kg, harvested_on, harvest_round, plot_code, created_at, created_by) "
        "SELECT id, code, coop_id, product, 'kg', harvested_on, harvested_quantity_kg, member_id, "
        "harvested_quantity_kg, harvested_on, harvest_round, plot_code, created_at, created_by "
        "FROM _lot_before_sc0002"
    )
    op.drop_table("_lot_before_sc0002")


def downgrade() -> None:
    with op.batch_alter_table("sale", schema=None) as batch_op:
        batch_op.drop_constraint("fk_sale_shipment_id", type_="foreignkey")
        batch_op.drop_column("shipment_id")

    with op.batch_alter_table("lot_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lot_event_event_id"))
        batch_op.create_unique_constraint("lot_event_event_id_key", ["event_id"])

    with op.batch_alter_table("lot", schema=None) as batch_op:
        batch_op.drop_constraint("fk_lot_transformation_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_lot_transformation_id"))
        batch_op.drop_index(batch_op.f("ix_lot_plot_code"))
        batch_op.alter_column("harvest_round", existing_type=sa.INTEGER(), nullable=False)
        batch_op.alter_column("harvested_on", existing_type=sa.DATE(), nullable=False)
        batch_op.alter_column("harvested_quantity_kg", existing_type=sa.NUMERIC(precision=12, scale=3), nullable=False)
        batch_op.alter_column("member_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("transformation_id")
        batch_op.drop_column("initial_quantity")
        batch_op.drop_column("net_kg_per_unit")
        batch_op.drop_column("grade")
        batch_op.drop_column("created_on")
        batch_op.drop_column("unit")

    with op.batch_alter_table("transformation_input", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transformation_input_transformation_id"))
        batch_op.drop_index(batch_op.f("ix_transformation_input_lot_id"))

    op.drop_table("transformation_input")
    with op.batch_alter_table("shipment_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shipment_line_shipment_id"))
        batch_op.drop_index(batch_op.f("ix_shipment_line_lot_id"))

    op.drop_table("shipment_line")
    with op.batch_alter_table("purchase", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_purchase_member_id"))
        batch_op.drop_index(batch_op.f("ix_purchase_lot_id"))
        batch_op.drop_index(batch_op.f("ix_purchase_coop_id"))

    op.drop_table("purchase")
    with op.batch_alter_table("pack_unit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pack_unit_lot_id"))
        batch_op.drop_index(batch_op.f("ix_pack_unit_carton_code"))

    op.drop_table("pack_unit")
    with op.batch_alter_table("shipment_receipt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shipment_receipt_shipment_id"))

    op.drop_table("shipment_receipt")
    op.drop_table("yield_rule")
    with op.batch_alter_table("transformation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transformation_coop_id"))

    op.drop_table("transformation")
    with op.batch_alter_table("shipment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shipment_partner_id"))
        batch_op.drop_index(batch_op.f("ix_shipment_coop_id"))

    op.drop_table("shipment")
    with op.batch_alter_table("known_plot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_known_plot_planting_area_code"))
        batch_op.drop_index(batch_op.f("ix_known_plot_member_id"))
        batch_op.drop_index(batch_op.f("ix_known_plot_coop_id"))

    op.drop_table("known_plot")
    with op.batch_alter_table("known_coop_status", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_known_coop_status_coop_id"))

    op.drop_table("known_coop_status")
    with op.batch_alter_table("known_certificate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_known_certificate_coop_id"))

    op.drop_table("known_certificate")
    op.drop_table("correction")
    with op.batch_alter_table("chain_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chain_event_coop_id"))

    op.drop_table("chain_event")
