"""axe-core (WCAG 2.1 A and AA rules) over every screen of the co-op app, at 360 px, in Vietnamese
and English. axe comes bundled in the `axe-playwright-python` test dependency, so no Node is needed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.coop_app_stack import CoopAppStack, start_stack
from tests.browser.test_coop_app import sign_in, weigh_in
from tests.support import unique

RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
# Each screen by its address, and a heading that says it has been drawn.
SCREENS = {
    "#/today": {"vi": "Hôm nay", "en": "Today"},
    "#/delivery": {"vi": "Cân chè búp tươi", "en": "Weigh in fresh leaf"},
    "#/payables": {"vi": "Công nợ với các hộ", "en": "What the co-op owes households"},
    "#/queue": {"vi": "Dữ liệu chờ gửi", "en": "Outbox"},
    "#/more": {"vi": "Các việc khác", "en": "Other tasks"},
    "#/purchase": {"vi": "Mua lô chè đã cân", "en": "Buy a weighed lot"},
    "#/processing": {"vi": "Mẻ chế biến", "en": "Processing batch"},
    "#/grading": {"vi": "Phân loại chè khô", "en": "Grade dry tea"},
    "#/packing": {"vi": "Đóng gói thành sản phẩm", "en": "Pack into units"},
    "#/labels": {"vi": "Nhãn QR của sản phẩm", "en": "QR labels of the units"},
    "#/shipment": {"vi": "Xuất hàng cho đối tác", "en": "Ship to a partner"},
    "#/sale": {"vi": "Bán hàng", "en": "Sale"},
    "#/members": {"vi": "Hộ thành viên (", "en": "Member households ("},
    "#/correction": {"vi": "Sửa bản ghi sai", "en": "Correct a wrong record"},
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory, redis_url) -> Iterator[CoopAppStack]:
    yield from start_stack(tmp_path_factory.mktemp("app-a11y"), redis_url, unique("a11y") + ":")


def violations(page: Page) -> list[str]:
    """axe's findings, one line each: the rule, what it says, and the elements it names."""
    found = Axe().run(page, options=RULES).response["violations"]
    return [
        f"{rule['id']} ({rule['impact']}): {rule['help']} – {', '.join(str(node['target']) for node in rule['nodes'])}"
        for rule in found
    ]


def test_the_sign_in_screen_passes_axe(stack: CoopAppStack, phone: BrowserContext):
    page = phone.new_page()
    for address in (stack.app, stack.app + "?lang=en"):
        page.goto(address)
        expect(page.locator("form")).to_be_visible()
        assert violations(page) == [], address


@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_screen_passes_axe(stack: CoopAppStack, phone: BrowserContext, language: str):
    coop = stack.new_coop()
    page = phone.new_page()
    sign_in(page, stack, coop)
    weigh_in(page, "nguyen van hung", "86,5", "12000")  # so that the lists have a row to check
    page.goto(stack.app + ("?lang=en" if language == "en" else ""))
    for hash_, heading in SCREENS.items():
        page.evaluate(f"location.hash = {hash_!r}")
        expect(page.get_by_role("heading", name=heading[language], exact=False)).to_be_visible()
        assert violations(page) == [], f"{hash_} ({language})"
