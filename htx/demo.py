"""A small, real-looking dataset loaded over the services' public HTTP APIs.

Tân Hương tea co-op in Xã Đại Phúc (formerly Phúc Xuân), its member households, two
harvest rounds and sales to a Thái Nguyên tea company; two smaller organisations in Tân
Cương. Loading goes through the same routes an operator or a co-op would use, so the
events flow through the streams exactly as in production.

Idempotent enough to run on every `htx up --demo`: a co-op whose registration code the
registry already knows (409) is skipped with everything under it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import httpx

RETRY_STATUSES = {502, 503, 504}


@dataclass(frozen=True)
class DemoMember:
    name: str
    joined_on: date
    phone: str | None = None
    kind: str = "household"
    membership: str = "official"
    capital_vnd: int = 0


@dataclass(frozen=True)
class DemoHarvest:
    member: int  # index into the co-op's members
    quantity_kg: Decimal
    harvested_on: date
    harvest_round: int
    product: str = "chè búp tươi"
    plot_code: str | None = None


@dataclass(frozen=True)
class DemoSale:
    harvest: int  # index into the co-op's harvests
    buyer_name: str
    quantity_kg: Decimal
    price_per_kg_vnd: int
    sold_on: date
    invoice_number: str


@dataclass(frozen=True)
class DemoCoop:
    name: str
    registration_code: str
    ward_code: str
    founded_on: date
    form: str = "hop_tac_xa"
    tax_code: str | None = None
    address: str | None = None
    main_products: tuple[str, ...] = ()
    members: tuple[DemoMember, ...] = ()
    harvests: tuple[DemoHarvest, ...] = ()
    sales: tuple[DemoSale, ...] = ()

    def registration(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": self.name,
            "form": self.form,
            "registration_code": self.registration_code,
            "ward_code": self.ward_code,
            "founded_on": self.founded_on.isoformat(),
            "main_products": list(self.main_products),
        }
        if self.tax_code:
            body["tax_code"] = self.tax_code
        if self.address:
            body["address"] = self.address
        return body


BUYER = "Công ty TNHH Trà Thái Nguyên"
KG = Decimal

TAN_HUONG = DemoCoop(
    name="HTX Chè Tân Hương",
    registration_code="DEMO-1701-000089",
    tax_code="4600990089",
    ward_code="05488",  # Xã Đại Phúc (Phúc Xuân merged into it on 1 July 2025)
    founded_on=date(2009, 4, 15),
    address="Xóm Tân Hương, xã Đại Phúc, tỉnh Thái Nguyên",
    main_products=("chè búp tươi", "chè móc câu", "chè tôm nõn"),
    members=(
        DemoMember("Nguyễn Văn Hùng", date(2009, 4, 15), "0912 345 601", capital_vnd=20_000_000),
        DemoMember("Trần Thị Lan", date(2009, 4, 15), "0987 112 233", capital_vnd=15_000_000),
        DemoMember("Hoàng Văn Tuấn", date(2011, 3, 2), "0346 778 899", capital_vnd=10_000_000),
        DemoMember("Lê Thị Hương", date(2014, 8, 20), "0915 204 316", capital_vnd=10_000_000),
        DemoMember("Phạm Đức Thắng", date(2016, 1, 11), "0383 650 122", capital_vnd=8_000_000),
        DemoMember("Đỗ Thị Ngọc Ánh", date(2019, 6, 5), "0868 431 907", capital_vnd=5_000_000),
        DemoMember("Vũ Văn Lượng", date(2022, 2, 14), None, membership="associate"),
    ),
    harvests=(
        # Round 1 (lứa 1), early May: first flush, "1 tôm 2 lá".
        DemoHarvest(0, KG("86.5"), date(2026, 5, 6), 1, plot_code="VT-TH-01"),
        DemoHarvest(1, KG("72.0"), date(2026, 5, 6), 1, plot_code="VT-TH-02"),
        DemoHarvest(2, KG("64.25"), date(2026, 5, 7), 1, plot_code="VT-TH-03"),
        DemoHarvest(3, KG("58.0"), date(2026, 5, 7), 1, plot_code="VT-TH-04"),
        # Round 2, about 35 days later.
        DemoHarvest(0, KG("92.0"), date(2026, 6, 10), 2, plot_code="VT-TH-01"),
        DemoHarvest(1, KG("78.5"), date(2026, 6, 10), 2, plot_code="VT-TH-02"),
        DemoHarvest(4, KG("45.75"), date(2026, 6, 11), 2, plot_code="VT-TH-05"),
        DemoHarvest(5, KG("12.4"), date(2026, 6, 12), 2, product="chè móc câu", plot_code="VT-TH-06"),
    ),
    sales=(
        DemoSale(0, BUYER, KG("80.0"), 32_000, date(2026, 5, 8), "C26TTH-0000112"),
        DemoSale(4, BUYER, KG("90.0"), 34_000, date(2026, 6, 12), "C26TTH-0000187"),
        DemoSale(7, BUYER, KG("12.0"), 380_000, date(2026, 6, 20), "C26TTH-0000203"),
    ),
)

TAN_CUONG = DemoCoop(
    name="HTX Chè Tân Cương Xanh",
    registration_code="DEMO-1701-000214",
    ward_code="05503",  # Xã Tân Cương
    founded_on=date(2016, 9, 8),
    address="Xóm Hồng Thái 2, xã Tân Cương, tỉnh Thái Nguyên",
    main_products=("chè tôm nõn", "chè đinh"),
    members=(
        DemoMember("Ngô Thị Thu", date(2016, 9, 8), "0904 556 721"),
        DemoMember("Đinh Văn Khải", date(2016, 9, 8), "0972 318 440"),
        DemoMember("Lương Thị Mai", date(2016, 9, 8), "0357 902 118"),
        DemoMember("Bùi Văn Sơn", date(2018, 5, 3), "0916 027 385"),
        DemoMember("Tạ Thị Hạnh", date(2020, 11, 19), "0389 441 620"),
    ),
    harvests=(
        DemoHarvest(0, KG("41.0"), date(2026, 5, 9), 1, plot_code="VT-TC-11"),
        DemoHarvest(1, KG("38.5"), date(2026, 6, 13), 2, plot_code="VT-TC-12"),
    ),
    sales=(DemoSale(0, "Cửa hàng Chè Hồng Thái", KG("40.0"), 36_000, date(2026, 5, 10), "C26TTC-0000045"),),
)

HONG_THAI_GROUP = DemoCoop(
    name="Tổ hợp tác chè Hồng Thái",
    registration_code="DEMO-THT-0031",
    form="to_hop_tac",
    ward_code="05503",
    founded_on=date(2021, 3, 1),
    main_products=("chè búp tươi",),
    members=(
        DemoMember("Dương Văn Bình", date(2021, 3, 1)),
        DemoMember("Hà Thị Yến", date(2021, 3, 1)),
        DemoMember("Trịnh Văn Quang", date(2021, 3, 1)),
    ),
)

DATASET: tuple[DemoCoop, ...] = (TAN_HUONG, TAN_CUONG, HONG_THAI_GROUP)


@dataclass
class DemoReport:
    """What the loader did, for the operator to read."""

    coops_created: list[str] = field(default_factory=list)
    coops_skipped: list[str] = field(default_factory=list)
    members: int = 0
    lot_codes: list[str] = field(default_factory=list)
    sales: int = 0
    warnings: list[str] = field(default_factory=list)


class DemoError(RuntimeError):
    pass


def _request(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    json: Any = None,
    retry_for: float = 20.0,
    sleep: Callable[[float], None] = time.sleep,
) -> httpx.Response:
    """A request that waits out a service that is starting or briefly unavailable (503)."""
    deadline = time.monotonic() + retry_for
    delay = 0.2
    while True:
        try:
            response = client.request(method, url, json=json)
            if response.status_code not in RETRY_STATUSES or time.monotonic() >= deadline:
                return response
        except httpx.TransportError:
            if time.monotonic() >= deadline:
                raise
        sleep(delay)
        delay = min(delay * 2, 2.0)


def _expect_created(response: httpx.Response, what: str) -> dict:
    if response.status_code not in (200, 201):
        raise DemoError(f"{what}: HTTP {response.status_code} {response.text[:500]}")
    return response.json()


def _lot_code(body: dict) -> str | None:
    for key in ("lot_code", "code"):
        if isinstance(body.get(key), str):
            return body[key]
    lot = body.get("lot")
    if isinstance(lot, dict):
        return _lot_code(lot)
    return None


def load_demo(
    registry_url: str,
    supplychain_url: str | None,
    token: str,
    *,
    dataset: tuple[DemoCoop, ...] = DATASET,
    client: httpx.Client | None = None,
) -> DemoReport:
    """Load `dataset`; the supply-chain part is skipped with a warning if that service is missing."""
    report = DemoReport()
    owned = client is None
    client = client or httpx.Client(timeout=30.0)
    client.headers["Authorization"] = f"Bearer {token}"
    try:
        for coop in dataset:
            _load_coop(
                client, registry_url.rstrip("/"), supplychain_url.rstrip("/") if supplychain_url else None, coop, report
            )
    finally:
        if owned:
            client.close()
    return report


def _load_coop(
    client: httpx.Client, registry: str, supplychain: str | None, coop: DemoCoop, report: DemoReport
) -> None:
    response = _request(client, "POST", f"{registry}/coops", json=coop.registration())
    if response.status_code == 409:
        report.coops_skipped.append(coop.name)
        return
    coop_id = _expect_created(response, f"register {coop.name}")["id"]
    report.coops_created.append(coop.name)

    member_ids = []
    for member in coop.members:
        body = {
            "name": member.name,
            "kind": member.kind,
            "membership": member.membership,
            "joined_on": member.joined_on.isoformat(),
            "capital_vnd": member.capital_vnd,
        }
        if member.phone:
            body["phone"] = member.phone
        created = _expect_created(
            _request(client, "POST", f"{registry}/coops/{coop_id}/members", json=body),
            f"add member {member.name} to {coop.name}",
        )
        member_ids.append(created["id"])
        report.members += 1

    if not coop.harvests:
        return
    if supplychain is None:
        report.warnings.append(f"supplychain not running: harvests and sales of {coop.name} not loaded")
        return

    lot_codes: list[str | None] = []
    for harvest in coop.harvests:
        body = {
            "coop_id": coop_id,
            "member_id": member_ids[harvest.member],
            "product": harvest.product,
            "quantity_kg": str(harvest.quantity_kg),
            "harvested_on": harvest.harvested_on.isoformat(),
            "harvest_round": harvest.harvest_round,
        }
        if harvest.plot_code:
            body["plot_code"] = harvest.plot_code
        try:
            response = _request(client, "POST", f"{supplychain}/harvests", json=body)
        except httpx.TransportError as error:
            report.warnings.append(f"supplychain unreachable ({error}): harvests of {coop.name} not loaded")
            return
        if response.status_code in (404, 405) and "/harvests" in str(response.request.url) and not lot_codes:
            report.warnings.append(f"supplychain has no POST /harvests yet: harvests of {coop.name} not loaded")
            return
        code = _lot_code(_expect_created(response, f"harvest of {coop.members[harvest.member].name}"))
        lot_codes.append(code)
        if code:
            report.lot_codes.append(code)

    for sale in coop.sales:
        lot_code = lot_codes[sale.harvest]
        if lot_code is None:
            report.warnings.append(f"no lot code for harvest {sale.harvest} of {coop.name}: sale not loaded")
            continue
        body = {
            "coop_id": coop_id,
            "lot_code": lot_code,
            "buyer_name": sale.buyer_name,
            "quantity_kg": str(sale.quantity_kg),
            "price_per_kg_vnd": sale.price_per_kg_vnd,
            "sold_on": sale.sold_on.isoformat(),
            "invoice_number": sale.invoice_number,
        }
        _expect_created(
            _request(client, "POST", f"{supplychain}/sales", json=body), f"sale of {lot_code} to {sale.buyer_name}"
        )
        report.sales += 1
