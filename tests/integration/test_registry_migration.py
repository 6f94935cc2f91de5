"""rg0002_organisations on a database that already holds co-ops, on both backends."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa

from shared.db import create_engine
from shared.migrations import upgrade
from tests.support import temporary_postgres_database


async def _upgrade_with_existing_coop(url: str) -> tuple[list, str]:
    await asyncio.to_thread(upgrade, "registry", url, "59a020f02f33")
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                sa.text(
                    "INSERT INTO coop (name, name_search, form, registration_code, ward_code, founded_on, main_products, "
                    "status, created_at) VALUES ('HTX Chè Tân Hương', 'htx che tan huong', 'hop_tac_xa', 'OLD-1', "
                    "'05488', '2009-04-15', :products, 'suspended', '2024-01-01 00:00:00')"
                ),
                {"products": "Chè búp khô\nChè xanh"},
            )
        await asyncio.to_thread(upgrade, "registry", url)
        async with engine.connect() as connection:
            history = (
                await connection.execute(sa.text("SELECT status, effective_on, reason FROM coop_status_history"))
            ).all()
            products = (await connection.execute(sa.text("SELECT products_search FROM coop"))).scalar_one()
    finally:
        await engine.dispose()
    return [(status, str(effective_on), reason) for status, effective_on, reason in history], products


async def test_existing_coops_get_their_first_status_row_and_searchable_products(backend, tmp_path):
    if backend == "sqlite":
        history, products = await _upgrade_with_existing_coop(f"sqlite+aiosqlite:///{tmp_path}/registry.db")
    else:
        async with temporary_postgres_database() as url:
            history, products = await _upgrade_with_existing_coop(url)
    assert history == [("suspended", "2009-04-15", "registered")]
    assert products == "che bup kho\nche xanh"
