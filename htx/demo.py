"""A small, real-looking dataset loaded over the services' public HTTP APIs.

HTX Chè Tân Hương in Xã Đại Phúc (formerly Phúc Xuân) with its member households: the 2025
season's first round and the 2026 season's two rounds of harvests, the co-op's purchases
from the households (what it owes each of them), a processing batch into dry tea shipped to
and received by Công ty TNHH Trà Thái Nguyên under a value-chain contract and invoiced, and
direct sales; a smaller co-op and a co-operative group in Xã Tân Cương. Loading goes through
the routes an operator or a co-op would use, so the events flow through the streams exactly
as in production.

Safe to run on every `htx up --demo`, and again after a run that was killed half-way:

- each part is looked up before it is written (co-ops by registration code, members and
  partners by name, contracts by partner, product and start, a co-op's chain by its first
  harvest lot, shipments by document number), so a second run adds nothing and a run that
  was interrupted completes what is missing;
- each write carries an `Idempotency-Key` made from its step and its body, the same on every
  run, so a write whose answer was lost (the loader killed, or a timeout retried) is answered
  again from the first time instead of being done twice;
- a co-op's harvests, purchases, processing and sales go in one `POST /batch`, all or nothing.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import httpx

RETRY_STATUSES = {502, 503, 504}
KG = Decimal
IDEMPOTENCY_KEY = "Idempotency-Key"  # shared.idempotency's headers; the loader talks HTTP only
REPLAYED = "Idempotent-Replayed"
TRACE_PAGES_SHOWN = 5  # `htx up` prints this many trace pages


@dataclass(frozen=True)
class DemoMember:
    name: str
    joined_on: date
    phone: str | None = None
    kind: str = "household"
    membership: str = "official"
    capital_vnd: int = 0


@dataclass(frozen=True)
class DemoAccount:
    """A co-op staff account for the app; the demo's password is printed by `htx up --demo`."""

    username: str
    display_name: str
    staff: str = "clerk"


# Printed in the summary and the README: a demo installation's accounts are for trying the app.
DEMO_PASSWORD = "thu-hai-tan-huong"


@dataclass(frozen=True)
class DemoHarvest:
    member: int  # index into the co-op's members
    quantity_kg: Decimal
    harvested_on: date
    harvest_round: int
    lot_code: str  # explicit, so a rerun finds the lot instead of making another
    product: str = "chè búp tươi"
    plot_code: str | None = None


@dataclass(frozen=True)
class DemoPurchase:
    """The co-op buys a household's harvest lot: kg x price is what it owes the household."""

    harvest: int  # index into the co-op's harvests
    quantity_kg: Decimal
    price_per_kg_vnd: int
    purchased_on: date


@dataclass(frozen=True)
class DemoProcessing:
    batch_id: str
    transformed_on: date
    process: str
    inputs: tuple[tuple[int, Decimal], ...]  # (index into the co-op's harvests, kg)
    lot_code: str  # the output lot
    product: str
    quantity_kg: Decimal


@dataclass(frozen=True)
class DemoSale:
    harvest: int  # index into the co-op's harvests
    buyer_name: str
    quantity_kg: Decimal
    price_per_kg_vnd: int
    sold_on: date
    invoice_number: str


@dataclass(frozen=True)
class DemoPartner:
    name: str
    kind: str
    tax_code: str | None = None
    ward_code: str | None = None
    address: str | None = None

    def registration(self) -> dict[str, Any]:
        body: dict[str, Any] = {"name": self.name, "kind": self.kind}
        for key in ("tax_code", "ward_code", "address"):
            if getattr(self, key):
                body[key] = getattr(self, key)
        return body


@dataclass(frozen=True)
class DemoContract:
    partner: DemoPartner
    product: str
    valid_from: date
    valid_to: date | None = None
    volume_kg: Decimal | None = None


@dataclass(frozen=True)
class DemoShipment:
    """Part of a processed lot shipped to a partner, received by it, then invoiced."""

    partner: DemoPartner
    document_number: str
    shipped_on: date
    lot_code: str  # a processing output of the same co-op
    quantity_kg: Decimal
    received_on: date
    price_per_kg_vnd: int
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
    purchases: tuple[DemoPurchase, ...] = ()
    processings: tuple[DemoProcessing, ...] = ()
    sales: tuple[DemoSale, ...] = ()
    contracts: tuple[DemoContract, ...] = ()
    shipments: tuple[DemoShipment, ...] = ()
    accounts: tuple[DemoAccount, ...] = ()

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

    def lot_codes(self) -> list[str]:
        """Processed lots first (their trace reaches back to the households), then harvest lots."""
        return [p.lot_code for p in self.processings] + [h.lot_code for h in self.harvests]


BUYER = "Công ty TNHH Trà Thái Nguyên"
TRA_THAI_NGUYEN = DemoPartner(
    name=BUYER,
    kind="enterprise",
    tax_code="4601234567",
    ward_code="05467",  # Phường Gia Sàng
    address="Số 12 đường Bắc Sơn, phường Gia Sàng, tỉnh Thái Nguyên",
)

# Fresh leaf bought from the households: about 11,000-13,000 VND/kg; dry tea sells for 300,000 and more.
TAN_HUONG = DemoCoop(
    name="HTX Chè Tân Hương",
    registration_code="DEMO-1701-000089",
    tax_code="4600990089",
    ward_code="05488",  # Xã Đại Phúc (Phúc Xuân merged into it on 1 July 2025)
    founded_on=date(2009, 4, 15),
    address="Xóm Tân Hương, xã Đại Phúc, tỉnh Thái Nguyên",
    main_products=("chè búp tươi", "chè móc câu", "chè tôm nõn"),
    accounts=(DemoAccount("tanhuong.canche", "Nguyễn Thị Mai (cân chè)"),),
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
        # 0-3: 2026 round 1 (lứa 1), early May: first flush, "1 tôm 2 lá".
        DemoHarvest(0, KG("86.5"), date(2026, 5, 6), 1, "THG-20260506-01", plot_code="VT-TH-01"),
        DemoHarvest(1, KG("72.0"), date(2026, 5, 6), 1, "THG-20260506-02", plot_code="VT-TH-02"),
        DemoHarvest(2, KG("64.25"), date(2026, 5, 7), 1, "THG-20260507-01", plot_code="VT-TH-03"),
        DemoHarvest(3, KG("58.0"), date(2026, 5, 7), 1, "THG-20260507-02", plot_code="VT-TH-04"),
        # 4-7: 2026 round 2, about 35 days later.
        DemoHarvest(0, KG("92.0"), date(2026, 6, 10), 2, "THG-20260610-01", plot_code="VT-TH-01"),
        DemoHarvest(1, KG("78.5"), date(2026, 6, 10), 2, "THG-20260610-02", plot_code="VT-TH-02"),
        DemoHarvest(4, KG("45.75"), date(2026, 6, 11), 2, "THG-20260611-01", plot_code="VT-TH-05"),
        DemoHarvest(5, KG("12.4"), date(2026, 6, 12), 2, "THG-20260612-01", "chè móc câu", "VT-TH-06"),
        # 8-10: the 2025 season's first round, so members' income can be compared year on year.
        DemoHarvest(0, KG("80.0"), date(2025, 5, 8), 1, "THG-20250508-01", plot_code="VT-TH-01"),
        DemoHarvest(1, KG("66.5"), date(2025, 5, 8), 1, "THG-20250508-02", plot_code="VT-TH-02"),
        DemoHarvest(2, KG("60.0"), date(2025, 5, 9), 1, "THG-20250509-01", plot_code="VT-TH-03"),
    ),
    purchases=(
        DemoPurchase(0, KG("86.5"), 12_000, date(2026, 5, 6)),
        DemoPurchase(1, KG("72.0"), 12_000, date(2026, 5, 6)),
        DemoPurchase(2, KG("64.25"), 12_000, date(2026, 5, 7)),
        DemoPurchase(3, KG("58.0"), 12_000, date(2026, 5, 7)),
        DemoPurchase(4, KG("92.0"), 13_000, date(2026, 6, 10)),
        DemoPurchase(5, KG("78.5"), 13_000, date(2026, 6, 10)),
        DemoPurchase(6, KG("45.75"), 13_000, date(2026, 6, 11)),
        DemoPurchase(7, KG("12.4"), 260_000, date(2026, 6, 12)),
        DemoPurchase(8, KG("80.0"), 11_000, date(2025, 5, 8)),
        DemoPurchase(9, KG("66.5"), 11_000, date(2025, 5, 8)),
        DemoPurchase(10, KG("60.0"), 11_000, date(2025, 5, 9)),
    ),
    processings=(
        # 222.75 kg of fresh leaf into 46 kg of dry tea: yield 0.207, inside 0.18-0.25.
        DemoProcessing(
            "THG-SS-20260508",
            date(2026, 5, 8),
            "sao sấy",
            ((0, KG("86.5")), (1, KG("72.0")), (2, KG("64.25"))),
            "THG-CK-20260508",
            "chè khô",
            KG("46.0"),
        ),
    ),
    sales=(
        DemoSale(3, "Công ty Cổ phần Chè Sông Cầu", KG("55.0"), 14_500, date(2026, 5, 8), "C26TTH-0000108"),
        DemoSale(7, BUYER, KG("12.0"), 380_000, date(2026, 6, 20), "C26TTH-0000203"),
    ),
    contracts=(DemoContract(TRA_THAI_NGUYEN, "chè khô", date(2026, 1, 1), date(2026, 12, 31), KG("1500")),),
    shipments=(
        DemoShipment(
            TRA_THAI_NGUYEN,
            "PXK-THG-2026-015",
            date(2026, 5, 12),
            "THG-CK-20260508",
            KG("40.0"),
            date(2026, 5, 13),
            320_000,
            "C26TTH-0000112",
        ),
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
        DemoHarvest(0, KG("41.0"), date(2026, 5, 9), 1, "TCX-20260509-01", plot_code="VT-TC-11"),
        DemoHarvest(1, KG("38.5"), date(2026, 6, 13), 2, "TCX-20260613-01", plot_code="VT-TC-12"),
    ),
    purchases=(
        DemoPurchase(0, KG("41.0"), 12_500, date(2026, 5, 9)),
        DemoPurchase(1, KG("38.5"), 13_500, date(2026, 6, 13)),
    ),
    sales=(DemoSale(0, "Cửa hàng Chè Hồng Thái", KG("40.0"), 15_000, date(2026, 5, 10), "C26TTC-0000045"),),
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
    """What the loader did, for the operator to read. Counts are of what this run added."""

    coops_created: list[str] = field(default_factory=list)
    coops_finished: list[str] = field(default_factory=list)  # there, but an earlier run left them half-loaded
    coops_skipped: list[str] = field(default_factory=list)  # there in full: this run added nothing to them
    members: int = 0
    partners: int = 0
    contracts: int = 0
    lots: int = 0
    purchases: int = 0
    processings: int = 0
    sales: int = 0
    shipments: int = 0
    receipts: int = 0
    accounts: int = 0
    lot_codes: list[str] = field(default_factory=list)  # the demo's lots, added now or before
    trace_tokens: dict[str, str] = field(default_factory=dict)  # lot code -> public token, of the first few
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        counts = [
            (self.members, "member", "members"),
            (self.partners, "partner", "partners"),
            (self.contracts, "contract", "contracts"),
            (self.lots, "lot", "lots"),
            (self.purchases, "purchase", "purchases"),
            (self.processings, "processing batch", "processing batches"),
            (self.sales, "sale", "sales"),
            (self.shipments, "shipment", "shipments"),
            (self.receipts, "receipt", "receipts"),
            (self.accounts, "account", "accounts"),
        ]
        added = ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in counts if n) or "nothing"
        finished = f"finished: {', '.join(self.coops_finished)}; " if self.coops_finished else ""
        return (
            f"co-ops created: {', '.join(self.coops_created) or '-'}; {finished}"
            f"already there: {', '.join(self.coops_skipped) or '-'}; added {added}"
        )

    def added(self) -> int:
        """How many things this run added, of every kind."""
        return sum(
            (self.members, self.partners, self.contracts, self.lots, self.purchases)
            + (self.processings, self.sales, self.shipments, self.receipts, self.accounts)
        )


class DemoError(RuntimeError):
    pass


@dataclass(frozen=True)
class _Answer:
    response: httpx.Response
    lost_answers: int  # attempts that got no answer: the service may have done them all the same

    @property
    def done_before(self) -> bool:
        """Replayed, and by no attempt of this run: the write is an earlier run's."""
        return self.lost_answers == 0 and self.response.headers.get(REPLAYED) == "true"


def _send(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    json: Any = None,
    params: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    files: Any = None,
    retry_for: float = 20.0,
    sleep: Callable[[float], None] = time.sleep,
) -> _Answer:
    """A request that waits out a service that is starting or briefly unavailable (503).

    The loader's writes carry an `Idempotency-Key`, so retrying one whose answer was lost is safe.
    """
    deadline = time.monotonic() + retry_for
    delay = 0.2
    lost_answers = 0
    while True:
        try:
            response = client.request(method, url, json=json, params=params, headers=headers, files=files)
            if response.status_code not in RETRY_STATUSES or time.monotonic() >= deadline:
                return _Answer(response, lost_answers)
        except httpx.TransportError:
            if time.monotonic() >= deadline:
                raise
            lost_answers += 1
        sleep(delay)
        delay = min(delay * 2, 2.0)


def _request(client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    return _send(client, method, url, **kwargs).response


def idempotency_key(step: str, method: str, url: str, body: Any) -> str:
    """The same on every run for the same write: the demo step, and a digest of what it sends.

    Not the service's base URL (a rerun may get other ports), but the path and the body, whose ids
    are those earlier steps got (or get replayed). A body that differs (the dataset was edited since)
    is another write with another key, never a 422 for a reused key.
    """
    path = httpx.URL(url).path
    content = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha256(f"{method} {path}\n{content}".encode()).hexdigest()[:20]
    return f"htx-demo:{step}:{digest}"


def _expect(response: httpx.Response, what: str) -> Any:
    if response.status_code not in (200, 201):
        raise DemoError(f"{what}: HTTP {response.status_code} {response.text[:500]}")
    return response.json()


def load_demo(
    registry_url: str,
    supplychain_url: str | None,
    token: str,
    *,
    dataset: tuple[DemoCoop, ...] = DATASET,
    client: httpx.Client | None = None,
) -> DemoReport:
    """Load what of `dataset` is missing; the supply-chain part is skipped with a warning if that service is missing."""
    owned = client is None
    client = client or httpx.Client(timeout=30.0)
    client.headers["Authorization"] = f"Bearer {token}"
    loader = _Loader(client, registry_url.rstrip("/"), supplychain_url.rstrip("/") if supplychain_url else None)
    try:
        for coop in dataset:
            loader.coop(coop)
        loader.trace_tokens(TRACE_PAGES_SHOWN)
    finally:
        if owned:
            client.close()
    return loader.report


class _Loader:
    def __init__(self, client: httpx.Client, registry: str, supplychain: str | None) -> None:
        self.client = client
        self.registry = registry
        self.supplychain = supplychain
        self.report = DemoReport()
        self._partner_ids: dict[str, int] = {}

    def _call(self, method: str, url: str, what: str, **kwargs: Any) -> Any:
        return _expect(_request(self.client, method, url, **kwargs), what)

    def _post(self, url: str, step: str, body: dict[str, Any]) -> _Answer:
        """POST under the step's idempotency key."""
        key = idempotency_key(step, "POST", url, body)
        return _send(self.client, "POST", url, json=body, headers={IDEMPOTENCY_KEY: key})

    def _write(self, url: str, what: str, step: str, body: dict[str, Any]) -> tuple[Any, bool]:
        """POST under the step's idempotency key: (the answer, whether this run made it)."""
        answer = self._post(url, step, body)
        return _expect(answer.response, what), not answer.done_before

    def coop(self, coop: DemoCoop) -> None:
        coop_id, created = self._coop_id(coop)
        added_before = self.report.added()
        self._coop_parts(coop_id, coop)
        if created:
            self.report.coops_created.append(coop.name)
        elif self.report.added() > added_before:
            self.report.coops_finished.append(coop.name)
        else:
            self.report.coops_skipped.append(coop.name)

    def _coop_parts(self, coop_id: int, coop: DemoCoop) -> None:
        member_ids = self._members(coop_id, coop)
        if coop.accounts:
            known = self._call(
                "GET", f"{self.registry}/accounts", f"accounts of {coop.name}", params={"coop_id": coop_id}
            )
            for account in coop.accounts:
                if account.username not in {item["username"] for item in known}:
                    self._account(coop_id, account)
        for index, contract in enumerate(coop.contracts):
            self._contract(coop_id, coop, index, contract)
        if not (coop.harvests or coop.shipments):
            return
        if self.supplychain is None:
            self.report.warnings.append(f"supplychain not running: harvests and sales of {coop.name} not loaded")
            return
        self._chain(coop_id, coop, member_ids)
        for shipment in coop.shipments:
            self._shipment(coop_id, shipment)
        self.report.lot_codes.extend(coop.lot_codes())

    # --- registry ---------------------------------------------------------------------------

    def _coop_id(self, coop: DemoCoop) -> tuple[int, bool]:
        """The co-op's id, and whether this run registered it."""
        known = self._find_coop(coop)
        if known is not None:
            return known, False
        answer = self._post(f"{self.registry}/coops", f"coop:{coop.registration_code}", coop.registration())
        if answer.response.status_code != 409:  # 409: registered since the look-up, under another key
            return _expect(answer.response, f"register {coop.name}")["id"], not answer.done_before
        known = self._find_coop(coop)
        if known is None:
            raise DemoError(f"register {coop.name}: 409, but no co-op with code {coop.registration_code} is listed")
        return known, False

    def _find_coop(self, coop: DemoCoop) -> int | None:
        page = self._call(
            "GET", f"{self.registry}/coops", f"find {coop.name}", params={"q": coop.registration_code, "limit": 10}
        )
        return next((c["id"] for c in page["items"] if c["registration_code"] == coop.registration_code), None)

    def _members(self, coop_id: int, coop: DemoCoop) -> list[int]:
        page = self._call(
            "GET", f"{self.registry}/coops/{coop_id}/members", f"members of {coop.name}", params={"limit": 500}
        )
        known = {item["name"]: item["id"] for item in page["items"]}
        ids = []
        for index, member in enumerate(coop.members):
            if member.name not in known:
                body: dict[str, Any] = {
                    "name": member.name,
                    "kind": member.kind,
                    "membership": member.membership,
                    "joined_on": member.joined_on.isoformat(),
                    "capital_vnd": member.capital_vnd,
                }
                if member.phone:
                    body["phone"] = member.phone
                url = f"{self.registry}/coops/{coop_id}/members"
                step = f"member:{coop.registration_code}:{index}"
                added, new = self._write(url, f"add {member.name} to {coop.name}", step, body)
                known[member.name] = added["id"]
                self.report.members += int(new)
            ids.append(known[member.name])
        return ids

    def _account(self, coop_id: int, account: DemoAccount) -> None:
        body = {
            "username": account.username,
            "password": DEMO_PASSWORD,
            "display_name": account.display_name,
            "role": "coop",
            "coop_id": coop_id,
            "staff": account.staff,
        }
        answer = self._post(f"{self.registry}/accounts", f"account:{account.username}", body)
        if answer.response.status_code == 409:  # made by hand, or by a run whose key has been forgotten
            return
        _expect(answer.response, f"account {account.username}")
        self.report.accounts += not answer.done_before

    def _partner_id(self, partner: DemoPartner) -> int:
        if partner.name not in self._partner_ids:
            page = self._call(
                "GET", f"{self.registry}/partners", f"find {partner.name}", params={"q": partner.name, "limit": 50}
            )
            found = [item["id"] for item in page["items"] if item["name"] == partner.name]
            if found:
                self._partner_ids[partner.name] = found[0]
            else:
                url = f"{self.registry}/partners"
                body = partner.registration()
                created, new = self._write(url, f"register {partner.name}", f"partner:{partner.tax_code or '-'}", body)
                self._partner_ids[partner.name] = created["id"]
                self.report.partners += int(new)
        return self._partner_ids[partner.name]

    def _contract(self, coop_id: int, coop: DemoCoop, index: int, contract: DemoContract) -> None:
        partner_id = self._partner_id(contract.partner)
        url = f"{self.registry}/coops/{coop_id}/contracts"
        for existing in self._call("GET", url, f"contracts of co-op {coop_id}"):
            if (existing["partner_id"], existing["product"], existing["valid_from"]) == (
                partner_id,
                contract.product,
                contract.valid_from.isoformat(),
            ):
                return
        body: dict[str, Any] = {
            "partner_id": partner_id,
            "product": contract.product,
            "valid_from": contract.valid_from.isoformat(),
        }
        if contract.valid_to:
            body["valid_to"] = contract.valid_to.isoformat()
        if contract.volume_kg:
            body["volume_kg"] = str(contract.volume_kg)
        what = f"contract of {coop.name} with {contract.partner.name}"
        _, new = self._write(url, what, f"contract:{coop.registration_code}:{index}", body)
        self.report.contracts += int(new)

    # --- supply chain -----------------------------------------------------------------------

    def _chain(self, coop_id: int, coop: DemoCoop, member_ids: list[int]) -> None:
        """Harvests, purchases, processing and sales in one batch: all there, or none."""
        if not coop.harvests:
            return
        first = coop.harvests[0].lot_code
        if self._lot_exists(first):
            return
        body = {"commands": _chain_commands(coop_id, coop, member_ids)}
        answer = self._post(f"{self.supplychain}/batch", f"chain:{coop.registration_code}", body)
        if answer.response.status_code == 409 and self._lot_exists(first):
            return  # made since the look-up, under another key
        _expect(answer.response, f"harvests, purchases and sales of {coop.name}")
        if answer.done_before:
            return
        self.report.lots += len(coop.harvests) + len(coop.processings)
        self.report.purchases += len(coop.purchases)
        self.report.processings += len(coop.processings)
        self.report.sales += len(coop.sales)

    def trace_tokens(self, count: int) -> None:
        """The public tokens of the first lots: their trace pages are /t/<token> (codes are for staff)."""
        for code in self.report.lot_codes[:count]:
            token = self._call("GET", f"{self.supplychain}/lots/{code}", f"look up lot {code}").get("public_token")
            if token:
                self.report.trace_tokens[code] = token

    def _lot_exists(self, code: str) -> bool:
        response = _request(self.client, "GET", f"{self.supplychain}/lots/{code}")
        if response.status_code == 404:
            return False
        _expect(response, f"look up lot {code}")
        return True

    def _shipment(self, coop_id: int, shipment: DemoShipment) -> None:
        """Ship, receive, invoice: each step looked up in the buyer's view before it is written."""
        partner_id = self._partner_id(shipment.partner)
        view_url = f"{self.supplychain}/partners/{partner_id}/shipments"
        views = self._call("GET", view_url, f"shipments to {shipment.partner.name}")["shipments"]
        found = next((s for s in views if s["document_number"] == shipment.document_number), None)
        if found is None:
            body = {
                "coop_id": coop_id,
                "partner_id": partner_id,
                "document_number": shipment.document_number,
                "shipped_on": shipment.shipped_on.isoformat(),
                "lines": [{"lot_code": shipment.lot_code, "quantity": str(shipment.quantity_kg)}],
            }
            url = f"{self.supplychain}/shipments"
            shipped, new = self._write(url, shipment.document_number, f"shipment:{shipment.document_number}", body)
            shipment_id = shipped["id"]
            self.report.shipments += int(new)
            received, invoices = False, []
        else:
            shipment_id, received, invoices = (
                found["shipment_id"],
                found["received_on"] is not None,
                found["invoice_numbers"],
            )
        if not received:
            body = {"shipment_id": shipment_id, "received_on": shipment.received_on.isoformat()}
            url = f"{self.supplychain}/receipts"
            what = f"receipt of {shipment.document_number}"
            _, new = self._write(url, what, f"receipt:{shipment.document_number}", body)
            self.report.receipts += int(new)
        if shipment.invoice_number not in invoices:
            body = {
                "coop_id": coop_id,
                "lot_code": shipment.lot_code,
                "buyer_name": shipment.partner.name,
                "buyer_partner_id": partner_id,
                "quantity_kg": str(shipment.quantity_kg),
                "price_per_kg_vnd": shipment.price_per_kg_vnd,
                "sold_on": shipment.received_on.isoformat(),
                "invoice_number": shipment.invoice_number,
                "shipment_id": shipment_id,
            }
            url = f"{self.supplychain}/sales"
            _, new = self._write(url, f"invoice {shipment.invoice_number}", f"sale:{shipment.invoice_number}", body)
            self.report.sales += int(new)


def _chain_commands(coop_id: int, coop: DemoCoop, member_ids: list[int]) -> list[dict[str, Any]]:
    commands: list[dict[str, Any]] = []
    for harvest in coop.harvests:
        command = {
            "type": "harvest",
            "coop_id": coop_id,
            "member_id": member_ids[harvest.member],
            "product": harvest.product,
            "quantity_kg": str(harvest.quantity_kg),
            "harvested_on": harvest.harvested_on.isoformat(),
            "harvest_round": harvest.harvest_round,
            "lot_code": harvest.lot_code,
        }
        if harvest.plot_code:
            command["plot_code"] = harvest.plot_code
        commands.append(command)
    for purchase in coop.purchases:
        commands.append(
            {
                "type": "purchase",
                "coop_id": coop_id,
                "lot_code": coop.harvests[purchase.harvest].lot_code,
                "quantity_kg": str(purchase.quantity_kg),
                "price_per_kg_vnd": purchase.price_per_kg_vnd,
                "purchased_on": purchase.purchased_on.isoformat(),
            }
        )
    for processing in coop.processings:
        commands.append(
            {
                "type": "processing",
                "coop_id": coop_id,
                "batch_id": processing.batch_id,
                "process": processing.process,
                "transformed_on": processing.transformed_on.isoformat(),
                "inputs": [
                    {"lot_code": coop.harvests[index].lot_code, "quantity": str(kg)} for index, kg in processing.inputs
                ],
                "outputs": [
                    {
                        "lot_code": processing.lot_code,
                        "product": processing.product,
                        "quantity_kg": str(processing.quantity_kg),
                    }
                ],
            }
        )
    for sale in coop.sales:
        commands.append(
            {
                "type": "sale",
                "coop_id": coop_id,
                "lot_code": coop.harvests[sale.harvest].lot_code,
                "buyer_name": sale.buyer_name,
                "quantity_kg": str(sale.quantity_kg),
                "price_per_kg_vnd": sale.price_per_kg_vnd,
                "sold_on": sale.sold_on.isoformat(),
                "invoice_number": sale.invoice_number,
            }
        )
    return commands
