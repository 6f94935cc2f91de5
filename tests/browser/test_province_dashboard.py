"""The dashboard on a generated province (`htx demo province --scale 0.02`, loaded through the APIs
into live processes), on a 360 px phone and a 1280 px desktop: every figure shows its target and its
trend over the plan's years, the year picker changes the figures, a figure opens the list behind
it (as many rows as it says), and nothing needs sideways scrolling."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_dashboard_page import FIGURES, fits, sign_in
from tests.e2e.province_stack import PASSWORD, ProvinceStack, start_stack
from tests.support import unique


@pytest.fixture(scope="module")
def stack(tmp_path_factory, redis_url) -> Iterator[ProvinceStack]:
    yield from start_stack(tmp_path_factory.mktemp("province"), redis_url, unique("provb") + ":")


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_the_province_reads_the_demo_province(browser: Browser, stack: ProvinceStack, width: str):
    assert PASSWORD  # the stack's province account signs in with it (sign_in)
    phone = width == "phone"
    context = browser.new_context(
        viewport=PHONE if phone else DESKTOP, locale="vi-VN", is_mobile=phone, has_touch=phone
    )
    try:
        page = context.new_page()
        sign_in(page, stack, "vi")  # a ProvinceStack has the login and dashboard URL it reads
        assert page.locator("select#year option[selected]").inner_text() == "2025"
        for key in FIGURES:
            row = page.locator(f'#scorecard tr[data-figure="{key}"]')
            target = row.locator("td.target").inner_text()
            assert target and "Không có mục tiêu" not in target, key
            said = row.locator("svg.trend desc").text_content() or ""
            assert all(f"{year}: " in said for year in range(2021, 2026)), (key, said)
            assert row.locator("svg.trend rect").count() == 5, key  # 2020's purchases: growth in 2021 too
        assert fits(page), "the dashboard is wider than the screen"
        shown_2025 = page.inner_text("#scorecard")
        # The year picker changes the figures.
        page.select_option("select#year", "2022")
        page.click("form.picker button[type=submit]")
        page.wait_for_url("**year=2022**")
        assert page.inner_text("#scorecard") != shown_2025
        assert fits(page), "the dashboard of 2022 is wider than the screen"
        # A figure opens its list: as many rows as the figure says.
        effective = page.locator('#scorecard tr[data-figure="new_coops"] .figure')
        count = int(effective.inner_text())
        effective.click()
        page.wait_for_url("**/dashboard/lists/new_coops**")
        assert page.locator("#list tbody tr").count() == count > 0
        assert fits(page), "the list is wider than the screen"
    finally:
        context.close()
