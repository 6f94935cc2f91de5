"""A buyer in the app, in real Chromium at 360 px: the shipments it received, confirming one, and a recall
of a lot it received, on the page and as a spreadsheet, with nothing of another buyer and no household
named in full."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import overflows_horizontally
from tests.browser.coop_app_stack import CLERK_PASSWORD, Coop, CoopAppStack, start_stack
from tests.browser.test_app_accessibility import violations
from tests.browser.test_coop_app import vietnam_today
from tests.browser.test_coop_app_chain import _harvest, _record
from tests.browser.test_coop_app_trade import partner
from tests.support import bearer, unique


@pytest.fixture(scope="module")
def stack(tmp_path_factory, redis_url) -> Iterator[CoopAppStack]:
    yield from start_stack(tmp_path_factory.mktemp("buyer-app"), redis_url, unique("buyer") + ":")


@pytest.fixture(autouse=True)
def patient_expect() -> Iterator[None]:
    """Signing in hashes a password (argon2): on a loaded 2-core machine that took more than 5 s."""
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


@dataclass
class Buyer:
    partner_id: int
    username: str
    leaf: str  # a leaf lot that went into it: never shipped to the buyer
    dried: str  # the dried lot shipped to it
    document: str


def _buyer_with_a_shipment(stack: CoopAppStack, coop: Coop) -> Buyer:
    """Two households' leaf dried into one lot; 40 kg of it shipped to the buyer, 30 kg to another."""
    buyer, other = partner(stack, unique("Công ty Chè Hà Thái ")), partner(stack, unique("Công ty Chè Đại Từ "))
    username = unique("mua")
    account = httpx.post(
        f"{stack.urls['registry']}/accounts",
        json={"username": username, "password": CLERK_PASSWORD, "display_name": "Lê Văn Bình"}
        | {"role": "buyer", "partner_id": buyer},
        headers=bearer("province"),
    )
    assert account.status_code == 201, account.text
    day = vietnam_today().isoformat()
    leaf, dried, document = unique("TH-"), unique("CK-"), unique("PX-")
    _record(
        stack,
        coop,
        _harvest(coop, f"{leaf}-1", "200", "Nguyễn Văn Hùng"),
        _harvest(coop, f"{leaf}-2", "200", "Trần Thị Lan"),
        {
            "type": "processing",
            "coop_id": coop.id,
            "transformed_on": day,
            "inputs": [{"lot_code": f"{leaf}-1", "quantity": "200"}, {"lot_code": f"{leaf}-2", "quantity": "200"}],
            "outputs": [{"lot_code": dried, "product": "chè khô", "quantity_kg": "88"}],
        },
        *(
            {
                "type": "shipment",
                "coop_id": coop.id,
                "partner_id": to,
                "document_number": number,
                "shipped_on": day,
                "lines": [{"lot_code": dried, "quantity": kg, "unit": "kg"}],
            }
            for to, number, kg in ((buyer, document, "40"), (other, f"{document}-X", "30"))
        ),
    )
    return Buyer(buyer, username, f"{leaf}-1", dried, document)


def _sign_in(page: Page, stack: CoopAppStack, buyer: Buyer, query: str = "") -> None:
    page.goto(stack.app + query)
    page.locator("#login").fill(buyer.username)
    page.locator("#password").fill(CLERK_PASSWORD)
    page.locator("form button[type=submit]").click()


def test_a_buyer_sees_its_shipments_confirms_one_and_recalls_a_lot(stack: CoopAppStack, phone: BrowserContext):
    coop = stack.new_coop()
    buyer = _buyer_with_a_shipment(stack, coop)
    page = phone.new_page()
    _sign_in(page, stack, buyer)

    shipment = page.locator("li.household").filter(has_text=f"Phiếu {buyer.document} ·")
    expect(shipment).to_contain_text("HTX Chè Tân Hương")
    expect(shipment).to_contain_text(f"{buyer.dried} · chè khô: 40 kg")
    expect(shipment).to_contain_text("Chưa xác nhận nhận hàng")
    expect(page.get_by_text(f"{buyer.document}-X")).to_have_count(0)  # another buyer's
    assert not overflows_horizontally(page)
    assert violations(page) == []

    shipment.get_by_role("button", name="Xác nhận đã nhận").click()
    expect(page.get_by_label("Ngày nhận hàng")).to_have_value(vietnam_today().isoformat())
    expect(shipment.get_by_role("button", name="Xác nhận đã nhận")).to_be_hidden()
    page.get_by_role("button", name="Lưu xác nhận").click()
    expect(page.locator("form.receipt .saved")).to_have_text("Đã ghi.")
    received = httpx.get(
        f"{stack.urls['supplychain']}/partners/{buyer.partner_id}/shipments", headers=bearer("province")
    ).json()["shipments"]
    assert [s["received_on"] for s in received] == [vietnam_today().isoformat()]

    shipment.get_by_role("link", name=f"Thu hồi lô {buyer.dried}").click()
    expect(page.get_by_role("heading", name="Thu hồi một lô")).to_be_visible()
    rows = page.locator("ul.entries li")
    expect(page.locator("p.totals")).to_contain_text("từ 2 lần thu hái")
    expect(rows.filter(has_text="Thu hái")).to_have_count(2)
    expect(rows.filter(has_text="N. V. H.")).to_have_count(1)  # initials, the co-op's public choice
    expect(rows.filter(has_text=f"phiếu xuất {buyer.document}")).to_have_count(2)  # shipped and received
    expect(page.get_by_text("Nguyễn Văn Hùng")).to_have_count(0)
    expect(page.get_by_text(f"{buyer.document}-X")).to_have_count(0)
    assert not overflows_horizontally(page)
    assert violations(page) == []

    with page.expect_download() as download:
        page.get_by_role("button", name="Tải bảng CSV").click()
    table = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert len(table) == rows.count()
    assert {r["party"] for r in table if r["event_type"] == "harvest"} == {"N. V. H.", "T. T. L."}


def test_a_lot_the_buyer_never_received_is_refused_in_its_language(stack: CoopAppStack, phone: BrowserContext):
    coop = stack.new_coop()
    buyer = _buyer_with_a_shipment(stack, coop)
    page = phone.new_page()
    _sign_in(page, stack, buyer, "?lang=en")
    expect(page.get_by_role("heading", name="Shipments to", exact=False)).to_be_visible()
    page.get_by_role("link", name="Recall", exact=True).click()
    page.get_by_label("Lot code", exact=False).fill(buyer.leaf)
    page.get_by_role("button", name="Trace").click()
    expect(page.get_by_role("alert")).to_contain_text("you can recall only the lots you received or bought")
    assert not overflows_horizontally(page)
