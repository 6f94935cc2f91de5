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


def test_demo_chain_fits_its_lots():
    """Every lot holds 0 kg or more after the demo's purchases, processing, sales and shipments."""
    today = date.today()
    for coop in demo.DATASET:
        held = {h.lot_code: h.quantity_kg for h in coop.harvests}
        assert len(held) == len(coop.harvests)
        for purchase in coop.purchases:
            harvest = coop.harvests[purchase.harvest]
            assert Decimal(0) < purchase.quantity_kg <= harvest.quantity_kg
            assert harvest.harvested_on <= purchase.purchased_on <= today
        for processing in coop.processings:
            for index, kg in processing.inputs:
                held[coop.harvests[index].lot_code] -= kg
            assert Decimal("0.18") <= processing.quantity_kg / sum(kg for _, kg in processing.inputs) <= Decimal("0.25")
            held[processing.lot_code] = processing.quantity_kg
        for sale in coop.sales:
            held[coop.harvests[sale.harvest].lot_code] -= sale.quantity_kg
        for shipment in coop.shipments:
            held[shipment.lot_code] -= shipment.quantity_kg
            assert shipment.shipped_on <= shipment.received_on <= today
        assert all(kg >= 0 for kg in held.values()), held


class FakeServices:
    """Registry and supplychain answering the routes the demo loader uses like the real ones, in memory."""

    def __init__(self, *, unavailable_once: bool = False) -> None:
        self.unavailable_once = unavailable_once
        self.coops: dict[int, dict] = {}
        self.members: dict[int, list[dict]] = {}
        self.partners: list[dict] = []
        self.contracts: dict[int, list[dict]] = {}
        self.lots: set[str] = set()
        self.shipments: list[dict] = []
        self.accounts: dict[str, dict] = {}
        self.writes: list[tuple[str, dict]] = []
        self.next_id = 0

    def _new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == "Bearer tok"
        body = json.loads(request.content or b"{}")
        if request.method == "POST":
            if self.unavailable_once and request.url.path == "/batch":
                self.unavailable_once = False
                return httpx.Response(503, json={"detail": "registry not reachable"})
            self.writes.append((request.url.path, body))
        route = self._registry if request.url.host == "registry" else self._supplychain
        answer = route(request.method, request.url.path.strip("/").split("/"), body, request.url.params)
        return answer if isinstance(answer, httpx.Response) else httpx.Response(200, json=answer)

    def register_coop(self, body: dict) -> dict:
        coop = {"id": self._new_id(), **body}
        self.coops[coop["id"]] = coop
        self.members[coop["id"]], self.contracts[coop["id"]] = [], []
        return coop

    def add_member(self, coop_id: int, body: dict) -> dict:
        member = {"id": self._new_id(), "coop_id": coop_id, **body}
        self.members[coop_id].append(member)
        return member

    def _registry(self, method: str, parts: list[str], body: dict, params) -> dict | httpx.Response:
        match method, parts:
            case "POST", ["coops"]:
                if any(c["registration_code"] == body["registration_code"] for c in self.coops.values()):
                    return httpx.Response(409, json={"detail": {"code": "coop.duplicate_code"}})
                return httpx.Response(201, json=self.register_coop(body))
            case "GET", ["coops"]:
                items = [c for c in self.coops.values() if c["registration_code"] == params["q"]]
                return {"items": items, "total": len(items)}
            case "GET", ["coops", coop_id, "members"]:
                return {"items": self.members[int(coop_id)], "total": len(self.members[int(coop_id)])}
            case "POST", ["coops", coop_id, "members"]:
                return httpx.Response(201, json=self.add_member(int(coop_id), body))
            case "GET", ["partners"]:
                items = [p for p in self.partners if params["q"] in p["name"]]
                return {"items": items, "total": len(items)}
            case "POST", ["partners"]:
                self.partners.append({"id": self._new_id(), **body})
                return httpx.Response(201, json=self.partners[-1])
            case "GET", ["accounts"]:
                return [a for a in self.accounts.values() if a["coop_id"] == int(params["coop_id"])]
            case "POST", ["accounts"]:
                if body["username"] in self.accounts:
                    return httpx.Response(409, json={"detail": {"code": "account.username_taken"}})
                self.accounts[body["username"]] = {"id": self._new_id(), **body}
                return httpx.Response(201, json=self.accounts[body["username"]])
            case "GET", ["coops", coop_id, "contracts"]:
                return self.contracts[int(coop_id)]
            case "POST", ["coops", coop_id, "contracts"]:
                self.contracts[int(coop_id)].append({"id": self._new_id(), "coop_id": int(coop_id), **body})
                return httpx.Response(201, json=self.contracts[int(coop_id)][-1])
        return httpx.Response(404)

    def _supplychain(self, method: str, parts: list[str], body: dict, params) -> dict | httpx.Response:
        match method, parts:
            case "GET", ["lots", code]:
                return {"code": code} if code in self.lots else httpx.Response(404)
            case "POST", ["batch"]:
                made = [c["lot_code"] for c in body["commands"] if c["type"] == "harvest"]
                made += [o["lot_code"] for c in body["commands"] if c["type"] == "processing" for o in c["outputs"]]
                if self.lots & set(made):
                    return httpx.Response(409, json={"detail": {"code": "lot.duplicate"}})
                used = {c["lot_code"] for c in body["commands"] if c["type"] in ("purchase", "sale")}
                assert used <= set(made), "a purchase or sale of a lot the batch does not make"
                self.lots |= set(made)
                return httpx.Response(201, json={"results": [{"type": c["type"]} for c in body["commands"]]})
            case "GET", ["partners", partner_id, "shipments"]:
                return {"shipments": [s for s in self.shipments if s["partner_id"] == int(partner_id)]}
            case "POST", ["shipments"]:
                assert all(line["lot_code"] in self.lots for line in body["lines"])
                shipment = {"shipment_id": self._new_id(), "received_on": None, "invoice_numbers": [], **body}
                self.shipments.append(shipment)
                return httpx.Response(201, json={"type": "shipment", "id": shipment["shipment_id"]})
            case "POST", ["receipts"]:
                shipment = next(s for s in self.shipments if s["shipment_id"] == body["shipment_id"])
                shipment["received_on"] = body["received_on"]
                return httpx.Response(201, json={"type": "receipt", "id": self._new_id()})
            case "POST", ["sales"]:
                shipment = next(s for s in self.shipments if s["shipment_id"] == body["shipment_id"])
                shipment["invoice_numbers"].append(body["invoice_number"])
                return httpx.Response(201, json={"id": self._new_id(), **body})
        return httpx.Response(404)


def _load(fake: FakeServices, supplychain: str | None = "http://supplychain") -> demo.DemoReport:
    with httpx.Client(transport=httpx.MockTransport(fake)) as client:
        return demo.load_demo("http://registry", supplychain, "tok", client=client)


def _lot_codes(coops=demo.DATASET) -> list[str]:
    return [code for coop in coops for code in coop.lot_codes()]


def test_demo_loads_everything_over_the_apis():
    fake = FakeServices(unavailable_once=True)
    report = _load(fake)
    assert report.coops_created == [coop.name for coop in demo.DATASET]
    assert report.members == sum(len(coop.members) for coop in demo.DATASET)
    assert report.lot_codes == _lot_codes() and fake.lots == set(_lot_codes())
    assert report.purchases == sum(len(coop.purchases) for coop in demo.DATASET)
    assert report.sales == sum(len(coop.sales) + len(coop.shipments) for coop in demo.DATASET)
    assert report.partners == 1 and report.contracts == 1 and report.shipments == 1
    assert [s["received_on"] for s in fake.shipments] == ["2026-05-13"]
    assert fake.shipments[0]["invoice_numbers"] == ["C26TTH-0000112"]
    sales = [c for path, body in fake.writes if path == "/batch" for c in body["commands"] if c["type"] == "sale"]
    assert all(command["lot_code"] in report.lot_codes for command in sales)
    assert not report.warnings


def test_demo_loaded_twice_adds_nothing_the_second_time():
    fake = FakeServices()
    _load(fake)
    writes = len(fake.writes)
    again = _load(fake)
    assert fake.writes[writes:] == []
    assert again.coops_skipped == [coop.name for coop in demo.DATASET] and again.coops_created == []
    assert again.summary().endswith("; added nothing")
    assert again.lot_codes == _lot_codes()  # the trace pages are printed on every start


def test_demo_completes_a_coop_an_interrupted_load_left_half_done():
    fake = FakeServices()
    coop = fake.register_coop(demo.TAN_HUONG.registration())
    for member in demo.TAN_HUONG.members[:2]:
        fake.add_member(coop["id"], {"name": member.name})
    report = _load(fake)
    assert report.coops_finished == [demo.TAN_HUONG.name]
    assert demo.TAN_HUONG.name not in report.coops_created + report.coops_skipped
    assert f"finished: {demo.TAN_HUONG.name}; already there: -; added " in report.summary()
    assert report.members == sum(len(coop.members) for coop in demo.DATASET) - 2
    assert [m["name"] for m in fake.members[coop["id"]]] == [m.name for m in demo.TAN_HUONG.members]
    assert fake.lots == set(_lot_codes())


def test_demo_without_supplychain_warns_instead_of_failing():
    report = _load(FakeServices(), supplychain=None)
    assert report.lot_codes == [] and report.sales == 0
    assert report.warnings and "supplychain" in report.warnings[0]
