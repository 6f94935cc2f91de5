"""Supplychain data migrations on both backends: sc0006 renames quantity columns keeping every row; sc0013 adds GS1 key forms."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from decimal import Decimal

from alembic import command
from sqlalchemy import insert, text

from services.supplychain.epcis.tables import EpcisEvent, EpcisEventIdentifier
from services.supplychain.tables import Lot, LotEvent, Sale
from shared.db import create_engine
from shared.migrations import alembic_config, upgrade

BEFORE_RENAMES = "sc0005_partners"
NOW = datetime(2025, 6, 7, 3, 0, tzinfo=UTC)
SALE_COLUMNS = "SELECT {quantity}, {price}, amount_vnd FROM sale"
DELTA_COLUMN = "SELECT {delta} FROM lot_event ORDER BY id"


async def _read(url: str, quantity: str, price: str, delta: str) -> tuple[list, list]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            sales = (await connection.execute(text(SALE_COLUMNS.format(quantity=quantity, price=price)))).all()
            deltas = (await connection.execute(text(DELTA_COLUMN.format(delta=delta)))).all()
    finally:
        await engine.dispose()
    # SQLite hands NUMERIC back as float: compare as decimals either way.
    return [(Decimal(str(q)), p, a) for q, p, a in sales], [Decimal(str(d)) for (d,) in deltas]


async def test_sale_and_lot_event_columns_are_renamed_with_their_rows(database_url_factory):
    url = await database_url_factory("supplychain")  # at head
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                insert(Lot.__table__).values(
                    id=1,
                    code="HOP",
                    coop_id=1,
                    product="chè hộp",
                    unit="pcs",
                    created_on=date(2025, 6, 6),
                    initial_quantity=Decimal(40),
                    created_at=NOW,
                    created_by="test",
                )
            )
            await connection.execute(
                insert(Sale.__table__).values(
                    id=1,
                    lot_id=1,
                    coop_id=1,
                    buyer_name="Công ty Trà",
                    quantity=Decimal("12"),
                    unit_price_vnd=60_000,
                    amount_vnd=720_000,
                    sold_on=date(2025, 6, 7),
                    invoice_number="HD-1",
                    created_at=NOW,
                )
            )
            for kind, delta, sale_id in [("produced", Decimal(40), None), ("sold", Decimal(-12), 1)]:
                await connection.execute(
                    insert(LotEvent.__table__).values(
                        lot_id=1,
                        kind=kind,
                        quantity_delta=delta,
                        occurred_on=date(2025, 6, 7),
                        sale_id=sale_id,
                        event_id=f"e-{kind}",
                        actor="test",
                        recorded_at=NOW,
                    )
                )
    finally:
        await engine.dispose()
    kept = ([(Decimal(12), 60_000, 720_000)], [Decimal(40), Decimal(-12)])

    await asyncio.to_thread(command.downgrade, alembic_config("supplychain", url), BEFORE_RENAMES)
    assert await _read(url, "quantity_kg", "price_per_kg_vnd", "quantity_delta_kg") == kept

    await asyncio.to_thread(upgrade, "supplychain", url)
    assert await _read(url, "quantity", "unit_price_vnd", "quantity_delta") == kept


async def test_events_captured_before_get_their_gs1_key_forms(database_url_factory):
    """sc0013: an item captured as a Digital Link before equivalence existed is found by its EPC URN after."""
    url = await database_url_factory("supplychain")
    await asyncio.to_thread(command.downgrade, alembic_config("supplychain", url), "sc0014_lot_gtin")
    engine = create_engine(url)
    captured = [
        ("epcList", "https://example.com/01/10614141073464/21/2017"),
        ("epcList", "urn:htx:TN-0001:unit:HOP-1-0001"),
        ("quantityList", "urn:epc:class:lgtin:0614141.712345.998877"),
    ]
    try:
        async with engine.begin() as connection:
            await connection.execute(
                insert(EpcisEvent.__table__).values(
                    id=1, event_id="urn:uuid:1", event_type="ObjectEvent", event_time=NOW, record_time=NOW, body="{}"
                )
            )
            for field, value in captured:
                await connection.execute(
                    insert(EpcisEventIdentifier.__table__).values(event_pk=1, field=field, value=value)
                )
    finally:
        await engine.dispose()

    await asyncio.to_thread(upgrade, "supplychain", url)
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            rows = (await connection.execute(text("SELECT field, value FROM epcis_event_identifier"))).all()
    finally:
        await engine.dispose()
    assert sorted(rows) == sorted(
        [
            *captured,
            ("epcList", "urn:epc:id:sgtin:0614141.107346.2017"),  # the URN it can be found by
        ]  # the class's URN of a known prefix is already its own other form: no row added
    )
