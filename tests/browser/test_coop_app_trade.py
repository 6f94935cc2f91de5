"""The co-op app's less-daily tasks in real Chromium at 360 px: a shipment to a partner and a sale with
its invoice number, an oversell refused next to the kg field and fixed from the outbox, members added
and found without accents, a correction, and the whole co-op's day. Lots and the other clerk's work are
set up over the services' APIs, as another phone would."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from shared.auth import issue_token
from tests.browser.conftest import overflows_horizontally
from tests.browser.coop_app_stack import Coop, CoopAppStack, start_stack
from tests.browser.test_coop_app import sign_in, vietnam_today, weigh_in
from tests.support import TEST_SECRET, bearer, unique


@pytest.fixture(scope="module")
def stack(tmp_path_factory, redis_url) -> Iterator[CoopAppStack]:
    yield from start_stack(tmp_path_factory.mktemp("coop-app-trade"), redis_url, unique("trade") + ":")


@pytest.fixture
def coop(stack: CoopAppStack) -> Coop:
    return stack.new_coop()


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

    # The goods shipped are invoiced against their shipment: the lot does not lose them a second time.
    page.get_by_label("Người mua", exact=True).select_option(str(buyer))
    shipment = page.get_by_label("Lập hoá đơn cho chuyến hàng")
    expect(shipment).to_contain_text("PX-0012")
    shipment.select_option(index=1)
    expect(page.get_by_label("Khối lượng (kg)")).to_have_value("50,5")
    page.get_by_label("Đơn giá (đồng/kg)").fill("95000")
    page.get_by_label("Số hoá đơn").fill("HD-0043")
    page.get_by_role("button", name="Lưu hoá đơn bán").click()
    expect(page.locator(".saved")).to_have_text("Đã ghi.")
    [shipped] = chain(stack, f"/partners/{buyer}/shipments", coop)["shipments"]
    assert shipped["invoice_numbers"] == ["HD-0043"]
    assert chain(stack, f"/lots/{lot}", coop)["quantity"] == "49.500"


def test_one_shipment_takes_several_lots_and_a_refusal_lands_at_its_lot(
    stack: CoopAppStack, coop: Coop, phone: BrowserContext
):
    buyer = partner(stack, unique("Công ty Chè Hà Thái "))
    first, second = harvest(stack, coop, "Nguyễn Văn Hùng", "40"), harvest(stack, coop, "Trần Thị Lan", "25")
    page = phone.new_page()
    sign_in(page, stack, coop)
    open_task(page, "Xuất hàng cho đối tác")
    page.get_by_label("Lô hàng").select_option(first)
    page.get_by_label("Khối lượng (kg)").fill("40")
    page.get_by_role("button", name="Thêm lô vào chuyến này").click()
    page.get_by_label("Lô thứ 2", exact=True).select_option(second)
    page.get_by_label("Khối lượng lô thứ 2", exact=False).fill("30")  # more than the lot holds
    page.get_by_label("Đối tác nhận hàng").select_option(str(buyer))
    page.get_by_label("Số phiếu xuất kho").fill("PX-0020")
    assert not overflows_horizontally(page)
    page.get_by_role("button", name="Lưu phiếu xuất").click()
    expect(page.locator("#kg-2-error")).to_contain_text(f"Lô {second} chỉ còn 25 kg")  # at its own line
    expect(page.locator("#kg-error")).to_be_hidden()
    assert chain(stack, f"/partners/{buyer}/shipments", coop)["shipments"] == []  # nothing half-written

    page.get_by_label("Khối lượng lô thứ 2", exact=False).fill("25")
    page.get_by_role("button", name="Lưu phiếu xuất").click()
    expect(page.locator(".saved")).to_have_text("Đã ghi.")
    [shipment] = chain(stack, f"/partners/{buyer}/shipments", coop)["shipments"]
    assert (shipment["document_number"], [(line["lot_code"], line["quantity"]) for line in shipment["lines"]]) == (
        "PX-0020",
        [(first, "40.000"), (second, "25.000")],
    )
    page.get_by_role("link", name="Chờ gửi").click()
    expect(page.locator(".entry.sent", has_text="Xuất 2 lô")).to_have_count(1)
    expect(page.locator(".entry.refused")).to_have_count(0)  # the fixed shipment took the refused one's place


def test_a_write_the_account_may_not_make_is_refused_under_the_save_button(
    stack: CoopAppStack, coop: Coop, phone: BrowserContext
):
    """A 403: this phone holds co-op B as its co-op (say the province moved the clerk), the token is A's."""
    other = stack.new_coop()
    page = phone.new_page()
    sign_in(page, stack, coop)
    page.evaluate(
        """(coopId) => new Promise((resolve) => {
            const open = indexedDB.open("htx-app");
            open.onsuccess = () => {
                const kept = open.result.transaction("reference", "readwrite").objectStore("reference");
                const account = kept.get("account");
                account.onsuccess = () => { kept.put({ ...account.result, coop_id: coopId }, "account").onsuccess = resolve; };
            };
        })""",
        other.id,
    )
    page.reload()
    open_task(page, "Hộ thành viên")
    page.get_by_role("link", name="Thêm hộ thành viên").click()
    page.get_by_label("Họ tên chủ hộ").fill("Phạm Văn Bình")
    page.get_by_role("button", name="Lưu hộ thành viên").click()
    refusal = page.locator("#form-error")
    expect(refusal).to_have_text("Tài khoản này không được ghi cho HTX đó; hãy đăng nhập bằng tài khoản của HTX.")
    assert page.evaluate(  # said under the save button, where the clerk's eyes are
        "document.querySelector('#form-error').previousElementSibling.type === 'submit'"
    )
    expect(page.locator(".saved")).to_have_text("")
    members = httpx.get(f"{stack.urls['registry']}/coops/{other.id}/members", headers=bearer("province")).json()
    assert "Phạm Văn Bình" not in [m["name"] for m in members["items"]]


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


def test_a_household_added_from_the_phone_is_found_without_accents_with_its_plots(
    stack: CoopAppStack, coop: Coop, phone: BrowserContext
):
    page = phone.new_page()
    sign_in(page, stack, coop)
    open_task(page, "Hộ thành viên")
    page.get_by_role("link", name="Thêm hộ thành viên").click()
    page.get_by_label("Họ tên chủ hộ").fill("Đặng Thị Thuỳ Dương")
    page.get_by_label("Số điện thoại (không bắt buộc)").fill("0912 345 678")
    page.get_by_role("button", name="Lưu hộ thành viên").click()
    expect(page.locator(".saved")).to_have_text("Đã ghi.")
    members = httpx.get(
        f"{stack.urls['registry']}/coops/{coop.id}/members", params={"q": "duong"}, headers=bearer("province")
    ).json()["items"]
    assert [m["name"] for m in members] == ["Đặng Thị Thuỳ Dương"]
    plot = httpx.post(
        f"{stack.urls['registry']}/coops/{coop.id}/plots",
        json={"member_id": members[0]["id"], "planting_area_code": unique("VT-"), "area_ha": "0.45", "crop": "chè"},
        headers=bearer("province"),
    )
    assert plot.status_code == 201, plot.text

    page.reload()  # the app refreshes the co-op's households and plots when it starts online
    open_task(page, "Hộ thành viên")
    page.get_by_label("Tìm hộ").fill("dang thi thuy duong")
    found = page.locator(".members button.member")
    expect(found).to_have_count(1)
    expect(found).to_contain_text("Đặng Thị Thuỳ Dương")
    page.get_by_label("Tìm hộ").fill("tran lan")
    expect(found).to_have_count(1)
    expect(found).to_contain_text("Trần Thị Lan")
    page.get_by_label("Tìm hộ").fill("duong")
    found.click()
    expect(page.get_by_role("heading", name="Đặng Thị Thuỳ Dương")).to_be_visible()
    expect(page.locator(".detail")).to_contain_text(plot.json()["planting_area_code"])
    expect(page.locator(".detail")).to_contain_text("0912 345 678")
    assert not overflows_horizontally(page)


def test_a_household_added_offline_waits_in_the_list_and_is_created_once(
    stack: CoopAppStack, coop: Coop, phone: BrowserContext
):
    page = phone.new_page()
    sign_in(page, stack, coop)
    phone.set_offline(True)
    page.evaluate("location.hash = '#/household'")
    page.get_by_label("Họ tên chủ hộ").fill("Vũ Văn Khải")
    page.get_by_role("button", name="Lưu hộ thành viên").click()
    expect(page.locator(".saved")).to_contain_text("sẽ gửi khi có mạng")
    page.evaluate("location.hash = '#/members'")
    page.get_by_label("Tìm hộ").fill("vu van khai")
    expect(page.locator(".members .tag")).to_have_text("Đang chờ gửi")
    phone.set_offline(False)
    page.get_by_role("link", name="Chờ gửi").click()
    expect(page.locator(".entry.sent")).to_have_count(1, timeout=20_000)
    page.get_by_role("button", name="Gửi ngay").click()
    members = httpx.get(
        f"{stack.urls['registry']}/coops/{coop.id}/members", params={"q": "khai"}, headers=bearer("province")
    ).json()["items"]
    assert [m["name"] for m in members] == ["Vũ Văn Khải"]


def test_a_wrong_purchase_is_corrected_with_a_reason_and_the_right_weight(
    stack: CoopAppStack, coop: Coop, phone: BrowserContext
):
    lot = harvest(stack, coop, "Hoàng Văn Tuấn", "60", price=12_000)
    page = phone.new_page()
    sign_in(page, stack, coop)
    open_task(page, "Sửa bản ghi sai")
    page.get_by_role("button", name="Mua 60 kg × 12.000", exact=False).click()
    page.get_by_label("Lý do").fill("Cân nhầm, bì chưa trừ")
    page.get_by_label("Khối lượng (kg)").fill("56,5")
    page.get_by_role("button", name="Lưu bản sửa").click()
    expect(page.locator(".saved")).to_have_text("Đã ghi.")
    assert not overflows_horizontally(page)
    [delivery] = [d for d in deliveries(stack, coop) if d["lot_code"] == lot]
    assert [(p["quantity_kg"], p["amount_vnd"]) for p in delivery["purchases"]] == [("56.500", 678_000)]

    # The weigh-in of the same lot cannot be corrected while its (corrected) purchase's replacement stands.
    open_task(page, "Sửa bản ghi sai")
    page.get_by_role("button", name="Cân 60 kg – Hoàng Văn Tuấn", exact=False).click()
    page.get_by_label("Lý do").fill("Ghi nhầm")
    page.get_by_role("button", name="Lưu bản sửa").click()
    expect(page.locator("#record-error")).to_contain_text("sửa lần mua trước")


def deliveries(stack: CoopAppStack, coop: Coop) -> list[dict]:
    day = vietnam_today().isoformat()
    answer = httpx.get(
        f"{stack.urls['supplychain']}/coops/{coop.id}/deliveries",
        params={"from": day, "to": day},
        headers=bearer("coop", coop_id=coop.id),
    )
    answer.raise_for_status()
    return answer.json()


def test_today_shows_every_clerks_deliveries_and_this_phones_waiting_ones(
    stack: CoopAppStack, coop: Coop, phone: BrowserContext
):
    harvest(stack, coop, "Lê Thị Hương", "42.5", price=12_000, subject="clerk-lan")
    page = phone.new_page()
    sign_in(page, stack, coop)
    table = page.locator("table.sums")
    expect(table).to_contain_text("Lê Thị Hương")  # another clerk's weigh-in, from the supply chain
    expect(table.locator("tfoot")).to_contain_text("510.000")
    expect(page.locator(".payables-totals")).to_contain_text("còn nợ 510.000")

    phone.set_offline(True)
    weigh_in(page, "hung", "10")
    page.get_by_role("link", name="Hôm nay").click()
    expect(page.locator(".notice", has_text="Mất mạng")).to_be_visible()  # offline: this phone's only
    expect(table).to_contain_text("Nguyễn Văn Hùng")
    expect(table).not_to_contain_text("Lê Thị Hương")

    phone.set_offline(False)
    expect(page.locator("#queue-count")).to_have_text("", timeout=20_000)
    page.get_by_role("link", name="Cân chè", exact=True).click()
    page.get_by_label("Hộ thành viên", exact=False).fill("lan")
    page.locator("button.match").first.click()
    page.get_by_label("Khối lượng (kg)").fill("5")
    phone.set_offline(True)
    page.get_by_role("button", name="Lưu và cân hộ tiếp theo").click()
    phone.set_offline(False)  # online again, but the weigh-in is still queued until the next send
    page.get_by_role("link", name="Hôm nay").click()
    expect(table).to_contain_text("Lê Thị Hương")
    expect(table).to_contain_text("Nguyễn Văn Hùng")
    expect(table.locator("tfoot")).to_contain_text("57,5")  # 42.5 + 10 + 5, each counted once
    assert not overflows_horizontally(page)


def test_a_refused_weigh_in_is_fixed_in_its_form_and_replaces_the_refused_one(
    stack: CoopAppStack, coop: Coop, phone: BrowserContext
):
    page = phone.new_page()
    sign_in(page, stack, coop)
    before = stack.harvests(vietnam_today())
    phone.set_offline(True)
    page.get_by_role("link", name="Cân chè", exact=True).click()
    page.get_by_label("Ngày").fill("2014-06-01")  # before the household joined the co-op (2015)
    weigh_in(page, "ngoc anh", "33,5", "12000")
    phone.set_offline(False)
    page.get_by_role("link", name="Chờ gửi").click()
    refused = page.locator(".entry.refused")
    expect(refused).to_have_count(1, timeout=20_000)

    refused.get_by_role("button", name="Sửa").click()
    expect(page.locator(".chosen")).to_contain_text("Đỗ Thị Ngọc Ánh")
    expect(page.get_by_label("Khối lượng (kg)")).to_have_value("33,5")
    expect(page.get_by_label("Giá mua (đồng/kg)")).to_have_value("12000")
    expect(page.locator("#day-error")).to_contain_text("1/6/2014")  # the reason, by the date
    page.get_by_label("Ngày").fill(vietnam_today().isoformat())
    page.get_by_role("button", name="Lưu bản đã sửa").click()
    expect(page.locator(".saved")).to_contain_text("Đã lưu 33,5 kg")
    page.get_by_role("link", name="Chờ gửi").click()
    expect(page.locator(".entry.sent")).to_have_count(1, timeout=20_000)
    expect(page.locator(".entry")).to_have_count(1)  # the fixed weigh-in took the refused one's place
    assert stack.harvests(vietnam_today()) == before + 1
    assert not overflows_horizontally(page)
