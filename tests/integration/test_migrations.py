"""Each service's Alembic history builds exactly the schema its models describe, on both backends."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from shared.db import create_engine
from shared.migrations import SERVICES_DIR, alembic_config, service_metadata

SERVICES = ("registry", "supplychain", "reporting")


def service_tables(service: str) -> list:
    """The tables the service's migrations/env.py hands to `run_env`."""
    captured: list = []
    source = (SERVICES_DIR / service / "migrations" / "env.py").read_text()
    code = compile(source.replace("run_env(", "captured.extend("), "env.py", "exec")
    exec(code, {"captured": captured})
    return captured


@pytest.mark.parametrize("service", SERVICES)
def test_one_head_per_service(service):
    heads = ScriptDirectory.from_config(alembic_config(service, "sqlite://")).get_heads()
    assert len(heads) == 1, f"{service} has several heads {heads}: add a merge revision"


@pytest.mark.parametrize("service", SERVICES)
async def test_migrations_match_models(service, database_url_factory):
    url = await database_url_factory(service)  # migrated to head
    engine = create_engine(url)
    metadata = service_metadata(service_tables(service))
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
            )
    finally:
        await engine.dispose()
    assert differences == [], f"models and migrations of {service} differ: write a migration"
