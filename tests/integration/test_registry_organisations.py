"""Registry organisations, members, unions, partners and search over HTTP, on both backends."""

from __future__ import annotations

import json
import unicodedata

from tests.support import bearer, running_app, wait_until

COOP = {
    "name": "HTX Chè Tân Hương",
    "registration_code": "TN-0001",
    "ward_code": "05488",
    "founded_on": "2010-05-01",
    "main_products": ["Chè búp khô", "chè xanh"],
    "sectors": ["trồng trọt"],
    "contact_name": "Trần Văn Minh",
    "contact_phone": "0912000111",
}
MEMBER = {"name": "Nguyễn Thị Hoa", "joined_on": "2015-03-01", "phone": "0912345678", "id_number": "019123456789"}


async def _events(redis, stream_prefix, count):
    stream = f"{stream_prefix}registry.events"

    async def probe():
        entries = await redis.xrange(stream)
        return entries if len(entries) >= count else None

    entries = await wait_until(probe, message=f"{count} events on {stream}")
    return [({k.decode(): v.decode() for k, v in fields.items()}) for _, fields in entries]


async def test_status_history_is_appended_and_published(registry_app_factory, redis, stream_prefix):
    app = await registry_app_factory()
    async with running_app(app) as client:
        coop = (await client.post("/coops", json=COOP, headers=bearer())).json()
        path = f"/coops/{coop['id']}"
        suspended = await client.post(
            f"{path}/status",
            headers=bearer(),
            json={"status": "suspended", "effective_on": "2020-01-15", "reason": "Ngừng sản xuất do thiếu vốn"},
        )
        assert suspended.status_code == 201, suspended.text
        assert (
            await client.post(
                f"{path}/status",
                headers=bearer(),
                json={"status": "active", "effective_on": "2021-03-01", "reason": "Hoạt động trở lại"},
            )
        ).status_code == 201
        assert (await client.get(path)).json()["status"] == "active"

        # out of order, unchanged, by a co-op: refused, nothing written
        early = await client.post(
            f"{path}/status",
            headers=bearer(),
            json={"status": "suspended", "effective_on": "2020-06-01", "reason": "trễ hạn"},
        )
        assert early.status_code == 422 and early.json()["detail"]["code"] == "coop.status_out_of_order"
        same = await client.post(
            f"{path}/status",
            headers=bearer(),
            json={"status": "active", "effective_on": "2022-01-01", "reason": "không đổi"},
        )
        assert same.status_code == 409
        own = await client.post(
            f"{path}/status",
            headers=bearer("coop", coop_id=coop["id"]),
            json={"status": "dissolved", "effective_on": "2022-01-01", "reason": "tự giải thể"},
        )
        assert own.status_code == 403

        assert (
            await client.post(
                f"{path}/status",
                headers=bearer(),
                json={
                    "status": "dissolved",
                    "effective_on": "2023-12-31",
                    "reason": "Giải thể theo nghị quyết đại hội",
                },
            )
        ).status_code == 201
        after = await client.post(
            f"{path}/status",
            headers=bearer(),
            json={"status": "active", "effective_on": "2024-01-02", "reason": "mở lại"},
        )
        assert after.status_code == 409 and after.json()["detail"]["code"] == "coop.dissolved"

        history = (await client.get(f"{path}/history")).json()
        assert [(h["status"], h["effective_on"]) for h in history["status_history"]] == [
            ("active", "2010-05-01"),
            ("suspended", "2020-01-15"),
            ("active", "2021-03-01"),
            ("dissolved", "2023-12-31"),
        ]
        assert history["status_history"][1]["reason"] == "Ngừng sản xuất do thiếu vốn"
        assert [e["event_type"] for e in history["events"]] == ["registry.coop_registered"] + [
            "registry.coop_status_changed"
        ] * 3

        published = await _events(redis, stream_prefix, 4)
        changes = [json.loads(f["payload"]) for f in published if f["event_type"] == "registry.coop_status_changed"]
        assert [(c["status"], c["effective_on"]) for c in changes] == [
            ("suspended", "2020-01-15"),
            ("active", "2021-03-01"),
            ("dissolved", "2023-12-31"),
        ]
        assert changes[0]["reason"] == "Ngừng sản xuất do thiếu vốn"


async def test_patch_details_publishes_change_and_keeps_vietnamese(registry_app_factory, redis, stream_prefix):
    app = await registry_app_factory()
    async with running_app(app) as client:
        coop = (await client.post("/coops", json=COOP, headers=bearer())).json()
        decomposed = unicodedata.normalize("NFD", "HTX  Chè Tân Cương ")  # as some keyboards send it
        assert decomposed != "HTX  Chè Tân Cương "
        patched = await client.patch(
            f"/coops/{coop['id']}",
            headers=bearer("coop", coop_id=coop["id"]),
            json={"name": decomposed, "address": "Xóm Khuôn Gà", "changed_on": "2024-02-01"},
        )
        assert patched.status_code == 200, patched.text
        assert patched.json()["name"] == "HTX Chè Tân Cương"
        assert patched.json()["address"] == "Xóm Khuôn Gà"
        assert (await client.get("/coops", params={"q": "tan cuong"})).json()["total"] == 1
        assert (
            await client.patch(
                f"/coops/{coop['id']}", headers=bearer("coop", coop_id=coop["id"] + 1), json={"address": "x"}
            )
        ).status_code == 403
        assert (
            await client.patch(f"/coops/{coop['id']}", headers=bearer(), json={"ward_code": "00000"})
        ).status_code == 422
        assert (await client.patch(f"/coops/{coop['id']}", headers=bearer(), json={"name": None})).status_code == 422
        unchanged = await client.patch(f"/coops/{coop['id']}", headers=bearer(), json={"address": "Xóm Khuôn Gà"})
        assert unchanged.status_code == 200  # no change: no event
        assert [e["event_type"] for e in (await client.get(f"/coops/{coop['id']}/history")).json()["events"]] == [
            "registry.coop_registered",
            "registry.coop_details_changed",
        ]
        published = await _events(redis, stream_prefix, 2)
        change = json.loads(published[1]["payload"])
        assert published[1]["event_type"] == "registry.coop_details_changed"
        assert change["name"] == "HTX Chè Tân Cương" and change["changed_on"] == "2024-02-01"
        assert change["changed"] == ["address", "name"]
        assert published[1]["occurred_at"].startswith("2024-02-01T00:00:00+07:00")


async def test_legacy_ward_codes_are_mapped_and_kept(registry_app_factory, redis, stream_prefix):
    app = await registry_app_factory()
    async with running_app(app) as client:
        old = await client.post(
            "/coops",
            headers=bearer(),
            json={**COOP, "ward_code": None, "legacy_ward_code": "05488", "founded_on": "2009-04-15"},
        )
        assert old.status_code == 201, old.text
        assert (old.json()["ward_code"], old.json()["legacy_ward_code"], old.json()["ward_name"]) == (
            "05488",
            "05488",
            "Xã Đại Phúc",
        )
        assert old.json()["legacy_ward_name"] == "Xã Phúc Xuân"  # the same digits, before July 2025
        # a divided commune's old code alone: the new communes to choose from; with one of them: kept
        divided = {**COOP, "registration_code": "TN-GS", "ward_code": None, "legacy_ward_code": "05461"}
        asked = await client.post("/coops", headers={**bearer(), "Accept-Language": "en"}, json=divided)
        assert asked.status_code == 422
        assert "05443 Phường Phan Đình Phùng, 05467 Phường Gia Sàng" in asked.text
        chosen = await client.post("/coops", headers=bearer(), json={**divided, "ward_code": "05467"})
        assert chosen.status_code == 201, chosen.text
        assert (chosen.json()["ward_name"], chosen.json()["legacy_ward_name"]) == ("Phường Gia Sàng", "Phường Gia Sàng")
        # a retired code (Xã Phúc Hà) given as the ward code is recognised and mapped
        retired = await client.post(
            "/coops", headers=bearer(), json={**COOP, "registration_code": "TN-PH", "ward_code": "5485"}
        )
        assert retired.status_code == 201, retired.text
        assert (retired.json()["ward_code"], retired.json()["legacy_ward_code"]) == ("05455", "05485")
        assert retired.json()["ward_name"] == "Phường Quyết Thắng"
        mismatch = await client.post(
            "/coops",
            headers=bearer(),
            json={**COOP, "registration_code": "TN-X", "ward_code": "05503", "legacy_ward_code": "05488"},
        )
        assert mismatch.status_code == 422
        unknown = await client.post(
            "/coops",
            headers=bearer(),
            json={**COOP, "registration_code": "TN-Y", "ward_code": None, "legacy_ward_code": "99998"},
        )
        assert unknown.status_code == 422
        assert [e["loc"] for e in unknown.json()["detail"]] == [["body", "legacy_ward_code"]]
        # filtering by the legacy code finds it under the commune that absorbed it
        found = (await client.get("/coops", params={"ward_code": "05485"})).json()
        assert [c["registration_code"] for c in found["items"]] == ["TN-PH"]
        published = await _events(redis, stream_prefix, 3)
        assert json.loads(published[2]["payload"])["legacy_ward_code"] == "05485"
        # forgetting the legacy code keeps the ward (it used to set the ward to null: a 500)
        cleared = await client.patch(f"/coops/{old.json()['id']}", headers=bearer(), json={"legacy_ward_code": None})
        assert cleared.status_code == 200, cleared.text
        assert (cleared.json()["ward_code"], cleared.json()["legacy_ward_code"]) == ("05488", None)


async def test_members_leave_and_search_hide_personal_data(registry_app_factory, redis, stream_prefix):
    app = await registry_app_factory()
    async with running_app(app) as client:
        coop = (await client.post("/coops", json=COOP, headers=bearer())).json()
        base = f"/coops/{coop['id']}/members"
        hoa = (await client.post(base, json=MEMBER, headers=bearer())).json()
        worker = (
            await client.post(
                base,
                headers=bearer(),
                json={
                    "name": "Lê Văn Hùng",
                    "joined_on": "2016-01-01",
                    "membership": "worker",
                    "kind": "individual",
                    "phone": "0987654321",
                },
            )
        ).json()
        await client.post(
            base,
            headers=bearer(),
            json={
                "name": "Công ty TNHH Chè Xanh",
                "kind": "legal_entity",
                "membership": "associate",
                "joined_on": "2018-01-01",
                "capital_vnd": 50_000_000,
            },
        )
        assert (await client.post(base, json=MEMBER, headers=bearer())).status_code == 409  # same ID number
        assert (
            await client.post(base, json={**MEMBER, "joined_on": "2001-01-01", "id_number": None}, headers=bearer())
        ).status_code == 422  # before the co-op was founded

        left = await client.post(
            f"{base}/{hoa['id']}/leave",
            headers=bearer("coop", coop_id=coop["id"]),
            json={"left_on": "2023-06-30", "reason": "Chuyển nơi ở"},
        )
        assert left.status_code == 200 and left.json()["left_on"] == "2023-06-30"
        assert (
            await client.post(f"{base}/{hoa['id']}/leave", headers=bearer(), json={"left_on": "2023-07-01"})
        ).status_code == 409
        assert (
            await client.post(f"{base}/{worker['id']}/leave", headers=bearer(), json={"left_on": "2010-01-01"})
        ).status_code == 422
        assert (await client.post(f"{base}/{worker['id']}/leave", json={"left_on": "2024-01-01"})).status_code == 401

        # Searching by name would tell who is a member: only for those who see names (initials by default).
        assert (await client.get(base, params={"q": "hoa"})).status_code == 401
        found = (await client.get(base, params={"q": "hoa"}, headers=bearer())).json()
        assert [m["name"] for m in found["items"]] == ["Nguyễn Thị Hoa"]
        public = (await client.get(base)).json()
        assert all("phone" not in m and "id_number" not in m and "capital_vnd" not in m for m in public["items"])
        other = (await client.get(base, headers=bearer("coop", coop_id=coop["id"] + 1))).json()
        assert all("phone" not in m for m in other["items"])
        own = (await client.get(base, params={"q": "hung"}, headers=bearer("coop", coop_id=coop["id"]))).json()
        assert own["items"][0]["phone"] == "0987654321"
        assert (await client.get(base, params={"q": "0987654321"}, headers=bearer())).json()[
            "total"
        ] == 0  # no search by phone
        assert (await client.get(base, params={"membership": "worker"})).json()["total"] == 1
        assert (await client.get(base, params={"active_on": "2024-01-01"})).json()["total"] == 2
        assert (await client.get(base, params={"limit": 1, "offset": 1})).json()["items"][0]["name"] == "L. V. H."

        member_history = (await client.get(f"{base}/{hoa['id']}/history")).json()
        assert [e["event_type"] for e in member_history] == ["registry.member_joined", "registry.member_left"]
        assert (await client.get(f"{base}/999999/history")).status_code == 404
        published = await _events(redis, stream_prefix, 5)
        left_event = [f for f in published if f["event_type"] == "registry.member_left"]
        assert json.loads(left_event[0]["payload"]) == {
            "member_id": hoa["id"],
            "coop_id": coop["id"],
            "left_on": "2023-06-30",
        }


async def test_coop_contacts_only_for_itself_and_province(registry_app_factory):
    app = await registry_app_factory()
    async with running_app(app) as client:
        coop = (await client.post("/coops", json=COOP, headers=bearer())).json()
        assert coop["contact_phone"] == "0912000111"
        assert "contact_phone" not in (await client.get(f"/coops/{coop['id']}")).json()
        assert (
            "contact_phone"
            not in (await client.get(f"/coops/{coop['id']}", headers=bearer("buyer", partner_id=1))).json()
        )
        assert (await client.get(f"/coops/{coop['id']}", headers=bearer("coop", coop_id=coop["id"]))).json()[
            "contact_name"
        ] == "Trần Văn Minh"
        assert all("contact_phone" not in c for c in (await client.get("/coops", headers=bearer())).json()["items"])


async def test_unions_take_only_coops_over_time(registry_app_factory, redis, stream_prefix):
    app = await registry_app_factory()
    async with running_app(app) as client:
        union = (
            await client.post(
                "/coops",
                headers=bearer(),
                json={
                    **COOP,
                    "name": "Liên hiệp HTX Chè Thái Nguyên",
                    "registration_code": "LH-1",
                    "form": "lien_hiep",
                    "founded_on": "2018-01-01",
                },
            )
        ).json()
        coop = (await client.post("/coops", json=COOP, headers=bearer())).json()
        group = (
            await client.post(
                "/coops",
                headers=bearer(),
                json={**COOP, "name": "Tổ hợp tác chè Khuôn Gà", "registration_code": "THT-1", "form": "to_hop_tac"},
            )
        ).json()
        path = f"/unions/{union['id']}/members"
        joined = await client.post(path, json={"coop_id": coop["id"], "joined_on": "2019-01-01"}, headers=bearer())
        assert joined.status_code == 201, joined.text
        refused = await client.post(path, json={"coop_id": group["id"], "joined_on": "2019-01-01"}, headers=bearer())
        assert refused.status_code == 422 and refused.json()["detail"]["code"] == "union.member_not_coop"
        assert (
            await client.post(
                f"/unions/{coop['id']}/members",
                headers=bearer(),
                json={"coop_id": union["id"], "joined_on": "2019-01-01"},
            )
        ).status_code == 422
        assert (
            await client.post(path, json={"coop_id": coop["id"], "joined_on": "2019-02-01"}, headers=bearer())
        ).status_code == 409
        assert (
            await client.post(
                path,
                json={"coop_id": coop["id"], "joined_on": "2019-02-01"},
                headers=bearer("coop", coop_id=coop["id"]),
            )
        ).status_code == 403
        left = await client.post(f"{path}/{coop['id']}/leave", json={"left_on": "2022-12-31"}, headers=bearer())
        assert left.status_code == 200
        assert [m["coop_name"] for m in (await client.get(path, params={"on": "2020-06-01"})).json()] == [
            "HTX Chè Tân Hương"
        ]
        assert (await client.get(path, params={"on": "2023-06-01"})).json() == []
        published = await _events(redis, stream_prefix, 5)
        types = [f["event_type"] for f in published]
        assert types[-2:] == ["registry.union_member_added", "registry.union_member_removed"]
        history = (await client.get(f"/coops/{coop['id']}/history")).json()
        assert [e["event_type"] for e in history["events"]][-2:] == types[-2:]


async def test_partners_and_value_chain_contracts(registry_app_factory, redis, stream_prefix):
    app = await registry_app_factory()
    async with running_app(app) as client:
        coop = (await client.post("/coops", json=COOP, headers=bearer())).json()
        partner = {"name": "Công ty TNHH Trà Thái Nguyên", "kind": "enterprise", "ward_code": "05503"}
        assert (
            await client.post("/partners", json=partner, headers=bearer("coop", coop_id=coop["id"]))
        ).status_code == 403
        assert (await client.post("/partners", json={**partner, "kind": "alien"}, headers=bearer())).status_code == 422
        created = (await client.post("/partners", json=partner, headers=bearer())).json()
        village = (
            await client.post(
                "/partners", headers=bearer(), json={"name": "Làng nghề chè Tân Cương", "kind": "craft_village"}
            )
        ).json()
        assert (await client.get("/partners", params={"q": "lang nghe"})).json()["items"][0]["id"] == village["id"]
        assert (await client.get("/partners", params={"kind": "enterprise"})).json()["total"] == 1

        contract = {
            "partner_id": created["id"],
            "product": "Chè búp khô",
            "valid_from": "2024-01-01",
            "valid_to": "2024-12-31",
            "volume_kg": "12000.5",
        }
        signed = await client.post(
            f"/coops/{coop['id']}/contracts", json=contract, headers=bearer("coop", coop_id=coop["id"])
        )
        assert signed.status_code == 201, signed.text
        assert signed.json()["volume_kg"] == "12000.500"
        assert (
            await client.post(
                f"/coops/{coop['id']}/contracts", headers=bearer(), json={**contract, "valid_to": "2023-01-01"}
            )
        ).status_code == 422
        assert (
            await client.post(f"/coops/{coop['id']}/contracts", headers=bearer(), json={**contract, "partner_id": 9999})
        ).status_code == 404
        listed = (await client.get(f"/partners/{created['id']}/contracts")).json()
        assert [(c["product"], c["partner_name"]) for c in listed] == [("Chè búp khô", "Công ty TNHH Trà Thái Nguyên")]
        published = await _events(redis, stream_prefix, 4)
        assert [f["event_type"] for f in published] == [
            "registry.coop_registered",
            "registry.partner_registered",
            "registry.partner_registered",
            "registry.chain_contract_signed",
        ]
        assert json.loads(published[3]["payload"])["volume_kg"] == "12000.500"


async def test_search_filters_sorting_and_pagination(registry_app_factory):
    app = await registry_app_factory()
    async with running_app(app) as client:
        rows = [
            ("HTX Chè Tân Hương", "hop_tac_xa", "05488", "2010-05-01", ["Chè búp khô"]),
            ("HTX Chè Hảo Đạt", "hop_tac_xa", "05503", "2015-06-01", ["Chè xanh"]),
            ("Tổ hợp tác Chè Tân Thái", "to_hop_tac", "05488", "2019-01-01", ["Chè móc câu"]),
            ("HTX Gạo Bao Thai Định Hóa", "hop_tac_xa", "05569", "2012-01-01", ["Gạo bao thai"]),
        ]
        ids = {}
        for index, (name, form, ward, founded, products) in enumerate(rows):
            created = await client.post(
                "/coops",
                headers=bearer(),
                json={
                    "name": name,
                    "form": form,
                    "ward_code": ward,
                    "founded_on": founded,
                    "main_products": products,
                    "registration_code": f"S-{index}",
                },
            )
            ids[name] = created.json()["id"]
        await client.post(
            f"/coops/{ids['HTX Chè Hảo Đạt']}/status",
            headers=bearer(),
            json={"status": "suspended", "effective_on": "2020-01-01", "reason": "tạm ngừng"},
        )

        def names(page):
            return [c["name"] for c in page["items"]]

        assert names((await client.get("/coops", params={"q": "che tan"})).json()) == [
            "HTX Chè Tân Hương",
            "Tổ hợp tác Chè Tân Thái",
        ]
        assert names((await client.get("/coops", params={"q": "TÂN HƯƠNG"})).json()) == ["HTX Chè Tân Hương"]
        assert names((await client.get("/coops", params={"form": "to_hop_tac"})).json()) == ["Tổ hợp tác Chè Tân Thái"]
        assert names((await client.get("/coops", params={"status": "suspended"})).json()) == ["HTX Chè Hảo Đạt"]
        assert (await client.get("/coops", params={"ward_code": "05488"})).json()["total"] == 2
        assert names((await client.get("/coops", params={"product": "gao"})).json()) == ["HTX Gạo Bao Thai Định Hóa"]
        assert names((await client.get("/coops", params={"product": "che", "sort": "-founded_on"})).json()) == [
            "Tổ hợp tác Chè Tân Thái",
            "HTX Chè Hảo Đạt",
            "HTX Chè Tân Hương",
        ]
        page = (await client.get("/coops", params={"sort": "founded_on", "limit": 2, "offset": 2})).json()
        assert page["total"] == 4 and names(page) == ["HTX Chè Hảo Đạt", "Tổ hợp tác Chè Tân Thái"]
        assert (await client.get("/coops", params={"sort": "size"})).status_code == 422
        assert (await client.get("/coops", params={"ward_code": "abc"})).status_code == 422
        assert (await client.get("/coops", params={"q": "100%_"})).json()["total"] == 0


async def test_writes_need_a_token_and_the_right_scope(registry_app_factory, redis, stream_prefix):
    app = await registry_app_factory()
    async with running_app(app) as client:
        coop = (await client.post("/coops", json=COOP, headers=bearer())).json()
        assert (
            await client.post(
                f"/coops/{coop['id']}/status",
                json={"status": "suspended", "effective_on": "2020-01-01", "reason": "abc"},
            )
        ).status_code == 401
        assert (
            await client.patch(
                f"/coops/{coop['id']}", json={"address": "x"}, headers={"Authorization": "Bearer not-a-token"}
            )
        ).status_code == 401
        assert (await client.post("/partners", json={"name": "Thương lái A", "kind": "trader"})).status_code == 401
        bad = await client.post(
            f"/coops/{coop['id']}/status",
            headers={**bearer(), "Accept-Language": "en"},
            json={"status": "closed", "effective_on": "2999-01-01", "reason": ""},
        )
        assert bad.status_code == 422
        assert {e["loc"][-1] for e in bad.json()["detail"]} == {"status", "effective_on", "reason"}
        assert (await client.get("/coops/999999/history")).status_code == 404
        history = (await client.get(f"/coops/{coop['id']}/history")).json()
        assert len(history["status_history"]) == 1 and len(history["events"]) == 1
        await _events(redis, stream_prefix, 1)
        assert await redis.xlen(f"{stream_prefix}registry.events") == 1


async def test_history_lists_events_recorded_by_any_registry_handler(registry_app_factory):
    """Plots, certificates, gradings... record their events through `publishing.publish`, which
    indexes them by organisation, so they appear in its history too."""
    from services.registry.publishing import publish
    from shared.events import registry as contracts

    app = await registry_app_factory()
    async with running_app(app) as client:
        coop = (await client.post("/coops", json=COOP, headers=bearer())).json()
        other = (await client.post("/coops", json={**COOP, "registration_code": "TN-2"}, headers=bearer())).json()
        async with app.state.runtime.sessions() as session:
            publish(
                session,
                contracts.CoopGraded(
                    grading_id=7, coop_id=coop["id"], year=2024, scheme="TT01/2020", total_score=82, grade="tot"
                ),
            )
            await session.commit()
        history = (await client.get(f"/coops/{coop['id']}/history")).json()
        assert [e["event_type"] for e in history["events"]] == ["registry.coop_registered", "registry.coop_graded"]
        assert history["events"][1]["payload"]["grade"] == "tot"
        assert [e["event_type"] for e in (await client.get(f"/coops/{other['id']}/history")).json()["events"]] == [
            "registry.coop_registered"
        ]


async def test_a_change_dated_1900_is_refused_and_the_history_stays_readable(registry_app_factory):
    """A co-op once wrote `changed_on: 1900-01-01`: the event carried +07:06:40 and its history answered 500."""
    async with running_app(await registry_app_factory()) as client:
        coop = (await client.post("/coops", json=COOP, headers=bearer())).json()
        refused = await client.patch(
            f"/coops/{coop['id']}", headers=bearer(), json={"address": "Xóm Khuôn Gà", "changed_on": "1900-01-01"}
        )
        assert refused.status_code == 422
        [problem] = refused.json()["detail"]
        assert (problem["type"], problem["loc"]) == ("date.too_early", ["body", "changed_on"])
        assert problem["msg"] == "Ngày 1900-01-01 trước 1945-01-01; hãy kiểm tra lại năm."  # Vietnamese by default
        english = await client.post(
            "/coops", headers={**bearer(), "Accept-Language": "en"}, json={**COOP, "founded_on": "2999-01-01"}
        )
        assert [(p["type"], p["msg"]) for p in english.json()["detail"]] == [
            ("date.future", "The date 2999-01-01 is in the future.")
        ]
        history = await client.get(f"/coops/{coop['id']}/history")
        assert history.status_code == 200
        assert [e["event_type"] for e in history.json()["events"]] == ["registry.coop_registered"]
        assert history.json()["events"][0]["occurred_at"].endswith("+07:00")
