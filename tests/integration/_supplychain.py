"""Helpers for the supplychain integration tests: registry events by XADD, row counts, a stand-in registry.

The app itself comes from the `supplychain_app_factory` fixture (tests/fixtures/supplychain.py).
"""

from __future__ import annotations

from datetime import date

import httpx
from sqlalchemy import func
from sqlmodel import col, select

from services.supplychain.epcis.tables import EpcisEvent
from services.supplychain.tables import TABLES
from shared.events import registry as registry_contracts
from shared.events.envelope import EventEnvelope
from shared.messaging.outbox import OutboxMessage
from tests.support import wait_until


async def publish(redis, stream_prefix: str, event, envelope: EventEnvelope | None = None) -> EventEnvelope:
    """XADD a registry event exactly as the registry's relay would."""
    envelope = envelope or EventEnvelope.wrap(event)
    await redis.xadd(f"{stream_prefix}{registry_contracts.STREAM}", envelope.to_fields())
    return envelope


def coop_registered(coop_id: int, name: str = "HTX Chè Tân Hương", status: str = "active"):
    return registry_contracts.CoopRegistered(
        coop_id=coop_id,
        name=name,
        form="hop_tac_xa",
        registration_code=f"TN-{coop_id:04d}",
        ward_code="05488",
        founded_on=date(2010, 5, 1),
        status=status,
    )


def member_joined(member_id: int, coop_id: int, name: str = "Nguyễn Thị Hoa", joined_on: date = date(2015, 3, 1)):
    return registry_contracts.MemberJoined(
        member_id=member_id, coop_id=coop_id, name=name, kind="household", membership="official", joined_on=joined_on
    )


async def seed_replica(redis, stream_prefix: str, coop_id: int = 1, member_id: int = 10) -> None:
    """A co-op and one member household in the supplychain's replica, as the registry's stream tells them."""
    await publish(redis, stream_prefix, coop_registered(coop_id))
    await publish(redis, stream_prefix, member_joined(member_id, coop_id))
    await wait_until(lambda: group_caught_up(redis, f"{stream_prefix}registry.events"), message="replica seeded")


async def count(app, model) -> int:
    async with app.state.runtime.sessions() as session:
        return (await session.exec(select(func.count()).select_from(model))).one()


async def row(app, model, key):
    async with app.state.runtime.sessions() as session:
        return await session.get(model, key)


async def group_caught_up(redis, stream: str, group: str = "supplychain") -> bool:
    """Every entry of the stream delivered to the group and acknowledged."""
    last = await redis.xrevrange(stream, count=1)
    for info in await redis.xinfo_groups(stream):
        if info["name"].decode() == group:
            return bool(last) and info["last-delivered-id"] == last[0][0] and info["pending"] == 0
    return False


def not_found_registry() -> httpx.AsyncClient:
    """A registry that knows nothing: every read is a 404."""
    return httpx.AsyncClient(
        transport=httpx.MockTransport(lambda request: httpx.Response(404, json={})), base_url="http://registry"
    )


async def table_counts(app, redis, stream_prefix) -> dict:
    """Row count of every table the service writes, and its stream's length, once the relay is idle.

    Two equal snapshots around a refused request prove it wrote nothing and published nothing.
    """
    await wait_until(lambda: all_published(app), message="outbox relayed")
    stream = f"{stream_prefix}supplychain.events"
    if await redis.xlen(stream):  # the service's own group (webhook subscriptions) has taken what was published
        await wait_until(lambda: group_caught_up(redis, stream), message="own stream consumed")
    counts = {}
    async with app.state.runtime.sessions() as session:
        for table in TABLES + [EpcisEvent.__table__]:
            counts[table.name] = (await session.exec(select(func.count()).select_from(table))).one()
    counts["stream"] = await redis.xlen(f"{stream_prefix}supplychain.events")
    return counts


async def all_published(app) -> bool:
    async with app.state.runtime.sessions() as session:
        return not (await session.exec(select(OutboxMessage).where(col(OutboxMessage.published_at).is_(None)))).all()
