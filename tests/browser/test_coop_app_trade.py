"""The co-op app's less-daily tasks in real Chromium at 360 px: a shipment to a partner and a sale with
its invoice number, an oversell refused next to the kg field and fixed from the outbox, members added
and found without accents, a correction, and the whole co-op's day. Lots and the other clerk's work are
set up over the services' APIs, as another phone would."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from shared.auth import issue_token
from tests.browser.conftest import overflows_horizontally
from tests.browser.coop_app_stack import CLERK_PASSWORD, Coop, CoopAppStack, start_stack
from tests.support import TEST_SECRET, bearer, unique


@pytest.fixture(scope="module")
def stack(tmp_path_factory, redis_url) -> Iterator[CoopAppStack]:
    yield from start_stack(tmp_path_factory.mktemp("coop-app-trade"), redis_url, unique("trade") + ":")


@pytest.fixture
def coop(stack: CoopAppStack) -> Coop:
    return stack.new_coop()


def vietnam_today() -> date:
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


def partner(stack: CoopAppStack, name: str) -> int:
    made = httpx.post(
        f"{stack.urls['registry']}/partners", json={"name": name, "kind": "enterprise"}, headers=bearer("province")
    )
    made.raise_for_status()
    return made.json()["id"]


def harvest(stack: CoopAppStack, coop: Coop, household: str, kg: str, *, price: int | None = None, subject="lan"):
    """A delivery recorded by another clerk of the co-op (its own token): answers the lot code."""
    code = unique(f"TH-{coop.id}-")
    commands: list[dict] = [
        {
            "type": "harvest",
            "coop_id": coop.id,
            "member_id": coop.members[household],
            "lot_code": code,
            "quantity_kg": kg,
            "harvested_on": vietnam_today().isoformat(),
            "harvest_round": 1,
        }
    ]
    if price:
        commands.append(
            {
                "type": "purchase",
                "coop_id": coop.id,
                "lot_code": code,
                "quantity_kg": kg,
                "price_per_kg_vnd": price,
                "purchased_on": vietnam_today().isoformat(),
            }
        )
    made = httpx.post(
        f"{stack.urls['supplychain']}/batch",
        json={"commands": commands},
        headers={"Authorization": "Bearer " + issue_token(TEST_SECRET, subject=subject, role="coop", coop_id=coop.id)},
    )
    made.raise_for_status()
    return code


def chain(stack: CoopAppStack, path: str, coop: Coop) -> dict:
    answer = httpx.get(f"{stack.urls['supplychain']}{path}", headers=bearer("coop", coop_id=coop.id))
    answer.raise_for_status()
    return answer.json()


def sign_in(page: Page, stack: CoopAppStack, coop: Coop) -> None:
    page.goto(stack.app)
    page.get_by_label("Tên đăng nhập hoặc số điện thoại").fill(coop.clerk)
    page.get_by_label("Mật khẩu").fill(CLERK_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name="Hôm nay", exact=False)).to_be_visible()


def open_task(page: Page, name: str) -> None:
    page.get_by_role("link", name="Thêm").click()
    page.get_by_role("link", name=name).click()


def test_a_shipment_and_a_sale_with_its_invoice_number(stack: CoopAppStack, coop: Coop, phone: BrowserContext):
    buyer = partner(stack, unique("Công ty Chè Hà Thái "))
    lot = harvest(stack, coop, "Nguyễn Văn Hùng", "120")
    page = phone.new_page()
    sign_in(page, stack, coop)

    open_task(page, "Xuất hàng cho đối tác")
    page.get_by_label("Lô hàng").select_option(lot)
    page.get_by_label("Khối lượng (kg)").fill("50,5")
    page.get_by_label("Đối tác nhận hàng").select_option(str(buyer))
    page.get_by_label("Số phiếu xuất kho").fill("PX-0012")
    page.get_by_role("button", name="Lưu phiếu xuất").click()
    expect(page.locator(".saved")).to_have_text("Đã ghi.")
    expect(page.locator(".shipments")).to_contain_text("PX-0012")
    expect(page.locator(".shipments")).to_contain_text("chưa xác nhận nhận hàng")
    assert not overflows_horizontally(page)
    shipments = chain(stack, f"/partners/{buyer}/shipments", coop)["shipments"]
    assert [(s["document_number"], s["lines"][0]["quantity"]) for s in shipments] == [("PX-0012", "50.500")]

    open_task(page, "Bán hàng (hoá đơn)")
    page.get_by_label("Lô hàng").select_option(lot)
    expect(page.get_by_label("Lô hàng")).to_contain_text("còn 69,5 kg")  # 120 less the 50.5 shipped
    page.get_by_label("Người mua", exact=True).select_option(str(buyer))
    page.get_by_label("Khối lượng (kg)").fill("20")
    page.get_by_label("Đơn giá (đồng/kg)").fill("95000")
    expect(page.locator("output.owed")).to_have_text("1.900.000\u00a0₫")
    page.get_by_label("Số hoá đơn").fill("HD-0042")
    page.get_by_role("button", name="Lưu hoá đơn bán").click()
    expect(page.locator(".saved")).to_have_text("Đã ghi.")
    assert not overflows_horizontally(page)
    held = chain(stack, f"/lots/{lot}", coop)
    assert held["quantity"] == "49.500", held


def test_an_oversell_is_refused_next_to_the_kg_field_and_fixed_from_the_outbox(
    stack: CoopAppStack, coop: Coop, phone: BrowserContext
):
    lot = harvest(stack, coop, "Trần Thị Lan", "30")
    page = phone.new_page()
    sign_in(page, stack, coop)
    open_task(page, "Bán hàng (hoá đơn)")
    page.get_by_label("Lô hàng").select_option(lot)
    page.get_by_label("Tên người mua").fill("Chị Hoa, chợ Đồng Hỷ")
    page.get_by_label("Khối lượng (kg)").fill("45")
    page.get_by_label("Đơn giá (đồng/kg)").fill("90000")
    page.get_by_label("Số hoá đơn").fill("HD-0100")
    page.get_by_role("button", name="Lưu hoá đơn bán").click()
    expect(page.locator("#kg-error")).to_contain_text("chỉ còn 30")
    expect(page.get_by_label("Khối lượng (kg)")).to_have_attribute("aria-invalid", "true")

    # Left as it is, the refused sale waits in the outbox; "Sửa" opens it with its values and reason.
    page.get_by_role("link", name="Chờ gửi").click()
    refused = page.locator(".entry.refused")
    expect(refused).to_have_count(1)
    refused.get_by_role("button", name="Sửa").click()
    expect(page.get_by_label("Khối lượng (kg)")).to_have_value("45")
    expect(page.get_by_label("Số hoá đơn")).to_have_value("HD-0100")
    expect(page.locator("#kg-error")).to_contain_text("chỉ còn 30")
    page.get_by_label("Khối lượng (kg)").fill("30")
    page.get_by_role("button", name="Lưu bản đã sửa").click()
    expect(page.locator(".saved")).to_have_text("Đã ghi.")
    assert not overflows_horizontally(page)

    page.get_by_role("link", name="Chờ gửi").click()
    expect(page.locator(".entry.refused")).to_have_count(0)  # the fixed sale took the refused one's place
    expect(page.locator(".entry.sent", has_text="HD-0100")).to_have_count(1)
    assert chain(stack, f"/lots/{lot}", coop)["quantity"] == "0.000"
