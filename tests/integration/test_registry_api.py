"""Registry slice over HTTP against a real database and Redis, on both backends."""

from __future__ import annotations

import json

from tests.support import ENVELOPE_FIELDS, bearer, running_app, wait_until

COOP = {"name": "HTX Chè Tân Hương", "registration_code": "TN-0001", "ward_code": "05488", "founded_on": "2010-05-01"}


async def test_register_coop_publishes_plain_json_entry(registry_app_factory, redis, stream_prefix):
    app = await registry_app_factory()
    async with running_app(app) as client:
        created = await client.post("/coops", json=COOP, headers=bearer())
        assert created.status_code == 201, created.text
        assert created.json()["name"] == "HTX Chè Tân Hương"
        assert created.json()["ward_name"] == "Xã Đại Phúc"

        stream = f"{stream_prefix}registry.events"
        entries = await wait_until(lambda: redis.xrange(stream), message="the event on the stream")
        _, fields = entries[0]
        fields = {k.decode(): v.decode() for k, v in fields.items()}
        assert set(fields) == set(ENVELOPE_FIELDS)
        assert fields["event_type"] == "registry.coop_registered"
        assert fields["producer"] == "registry"
        assert fields["correlation_id"]
        assert json.loads(fields["payload"])["name"] == "HTX Chè Tân Hương"


async def test_search_forgives_missing_diacritics(registry_app_factory):
    app = await registry_app_factory()
    async with running_app(app) as client:
        await client.post("/coops", json=COOP, headers=bearer())
        await client.post(
            "/coops",
            json={**COOP, "name": "HTX Chè Tân Cương", "registration_code": "TN-2", "ward_code": "05503"},
            headers=bearer(),
        )
        found = (await client.get("/coops", params={"q": "tan huong"})).json()
        assert [c["name"] for c in found["items"]] == ["HTX Chè Tân Hương"]
        assert found["total"] == 1


async def test_invalid_body_is_422_with_fields_and_writes_nothing(registry_app_factory, redis, stream_prefix):
    app = await registry_app_factory()
    async with running_app(app) as client:
        bad = await client.post(
            "/coops", json={**COOP, "ward_code": "99999", "founded_on": "not a date"}, headers=bearer()
        )
        assert bad.status_code == 422
        fields = {tuple(error["loc"]) for error in bad.json()["detail"]}
        assert ("body", "ward_code") in fields and ("body", "founded_on") in fields
        assert (await client.get("/coops")).json()["total"] == 0
        assert await redis.xlen(f"{stream_prefix}registry.events") == 0


async def test_auth_no_token_401_other_coop_403(registry_app_factory):
    app = await registry_app_factory()
    async with running_app(app) as client:
        assert (await client.post("/coops", json=COOP)).status_code == 401
        assert (await client.post("/coops", json=COOP, headers=bearer("coop", coop_id=1))).status_code == 403
        first = (await client.post("/coops", json=COOP, headers=bearer())).json()
        second = (await client.post("/coops", json={**COOP, "registration_code": "TN-9"}, headers=bearer())).json()
        member = {"name": "Nguyễn Thị Hoa", "joined_on": "2015-03-01", "phone": "0912 345 678"}
        denied = await client.post(
            f"/coops/{second['id']}/members", json=member, headers=bearer("coop", coop_id=first["id"])
        )
        assert denied.status_code == 403
        assert "HTX" in denied.json()["detail"]["message"]  # Vietnamese by default
        english = await client.post(
            f"/coops/{second['id']}/members",
            json=member,
            headers={**bearer("coop", coop_id=first["id"]), "Accept-Language": "en"},
        )
        assert english.json()["detail"]["message"].startswith("This token may only write")
        own = await client.post(
            f"/coops/{first['id']}/members", json=member, headers=bearer("coop", coop_id=first["id"])
        )
        assert own.status_code == 201


async def test_personal_data_hidden_from_public(registry_app_factory):
    app = await registry_app_factory()
    async with running_app(app) as client:
        coop = (await client.post("/coops", json=COOP, headers=bearer())).json()
        member = {
            "name": "Nguyễn Thị Hoa",
            "joined_on": "2015-03-01",
            "phone": "0912345678",
            "id_number": "019123456789",
        }
        created = (await client.post(f"/coops/{coop['id']}/members", json=member, headers=bearer())).json()
        public = (await client.get(f"/coops/{coop['id']}/members/{created['id']}")).json()
        assert "phone" not in public and "id_number" not in public and "capital_vnd" not in public
        assert public["name"] == "N. T. H."  # the co-op's default: households as initials
        private = (
            await client.get(f"/coops/{coop['id']}/members/{created['id']}", headers=bearer("coop", coop_id=coop["id"]))
        ).json()
        assert private["phone"] == "0912345678"
