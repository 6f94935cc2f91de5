"""SQLite database files are private to their owner: they hold households' names and what they are owed."""

from __future__ import annotations

import stat

from sqlalchemy import text

from shared.db import create_engine


async def test_database_and_its_wal_files_are_readable_by_their_owner_only(tmp_path):
    database = tmp_path / "data" / "registry.db"
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE t (x INTEGER)"))
            await connection.execute(text("INSERT INTO t VALUES (1)"))
        files = [database, database.with_name("registry.db-wal"), database.with_name("registry.db-shm")]
        assert all(path.exists() for path in files)
        for path in files:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    finally:
        await engine.dispose()


async def test_an_existing_world_readable_database_is_made_private(tmp_path):
    database = tmp_path / "old.db"
    database.write_bytes(b"")
    database.chmod(0o644)
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    await engine.dispose()
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
