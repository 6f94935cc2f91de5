"""The web service in front of a real registry: the shell, signing in with the refresh token in a
cookie the page cannot read, and `/api/<service>/` forwarding writes with their Idempotency-Key."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
from collections.abc import AsyncIterator

import httpx
import pytest

from services.web import shell
from services.web.app import create_app
from services.web.proxy import LARGEST_BODY_BYTES
from tests.support import bearer, running_app, service_settings, unique

PASSWORD = "mat-khau-can-che"
UNREACHABLE = "http://127.0.0.1:9"  # nothing listens there


@contextlib.asynccontextmanager
async def web_in_front_of(registry: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    nowhere = httpx.AsyncClient(base_url=UNREACHABLE)
    app = create_app(service_settings(), upstreams={"registry": registry, "supplychain": nowhere, "reporting": nowhere})
    async with running_app(app) as web:
        yield web


@pytest.fixture
async def registry_and_web(registry_app_factory) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    async with running_app(await registry_app_factory()) as registry, web_in_front_of(registry) as web:
        yield registry, web


async def clerk(registry: httpx.AsyncClient) -> str:
    coop = await registry.post(
        "/coops",
        json={
            "name": "HTX Chè Tân Hương",
            "form": "hop_tac_xa",
            "registration_code": unique("C-"),
            "ward_code": "05488",
            "founded_on": "2009-04-15",
        },
        headers=bearer(),
    )
    username = unique("can")
    account = await registry.post(
        "/accounts",
        json={
            "username": username,
            "password": PASSWORD,
            "display_name": "Nguyễn Thị Mai",
            "role": "coop",
            "coop_id": coop.json()["id"],
            "staff": "clerk",
        },
        headers=bearer(),
    )
    assert account.status_code == 201, account.text
    return username


async def test_the_shell_is_vietnamese_by_default_and_english_on_request(registry_and_web):
    _, web = registry_and_web
    vietnamese, english = await web.get("/"), await web.get("/", params={"lang": "en"})
    assert '<html lang="vi">' in vietnamese.text and "Cân chè" in vietnamese.text
    assert '<html lang="en">' in english.text and "Weigh-in" in english.text
    assert vietnamese.headers["cache-control"] == "no-cache"
    worker = await web.get("/sw.js")
    assert worker.headers["content-type"].startswith("text/javascript")
    assert f'"{shell.release()}"' in worker.text
    for path in shell.static_files():  # every file the shell needs is kept, and served
        assert f'"{path}"' in worker.text
        assert (await web.get(path)).status_code == 200, path
    manifest = (await web.get("/manifest.webmanifest")).json()
    assert manifest["lang"] == "vi" and manifest["start_url"] == "/"


async def test_the_page_brings_its_first_screens_itself_allowed_by_their_hashes(registry_and_web):
    _, web = registry_and_web
    answer = await web.get("/")
    page, policy = answer.text, answer.headers["content-security-policy"]
    # No file to fetch before the sign-in or the weigh-in: their modules are the page's one script.
    assert "modulepreload" not in page and '<script type="module" src=' not in page
    scripts = re.findall(r'<script type="module">(.*?)</script>', page, re.DOTALL)
    assert scripts == [shell.START_SCRIPT.read_text(encoding="utf-8")]
    styles = re.findall(r"<style>(.*?)</style>", page, re.DOTALL)
    # The policy allows exactly that script and those styles, nothing inline besides.
    for inline, directive in ((scripts[0], "script-src"), (styles[0], "style-src")):
        digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy.split(directive)[1].split(";")[0]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert answer.headers["x-content-type-options"] == "nosniff"
    # The less daily screens are loaded with import() by their address: kept by the worker, not in the page.
    for lazy in ("/static/screens/sale.js", "/static/screens/members.js", "/static/screens/today.js"):
        assert f'import("{lazy}")' in scripts[0] and lazy in shell.static_files()
    assert 'import("/static/screens/delivery.js")' not in scripts[0]


async def test_signing_in_keeps_the_refresh_token_out_of_the_page(registry_and_web):
    registry, web = registry_and_web
    username = await clerk(registry)
    answer = await web.post("/session", json={"login": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    assert "refresh_token" not in answer.json() and answer.json()["account"]["username"] == username
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/session" in cookie
    assert answer.headers["cache-control"] == "no-store"
    me = await web.get("/api/registry/auth/me", headers={"Authorization": f"Bearer {answer.json()['access_token']}"})
    assert me.status_code == 200 and me.json()["role"] == "coop"


async def test_a_wrong_password_is_told_in_the_request_language(registry_and_web):
    registry, web = registry_and_web
    username = await clerk(registry)
    answer = await web.post("/session", json={"login": username, "password": "sai-mat-khau"})
    assert answer.status_code == 401
    assert answer.json()["detail"]["code"] == "login.failed"
    assert "set-cookie" not in answer.headers


async def test_the_refresh_cookie_renews_only_for_the_app_and_only_once(registry_and_web):
    registry, web = registry_and_web
    username = await clerk(registry)
    signed_in = await web.post("/session", json={"login": username, "password": PASSWORD})
    first_cookie = web.cookies.get("htx_refresh", path="/session")
    refused = await web.post("/session/refresh")  # a cross-site form cannot send the header
    assert refused.status_code == 403 and refused.json()["detail"]["code"] == "web.app_header"
    renewed = await web.post("/session/refresh", headers={"X-HTX-App": "1"})
    assert renewed.status_code == 200, renewed.text
    assert renewed.json()["access_token"] != signed_in.json()["access_token"]
    assert web.cookies.get("htx_refresh", path="/session") not in (None, first_cookie)
    # Someone replays the used-up refresh token: the session ends and the cookie is forgotten.
    web.cookies.set("htx_refresh", first_cookie, path="/session")
    reused = await web.post("/session/refresh", headers={"X-HTX-App": "1"})
    assert reused.status_code == 401
    assert 'htx_refresh=""' in reused.headers["set-cookie"] or "max-age=0" in reused.headers["set-cookie"].lower()


async def test_without_the_cookie_the_app_is_told_to_sign_in_again(registry_and_web):
    _, web = registry_and_web
    answer = await web.post("/session/refresh", headers={"X-HTX-App": "1", "Accept-Language": "en"})
    assert answer.status_code == 401
    assert answer.json()["detail"]["message"] == "The sign-in has ended; sign in again."


async def test_signing_out_revokes_the_token_and_forgets_the_cookie(registry_and_web):
    registry, web = registry_and_web
    username = await clerk(registry)
    token = (await web.post("/session", json={"login": username, "password": PASSWORD})).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    out = await web.post("/session/logout", headers=auth)
    assert out.status_code == 204
    assert web.cookies.get("htx_refresh", path="/session") is None
    assert (await web.get("/api/registry/auth/me", headers=auth)).status_code == 401
    assert (await web.post("/session/refresh", headers={"X-HTX-App": "1"})).status_code == 401


async def test_a_forwarded_write_with_its_key_is_made_once(registry_and_web):
    registry, web = registry_and_web
    body = {
        "name": "HTX Chè Hồng Thái",
        "form": "hop_tac_xa",
        "registration_code": unique("C-"),
        "ward_code": "05488",
        "founded_on": "2015-03-01",
    }
    headers = {**bearer(), "Idempotency-Key": unique("key")}
    first = await web.post("/api/registry/coops", json=body, headers=headers)
    again = await web.post("/api/registry/coops", json=body, headers=headers)
    assert first.status_code == again.status_code == 201, first.text
    assert again.headers["idempotent-replayed"] == "true" and again.json() == first.json()
    found = await registry.get("/coops", params={"q": body["registration_code"]})
    assert found.json()["total"] == 1
    assert json.loads(first.content)["name"] == "HTX Chè Hồng Thái"  # diacritics as typed


async def test_an_unknown_service_and_a_service_that_is_down_are_told_apart(registry_and_web):
    _, web = registry_and_web
    unknown = await web.get("/api/payroll/anything")
    assert unknown.status_code == 404 and unknown.json()["detail"]["code"] == "web.no_service"
    down = await web.post("/api/supplychain/harvests", json={}, headers={"Accept-Language": "vi"})
    assert down.status_code == 503  # the app keeps the write queued
    assert "giữ lại" in down.json()["detail"]["message"]


async def test_a_body_beyond_what_any_service_takes_is_refused_before_it_is_forwarded(registry_and_web):
    _, web = registry_and_web
    answer = await web.post(
        "/api/registry/imports/members", content=b"x" * (LARGEST_BODY_BYTES + 1), headers={"Accept-Language": "en"}
    )
    assert answer.status_code == 413
    assert answer.json()["detail"]["message"]
