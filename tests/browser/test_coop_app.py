"""The co-op app in real Chromium at 360 px: sign in as a clerk, weigh in households online and
offline, and check what reached the supply chain: each delivery once, whatever happened between."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, expect

from tests.browser.conftest import PHONE, chromium_or_skip, overflows_horizontally
from tests.browser.coop_app_stack import CLERK_PASSWORD, Coop, CoopAppStack, start_stack
from tests.support import unique


# Module scope: set up before any (function-scoped) browser fixture, as it must be: migrating runs an
# event loop, which Playwright's open sync API would refuse. Tests in one worker run one at a time,
# so each counts the harvests its own deliveries add.
@pytest.fixture(scope="module")
def stack(tmp_path_factory, redis_url) -> Iterator[CoopAppStack]:
    yield from start_stack(tmp_path_factory.mktemp("coop-app"), redis_url, unique("app") + ":")


@pytest.fixture
def coop(stack: CoopAppStack) -> Coop:
    return stack.new_coop()


def vietnam_today():
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


def sign_in(page: Page, stack: CoopAppStack, coop: Coop) -> None:
    page.goto(stack.app)
    page.get_by_label("Tên đăng nhập hoặc số điện thoại").fill(coop.clerk)
    page.get_by_label("Mật khẩu").fill(CLERK_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name="Hôm nay", exact=False)).to_be_visible()


def weigh_in(page: Page, search: str, kg: str, price: str | None = None) -> None:
    if page.get_by_role("heading", name="Cân chè búp tươi").count() == 0:
        page.get_by_role("link", name="Cân chè", exact=True).click()
    page.get_by_label("Hộ thành viên", exact=False).fill(search)
    page.locator("button.match").first.click()
    page.get_by_label("Khối lượng (kg)").fill(kg)
    page.get_by_label("Giá mua (đồng/kg)").fill(price or "")
    page.get_by_role("button", name="Lưu và cân hộ tiếp theo").click()
    expect(page.locator(".saved")).to_contain_text("Đã lưu")


def wait_for_worker(page: Page) -> None:
    """The service worker has kept the shell: from here on the app opens offline."""
    page.wait_for_function(
        "navigator.serviceWorker.controller !== null || navigator.serviceWorker.ready.then(() => true)"
    )
    page.evaluate("navigator.serviceWorker.ready.then(() => null)")
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")


def wait_until_all_sent(page: Page, timeout: float = 20_000) -> None:
    """Until the phone's outbox holds writes and every one is sent (polled in the page: right after a
    load the count in the bar is still empty, before the outbox has been read)."""
    page.wait_for_function(
        """() => new Promise((resolve) => {
            const open = indexedDB.open("htx-app");
            open.onsuccess = () => {
                const all = open.result.transaction("outbox").objectStore("outbox").getAll();
                all.onsuccess = () => {
                    open.result.close();
                    resolve(all.result.length > 0 && all.result.every((e) => e.status === "sent"));
                };
            };
        })""",
        timeout=timeout,
        polling=250,
    )


def queued(page: Page) -> int:
    return page.evaluate(
        """() => new Promise((resolve) => {
            const open = indexedDB.open("htx-app");
            open.onsuccess = () => {
                const all = open.result.transaction("outbox").objectStore("outbox").getAll();
                all.onsuccess = () => resolve(all.result.filter((e) => e.status !== "sent").length);
            };
        })"""
    )


def test_a_clerk_weighs_in_three_households_and_sees_the_day(stack: CoopAppStack, coop: Coop, phone: BrowserContext):
    page = phone.new_page()
    sign_in(page, stack, coop)
    before = stack.harvests(vietnam_today())
    weigh_in(page, "nguyen van hung", "86,5", "12000")
    expect(page.locator("output.owed")).to_have_text("–")  # the form is cleared for the next household
    weigh_in(page, "TRAN THI LAN", "72", "12000")
    weigh_in(page, "do thi ngoc anh", "64.25")
    page.get_by_role("link", name="Hôm nay").click()
    table = page.locator("table.sums")
    expect(table).to_contain_text("Nguyễn Văn Hùng")
    expect(table).to_contain_text("Đỗ Thị Ngọc Ánh")
    expect(table.locator("tfoot")).to_contain_text("222,75")
    expect(table.locator("tfoot")).to_contain_text("1.902.000")  # 86.5 × 12,000 + 72 × 12,000
    expect(page.locator("#queue-count")).to_have_text("", timeout=20_000)  # today counts what is still queued
    assert stack.harvests(vietnam_today()) == before + 3
    assert not overflows_horizontally(page)


def test_the_amount_owed_is_shown_before_saving(stack: CoopAppStack, coop: Coop, phone: BrowserContext):
    page = phone.new_page()
    sign_in(page, stack, coop)
    before = stack.harvests(vietnam_today())
    page.get_by_role("link", name="Cân chè", exact=True).click()
    page.get_by_label("Hộ thành viên", exact=False).fill("hoang")
    page.locator("button.match").first.click()
    page.get_by_label("Khối lượng (kg)").fill("86,5")
    page.get_by_label("Giá mua (đồng/kg)").fill("12500")
    expect(page.locator("output.owed")).to_have_text("1.081.250\u00a0₫")
    page.get_by_label("Khối lượng (kg)").fill("")
    page.get_by_role("button", name="Lưu và cân hộ tiếp theo").click()
    expect(page.locator("#kg-error")).to_contain_text("Nhập khối lượng")
    assert stack.harvests(vietnam_today()) == before
    assert not overflows_horizontally(page)


def test_five_deliveries_made_offline_are_recorded_once_each_after_a_reload(
    stack: CoopAppStack, coop: Coop, phone: BrowserContext
):
    page = phone.new_page()
    sign_in(page, stack, coop)
    before = stack.harvests(vietnam_today())
    wait_for_worker(page)
    phone.set_offline(True)
    expect(page.locator("#network")).to_contain_text("Mất mạng")
    for search, kg in (("hung", "10"), ("lan", "11"), ("tuan", "12"), ("huong", "13"), ("anh", "14")):
        weigh_in(page, search, kg, "12000")
    page.reload()  # offline: the shell comes from the service worker, the outbox from IndexedDB
    expect(page.locator("#queue-count")).to_have_text("5")
    assert stack.harvests(vietnam_today()) == before
    batches: list[str] = []
    page.on("request", lambda request: "/api/supplychain/batch" in request.url and batches.append(request.url))
    phone.set_offline(False)
    expect(page.locator("#queue-count")).to_have_text("", timeout=20_000)
    assert stack.harvests(vietnam_today()) == before + 5
    assert len(batches) == 5
    page.get_by_role("link", name="Chờ gửi").click()
    page.get_by_role("button", name="Gửi ngay").click()
    expect(page.locator(".entry.sent")).to_have_count(5)
    assert len(batches) == 5  # the second sync had nothing to send
    assert stack.harvests(vietnam_today()) == before + 5


def test_deliveries_queued_offline_are_sent_when_the_browser_is_opened_again(
    stack: CoopAppStack, coop: Coop, playwright_driver: Playwright, tmp_path
):
    executable = chromium_or_skip()
    profile = tmp_path / "profile"

    def open_phone() -> BrowserContext:
        return playwright_driver.chromium.launch_persistent_context(
            profile, executable_path=executable, args=["--no-sandbox"], viewport=PHONE, locale="vi-VN", is_mobile=True
        )

    phone = open_phone()
    page = phone.pages[0] if phone.pages else phone.new_page()
    sign_in(page, stack, coop)
    before = stack.harvests(vietnam_today())
    wait_for_worker(page)
    phone.set_offline(True)
    weigh_in(page, "hung", "20", "12000")
    weigh_in(page, "lan", "21")
    assert queued(page) == 2
    phone.close()  # the browser is closed with two deliveries waiting

    phone = open_phone()
    page = phone.pages[0] if phone.pages else phone.new_page()
    page.goto(stack.app)
    wait_until_all_sent(page)
    expect(page.locator("#queue-count")).to_have_text("")
    assert queued(page) == 0
    assert stack.harvests(vietnam_today()) == before + 2
    phone.close()


def test_a_refused_queued_write_stays_visible_and_the_others_are_sent(
    stack: CoopAppStack, coop: Coop, phone: BrowserContext
):
    page = phone.new_page()
    sign_in(page, stack, coop)
    before = stack.harvests(vietnam_today())
    phone.set_offline(True)
    weigh_in(page, "hung", "30", "12000")
    page.get_by_label("Ngày").fill("2014-06-01")  # before the household joined the co-op (2015)
    weigh_in(page, "lan", "31", "12000")
    page.get_by_label("Ngày").fill(vietnam_today().isoformat())
    weigh_in(page, "tuan", "32", "12000")
    phone.set_offline(False)
    page.get_by_role("link", name="Chờ gửi").click()
    refused = page.locator(".entry.refused")
    expect(refused).to_have_count(1, timeout=20_000)
    expect(refused).to_contain_text("Trần Thị Lan")
    expect(refused.get_by_role("alert")).not_to_be_empty()  # the service's reason, in Vietnamese
    expect(page.locator(".entry.sent")).to_have_count(2)
    assert stack.harvests(vietnam_today()) == before + 2
    refused.get_by_role("button", name="Bỏ bản ghi này").click()
    expect(page.locator(".entry.refused")).to_have_count(0)
    assert not overflows_horizontally(page)


def test_the_payables_show_what_is_owed_a_statement_and_a_payment(
    stack: CoopAppStack, coop: Coop, phone: BrowserContext
):
    page = phone.new_page()
    sign_in(page, stack, coop)
    weigh_in(page, "nguyen van hung", "50", "12000")
    weigh_in(page, "hung", "25,5", "12000")
    page.get_by_role("link", name="Công nợ").click()
    household = page.locator(".household", has_text="Nguyễn Văn Hùng")
    expect(household.locator(".outstanding")).to_contain_text("906.000")  # 75.5 kg × 12,000
    household.get_by_role("button", name="Gửi phiếu").click()
    statement = household.get_by_role("textbox", name="Gửi phiếu").input_value()
    assert "HTX Chè Tân Hương" in statement and "Nguyễn Văn Hùng" in statement and "906.000" in statement
    assert len(statement) < 1000  # it fits a chat message
    household.get_by_role("button", name="Ghi trả tiền").click()
    household.get_by_label("Số tiền trả (đồng)").fill("500000")
    household.get_by_role("button", name="Lưu lần trả tiền").click()
    expect(household.locator(".outstanding")).to_contain_text("406.000", timeout=20_000)
    assert not overflows_horizontally(page)
