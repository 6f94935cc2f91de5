"""Hostile input gets a clear 4xx on every service, never a 500, and nothing is written. Both backends.

Before: integers above 2^63 in paths and queries were a 500 (SQLite's OverflowError) on all three
services, unauthenticated; bare NaN in a JSON body made a 422 that could not be serialised (500);
10,000-deep JSON on /epcis/capture was a RecursionError; a 422 echoed a 20 MB field back; a 98 MB
body was read and parsed before the 401.
"""

from __future__ import annotations

import pytest

from services.supplychain.tables import Lot
from tests.integration._supplychain import count
from tests.support import bearer, running_app

HUGE = str(2**63)


@pytest.fixture
async def apps(registry_app_factory, supplychain_app_factory, reporting_app):
    return {
        "registry": await registry_app_factory(),
        "supplychain": await supplychain_app_factory(),
        "reporting": reporting_app,
    }


@pytest.mark.parametrize(
    ("service", "path"),
    [
        ("registry", f"/coops/{HUGE}"),
        ("registry", f"/coops?limit={HUGE}"),
        ("supplychain", f"/households/{HUGE}/trace"),
        ("reporting", f"/kpis?year={HUGE}"),
        ("registry", f"/coops/-{HUGE}0"),
    ],
)
async def test_integers_beyond_64_bits_are_a_422(apps, service, path):
    async with running_app(apps[service]) as client:
        answer = await client.get(path, headers={"Accept-Language": "en"})
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"]["code"] == "request.number_too_large"
    assert "too large" in answer.json()["detail"]["message"]


async def test_a_huge_integer_in_a_body_is_a_422_not_a_500(apps):
    async with running_app(apps["registry"]) as client:
        coop = {
            "name": "HTX Chè Tân Hương",
            "registration_code": "TN-0001",
            "ward_code": "05488",
            "founded_on": "2010-05-01",
        }
        made = (await client.post("/coops", json=coop, headers=bearer())).json()
        member = {"name": "Đỗ Thị Hằng", "kind": "household", "joined_on": "2016-01-01", "capital_vnd": 2**70}
        answer = await client.post(f"/coops/{made['id']}/members", json=member, headers=bearer())
        assert answer.status_code == 422, answer.text
        assert (await client.get(f"/coops/{made['id']}/members", headers=bearer())).json()["total"] == 0


async def test_nan_and_infinity_are_refused_with_a_readable_422(apps):
    async with running_app(apps["supplychain"]) as client:
        for bare in ("NaN", "Infinity", "-Infinity"):
            body = (
                '{"coop_id": 1, "member_id": 10, "quantity_kg": '
                + bare
                + ', "harvested_on": "2025-06-01", "harvest_round": 1}'
            )
            answer = await client.post(
                "/harvests", content=body, headers={**bearer(), "Content-Type": "application/json"}
            )
            assert answer.status_code == 422, answer.text
            assert any(item["loc"][-1] == "quantity_kg" for item in answer.json()["detail"])
        assert await count(apps["supplychain"], Lot) == 0


async def test_a_refused_field_is_not_echoed_back_whole(apps):
    async with running_app(apps["registry"]) as client:
        answer = await client.post(
            "/coops", json={"name": "x" * 500_000, "registration_code": "TN-1"}, headers=bearer()
        )
    assert answer.status_code == 422
    assert len(answer.content) < 10_000


async def test_deeply_nested_json_is_a_400(apps):
    deep = "[" * 10_000 + "]" * 10_000
    async with running_app(apps["supplychain"]) as client:
        capture = await client.post(
            "/epcis/capture", content=deep, headers={**bearer(), "Content-Type": "application/ld+json"}
        )
        harvest = await client.post("/harvests", content=deep, headers={**bearer(), "Content-Type": "application/json"})
    assert capture.status_code == 400 and capture.headers["content-type"].startswith("application/problem+json")
    assert harvest.status_code in (400, 422), harvest.text


async def test_a_body_over_the_limit_is_refused_before_the_token_is_even_checked(apps):
    async with running_app(apps["registry"]) as client:
        limit = apps["registry"].state.settings.max_body_bytes
        answer = await client.post(
            "/coops", content=b"{" + b" " * limit + b"}", headers={"Content-Type": "application/json"}
        )
        assert answer.status_code == 413, answer.text
        assert answer.json()["detail"]["code"] == "request.too_large"
        assert "tối đa" in answer.json()["detail"]["message"]
        unauthenticated = await client.post("/coops", json={"name": "x"})
        assert unauthenticated.status_code == 401  # a body within the limit still meets the token check


async def test_pages_carry_security_headers(apps):
    async with running_app(apps["reporting"]) as client:
        page = await client.get("/dashboard")
        docs = await client.get("/docs")
        data = await client.get("/kpis")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    for answer in (page, docs, data):
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["referrer-policy"] == "no-referrer"
    assert "'unsafe-inline'" not in docs.headers["content-security-policy"]  # Swagger UI served from here
