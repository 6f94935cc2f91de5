"""The operator tool's pure parts: environments, tokens, tables, the demo dataset and loader."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from htx import demo, operator
from htx.cli import app, format_dead_letters
from htx.runner import SERVICES, ServiceProcess, service_env, sqlite_url
from services.registry.schemas import CoopCreate, MemberCreate
from shared.auth import decode_token

SECRET = "unit-test-secret-0123456789abcdef0123456789"


def test_service_env_sets_every_setting_explicitly():
    env = service_env(
        "supplychain",
        database_url="sqlite+aiosqlite:////x/supplychain.db",
        redis_url="redis://127.0.0.1:6390/0",
        secret_key=SECRET,
        env="dev",
        registry_url="http://127.0.0.1:9001",
        stream_prefix="t1.",
    )
    assert env["HTX_DATABASE_URL"] == "sqlite+aiosqlite:////x/supplychain.db"
    assert env["HTX_REDIS_URL"] == "redis://127.0.0.1:6390/0"
    assert env["HTX_SECRET_KEY"] == SECRET
    assert env["HTX_ENV"] == "dev"
    assert env["HTX_REGISTRY_URL"] == "http://127.0.0.1:9001"
    assert env["HTX_SUPPLYCHAIN_URL"] == "http://127.0.0.1:8002"
    assert env["HTX_STREAM_PREFIX"] == "t1."
    assert all(isinstance(value, str) for value in env.values())


def test_service_env_refuses_an_unknown_service():
    with pytest.raises(ValueError, match="unknown service"):
        service_env("billing", database_url="x", redis_url="y", secret_key=SECRET)


def test_service_process_command_and_url():
    process = ServiceProcess("registry", 18001, {}, None, host="0.0.0.0")
    assert process.command()[1:] == ["-m", "services.registry", "--host", "0.0.0.0", "--port", "18001"]
    assert process.url == "http://127.0.0.1:18001"
    assert process.pid is None and not process.running


def test_database_url_prefers_the_service_variable():
    tmp_path = Path("/srv/htx-data")
    environ = {"REGISTRY_DATABASE_URL": "postgresql+asyncpg://htx@db/registry"}
    assert operator.database_url("registry", tmp_path, environ) == "postgresql+asyncpg://htx@db/registry"
    assert operator.database_url("reporting", tmp_path, environ) == sqlite_url(tmp_path / "reporting.db")
    assert [operator.database_env_var(name) for name in SERVICES] == [
        "REGISTRY_DATABASE_URL",
        "SUPPLYCHAIN_DATABASE_URL",
        "REPORTING_DATABASE_URL",
    ]


def test_service_url_from_environment(tmp_path):
    environ = {"HTX_REPORTING_URL": "http://reporting:8003/"}
    assert operator.service_url("reporting", tmp_path / "absent", environ) == "http://reporting:8003"
    assert operator.service_url("registry", tmp_path / "absent", environ) == "http://127.0.0.1:8001"


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--role", "province"], {"role": "province", "coop_id": None, "partner_id": None}),
        (
            ["--role", "coop", "--coop-id", "7", "--subject", "Chủ nhiệm HTX"],
            {"role": "coop", "coop_id": 7, "subject": "Chủ nhiệm HTX"},
        ),
        (["--role", "buyer", "--partner-id", "3", "--ttl-hours", "2"], {"role": "buyer", "partner_id": 3}),
    ],
)
def test_token_issue_prints_a_token_signed_with_the_secret(args, expected):
    result = CliRunner().invoke(app, ["token", "issue", *args], env={"HTX_SECRET_KEY": SECRET})
    assert result.exit_code == 0, result.output
    principal = decode_token(SECRET, result.stdout.strip())
    for key, value in expected.items():
        assert getattr(principal, key) == value


@pytest.mark.parametrize(
    "args", [["--role", "coop"], ["--role", "buyer"], ["--role", "admin"], ["--role", "province", "--ttl-hours", "0"]]
)
def test_token_issue_refuses_incomplete_requests(args):
    result = CliRunner().invoke(app, ["token", "issue", *args], env={"HTX_SECRET_KEY": SECRET})
    assert result.exit_code == 2


def test_dead_letter_table_has_one_row_per_letter():
    letters = [
        {
            "dlq_id": "1-0",
            "stream": "registry.events",
            "group": "supplychain",
            "event_type": "registry.member_joined",
            "event_id": "e1",
            "deliveries": 5,
            "failed_at": "2026-06-01T08:00:00+07:00",
            "reason": "ValueError: bad\nsecond line",
        }
    ]
    lines = format_dead_letters(letters).splitlines()
    assert lines[0].split() == [
        "DLQ_ID",
        "STREAM",
        "GROUP",
        "EVENT_TYPE",
        "EVENT_ID",
        "DELIVERIES",
        "FAILED_AT",
        "REASON",
    ]
    assert lines[1].split()[:6] == ["1-0", "registry.events", "supplychain", "registry.member_joined", "e1", "5"]
    assert lines[1].endswith("ValueError: bad second line")


def test_a_dead_letter_belongs_to_its_group_service():
    assert operator.owning_service({"group": "reporting"}) == "reporting"
    with pytest.raises(LookupError):
        operator.owning_service({"dlq_id": "1-0", "group": "someone-else"})


# --- demo dataset -------------------------------------------------------------------------------


def test_demo_dataset_is_valid_for_the_registry():
    codes = [coop.registration_code for coop in demo.DATASET]
    assert len(set(codes)) == len(codes)
    for coop in demo.DATASET:
        CoopCreate.model_validate(coop.registration())
        for member in coop.members:
            MemberCreate.model_validate(
                {
                    "name": member.name,
                    "kind": member.kind,
                    "membership": member.membership,
                    "joined_on": member.joined_on,
                    "phone": member.phone,
                }
            )
            assert member.joined_on >= coop.founded_on


def test_demo_tan_huong_looks_like_the_real_one():
    coop = demo.TAN_HUONG
    assert coop.name == "HTX Chè Tân Hương" and coop.ward_code == "05488"
    assert {h.harvest_round for h in coop.harvests} == {1, 2}
    assert any(sale.buyer_name == "Công ty TNHH Trà Thái Nguyên" for sale in coop.sales)
    assert any(ch in "".join(m.name for m in coop.members) for ch in "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệ")
    assert {c.ward_code for c in demo.DATASET} >= {"05488", "05503"}


def test_demo_sales_fit_their_lots():
    today = date.today()
    for coop in demo.DATASET:
        for harvest in coop.harvests:
            assert 0 <= harvest.member < len(coop.members)
            assert harvest.harvested_on <= today
        for sale in coop.sales:
            harvest = coop.harvests[sale.harvest]
            assert Decimal(0) < sale.quantity_kg <= harvest.quantity_kg
            assert harvest.harvested_on <= sale.sold_on <= today


class FakeServices:
    """Registry and supplychain answering like the real routes, in memory."""

    def __init__(self, *, known_codes: set[str] = frozenset(), unavailable_once: bool = False) -> None:
        self.known_codes = set(known_codes)
        self.unavailable_once = unavailable_once
        self.calls: list[tuple[str, str, dict]] = []
        self.next_id = 1

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content or b"{}")
        self.calls.append((request.url.host, request.url.path, body))
        assert request.headers["authorization"] == "Bearer tok"
        if self.unavailable_once and request.url.path == "/harvests":
            self.unavailable_once = False
            return httpx.Response(503, json={"detail": "registry not reachable"})
        self.next_id += 1
        if request.url.path == "/coops":
            if body["registration_code"] in self.known_codes:
                return httpx.Response(409, json={"detail": {"code": "coop.duplicate_code"}})
            self.known_codes.add(body["registration_code"])
            return httpx.Response(201, json={"id": self.next_id, **body})
        if request.url.path.endswith("/members"):
            return httpx.Response(201, json={"id": self.next_id, **body})
        if request.url.path == "/harvests":
            return httpx.Response(201, json={"code": f"TH-{body['coop_id']}-{self.next_id}", **body})
        if request.url.path == "/sales":
            return httpx.Response(201, json={"id": self.next_id, **body})
        return httpx.Response(404)


def _load(fake: FakeServices, supplychain: str | None = "http://supplychain") -> demo.DemoReport:
    with httpx.Client(transport=httpx.MockTransport(fake)) as client:
        return demo.load_demo("http://registry", supplychain, "tok", client=client)


def test_demo_loads_everything_over_the_apis():
    fake = FakeServices(unavailable_once=True)
    report = _load(fake)
    assert report.coops_created == [coop.name for coop in demo.DATASET]
    assert report.members == sum(len(coop.members) for coop in demo.DATASET)
    assert len(report.lot_codes) == sum(len(coop.harvests) for coop in demo.DATASET)
    assert report.sales == sum(len(coop.sales) for coop in demo.DATASET)
    sales = [body for host, path, body in fake.calls if path == "/sales"]
    assert all(body["lot_code"] in report.lot_codes for body in sales)
    assert not report.warnings


def test_demo_skips_a_coop_the_registry_already_has():
    fake = FakeServices(known_codes={demo.TAN_HUONG.registration_code})
    report = _load(fake)
    assert report.coops_skipped == [demo.TAN_HUONG.name]
    assert demo.TAN_HUONG.name not in report.coops_created
    assert report.members == sum(len(coop.members) for coop in demo.DATASET if coop is not demo.TAN_HUONG)
    assert len(report.lot_codes) == sum(len(coop.harvests) for coop in demo.DATASET if coop is not demo.TAN_HUONG)


def test_demo_without_supplychain_warns_instead_of_failing():
    report = _load(FakeServices(), supplychain=None)
    assert report.lot_codes == [] and report.sales == 0
    assert report.warnings and "supplychain" in report.warnings[0]
