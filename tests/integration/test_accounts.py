"""Accounts and login (issue 11, item 1; ADR 0017), on SQLite and PostgreSQL with real Redis: sign-in by
user name or phone, one answer for unknown and wrong, throttling, refresh rotation and reuse, logout,
who may create and reset accounts, and a login's token on the other services."""

from __future__ import annotations

import asyncio
import json

import httpx
from sqlmodel import select
from typer.testing import CliRunner

from htx.cli import app as cli
from services.registry.accounts import LoginThrottle, normalise_phone
from shared.auth import FailedAuthentications
from shared.idempotency import IdempotencyRecord
from tests.integration._registry_quality import new_coop
from tests.integration.test_reporting_verify import served
from tests.integration.test_tokens import platform
from tests.support import TEST_SECRET, bearer, running_app, wait_until
from tests.unit.test_redis_outage import Clock

PROVINCE = bearer()
PASSWORD = "chè-xanh-2024"


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _create(client: httpx.AsyncClient, headers: dict[str, str], **fields) -> httpx.Response:
    body = {"password": PASSWORD, "display_name": "Nguyễn Thị Lan", "role": "province", **fields}
    return await client.post("/accounts", json=body, headers=headers)


async def _account(client: httpx.AsyncClient, headers: dict[str, str] = PROVINCE, **fields) -> dict:
    created = await _create(client, headers, **fields)
    assert created.status_code == 201, created.text
    return created.json()


async def _login(client: httpx.AsyncClient, login: str, password: str = PASSWORD, **headers: str) -> httpx.Response:
    return await client.post("/auth/login", json={"login": login, "password": password}, headers=headers)


async def _signed_in(client: httpx.AsyncClient, login: str) -> dict:
    answer = await _login(client, login)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_vietnamese_phone_numbers_have_one_form():
    for typed in ("0912 345 678", "+84912345678", "84912345678", "091.234.5678", "+84 (912) 345-678"):
        assert normalise_phone(typed) == "+84912345678"
    assert normalise_phone("02083 855 123") == "+842083855123"  # a Thái Nguyên landline
    for other in ("12345678", "+1 202 555 0100", "0012345678", "09123", "lan.nv"):
        assert normalise_phone(other) is None


async def test_login_by_user_name_or_phone_and_the_token_says_who(registry_app_factory):
    async with running_app(await registry_app_factory()) as client:
        coop = await new_coop(client)
        manager = await _account(
            client,
            username="Lan.NV",
            phone="0912 345 678",
            display_name="  Nguyễn   Thị Lan ",
            role="coop",
            coop_id=coop["id"],
            staff="manager",
        )
        assert manager["display_name"] == "Nguyễn Thị Lan" and manager["phone"] == "+84912345678"
        for login in ("Lan.NV", "lan.nv", "0912345678", "+84 912 345 678"):
            signed = await _signed_in(client, login)
            assert signed["token_type"] == "bearer" and signed["expires_in"] == 15 * 60
            assert signed["account"]["id"] == manager["id"]
            me = await client.get("/auth/me", headers=_auth(signed["access_token"]))
            assert me.status_code == 200, me.text
            assert me.json()["role"] == "coop" and me.json()["coop_id"] == coop["id"]
            assert me.json()["staff"] == "manager" and me.json()["account"]["display_name"] == "Nguyễn Thị Lan"
        listed = await client.get("/accounts", headers=PROVINCE)
        text = json.dumps(listed.json(), ensure_ascii=False)
        assert "Nguyễn Thị Lan" in text and PASSWORD not in text and "argon2" not in text and "hash" not in text
        operator = await client.get("/auth/me", headers=bearer("coop", coop_id=coop["id"]))
        assert operator.json()["account"] is None and operator.json()["staff"] is None


async def test_unknown_user_and_wrong_password_get_the_same_401_and_bad_passwords_are_refused(registry_app_factory):
    async with running_app(await registry_app_factory()) as client:
        await _account(client, username="tinh.admin", phone="0987654321")
        wrong = await _login(client, "tinh.admin", "not-the-password", **{"Accept-Language": "en"})
        unknown = await _login(client, "nobody.here", PASSWORD, **{"Accept-Language": "en"})
        assert wrong.status_code == unknown.status_code == 401
        assert wrong.json() == unknown.json()
        assert wrong.json()["detail"]["message"] == "The user name (or phone number) or the password is wrong."
        vietnamese = await _login(client, "0987654321", "sai-mat-khau")
        assert vietnamese.json()["detail"]["message"].startswith("Tên đăng nhập")
        for password, code in (("ngan", "account.password_short"), ("Tinh.Admin2", None), ("0911222333", None)):
            refused = await _create(client, PROVINCE, username="tinh.admin2", phone="0911 222 333", password=password)
            assert refused.status_code == 422, refused.text
            assert refused.json()["detail"]["code"] == (code or "account.password_is_name")
        taken = await _create(client, PROVINCE, username="TINH.ADMIN")
        assert taken.status_code == 409 and taken.json()["detail"]["code"] == "account.username_taken"
        taken_phone = await _create(client, PROVINCE, username="other.one", phone="+84987654321")
        assert taken_phone.status_code == 409 and taken_phone.json()["detail"]["code"] == "account.phone_taken"
        assert (await client.get("/accounts", headers=PROVINCE)).json()[0]["username"] == "tinh.admin"
        assert len((await client.get("/accounts", headers=PROVINCE)).json()) == 1  # nothing half-written


async def test_failed_logins_are_throttled_per_login_name_until_the_window_passes(registry_app_factory):
    app = await registry_app_factory()
    clock = Clock()
    app.state.login_throttle = LoginThrottle(
        FailedAuthentications(5, 900, clock=clock), FailedAuthentications(30, 900, clock=clock)
    )
    async with running_app(app) as client:
        await _account(client, username="tinh.admin")
        await _account(client, username="tinh.other")
        for _ in range(5):
            assert (await _login(client, "tinh.admin", "wrong-password")).status_code == 401
        blocked = await _login(client, "TINH.admin", **{"Accept-Language": "en"})  # even the right password
        assert blocked.status_code == 429, blocked.text
        assert blocked.json()["detail"]["code"] == "login.too_many_failures"
        assert int(blocked.headers["Retry-After"]) == 900
        assert "try again in 900 seconds" in blocked.json()["detail"]["message"]
        assert (await _login(client, "tinh.other")).status_code == 200  # another name from the same address
        clock.now += 900.5
        assert (await _login(client, "tinh.admin")).status_code == 200


async def test_concurrent_guesses_cannot_all_pass_the_throttle_before_the_first_is_counted(registry_app_factory):
    app = await registry_app_factory()
    clock = Clock()
    app.state.login_throttle = LoginThrottle(
        FailedAuthentications(5, 900, clock=clock), FailedAuthentications(30, 900, clock=clock)
    )
    async with running_app(app) as client:
        await _account(client, username="tinh.admin")
        guesses = await asyncio.gather(*(_login(client, "tinh.admin", f"guess-{n:04d}") for n in range(10)))
        assert sorted(guess.status_code for guess in guesses) == [401] * 5 + [429] * 5
        clock.now += 900.5
        assert (await _login(client, "tinh.admin")).status_code == 200
        # A success takes its attempt back: five more failures are needed to block the name again.
        for _ in range(4):
            assert (await _login(client, "tinh.admin", "wrong-password")).status_code == 401
        assert (await _login(client, "tinh.admin")).status_code == 200


async def test_a_login_is_never_stored_for_replay_under_an_idempotency_key(registry_app_factory):
    app = await registry_app_factory()
    async with running_app(app) as client:
        await _account(client, username="tinh.admin")
        key = {"Idempotency-Key": "same-key-from-a-shared-phone"}
        answers = [await _login(client, "tinh.admin", **key) for _ in range(2)]
        assert [answer.status_code for answer in answers] == [200, 200]
        assert "Idempotent-Replayed" not in answers[1].headers
        assert answers[0].json()["refresh_token"] != answers[1].json()["refresh_token"]
        async with app.state.runtime.read_sessions() as session:
            stored = (await session.exec(select(IdempotencyRecord))).all()
        assert [record.body for record in stored if b"refresh_token" in record.body] == []


async def test_refresh_rotates_and_a_reused_refresh_token_ends_the_session(registry_app_factory):
    async with running_app(await registry_app_factory()) as client:
        await _account(client, username="tinh.admin")
        first = await _signed_in(client, "tinh.admin")
        second = await client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
        assert second.status_code == 200, second.text
        rotated = second.json()
        assert rotated["refresh_token"] != first["refresh_token"]
        assert rotated["access_token"] != first["access_token"]
        assert (await client.get("/auth/me", headers=_auth(rotated["access_token"]))).status_code == 200

        stolen = await client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
        assert stolen.status_code == 401 and stolen.json()["detail"]["code"] == "refresh.reused"
        after = await client.post("/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
        assert after.status_code == 401 and after.json()["detail"]["code"] == "refresh.invalid"
        refused = await client.get("/auth/me", headers=_auth(rotated["access_token"]))
        assert refused.status_code == 401 and refused.json()["detail"]["code"] == "auth.revoked"
        other = await _signed_in(client, "tinh.admin")  # a new sign-in is a new session
        assert (await client.post("/auth/refresh", json={"refresh_token": other["refresh_token"]})).status_code == 200
        unknown = await client.post("/auth/refresh", json={"refresh_token": "x" * 43})
        assert unknown.status_code == 401 and unknown.json()["detail"]["code"] == "refresh.invalid"


async def test_a_manager_creates_clerks_of_its_own_coop_only_and_a_clerk_creates_nothing(registry_app_factory):
    async with running_app(await registry_app_factory()) as client:
        own, other = (await new_coop(client))["id"], (await new_coop(client))["id"]
        await _account(client, username="quan.ly", role="coop", coop_id=own, staff="manager")
        manager = _auth((await _signed_in(client, "quan.ly"))["access_token"])
        clerk = await _account(
            client, manager, username="thu.kho", display_name="Đỗ Văn Hùng", role="coop", coop_id=own, staff="clerk"
        )
        assert clerk["coop_id"] == own and clerk["staff"] == "clerk"
        elsewhere = await _create(client, manager, username="x.other", role="coop", coop_id=other, staff="clerk")
        assert elsewhere.status_code == 403 and elsewhere.json()["detail"]["code"] == "auth.other_coop"
        another_manager = await _create(client, manager, username="x.boss", role="coop", coop_id=own, staff="manager")
        assert another_manager.status_code == 403 and another_manager.json()["detail"]["code"] == "account.clerks_only"
        province_account = await _create(client, manager, username="x.tinh")
        assert province_account.status_code == 403

        clerk_token = _auth((await _signed_in(client, "thu.kho"))["access_token"])
        by_clerk = await _create(client, clerk_token, username="x.clerk2", role="coop", coop_id=own, staff="clerk")
        assert by_clerk.status_code == 403 and by_clerk.json()["detail"]["code"] == "account.not_allowed"
        assert (await client.get("/accounts", headers=clerk_token)).status_code == 403
        listed = await client.get("/accounts", headers=manager)
        assert {account["username"] for account in listed.json()} == {"quan.ly", "thu.kho"}
        assert (await client.get(f"/accounts?coop_id={other}", headers=manager)).status_code == 403

        await _account(client, username="quan.ly.khac", role="coop", coop_id=other, staff="manager")  # province: any
        scope = await _create(client, PROVINCE, username="x.scope", role="coop", coop_id=own)
        assert scope.status_code == 422  # a coop account without its staff role


async def test_a_password_reset_or_deactivation_ends_the_sessions(registry_app_factory):
    async with running_app(await registry_app_factory()) as client:
        coop = (await new_coop(client))["id"]
        await _account(client, username="quan.ly", role="coop", coop_id=coop, staff="manager")
        clerk = await _account(client, username="thu.kho", role="coop", coop_id=coop, staff="clerk")
        manager = _auth((await _signed_in(client, "quan.ly"))["access_token"])
        session = await _signed_in(client, "thu.kho")

        reset = await client.post(
            f"/accounts/{clerk['id']}/password", json={"new_password": "mật-khẩu-mới-1"}, headers=manager
        )
        assert reset.status_code == 200, reset.text
        assert "hash" not in reset.text and "mật-khẩu" not in reset.text
        assert (await client.post("/auth/refresh", json={"refresh_token": session["refresh_token"]})).status_code == 401
        assert (await client.get("/auth/me", headers=_auth(session["access_token"]))).status_code == 401
        assert (await _login(client, "thu.kho")).status_code == 401
        again = await _login(client, "thu.kho", "mật-khẩu-mới-1")
        assert again.status_code == 200, again.text
        own = again.json()
        own_token = _auth(own["access_token"])
        wrong_current = await client.post(
            f"/accounts/{clerk['id']}/password",
            json={"new_password": "another-pass-2", "current_password": "not-it-at-all"},
            headers=own_token,
        )
        assert wrong_current.status_code == 403 and wrong_current.json()["detail"]["code"] == "account.current_password"
        renamed = await client.patch(
            f"/accounts/{clerk['id']}", json={"display_name": "Đỗ Thị Hằng"}, headers=own_token
        )
        assert renamed.status_code == 200 and renamed.json()["display_name"] == "Đỗ Thị Hằng"
        assert (
            await client.patch(f"/accounts/{clerk['id']}", json={"active": True}, headers=own_token)
        ).status_code == 403

        off = await client.patch(f"/accounts/{clerk['id']}", json={"active": False}, headers=manager)
        assert off.status_code == 200 and off.json()["active"] is False
        assert (await client.get("/auth/me", headers=own_token)).status_code == 401
        assert (await client.post("/auth/refresh", json={"refresh_token": own["refresh_token"]})).status_code == 401
        deactivated = await _login(client, "thu.kho", "mật-khẩu-mới-1")
        assert deactivated.status_code == 401 and deactivated.json()["detail"]["code"] == "login.failed"


async def test_a_login_token_works_on_the_other_services_and_logout_revokes_it_everywhere(
    database_url_factory, redis_url, stream_prefix
):
    async with platform(database_url_factory, redis_url, stream_prefix) as chain:
        await _account(chain.registry, username="tinh.admin", display_name="Trần Văn Bình")
        signed = await _signed_in(chain.registry, "tinh.admin")
        token = signed["access_token"]
        assert await chain.statuses(token) == {"registry": 200, "supplychain": 200, "reporting": 200}

        out = await chain.registry.post("/auth/logout", headers=_auth(token))
        assert out.status_code == 204, out.text
        refused = await chain.registry.get("/auth/me", headers=_auth(token))
        assert refused.status_code == 401 and refused.json()["detail"]["code"] == "auth.revoked"  # at once
        again = await chain.registry.post("/auth/refresh", json={"refresh_token": signed["refresh_token"]})
        assert again.status_code == 401 and again.json()["detail"]["code"] == "refresh.invalid"

        async def refused_everywhere() -> bool:
            return set((await chain.statuses(token)).values()) == {401}

        await wait_until(refused_everywhere, message="supplychain and reporting to apply the logout's revocation")


async def test_htx_account_create_makes_the_province_s_first_account(registry_app_factory, monkeypatch, tmp_path):
    monkeypatch.setenv("HTX_SECRET_KEY", TEST_SECRET)
    app = await registry_app_factory()
    async with running_app(app) as client, served(app) as registry_url:
        monkeypatch.setenv("HTX_REGISTRY_URL", registry_url)

        def create(username: str, password: str):
            arguments = ["account", "create", "--role", "province", "--username", username]
            arguments += ["--display-name", "Hoàng Thị Mai", "--data-dir", str(tmp_path)]
            return asyncio.to_thread(CliRunner().invoke, cli, arguments, input=f"{password}\n")

        made = await create("tinh.mai", PASSWORD)
        assert made.exit_code == 0, made.output
        assert "(province)" in made.output and "tinh.mai" in made.output
        signed = await _signed_in(client, "tinh.mai")
        assert signed["account"]["display_name"] == "Hoàng Thị Mai"
        refused = await create("tinh.other", "short")
        assert refused.exit_code != 0 and "account.password_short" in refused.output
