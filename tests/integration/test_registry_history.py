"""History views of partners and unions, over HTTP and after the rg0005 backfill, on both backends."""

from __future__ import annotations

import asyncio
import json
from datetime import date

import sqlalchemy as sa

from shared.db import create_engine
from shared.events import registry as contracts
from shared.events.envelope import EventEnvelope
from shared.migrations import upgrade
from tests.support import bearer, running_app, temporary_postgres_database

COOP = {
    "name": "HTX Chè Tân Hương",
    "registration_code": "TN-H1",
    "ward_code": "05488",
    "founded_on": "2010-05-01",
    "contact_name": "Trần Văn Minh",
    "contact_phone": "0912000111",
}
PARTNER = {
    "name": "Công ty TNHH Trà Thái Nguyên",
    "kind": "enterprise",
    "ward_code": "05503",
    "tax_code": "4600123456",
    "address": "Số 5 đường Hoàng Văn Thụ",
}


async def test_partner_history_lists_its_registration_and_contracts_in_order(registry_app_factory):
    app = await registry_app_factory()
    async with running_app(app) as client:
        coop = (await client.post("/coops", json=COOP, headers=bearer())).json()
        partner = (await client.post("/partners", json=PARTNER, headers=bearer())).json()
        other = (
            await client.post(
                "/partners", headers=bearer(), json={"name": "Làng nghề chè Tân Cương", "kind": "craft_village"}
            )
        ).json()
        signed = []
        for partner_id, product, valid_from in (
            (partner["id"], "Chè búp khô", "2024-01-01"),
            (other["id"], "Chè xanh", "2024-02-01"),
            (partner["id"], "Chè móc câu", "2023-06-01"),
        ):
            response = await client.post(
                f"/coops/{coop['id']}/contracts",
                headers=bearer("coop", coop_id=coop["id"]),
                json={"partner_id": partner_id, "product": product, "valid_from": valid_from, "volume_kg": "1500"},
            )
            assert response.status_code == 201, response.text
            signed.append(response.json())

        history = await client.get(f"/partners/{partner['id']}/history")
        assert history.status_code == 200, history.text
        body = history.json()
        assert body["partner_id"] == partner["id"]
        # in the order recorded (newest last), not by contract date
        assert [(e["event_type"], e["payload"].get("product")) for e in body["events"]] == [
            ("registry.partner_registered", None),
            ("registry.chain_contract_signed", "Chè búp khô"),
            ("registry.chain_contract_signed", "Chè móc câu"),
        ]
        registered, first, _ = body["events"]
        assert registered["payload"] == {
            "partner_id": partner["id"],
            "name": "Công ty TNHH Trà Thái Nguyên",
            "kind": "enterprise",
            "ward_code": "05503",
        }
        assert first["payload"]["contract_id"] == signed[0]["id"] and first["payload"]["coop_id"] == coop["id"]
        assert first["actor"] == f"coop:{coop['id']}"  # role and scope; the login stays private
        # public view: no tax code, address or the co-op's contact person anywhere in it
        for private in (PARTNER["tax_code"], PARTNER["address"], COOP["contact_phone"], COOP["contact_name"]):
            assert private not in history.text

        others = (await client.get(f"/partners/{other['id']}/history")).json()["events"]
        assert [(e["event_type"], e["payload"].get("product")) for e in others] == [
            ("registry.partner_registered", None),
            ("registry.chain_contract_signed", "Chè xanh"),
        ]
        # the co-op's history still has all its contracts
        coop_events = (await client.get(f"/coops/{coop['id']}/history")).json()["events"]
        assert sum(e["event_type"] == "registry.chain_contract_signed" for e in coop_events) == 3

        missing = await client.get("/partners/9999/history", headers={"Accept-Language": "en"})
        assert missing.status_code == 404 and missing.json()["detail"]["code"] == "partner.not_found"


async def test_a_union_history_is_its_organisation_history(registry_app_factory):
    """Unions are organisations: their member changes are in GET /coops/{union_id}/history."""
    app = await registry_app_factory()
    async with running_app(app) as client:
        union = (
            await client.post(
                "/coops",
                headers=bearer(),
                json={
                    "name": "Liên hiệp HTX Chè Thái Nguyên",
                    "form": "lien_hiep",
                    "registration_code": "TN-LH1",
                    "ward_code": "05503",
                    "founded_on": "2012-01-01",
                },
            )
        ).json()
        coop = (await client.post("/coops", json=COOP, headers=bearer())).json()
        joined = await client.post(
            f"/unions/{union['id']}/members", headers=bearer(), json={"coop_id": coop["id"], "joined_on": "2013-01-01"}
        )
        assert joined.status_code == 201, joined.text
        left = await client.post(
            f"/unions/{union['id']}/members/{coop['id']}/leave", headers=bearer(), json={"left_on": "2020-12-31"}
        )
        assert left.status_code == 200, left.text

        history = (await client.get(f"/coops/{union['id']}/history")).json()
        assert [(e["event_type"], e["payload"].get("coop_id")) for e in history["events"]] == [
            ("registry.coop_registered", union["id"]),
            ("registry.union_member_added", coop["id"]),
            ("registry.union_member_removed", coop["id"]),
        ]
        assert [s["status"] for s in history["status_history"]] == ["active"]


def _outbox_row(event: contracts.RegistryEvent) -> dict:
    envelope = EventEnvelope.wrap(event, actor="province:test")
    return {
        "event_id": str(envelope.event_id),
        "stream": contracts.STREAM,
        "event_type": envelope.event_type,
        "fields_json": json.dumps(envelope.to_fields(), ensure_ascii=False),
        "created_at": envelope.recorded_at,
    }


async def _write_before_rg0005(url: str) -> list[str]:
    """A registry at rg0004 holding a partner, a co-op and a contract with their outbox events."""
    await asyncio.to_thread(upgrade, "registry", url, "rg0004_merge")
    events = [
        contracts.CoopRegistered(
            coop_id=1,
            name="HTX Chè Tân Hương",
            form="hop_tac_xa",
            registration_code="OLD-1",
            ward_code="05488",
            founded_on=date(2010, 5, 1),
            status="active",
        ),
        contracts.PartnerRegistered(partner_id=1, name="Công ty TNHH Trà Thái Nguyên", kind="enterprise"),
        contracts.PartnerRegistered(partner_id=2, name="Thương lái Hoàng", kind="trader"),
        contracts.ChainContractSigned(
            contract_id=1, coop_id=1, partner_id=1, product="Chè búp khô", valid_from=date(2024, 1, 1)
        ),
    ]
    rows = [_outbox_row(event) for event in events]
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                sa.text(
                    "INSERT INTO partner (name, name_search, kind, created_at) VALUES "
                    "('Công ty TNHH Trà Thái Nguyên', 'cong ty tnhh tra thai nguyen', 'enterprise', '2024-01-01'), "
                    "('Thương lái Hoàng', 'thuong lai hoang', 'trader', '2024-01-01')"
                )
            )
            await connection.execute(
                sa.text(
                    "INSERT INTO outbox (event_id, stream, event_type, fields_json, created_at) "
                    "VALUES (:event_id, :stream, :event_type, :fields_json, :created_at)"
                ),
                rows,
            )
        await asyncio.to_thread(upgrade, "registry", url)
    finally:
        await engine.dispose()
    return [row["event_id"] for row in rows]


async def test_rg0005_backfills_the_partner_index_from_the_outbox(registry_app_factory, backend, tmp_path):
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/registry-old.db"
    else:
        manager = temporary_postgres_database()
        url = await manager.__aenter__()
    try:
        event_ids = await _write_before_rg0005(url)
        app = await registry_app_factory(database_url=url)
        async with running_app(app) as client:
            first = (await client.get("/partners/1/history")).json()["events"]
            second = (await client.get("/partners/2/history")).json()["events"]
    finally:
        if backend != "sqlite":
            await manager.__aexit__(None, None, None)
    assert [(e["event_id"], e["event_type"]) for e in first] == [
        (event_ids[1], "registry.partner_registered"),
        (event_ids[3], "registry.chain_contract_signed"),
    ]
    assert [e["event_id"] for e in second] == [event_ids[2]]
