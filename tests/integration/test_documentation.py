"""Each service documents itself from its own files, and pydantic's refusals speak Vietnamese. Both backends.

Before: /docs, /redoc and /asyncapi loaded Swagger UI, ReDoc and the AsyncAPI component from public CDNs
without integrity (blank offline) and had no content security policy; /asyncapi.json showed the Redis host
and port; pydantic's 422 messages were English even with `Accept-Language: vi`.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI

from tests.support import bearer, running_app

PAGES = ("/docs", "/redoc", "/asyncapi")
_REFERENCE = re.compile(r'(?:src|href|spec-url)="([^"]*)"')
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
_CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png", ".json": "application/json"}


@pytest.fixture
def app_of(registry_app_factory, supplychain_app_factory, reporting_app) -> Callable[[str], Awaitable[FastAPI]]:
    """`await app_of(service)`: one service's app on the test's backend; the others are not built
    (reporting's fixture is an app already, on a copy of a migrated template: cheap)."""

    async def make(service: str) -> FastAPI:
        if service == "reporting":
            return reporting_app
        return await {"registry": registry_app_factory, "supplychain": supplychain_app_factory}[service]()

    return make


def _directives(policy: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


@pytest.mark.parametrize("service", ["registry", "reporting"])
async def test_documentation_pages_load_only_their_own_files_under_a_strict_policy(app_of, service):
    async with running_app(await app_of(service)) as client:
        for path in PAGES:
            page = await client.get(path)
            assert page.status_code == 200 and page.headers["content-type"].startswith("text/html"), path
            references = _REFERENCE.findall(page.text)
            assert references, path
            for url in references:
                assert url.startswith("/") and not url.startswith("//"), (path, url)  # nothing from elsewhere
                asset = await client.get(url)
                assert asset.status_code == 200, (path, url)
                assert asset.headers["content-type"].startswith(_CONTENT_TYPES[url[url.rfind(".") :]]), (path, url)
            assert not re.search(r"https?://", page.text), path

            policy = _directives(page.headers["content-security-policy"])
            assert policy["default-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"], path
            hashes = [
                f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
                for script in _INLINE_SCRIPT.findall(page.text)
            ]
            assert policy["script-src"] == ["'self'", *hashes], path  # inline script only by its hash
            assert policy["connect-src"] == ["'self'"], path
        swagger = (await client.get("/docs")).text
        assert "url: '/openapi.json'" in swagger and "validatorUrl" in swagger  # no badge asked of swagger.io
        assert _directives((await client.get("/asyncapi")).headers["content-security-policy"])["style-src"] == [
            "'self'"
        ]
        assert (await client.get("/docs/assets/not-shipped.js")).status_code == 404


@pytest.mark.parametrize(
    ("service", "streams"),
    [
        ("registry", {"registry.events"}),
        ("supplychain", {"supplychain.events", "registry.events"}),
        ("reporting", {"registry.events", "supplychain.events"}),
    ],
)
async def test_the_asyncapi_document_names_the_streams_but_not_where_redis_listens(app_of, service, streams):
    app = await app_of(service)
    redis = urlsplit(app.state.settings.redis_url)
    async with running_app(app) as client:
        answer = await client.get("/asyncapi.json")
    assert answer.status_code == 200
    assert redis.hostname not in answer.text and str(redis.port or 6379) not in answer.text
    assert app.state.settings.consumer_name not in answer.text  # this machine's host name and pid
    document = answer.json()
    assert [server["host"] for server in document["servers"].values()] == ["{redis}"]
    assert all("pathname" not in server for server in document["servers"].values())  # nor the database number
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert {address.removeprefix(app.state.settings.stream_prefix) for address in addresses} == streams
    assert len(document["channels"]) >= 3 and document["components"]["schemas"]


def _messages(answer) -> dict[tuple[str, ...], tuple[str, str]]:
    assert answer.status_code == 422, answer.text
    return {tuple(str(part) for part in item["loc"]): (item["type"], item["msg"]) for item in answer.json()["detail"]}


async def test_registry_tells_pydantic_refusals_in_vietnamese_by_default_and_english_on_request(app_of):
    coop = {
        "name": "H",
        "registration_code": "TN 01",
        "ward_code": "05488",
        "founded_on": "2020-13-01",
        "sectors": "chè",
        "tax_code": "0" * 30,
        "nickname": "x",
    }
    async with running_app(await app_of("registry")) as client:
        vietnamese = _messages(await client.post("/coops", json=coop, headers=bearer()))
        english = _messages(await client.post("/coops", json=coop, headers={**bearer(), "Accept-Language": "en"}))
        search = _messages(await client.get("/coops", params={"limit": "mười", "sort": "tên"}))
        missing = _messages(await client.post("/coops", json={}, headers={**bearer(), "Accept-Language": "vi"}))
        broken = _messages(
            await client.post("/coops", content=b'{"name": ', headers={**bearer(), "Content-Type": "application/json"})
        )
    assert vietnamese == {
        ("body", "name"): ("string_too_short", "Phải có ít nhất 2 ký tự."),
        ("body", "registration_code"): ("string_pattern_mismatch", "Không đúng định dạng yêu cầu (mẫu ^[^\\s/]+$)."),
        ("body", "founded_on"): ("date_from_datetime_parsing", "Phải là một ngày dạng YYYY-MM-DD, ví dụ 2025-05-10."),
        ("body", "sectors"): ("list_type", "Phải là một danh sách (mảng JSON [...])."),
        ("body", "tax_code"): ("string_too_long", "Không được dài quá 20 ký tự."),
        ("body", "nickname"): ("extra_forbidden", "Không có trường này; hãy kiểm tra tên trường hoặc bỏ nó đi."),
    }
    assert english == {
        ("body", "name"): ("string_too_short", "String should have at least 2 characters"),
        ("body", "registration_code"): ("string_pattern_mismatch", "String should match pattern '^[^\\s/]+$'"),
        ("body", "founded_on"): (
            "date_from_datetime_parsing",
            "Input should be a valid date or datetime, month value is outside expected range of 1-12",
        ),
        ("body", "sectors"): ("list_type", "Input should be a valid list"),
        ("body", "tax_code"): ("string_too_long", "String should have at most 20 characters"),
        ("body", "nickname"): ("extra_forbidden", "Extra inputs are not permitted"),
    }
    assert search[("query", "limit")] == ("int_parsing", "Phải là một số nguyên, ví dụ 12.")
    kind, message = search[("query", "sort")]
    assert kind == "literal_error" and message.startswith("Phải là 'name', '-name'") and " hoặc " in message
    assert " or " not in message
    assert set(missing.values()) == {("missing", "Trường này là bắt buộc.")}
    assert {kind for kind, _ in missing.values()} == {"missing"} and len(missing) == 3
    [(kind, message)] = broken.values()
    assert kind == "json_invalid" and message.startswith("Nội dung không phải JSON hợp lệ")


async def test_supplychain_tells_number_and_date_refusals_in_vietnamese(app_of):
    harvest = {
        "coop_id": 1,
        "member_id": "mười",
        "quantity_kg": "một trăm",
        "harvested_on": "2025-02-30",
        "harvest_round": 0,
    }
    province = bearer()
    async with running_app(await app_of("supplychain")) as client:
        vietnamese = _messages(await client.post("/harvests", json=harvest, headers=province))
        negative = _messages(await client.post("/harvests", json={**harvest, "quantity_kg": "-5"}, headers=province))
        english = _messages(
            await client.post("/harvests", json=harvest, headers={**province, "Accept-Language": "en-US,en;q=0.9"})
        )
    assert vietnamese[("body", "member_id")] == ("int_parsing", "Phải là một số nguyên, ví dụ 12.")
    assert vietnamese[("body", "quantity_kg")][1] == "Phải là một số thập phân, ví dụ 12.5 (dấu chấm thập phân)."
    assert vietnamese[("body", "harvested_on")][1] == "Phải là một ngày dạng YYYY-MM-DD, ví dụ 2025-05-10."
    assert vietnamese[("body", "harvest_round")] == ("greater_than_equal", "Phải lớn hơn hoặc bằng 1.")
    assert negative[("body", "quantity_kg")][1].startswith("Phải lớn hơn")
    assert english[("body", "member_id")][1] == "Input should be a valid integer, unable to parse string as an integer"
    assert english[("body", "harvest_round")][1] == "Input should be greater than or equal to 1"


async def test_our_own_validators_refuse_in_the_request_language(app_of):
    """Refusals raised by the schemas' own validators carry a message key, not an English sentence."""
    contract = {"partner_id": 1, "product": "Chè búp khô", "valid_from": "2026-03-01", "valid_to": "2026-01-31"}
    grading = {
        "coop_id": 1,
        "transformed_on": "2026-05-10",
        "inputs": [{"lot_code": "TH-1-20260508-1", "quantity": 10}],
        "outputs": [{"product": "Chè móc câu", "quantity_kg": 5}],
    }
    english = {**bearer(), "Accept-Language": "en"}
    async with running_app(await app_of("registry")) as client:
        emptied = _messages(await client.patch("/coops/1", json={"name": None}, headers=bearer()))
        window = _messages(await client.post("/coops/1/contracts", json=contract, headers=bearer()))
        window_en = _messages(await client.post("/coops/1/contracts", json=contract, headers=english))
    async with running_app(await app_of("supplychain")) as client:
        ungraded = _messages(await client.post("/gradings", json=grading, headers=bearer()))
    assert emptied == {
        ("body",): ("update.null_field", "Không được để trống (null) name: gửi một giá trị, hoặc bỏ hẳn trường đó đi.")
    }
    assert window == {
        ("body",): ("contract.window", "Hợp đồng kết thúc ngày 2026-01-31, trước ngày bắt đầu 2026-03-01.")
    }
    assert window_en == {
        ("body",): ("contract.window", "The contract ends on 2026-01-31, before it starts on 2026-03-01.")
    }
    assert ungraded == {
        ("body", "outputs"): ("grading.grade_missing", "Mỗi lô đầu ra của phân loại phải có hạng (grade).")
    }
