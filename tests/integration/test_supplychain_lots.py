"""Harvests, sales, lot history and public trace over HTTP, on both backends."""

from __future__ import annotations

import json
from datetime import date, timedelta

import httpx
from sqlmodel import col, select

from services.registry.app import create_app as create_registry_app
from services.supplychain.tables import KnownCoop, KnownMember, Lot, LotEvent, Sale
from shared.events import registry as registry_contracts
from shared.messaging.outbox import OutboxMessage
from tests.integration._supplychain import (
    coop_registered,
    count,
    group_caught_up,
    member_joined,
    not_found_registry,
    publish,
    row,
)
from tests.support import bearer, running_app, service_settings, wait_until

HARVEST = {
    "coop_id": 1,
    "member_id": 10,
    "quantity_kg": "120.5",
    "harvested_on": "2025-06-01",
    "harvest_round": 3,
    "plot_code": "VT-19-05488-001",
}
SALE = {
    "coop_id": 1,
    "buyer_name": "Công ty TNHH Chè Thái",
    "buyer_partner_id": 501,
    "quantity_kg": "100.125",
    "price_per_kg_vnd": 15_500,
    "sold_on": "2025-06-02",
    "invoice_number": "HD-0001",
}


async def _seed_replica(redis, stream_prefix):
    """Co-op 1 (active) with member 10; co-op 2 (active) with member 20."""
    await publish(redis, stream_prefix, coop_registered(1))
    await publish(redis, stream_prefix, member_joined(10, 1))
    await publish(redis, stream_prefix, coop_registered(2, name="HTX Chè La Bằng"))
    await publish(redis, stream_prefix, member_joined(20, 2, name="Phạm Văn Đức"))
    await wait_until(lambda: group_caught_up(redis, f"{stream_prefix}registry.events"), message="replica seeded")


async def _stream_entries(redis, stream_prefix):
    entries = await redis.xrange(f"{stream_prefix}supplychain.events")
    return [{k.decode(): v.decode() for k, v in fields.items()} for _, fields in entries]


async def test_harvest_sale_lot_and_trace(supplychain_app_factory, redis, stream_prefix):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        await _seed_replica(redis, stream_prefix)
        coop_token = bearer("coop", coop_id=1)

        first = await client.post("/harvests", json=HARVEST, headers=coop_token)
        assert first.status_code == 201, first.text
        lot = first.json()
        assert lot["code"] == "TH-1-20250601-1"
        assert lot["product"] == "chè búp tươi"
        assert lot["quantity_kg"] == "120.500"
        second = await client.post("/harvests", json={**HARVEST, "quantity_kg": "3"}, headers=coop_token)
        assert second.json()["code"] == "TH-1-20250601-2"

        sale = await client.post("/sales", json={**SALE, "lot_code": lot["code"]}, headers=coop_token)
        assert sale.status_code == 201, sale.text
        assert sale.json()["amount_vnd"] == 1_551_938  # 100.125 x 15 500 = 1 551 937.5, rounded half up
        assert sale.json()["quantity_kg"] == "100.125"

        shown = (await client.get(f"/lots/{lot['code']}", headers=coop_token)).json()
        assert shown["quantity_kg"] == "20.375"
        assert [(e["kind"], e["quantity_delta_kg"]) for e in shown["events"]] == [
            ("harvested", "120.500"),
            ("sold", "-100.125"),
        ]
        assert "15500" not in json.dumps(shown) and "price" not in json.dumps(shown)

        public = (await client.get(f"/lots/{lot['public_token']}/trace")).json()  # what the QR code names
        assert [(o["member_id"], o["household_name"]) for o in public["origins"]] == [(None, "N. T. H.")]
        trace = await client.get(f"/lots/{lot['code']}/trace", headers=coop_token)
        assert trace.status_code == 200
        body = trace.json()
        assert body["households"] == 1
        assert body["origins"] == [
            {
                "lot_code": lot["code"],
                "coop_id": 1,
                "coop_name": "HTX Chè Tân Hương",
                "ward_code": "05488",
                "member_id": 10,
                "household_name": "Nguyễn Thị Hoa",
                "plot_code": "VT-19-05488-001",
                "harvested_on": "2025-06-01",
                "harvest_round": 3,
                "harvested_quantity_kg": "120.500",
                "certificates": [],
            }
        ]
        assert body["sales"] == [
            {
                "lot_code": lot["code"],
                "buyer_name": "Công ty TNHH Chè Thái",
                "quantity": "100.125",
                "unit": "kg",
                "sold_on": "2025-06-02",
            }
        ]
        text = json.dumps(body)
        assert "price" not in text and "amount" not in text and "HD-0001" not in text

        entries = await wait_until(lambda: _n_entries(redis, stream_prefix, 3), message="three events published")
        assert [e["event_type"] for e in entries] == [
            "supplychain.lot_harvested",
            "supplychain.lot_harvested",
            "supplychain.lot_sold",
        ]
        harvested, sold = json.loads(entries[0]["payload"]), json.loads(entries[2]["payload"])
        assert harvested["quantity_kg"] == "120.500" and harvested["lot_code"] == lot["code"]
        assert entries[0]["occurred_at"].startswith("2025-06-01T00:00:00+07:00")
        assert entries[0]["actor"] == "coop:1:test-coop"
        assert (sold["amount_vnd"], sold["price_per_kg_vnd"], sold["sale_id"]) == (1_551_938, 15_500, sale.json()["id"])

        # Selling exactly what is left empties the lot; a gram more is refused.
        rest = await client.post(
            "/sales",
            json={**SALE, "lot_code": lot["code"], "quantity_kg": "20.375", "invoice_number": "HD-0002"},
            headers=coop_token,
        )
        assert rest.status_code == 201
        assert (await client.get(f"/lots/{lot['code']}", headers=coop_token)).json()["quantity_kg"] == "0.000"


async def _n_entries(redis, stream_prefix, n):
    entries = await _stream_entries(redis, stream_prefix)
    return entries if len(entries) >= n else None


async def test_harvest_asks_the_registry_when_the_replica_is_behind(
    database_url_factory, redis_url, redis, stream_prefix, supplychain_app_factory
):
    registry_url = await database_url_factory("registry")
    # The registry publishes under another prefix: this supplychain never sees its events.
    registry = create_registry_app(
        service_settings(database_url=registry_url, redis_url=redis_url, stream_prefix=f"{stream_prefix}elsewhere.")
    )
    async with running_app(registry) as registry_client:
        coop = (
            await registry_client.post(
                "/coops",
                json={
                    "name": "HTX Chè Tân Hương",
                    "registration_code": "TN-0001",
                    "ward_code": "05488",
                    "founded_on": "2010-05-01",
                },
                headers=bearer(),
            )
        ).json()
        member = (
            await registry_client.post(
                f"/coops/{coop['id']}/members",
                json={"name": "Nguyễn Thị Hoa", "joined_on": "2015-03-01", "phone": "0912345678"},
                headers=bearer(),
            )
        ).json()

        to_registry = httpx.AsyncClient(transport=httpx.ASGITransport(app=registry), base_url="http://registry")
        app = await supplychain_app_factory(registry_http=to_registry)
        async with running_app(app) as client:
            assert await row(app, KnownCoop, coop["id"]) is None
            created = await client.post(
                "/harvests", json={**HARVEST, "coop_id": coop["id"], "member_id": member["id"]}, headers=bearer()
            )
            assert created.status_code == 201, created.text
            cached_coop, cached_member = (
                await row(app, KnownCoop, coop["id"]),
                await row(app, KnownMember, member["id"]),
            )
            assert (cached_coop.name, cached_coop.registration_code, cached_coop.learnt_from) == (
                "HTX Chè Tân Hương",
                "TN-0001",
                "registry_api",
            )
            assert (cached_member.name, cached_member.learnt_from) == ("Nguyễn Thị Hoa", "registry_api")
            trace = (await client.get(f"/lots/{created.json()['code']}/trace", headers=bearer())).json()
            assert trace["origins"][0]["household_name"] == "Nguyễn Thị Hoa"
            assert "0912345678" not in json.dumps(trace)

            # The registry's own 404s come through as ours.
            unknown = await client.post("/harvests", json={**HARVEST, "coop_id": coop["id"] + 100}, headers=bearer())
            assert unknown.status_code == 404 and unknown.json()["detail"]["code"] == "coop.not_found"
            stranger = await client.post(
                "/harvests", json={**HARVEST, "coop_id": coop["id"], "member_id": member["id"] + 100}, headers=bearer()
            )
            assert stranger.status_code == 404 and stranger.json()["detail"]["code"] == "member.not_found"

            # The event arriving late upserts the cached row instead of failing on it.
            await publish(
                redis,
                stream_prefix,
                registry_contracts.CoopRegistered(
                    coop_id=coop["id"],
                    name="HTX Chè Tân Hương",
                    form="hop_tac_xa",
                    registration_code="TN-0001",
                    ward_code="05488",
                    founded_on=date(2010, 5, 1),
                    status="active",
                ),
            )
            await wait_until(
                lambda: group_caught_up(redis, f"{stream_prefix}registry.events"), message="late event applied"
            )
            assert (await row(app, KnownCoop, coop["id"])).status == "active"
            assert await count(app, KnownCoop) == 1


async def test_registry_unreachable_is_503_and_writes_nothing(supplychain_app_factory, redis):
    app = await supplychain_app_factory()  # registry on a dead port
    async with running_app(app) as client:
        answer = await client.post("/harvests", json=HARVEST, headers={**bearer(), "Accept-Language": "en"})
        assert answer.status_code == 503
        assert answer.json()["detail"]["code"] == "registry.unavailable"
        assert "registry could not be reached" in answer.json()["detail"]["message"]
        assert await count(app, Lot) == 0 and await count(app, KnownCoop) == 0 and await count(app, OutboxMessage) == 0


async def test_every_refusal_is_a_clear_4xx_and_writes_nothing(supplychain_app_factory, redis, stream_prefix):
    app = await supplychain_app_factory(registry_http=not_found_registry())
    async with running_app(app) as client:
        await _seed_replica(redis, stream_prefix)
        await publish(redis, stream_prefix, coop_registered(3, name="HTX Chè Đã Tạm Ngừng"))
        await publish(redis, stream_prefix, member_joined(30, 3))
        await publish(
            redis,
            stream_prefix,
            registry_contracts.CoopStatusChanged(
                coop_id=3, status="suspended", effective_on=date(2025, 1, 1), reason="tạm ngừng"
            ),
        )
        await publish(
            redis, stream_prefix, registry_contracts.MemberLeft(member_id=20, coop_id=2, left_on=date(2025, 5, 31))
        )
        await wait_until(lambda: group_caught_up(redis, f"{stream_prefix}registry.events"), message="replica seeded")

        lot = (await client.post("/harvests", json={**HARVEST, "lot_code": "LOT-A"}, headers=bearer())).json()
        assert lot["code"] == "LOT-A"
        lot_b = await client.post(
            "/harvests",
            json={**HARVEST, "coop_id": 2, "member_id": 20, "harvested_on": "2025-05-31", "lot_code": "LOT-B"},
            headers=bearer(),
        )
        assert lot_b.status_code == 201  # the leaving day itself is still a member's day
        tomorrow = (date.today() + timedelta(days=2)).isoformat()

        refusals = [
            # (body, path, headers, status, code)
            ({**HARVEST, "coop_id": 99}, "/harvests", bearer(), 404, "coop.not_found"),
            ({**HARVEST, "coop_id": 3, "member_id": 30}, "/harvests", bearer(), 409, "coop.not_active"),
            ({**HARVEST, "member_id": 99}, "/harvests", bearer(), 404, "member.not_found"),
            ({**HARVEST, "member_id": 20}, "/harvests", bearer(), 404, "member.not_found"),  # co-op 2's member
            ({**HARVEST, "harvested_on": "2015-02-28"}, "/harvests", bearer(), 422, "member.not_member_on_date"),
            ({**HARVEST, "coop_id": 2, "member_id": 20}, "/harvests", bearer(), 422, "member.not_member_on_date"),
            ({**HARVEST, "lot_code": "LOT-A"}, "/harvests", bearer(), 409, "lot.duplicate"),
            ({**HARVEST, "harvested_on": tomorrow}, "/harvests", bearer(), 422, None),
            ({**HARVEST, "quantity_kg": "1.0001"}, "/harvests", bearer(), 422, None),
            (HARVEST, "/harvests", {}, 401, "auth.missing"),
            (HARVEST, "/harvests", bearer("buyer", partner_id=501), 403, "auth.role"),
            (HARVEST, "/harvests", bearer("coop", coop_id=2), 403, "auth.other_coop"),
            ({**SALE, "lot_code": "NO-SUCH-LOT"}, "/sales", bearer(), 404, "lot.not_found"),
            ({**SALE, "lot_code": "LOT-B"}, "/sales", bearer("coop", coop_id=1), 409, "lot.other_coop"),
            ({**SALE, "lot_code": "LOT-A", "quantity_kg": "120.501"}, "/sales", bearer(), 409, "lot.insufficient"),
            ({**SALE, "lot_code": "LOT-A", "sold_on": "2025-05-31"}, "/sales", bearer(), 422, "lot.before_creation"),
            ({**SALE, "lot_code": "LOT-A"}, "/sales", bearer("buyer", partner_id=501), 403, "auth.role"),
            ({**SALE, "lot_code": "LOT-A", "price_per_kg_vnd": 0}, "/sales", bearer(), 422, None),
        ]
        for body, path, headers, status, code in refusals:
            answer = await client.post(path, json=body, headers=headers)
            assert answer.status_code == status, (body, answer.text)
            if code is not None:
                assert answer.json()["detail"]["code"] == code, (body, answer.text)
                assert answer.json()["detail"]["message"]

        insufficient = await client.post(
            "/sales",
            json={**SALE, "lot_code": "LOT-A", "quantity_kg": "200"},
            headers={**bearer(), "Accept-Language": "en"},
        )
        assert insufficient.json()["detail"]["message"] == "Lot LOT-A holds only 120.500 kg; cannot take 200.000 kg."

        # Only the two accepted harvests left a trace, in the tables and on the stream.
        assert await count(app, Lot) == 2 and await count(app, LotEvent) == 2 and await count(app, Sale) == 0
        assert await count(app, OutboxMessage) == 2
        assert await count(app, KnownCoop) == 3  # nothing cached from the (404) registry
        await wait_until(lambda: _all_published(app), message="outbox relayed")
        entries = await _stream_entries(redis, stream_prefix)
        assert [json.loads(e["payload"])["lot_code"] for e in entries] == ["LOT-A", "LOT-B"]


async def _all_published(app) -> bool:
    async with app.state.runtime.sessions() as session:
        rows = (await session.exec(select(OutboxMessage).where(col(OutboxMessage.published_at).is_(None)))).all()
        return not rows


async def test_unknown_lot_reads_are_404(supplychain_app_factory):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        for path in ("/lots/NOPE", "/lots/NOPE/trace"):
            answer = await client.get(path, headers=bearer())
            assert answer.status_code == 404 and answer.json()["detail"]["code"] == "lot.not_found"
            anonymous = await client.get(path)  # the public names lots by their tokens only
            assert anonymous.status_code == 404 and anonymous.json()["detail"]["code"] == "trace.not_found"
