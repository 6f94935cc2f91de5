"""What the anonymous public may read (issue 10, item 3; docs/public-surfaces.md), on both backends.

Before: without a token, member lists showed full names and capital contributions, partners
their tax codes and addresses, `/households/{id}/trace` could be walked by counting, and lot codes
(`TH-<co-op>-<yyyymmdd>-<n>`) opened trace pages. Now households appear as their co-op chose
(names, initials by default, or counts), partners' tax data is for the province, the co-ops and
the partner itself, and trace pages are named by a random token.
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import date

import httpx
import sqlalchemy as sa

from services.supplychain.app import create_app as create_supplychain_app
from services.supplychain.tables import KnownCoop
from shared.db import create_engine
from shared.events import registry as registry_contracts
from shared.migrations import upgrade
from tests.integration._supplychain import coop_registered, group_caught_up, member_joined, publish, row
from tests.support import bearer, running_app, service_settings, temporary_postgres_database, wait_until

COOP = {"name": "HTX Chè Tân Hương", "registration_code": "TN-0001", "ward_code": "05488", "founded_on": "2010-05-01"}
HUNG = {"name": "Nguyễn Văn Hùng", "joined_on": "2015-03-01", "capital_vnd": 20_000_000, "phone": "0912345601"}
ANH = {"name": "Đỗ Thị Ngọc Ánh", "joined_on": "2016-04-01", "capital_vnd": 5_000_000}
PARTNER = {
    "name": "Công ty TNHH Trà Thái Nguyên",
    "kind": "buyer",
    "tax_code": "4600123456",
    "ward_code": "05488",
    "address": "Số 12 đường Bắc Kạn, Thái Nguyên",
}
TOKEN = re.compile(r"^[A-Za-z0-9_-]{22}$")  # 128 random bits, URL-safe base64


# --- registry ----------------------------------------------------------------------------------


async def _coop_with_members(client: httpx.AsyncClient) -> tuple[int, list[dict]]:
    coop = (await client.post("/coops", json=COOP, headers=bearer())).json()
    members = [
        (await client.post(f"/coops/{coop['id']}/members", json=body, headers=bearer())).json() for body in (HUNG, ANH)
    ]
    return coop["id"], members


async def test_anonymous_member_reads_carry_no_capital_and_no_full_names(registry_app_factory):
    app = await registry_app_factory()
    async with running_app(app) as client:
        coop_id, (hung, _) = await _coop_with_members(client)
        base = f"/coops/{coop_id}/members"
        anonymous = [
            (await client.get(base)).json(),
            (await client.get(f"{base}/{hung['id']}")).json(),
            (await client.get(f"{base}/{hung['id']}/history")).json(),
            (await client.get(f"/coops/{coop_id}/history")).json(),
        ]
        text = json.dumps(anonymous, ensure_ascii=False)
        assert "capital_vnd" not in text and "20000000" not in text and "0912345601" not in text
        assert "Nguyễn Văn Hùng" not in text and "Đỗ Thị Ngọc Ánh" not in text
        assert [m["name"] for m in anonymous[0]["items"]] == ["Đ. T. N. Á.", "N. V. H."]  # the default: initials
        joined = [e["payload"]["name"] for e in anonymous[3]["events"] if e["event_type"] == "registry.member_joined"]
        assert joined == ["N. V. H.", "Đ. T. N. Á."]

        # Another co-op and a buyer are not the co-op: the same public view.
        for other in (bearer("coop", coop_id=coop_id + 1), bearer("buyer", partner_id=1)):
            seen = (await client.get(f"{base}/{hung['id']}", headers=other)).json()
            assert seen["name"] == "N. V. H." and "capital_vnd" not in seen
        # The co-op itself and the province see everything, in every view.
        for staff in (bearer("coop", coop_id=coop_id), bearer()):
            seen = (await client.get(f"{base}/{hung['id']}", headers=staff)).json()
            assert (seen["name"], seen["capital_vnd"], seen["phone"]) == ("Nguyễn Văn Hùng", 20_000_000, "0912345601")
            history = (await client.get(f"{base}/{hung['id']}/history", headers=staff)).json()
            assert history[0]["payload"]["name"] == "Nguyễn Văn Hùng"


async def test_searching_members_by_name_is_for_those_who_see_names(registry_app_factory):
    app = await registry_app_factory()
    async with running_app(app) as client:
        coop_id, _ = await _coop_with_members(client)
        base = f"/coops/{coop_id}/members"
        # "Is Nguyễn Văn Hùng a member?" must not be answerable where names are not shown.
        anonymous = await client.get(base, params={"q": "nguyen van hung"}, headers={"Accept-Language": "vi"})
        assert anonymous.status_code == 401 and anonymous.json()["detail"]["code"] == "member.search_needs_token"
        assert "không công khai tên" in anonymous.json()["detail"]["message"]
        other = await client.get(
            base, params={"q": "hung"}, headers={**bearer("coop", coop_id=coop_id + 1), "Accept-Language": "en"}
        )
        assert other.status_code == 403 and other.json()["detail"]["message"].startswith("Only co-op")
        own = await client.get(base, params={"q": "hung"}, headers=bearer("coop", coop_id=coop_id))
        assert [m["name"] for m in own.json()["items"]] == ["Nguyễn Văn Hùng"]

        await client.patch(f"/coops/{coop_id}", json={"household_display": "names"}, headers=bearer())
        public = await client.get(base, params={"q": "hung"})
        assert public.status_code == 200 and [m["name"] for m in public.json()["items"]] == ["Nguyễn Văn Hùng"]
        assert "capital_vnd" not in public.json()["items"][0]  # names shown; finances still not


async def test_household_display_is_the_coop_s_choice_with_history(registry_app_factory, redis, stream_prefix):
    app = await registry_app_factory()
    async with running_app(app) as client:
        coop_id, (hung, _) = await _coop_with_members(client)
        one = f"/coops/{coop_id}/members/{hung['id']}"
        assert (await client.get(f"/coops/{coop_id}")).json()["household_display"] == "initials"

        changed = await client.patch(
            f"/coops/{coop_id}", json={"household_display": "counts"}, headers=bearer("coop", coop_id=coop_id)
        )
        assert changed.status_code == 200 and changed.json()["household_display"] == "counts"
        assert (await client.get(one)).json()["name"] is None
        history = (await client.get(f"/coops/{coop_id}/history")).json()["events"]
        assert [e["payload"]["name"] for e in history if e["event_type"] == "registry.member_joined"] == [None, None]
        assert history[-1]["event_type"] == "registry.coop_details_changed"
        assert (history[-1]["payload"]["changed"], history[-1]["payload"]["household_display"]) == (
            ["household_display"],
            "counts",
        )
        await client.patch(f"/coops/{coop_id}", json={"household_display": "names"}, headers=bearer())
        assert (await client.get(one)).json()["name"] == "Nguyễn Văn Hùng"

        # Refusals, in the reader's language, leave the setting as it was.
        for body in ({"household_display": "full"}, {"household_display": None}):
            bad = await client.patch(f"/coops/{coop_id}", json=body, headers={**bearer(), "Accept-Language": "en"})
            assert bad.status_code == 422, bad.text
            assert bad.json()["detail"][0]["loc"][-1] in ("household_display", "body")
        for stranger in (bearer("coop", coop_id=coop_id + 1), bearer("buyer", partner_id=1)):
            refused = await client.patch(f"/coops/{coop_id}", json={"household_display": "counts"}, headers=stranger)
            assert refused.status_code == 403
        assert (await client.patch(f"/coops/{coop_id}", json={"household_display": "counts"})).status_code == 401
        assert (await client.get(f"/coops/{coop_id}")).json()["household_display"] == "names"

        stream = f"{stream_prefix}registry.events"
        entries = await wait_until(lambda: _changes(redis, stream, 2), message="two setting changes on the stream")
        assert [json.loads(f[b"payload"])["household_display"] for f in entries] == ["counts", "names"]


async def _changes(redis, stream: str, n: int):
    entries = [f for _, f in await redis.xrange(stream) if f[b"event_type"] == b"registry.coop_details_changed"]
    return entries if len(entries) >= n else None


async def test_partner_tax_code_and_address_only_for_province_coops_and_itself(registry_app_factory):
    app = await registry_app_factory()
    async with running_app(app) as client:
        created = await client.post("/partners", json=PARTNER, headers=bearer())
        assert created.status_code == 201 and created.json()["tax_code"] == "4600123456"
        partner_id = created.json()["id"]
        for headers in ({}, bearer("buyer", partner_id=partner_id + 1)):
            listed = (await client.get("/partners", headers=headers)).json()["items"][0]
            one = (await client.get(f"/partners/{partner_id}", headers=headers)).json()
            history = (await client.get(f"/partners/{partner_id}/history", headers=headers)).json()
            text = json.dumps([listed, one, history], ensure_ascii=False)
            assert "4600123456" not in text and "Bắc Kạn" not in text and "tax_code" not in text
            assert one["name"] == "Công ty TNHH Trà Thái Nguyên" and one["ward_name"] == "Xã Đại Phúc"
        for headers in (bearer(), bearer("coop", coop_id=1), bearer("buyer", partner_id=partner_id)):
            one = (await client.get(f"/partners/{partner_id}", headers=headers)).json()
            assert (one["tax_code"], one["address"]) == ("4600123456", "Số 12 đường Bắc Kạn, Thái Nguyên")


# --- supplychain: the public trace ---------------------------------------------------------------


async def test_trace_shows_households_as_the_coop_chose(
    registry_app_factory, database_url_factory, redis_url, redis, stream_prefix
):
    """The setting goes registry -> registry.events -> supplychain's replica -> trace JSON and page."""
    registry = await registry_app_factory()
    supplychain = create_supplychain_app(
        service_settings(
            database_url=await database_url_factory("supplychain"), redis_url=redis_url, stream_prefix=stream_prefix
        ),
        registry_http=httpx.AsyncClient(transport=httpx.ASGITransport(app=registry), base_url="http://registry"),
    )
    async with running_app(registry) as reg, running_app(supplychain) as client:
        coop_id, members = await _coop_with_members(reg)
        coop = bearer("coop", coop_id=coop_id)
        await wait_until(lambda: group_caught_up(redis, f"{stream_prefix}registry.events"), message="replica")
        codes = []
        for member, day in zip(members, ("2025-06-01", "2025-06-02")):
            harvest = {"coop_id": coop_id, "member_id": member["id"], "quantity_kg": "50", "harvested_on": day}
            created = await client.post("/harvests", json={**harvest, "harvest_round": 1}, headers=coop)
            assert created.status_code == 201, created.text
            codes.append(created.json()["code"])
        dried = await client.post(
            "/processings",
            headers=coop,
            json={
                "coop_id": coop_id,
                "transformed_on": "2025-06-03",
                "inputs": [{"lot_code": code, "quantity": "50"} for code in codes],
                "outputs": [{"product": "chè khô", "quantity_kg": "22"}],
            },
        )
        assert dried.status_code == 201, dried.text
        token = (await client.get(f"/lots/{dried.json()['lot_codes'][0]}", headers=coop)).json()["public_token"]

        async def shown(mode: str) -> tuple[dict, str]:
            await reg.patch(f"/coops/{coop_id}", json={"household_display": mode}, headers=coop)
            await wait_until(lambda: _display(supplychain, coop_id, mode), message=f"the replica to learn {mode}")
            return (await client.get(f"/lots/{token}/trace")).json(), (await client.get(f"/t/{token}")).text

        full, initials = ["Nguyễn Văn Hùng", "Đỗ Thị Ngọc Ánh"], ["N. V. H.", "Đ. T. N. Á."]
        for mode, expected in (("names", full), ("initials", initials), ("counts", [None, None])):
            traced, page = await shown(mode)
            assert [o["household_name"] for o in traced["origins"]] == expected, mode
            assert [o["member_id"] for o in traced["origins"]] == [None, None]  # ids would link households
            assert traced["households"] == 2 and "2 hộ thành viên" in page
            for name in full + initials:
                assert (name in page) == (name in expected), (mode, name)

        # Signed-in staff of the co-op and the province see full names whatever the co-op shows publicly.
        for staff in (coop, bearer()):
            traced = (await client.get(f"/lots/{token}/trace", headers=staff)).json()
            assert [o["household_name"] for o in traced["origins"]] == full
            assert [o["member_id"] for o in traced["origins"]] == [m["id"] for m in members]
            page = (await client.get(f"/t/{token}", headers=staff)).text
            assert all(name in page for name in full)
        other = (await client.get(f"/lots/{token}/trace", headers=bearer("coop", coop_id=coop_id + 1))).json()
        assert [o["household_name"] for o in other["origins"]] == [None, None]

        # A details change from before the setting existed leaves it as it was (tolerant reader).
        older = registry_contracts.CoopDetailsChanged(
            coop_id=coop_id,
            name="HTX Chè Tân Hương Mới",
            ward_code="05488",
            changed_on=date(2025, 7, 1),
            changed=["name"],
        )
        await publish(redis, stream_prefix, older)
        await wait_until(lambda: group_caught_up(redis, f"{stream_prefix}registry.events"), message="older event")
        known = await row(supplychain, KnownCoop, coop_id)
        assert (known.name, known.household_display) == ("HTX Chè Tân Hương Mới", "counts")


async def _display(app, coop_id: int, mode: str) -> bool:
    known = await row(app, KnownCoop, coop_id)
    return known is not None and known.household_display == mode


async def _chain(client: httpx.AsyncClient, redis, stream_prefix: str, lots: int = 12) -> list[dict]:
    """Co-op 1 with household 10 (Nguyễn Thị Hoa), and `lots` harvest lots of hers with generated codes."""
    await publish(redis, stream_prefix, coop_registered(1))
    await publish(redis, stream_prefix, member_joined(10, 1))
    await publish(redis, stream_prefix, coop_registered(2, name="HTX Chè La Bằng"))
    await wait_until(lambda: group_caught_up(redis, f"{stream_prefix}registry.events"), message="replica seeded")
    made = []
    for _ in range(lots):
        harvest = {"coop_id": 1, "member_id": 10, "quantity_kg": "10", "harvested_on": "2025-06-01", "harvest_round": 1}
        created = await client.post("/harvests", json={**harvest, "plot_code": "VT-19-05488-001"}, headers=bearer())
        assert created.status_code == 201, created.text
        made.append(created.json())
    return made


async def test_public_tokens_are_random_distinct_and_name_the_qr_code(supplychain_app_factory, redis, stream_prefix):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        lots = await _chain(client, redis, stream_prefix)
        tokens = [lot["public_token"] for lot in lots]
        assert [lot["code"] for lot in lots] == [f"TH-1-20250601-{n}" for n in range(1, 13)]  # counted
        assert all(TOKEN.match(token) for token in tokens) and len(set(tokens)) == len(tokens)
        assert len({token[:4] for token in tokens}) > 1  # not a counter with a random-looking prefix
        assert not any(lot["code"] in lot["public_token"] for lot in lots)

        page = (await client.get(f"/t/{tokens[0]}")).text
        assert f'src="/t/{tokens[0]}/qr.svg"' in page and "TH-1-20250601-1" in page  # the code is shown, not a key
        svg = (await client.get(f"/t/{tokens[0]}/qr.svg")).content
        by_code = await client.get("/t/TH-1-20250601-1/qr.svg", headers=bearer("coop", coop_id=1))
        assert by_code.status_code == 200 and by_code.content == svg  # staff by code: the same token URL
        staff_page = (await client.get("/t/TH-1-20250601-1", headers=bearer())).text
        assert f'src="/t/{tokens[0]}/qr.svg"' in staff_page and "Nguyễn Thị Hoa" in staff_page


async def test_lot_codes_are_not_resolvable_anonymously(supplychain_app_factory, redis, stream_prefix):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        lot = (await _chain(client, redis, stream_prefix, lots=1))[0]
        probes = [
            f"/lots/{lot['code']}",
            f"/lots/{lot['code']}/trace",
            f"/t/{lot['code']}",
            f"/t/{lot['code']}/qr.svg",
            f"/t/{lot['code']}/qr.png",
            "/t/TH-1-20250601-2",  # a code that is not there (yet)
            "/t/AAAAAAAAAAAAAAAAAAAAAA",  # a token that is not there
            f"/t/{lot['public_token'][:-1]}",
            f"/01/08930000123459/10/{lot['code']}",  # a Digital Link: only a lot with that GTIN answers
        ]
        answers = [await client.get(path, headers={"Accept-Language": "en"}) for path in probes]
        assert {a.status_code for a in answers} == {404}
        is_page = [path.startswith(("/t/", "/01/")) and "/qr." not in path for path in probes]
        pages = [a for a, page in zip(answers, is_page, strict=True) if page]
        others = [a for a, page in zip(answers, is_page, strict=True) if not page]
        # A code, an unknown token and a missing lot look the same: the page a person reads, the JSON a program does.
        assert len({a.content for a in pages}) == 1 and len({a.content for a in others}) == 1
        assert others[0].json()["detail"] == {
            "code": "trace.not_found",
            "message": "There is no trace page at this address. Scan the QR code on the package again.",
            "params": {},
        }
        assert "Trace code not found" in pages[0].text  # the page follows the browser's language too
        # The token opens everything the QR code promises; a signed-in caller may still use the code.
        for path in ("/lots/{}", "/lots/{}/trace", "/t/{}", "/t/{}/qr.svg", "/t/{}/qr.png"):
            assert (await client.get(path.format(lot["public_token"]))).status_code == 200, path
            assert (
                await client.get(path.format(lot["code"]), headers=bearer("buyer", partner_id=5))
            ).status_code == 200
        public_lot = (await client.get(f"/lots/{lot['public_token']}")).json()
        assert public_lot["member_id"] is None and public_lot["code"] == lot["code"]
        assert (await client.get(f"/lots/{lot['code']}", headers=bearer("coop", coop_id=1))).json()["member_id"] == 10


async def test_household_and_plot_traces_cannot_be_walked_anonymously(supplychain_app_factory, redis, stream_prefix):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        await _chain(client, redis, stream_prefix, lots=1)
        for path in ("/households/10/trace", "/plots/VT-19-05488-001/trace"):
            # Whether the household or plot exists or not, the public learns nothing.
            missing = path.replace("10", "11").replace("001", "002")
            for probe in (path, missing):
                answer = await client.get(probe)
                assert answer.status_code == 401 and answer.json()["detail"]["code"] == "auth.missing", probe
            assert (await client.get(path, headers=bearer("buyer", partner_id=5))).status_code == 403
            assert (await client.get(path, headers=bearer("coop", coop_id=2))).status_code == 404  # not its lots
            for staff in (bearer("coop", coop_id=1), bearer()):
                traced = await client.get(path, headers=staff)
                assert traced.status_code == 200, traced.text
                assert traced.json()["origins"][0]["household_name"] == "Nguyễn Thị Hoa"


def test_changed_public_routes_say_who_may_call_them_and_what_they_show():
    from services.registry.app import create_app as create_registry_app

    routes = {
        "registry": (
            create_registry_app(service_settings()),
            [
                ("/coops", "get"),
                ("/coops/{coop_id}", "patch"),
                ("/coops/{coop_id}/history", "get"),
                ("/coops/{coop_id}/members", "get"),
                ("/coops/{coop_id}/members/{member_id}", "get"),
                ("/coops/{coop_id}/members/{member_id}/history", "get"),
                ("/partners", "get"),
                ("/partners/{partner_id}", "get"),
                ("/wards", "get"),
            ],
        ),
        "supplychain": (
            create_supplychain_app(service_settings()),
            [
                ("/lots/{code}", "get"),
                ("/lots/{code}/trace", "get"),
                ("/households/{member_id}/trace", "get"),
                ("/plots/{plot_code}/trace", "get"),
                ("/t/{token}", "get"),
                ("/t/{token}/qr.svg", "get"),
                ("/t/{token}/qr.png", "get"),
            ],
        ),
    }
    for service, (app, operations) in routes.items():
        paths = app.openapi()["paths"]
        for path, method in operations:
            described = paths[path][method].get("description", "")
            assert re.search(r"\b(Anyone|province)\b", described), f"{service} {method} {path}: {described!r}"


# --- migrations: existing rows get their token and the default display ---------------------------


async def _supplychain_migrated_with_existing_rows(url: str) -> tuple[list, list]:
    await asyncio.to_thread(upgrade, "supplychain", url, "sc0008_epcis_owner")
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            for n in range(1, 4):
                await connection.execute(
                    sa.text(
                        "INSERT INTO lot (code, coop_id, product, unit, created_on, initial_quantity, created_at, "
                        "created_by) VALUES (:code, 1, 'chè búp tươi', 'kg', '2025-06-01', 10, '2025-06-01 00:00:00', "
                        "'test')"
                    ),
                    {"code": f"TH-1-20250601-{n}"},
                )
            await connection.execute(
                sa.text(
                    "INSERT INTO known_coop (id, name, registration_code, status, ward_code, founded_on, learnt_from, "
                    "updated_at) VALUES (1, 'HTX Chè Tân Hương', 'TN-0001', 'active', '05488', '2010-05-01', 'event', "
                    "'2025-06-01 00:00:00')"
                )
            )
        await asyncio.to_thread(upgrade, "supplychain", url, "sc0010_public_trace_tokens")
        async with engine.connect() as connection:
            tokens = (await connection.execute(sa.text("SELECT public_token FROM lot ORDER BY id"))).scalars().all()
            displays = (await connection.execute(sa.text("SELECT household_display FROM known_coop"))).scalars().all()
    finally:
        await engine.dispose()
    return list(tokens), list(displays)


async def _registry_migrated_with_a_coop(url: str) -> list:
    await asyncio.to_thread(upgrade, "registry", url, "rg0007_registration_key")
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                sa.text(
                    "INSERT INTO coop (name, name_search, form, registration_code, registration_key, ward_code, "
                    "founded_on, main_products, products_search, sectors, status, created_at) VALUES ('HTX Chè Tân "
                    "Hương', 'htx che tan huong', 'hop_tac_xa', 'TN-0001', 'tn-0001', '05488', '2010-05-01', '', '', "
                    "'', 'active', '2024-01-01 00:00:00')"
                )
            )
        await asyncio.to_thread(upgrade, "registry", url, "rg0009_household_display")
        async with engine.connect() as connection:
            return list((await connection.execute(sa.text("SELECT household_display FROM coop"))).scalars().all())
    finally:
        await engine.dispose()


async def test_migrations_give_existing_lots_tokens_and_coops_the_default_display(backend, tmp_path):
    if backend == "sqlite":
        tokens, displays = await _supplychain_migrated_with_existing_rows(
            f"sqlite+aiosqlite:///{tmp_path}/supplychain.db"
        )
        coops = await _registry_migrated_with_a_coop(f"sqlite+aiosqlite:///{tmp_path}/registry.db")
    else:
        async with temporary_postgres_database() as url:
            tokens, displays = await _supplychain_migrated_with_existing_rows(url)
        async with temporary_postgres_database() as url:
            coops = await _registry_migrated_with_a_coop(url)
    assert len(tokens) == 3 and len(set(tokens)) == 3 and all(TOKEN.match(token) for token in tokens)
    assert displays == ["initials"] and coops == ["initials"]
