"""The supplychain's replica of the registry: learnt from registry.events, exactly once."""

from __future__ import annotations

from datetime import date

from services.registry.app import create_app as create_registry_app
from services.supplychain.tables import KnownCoop, KnownMember
from shared.events import registry as registry_contracts
from shared.messaging.consumer import InboxEntry
from tests.integration._supplychain import (
    coop_registered,
    count,
    group_caught_up,
    member_joined,
    publish,
    row,
)
from tests.support import bearer, running_app, service_settings, wait_until

HARVEST = {"quantity_kg": "25.5", "harvested_on": "2025-06-01", "harvest_round": 3}


async def test_replica_learns_every_registry_event_and_serves_harvests_from_it(
    supplychain_app_factory, redis, stream_prefix
):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        await publish(redis, stream_prefix, coop_registered(7))
        await publish(redis, stream_prefix, member_joined(70, 7))
        await publish(redis, stream_prefix, member_joined(71, 7, name="Trần Văn Nam"))
        await publish(
            redis, stream_prefix, registry_contracts.MemberLeft(member_id=71, coop_id=7, left_on=date(2025, 1, 31))
        )
        await wait_until(lambda: row(app, KnownMember, 71), message="member 71 in the replica")
        await wait_until(lambda: group_caught_up(redis, f"{stream_prefix}registry.events"), message="all applied")

        coop = await row(app, KnownCoop, 7)
        assert (coop.name, coop.status, coop.ward_code, coop.learnt_from) == (
            "HTX Chè Tân Hương",
            "active",
            "05488",
            "event",
        )
        assert (await row(app, KnownMember, 70)).left_on is None
        assert (await row(app, KnownMember, 71)).left_on == date(2025, 1, 31)

        # The registry is unreachable in this test: these answers come from the replica alone.
        ok = await client.post("/harvests", json={**HARVEST, "coop_id": 7, "member_id": 70}, headers=bearer())
        assert ok.status_code == 201, ok.text
        left = await client.post("/harvests", json={**HARVEST, "coop_id": 7, "member_id": 71}, headers=bearer())
        assert left.status_code == 422 and left.json()["detail"]["code"] == "member.not_member_on_date"

        await publish(
            redis,
            stream_prefix,
            registry_contracts.CoopStatusChanged(
                coop_id=7, status="suspended", effective_on=date(2025, 6, 1), reason="không nộp báo cáo"
            ),
        )
        await wait_until(lambda: _status_is(app, 7, "suspended"), message="suspension applied")
        refused = await client.post("/harvests", json={**HARVEST, "coop_id": 7, "member_id": 70}, headers=bearer())
        assert refused.status_code == 409 and refused.json()["detail"]["code"] == "coop.not_active"
        # The status that counts is the one on the event date: the day before the suspension was fine.
        earlier = await client.post(
            "/harvests", json={**HARVEST, "coop_id": 7, "member_id": 70, "harvested_on": "2025-05-31"}, headers=bearer()
        )
        assert earlier.status_code == 201, earlier.text
        before_founding = await client.post(
            "/harvests", json={**HARVEST, "coop_id": 7, "member_id": 70, "harvested_on": "2009-12-31"}, headers=bearer()
        )
        assert (
            before_founding.status_code == 409 and before_founding.json()["detail"]["params"]["status"] == "not_founded"
        )


async def _status_is(app, coop_id: int, status: str) -> bool:
    coop = await row(app, KnownCoop, coop_id)
    return coop is not None and coop.status == status


async def test_redelivered_registry_event_changes_nothing(supplychain_app_factory, redis, stream_prefix):
    app = await supplychain_app_factory()
    stream = f"{stream_prefix}registry.events"
    async with running_app(app):
        await publish(redis, stream_prefix, coop_registered(5))
        suspended = await publish(
            redis,
            stream_prefix,
            registry_contracts.CoopStatusChanged(
                coop_id=5, status="suspended", effective_on=date(2025, 3, 1), reason="tạm ngừng"
            ),
        )
        await publish(
            redis,
            stream_prefix,
            registry_contracts.CoopStatusChanged(
                coop_id=5, status="active", effective_on=date(2025, 4, 1), reason="hoạt động lại"
            ),
        )
        await wait_until(lambda: group_caught_up(redis, stream), message="three events applied")
        assert await count(app, InboxEntry) == 3
        before = await row(app, KnownCoop, 5)
        assert before.status == "active"

        # The suspension arrives again (a relay that died before marking its outbox row).
        await publish(redis, stream_prefix, None, envelope=suspended)
        await wait_until(lambda: group_caught_up(redis, stream), message="the duplicate delivered and acked")
        after = await row(app, KnownCoop, 5)
        assert after.status == "active"
        assert after.updated_at == before.updated_at
        assert await count(app, InboxEntry) == 3
        assert await app.state.runtime.consumers[0].apply(suspended.to_fields(), "0-1") is False


async def test_replica_learns_from_the_real_registry(
    database_url_factory, redis_url, redis, stream_prefix, supplychain_app_factory
):
    registry_url = await database_url_factory("registry")
    registry = create_registry_app(
        service_settings(database_url=registry_url, redis_url=redis_url, stream_prefix=stream_prefix)
    )
    supplychain = await supplychain_app_factory()
    async with running_app(registry) as registry_client, running_app(supplychain):
        coop = (
            await registry_client.post(
                "/coops",
                json={
                    "name": "HTX Chè Tân Cương",
                    "registration_code": "TN-0042",
                    "ward_code": "05503",
                    "founded_on": "2012-01-15",
                },
                headers=bearer(),
            )
        ).json()
        member = (
            await registry_client.post(
                f"/coops/{coop['id']}/members",
                json={"name": "Lê Thị Mai", "joined_on": "2016-02-01", "phone": "0912345678"},
                headers=bearer(),
            )
        ).json()

        known = await wait_until(lambda: row(supplychain, KnownMember, member["id"]), message="member replicated")
        assert (known.coop_id, known.name, known.joined_on, known.learnt_from) == (
            coop["id"],
            "Lê Thị Mai",
            date(2016, 2, 1),
            "event",
        )
        known_coop = await row(supplychain, KnownCoop, coop["id"])
        assert (known_coop.name, known_coop.registration_code, known_coop.ward_code) == (
            "HTX Chè Tân Cương",
            "TN-0042",
            "05503",
        )
