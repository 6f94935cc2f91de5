"""SQLite's one write lock held past the busy timeout (a long batch): the write waiting for it is told
503 `db.busy` with Retry-After, nothing is half-written, and the same request sent again is recorded once.

The province demo's load met this as a 500 "database is locked" when two large batches overlapped.
SQLite only: PostgreSQL writers wait on row locks, not on one database lock.
"""

from __future__ import annotations

import asyncio
import sqlite3

from htx.runner import sqlite_url
from services.supplychain.app import create_app
from shared.migrations import upgrade
from tests.fixtures.supplychain import UNREACHABLE_REGISTRY
from tests.integration._supplychain import seed_replica
from tests.support import bearer, running_app, service_settings

HARVEST = {
    "coop_id": 1,
    "member_id": 10,
    "lot_code": "TH-BUSY-1",
    "quantity_kg": "20",
    "harvested_on": "2025-06-01",
    "harvest_round": 1,
}


async def test_a_write_that_waits_too_long_for_the_lock_is_told_to_come_back(redis, redis_url, stream_prefix, tmp_path):
    path = tmp_path / "supplychain.db"
    await asyncio.to_thread(upgrade, "supplychain", sqlite_url(path))  # it runs an event loop of its own
    settings = service_settings(
        database_url=sqlite_url(path),
        redis_url=redis_url,
        stream_prefix=stream_prefix,
        registry_url=UNREACHABLE_REGISTRY,
        sqlite_busy_timeout_seconds=0.3,
    )
    coop = bearer("coop", coop_id=1) | {"Idempotency-Key": "busy-harvest-1", "Accept-Language": "en"}
    async with running_app(create_app(settings)) as client:
        await seed_replica(redis, stream_prefix)
        holder = sqlite3.connect(path, timeout=10, isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock, as a long batch does
            busy = await client.post("/harvests", json=HARVEST, headers=coop)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert busy.status_code == 503, busy.text
        assert busy.headers["Retry-After"] == "5"
        assert busy.json()["detail"]["code"] == "db.busy"
        assert busy.json()["detail"]["message"].startswith("The database is busy writing a large batch")
        assert (await client.get("/lots/TH-BUSY-1", headers=bearer())).status_code == 404  # nothing written

        again = await client.post("/harvests", json=HARVEST, headers=coop)
        assert again.status_code == 201, again.text
        replayed = await client.post("/harvests", json=HARVEST, headers=coop)
        assert replayed.status_code == 201 and replayed.json() == again.json()
        assert (await client.get("/lots/TH-BUSY-1", headers=bearer())).json()["quantity_kg"] == "20.000"
