"""The provincial dashboard, served by a live reporting process (`dashboard_stack`), on a 360 px
phone and a 1280 px desktop, in Vietnamese and English: a province officer signs in through the
page's form, every figure shows its target and its trend over the plan's five years, the year
picker changes the figures, a figure opens the list behind it (as many rows as it says), and
nothing needs sideways scrolling. Screenshots go to docs/screenshots/.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page

from shared.events.registry import CoopGraded
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.dashboard_stack import (
    NEW_COOPS,
    PASSWORD,
    SHEET_COOP_YEAR,
    SHEET_GRADING,
    DashboardStack,
    publish_more,
    start_stack,
)
from tests.integration.reporting_events import REGISTRY, envelope
from tests.support import bearer, unique, wait_until

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
FIGURES = ("new_coops", "new_unions", "effective_share", "member_income_growth", "contract_share", "traced_sales_share")


# Module scope: set up before any (function-scoped) browser fixture, as migrations and asyncio.run must be.
@pytest.fixture(scope="module")
def stack(tmp_path_factory, redis_url) -> Iterator[DashboardStack]:
    yield from start_stack(tmp_path_factory.mktemp("dashboard"), redis_url, unique("dash") + ":")


def fits(page: Page) -> bool:
    return bool(page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth"))


def sign_in(page: Page, stack: DashboardStack, language: str) -> None:
    page.goto(f"{stack.dashboard}?lang={language}")
    page.click("#sign-in")
    page.fill("#login", stack.login)
    page.fill("#password", PASSWORD)
    page.click("form.picker button[type=submit]")
    page.wait_for_url(f"**/dashboard?*lang={language}*" if language == "en" else "**/dashboard*")
    assert page.locator("#who strong").inner_text() == stack.login


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_the_province_reads_its_dashboard(browser: Browser, stack: DashboardStack, language: str, width: str):
    phone = width == "phone"
    context = browser.new_context(
        viewport=PHONE if phone else DESKTOP, locale="vi-VN", is_mobile=phone, has_touch=phone
    )
    try:
        page = context.new_page()
        sign_in(page, stack, language)
        # The latest year with data and a plan, the plan's version, every figure with its target and trend.
        assert page.locator("select#year option[selected]").inner_text() == "2025"
        version = page.locator("#plan-version").inner_text()
        assert ("version 1, published by the province" if language == "en" else "phiên bản 1") in version
        for key in FIGURES:
            row = page.locator(f'#scorecard tr[data-figure="{key}"]')
            target = row.locator("td.target").inner_text()
            assert target and ("No target" not in target and "Không có mục tiêu" not in target), key
            # One bar a plan year (growth has none for 2021: no purchases in 2020), its figures as text.
            said = row.locator("svg.trend desc").text_content() or ""
            assert all(f"{year}: " in said for year in range(2021, 2026)), (key, said)
            assert row.locator("svg.trend rect").count() == (4 if key == "member_income_growth" else 5), key
        assert page.locator('#scorecard tr[data-figure="new_coops"] .figure').inner_text() == "10"
        assert ("at least 30" if language == "en" else "ít nhất 30") in page.inner_text("#scorecard")
        assert page.locator("svg.chart").count() == 3 and page.locator("#grading-table tbody tr").count() == 5
        assert fits(page), "the dashboard is wider than the screen"
        page.screenshot(path=str(SCREENSHOTS / f"dashboard-{width}-{language}.png"), full_page=True)
        # The year picker changes the figures.
        page.select_option("select#year", "2023")
        page.click("form.picker button[type=submit]")
        page.wait_for_url("**year=2023**")
        assert page.locator('#scorecard tr[data-figure="new_coops"] .figure').inner_text() == str(NEW_COOPS[2023])
        # A figure opens its list: as many rows as the figure says.
        page.click('#scorecard tr[data-figure="new_coops"] .figure')
        page.wait_for_url("**/dashboard/lists/new_coops**")
        assert page.locator("#list tbody tr").count() == NEW_COOPS[2023]
        assert fits(page), "the list is wider than the screen"
        if language == "vi":
            page.screenshot(path=str(SCREENSHOTS / f"dashboard-list-{width}-vi.png"), full_page=True)
        # The Yếu of the grading distribution opens the co-ops graded Yếu.
        page.go_back()
        weak = page.locator("#grading-table tbody tr").nth(3)
        count = int(weak.locator("a").inner_text())
        weak.locator("a").click()
        page.wait_for_url("**grade=yeu**")
        assert page.locator("#list tbody tr").count() == count > 0
    finally:
        context.close()


def test_a_visitor_sees_the_figures_without_lists(browser: Browser, stack: DashboardStack):
    context = browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(stack.dashboard)
        assert (
            page.locator("#scorecard a.figure[href*='/lists/']").count() == 0
            and page.locator("#lists-hint").is_visible()
        )
        page.goto(stack.dashboard + "/lists/graded?grade=yeu&year=2025")  # sent to sign in, and back after it
        page.fill("#login", stack.login)
        page.fill("#password", "sai-mat-khau-roi")
        page.click("form.picker button[type=submit]")
        assert page.locator("#refusal").is_visible()
        page.fill("#login", stack.login)
        page.fill("#password", PASSWORD)
        page.click("form.picker button[type=submit]")
        page.wait_for_url("**/dashboard/lists/graded**")
        assert page.locator("#list tbody tr").count() > 0
        page.click("#who button")  # sign out: the lists are closed again
        page.wait_for_url("**/dashboard?lang=vi")
        assert page.locator("#scorecard a.figure[href*='/lists/']").count() == 0
    finally:
        context.close()


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_a_coop_reads_its_own_page(browser: Browser, stack: DashboardStack, width: str):
    phone = width == "phone"
    context = browser.new_context(
        viewport=PHONE if phone else DESKTOP, locale="vi-VN", is_mobile=phone, has_touch=phone
    )
    try:
        page = context.new_page()
        page.goto(stack.dashboard + "/coop?year=2025")  # sent to sign in, and back after it
        page.fill("#login", stack.login + "-htx")
        page.fill("#password", PASSWORD)
        page.click("form.picker button[type=submit]")
        page.wait_for_url("**/dashboard/coop?year=2025**")
        assert page.locator("h1").inner_text() == "HTX Chè Tân Cương số 1 — Năm 2025"
        # Its three member households, what it bought from each in each of four rounds and still owes them.
        assert page.locator("#payables-table tbody tr").count() == 3 * 4
        assert all(f"Hộ Nguyễn Văn {n}" in page.inner_text("#payables-table") for n in (1, 2, 3))
        assert page.locator("#sales_buyer-table tbody tr").count() == 1
        assert fits(page), "the co-op's page is wider than the screen"
        page.screenshot(path=str(SCREENSHOTS / f"dashboard-coop-{width}-vi.png"), full_page=True)
        page.goto(stack.dashboard + "/coop?coop_id=2")  # another co-op's: refused
        assert "HTX 1" in page.inner_text("body") and "HTX 2" in page.inner_text("body")
    finally:
        context.close()


@pytest.fixture(scope="module")
def closed_2024(stack: DashboardStack) -> DashboardStack:
    """2024 closed by the province, then co-op 1 (graded Yếu for 2024) regraded Khá: a restatement."""
    reporting = stack.urls["reporting"]
    closed = httpx.post(f"{reporting}/scorecards/2024/close", headers=bearer("province"), timeout=30)
    assert closed.status_code == 201, closed.text
    assert closed.json()["closed"]["restated"] is False
    regraded = CoopGraded(
        grading_id=9_000_001, coop_id=1, year=2024, scheme="tt01", total_score=None, grade="kha", revision=2
    )
    publish_more(stack, REGISTRY, envelope(regraded))

    async def restated() -> bool:
        async with httpx.AsyncClient(base_url=reporting) as client:
            closed = (await client.get("/kpis", params={"year": 2024})).json()["closed"]
            return bool(closed and closed["restated"])

    asyncio.run(wait_until(restated, timeout=60, message="the regrade after the close in reporting"))
    return stack


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_a_closed_year_says_when_it_was_closed_and_what_changed_since(
    browser: Browser, closed_2024: DashboardStack, width: str
):
    phone = width == "phone"
    context = browser.new_context(
        viewport=PHONE if phone else DESKTOP, locale="vi-VN", is_mobile=phone, has_touch=phone
    )
    try:
        page = context.new_page()
        page.goto(closed_2024.dashboard + "?year=2024")
        closed = page.locator("#closed")
        assert closed.is_visible() and "Đã khoá sổ ngày" in closed.inner_text() and "bởi tỉnh" in closed.inner_text()
        said = page.locator("#restatements li").all_inner_texts()
        assert any(line.startswith("Tỷ lệ HTX xếp loại Tốt, Khá: khi khoá sổ") for line in said), said
        mark = page.locator('#scorecard tr[data-figure="effective_share"] .restated-mark')
        assert mark.is_visible() and mark.inner_text() == "đã điều chỉnh sau khoá sổ"
        # Each figure says what it counts, readable under its name on a phone too.
        definition = page.locator('#scorecard tr[data-figure="effective_share"] .definition')
        assert definition.is_visible() and "không tính tổ hợp tác" in definition.inner_text()
        assert (
            page.locator("#members-definition").is_visible() and page.locator("#commendations-definition").is_visible()
        )
        assert fits(page), "the closed year's page is wider than the screen"
        page.screenshot(path=str(SCREENSHOTS / f"dashboard-closed-{width}-vi.png"), full_page=True)
        if phone:  # the top of the page, where the close is said, as a phone shows it
            page.screenshot(path=str(SCREENSHOTS / "dashboard-closed-phone-vi-top.png"))
        page.goto(closed_2024.dashboard + "?year=2024&lang=en")
        assert "Closed on" in page.inner_text("#closed") and "a difference of" in page.inner_text("#restatements")
    finally:
        context.close()


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_the_effective_share_drills_down_to_a_score_sheet(browser: Browser, stack: DashboardStack, width: str):
    """The effective share opens the co-ops graded Tốt or Khá; a co-op opens its score sheet: the 15
    criteria with points, maxima and the data's evidence, readable on a 360 px phone."""
    phone = width == "phone"
    context = browser.new_context(
        viewport=PHONE if phone else DESKTOP, locale="vi-VN", is_mobile=phone, has_touch=phone
    )
    try:
        page = context.new_page()
        sign_in(page, stack, "vi")
        page.click('#scorecard tr[data-figure="effective_share"] .figure')
        page.wait_for_url("**/dashboard/lists/effective**")
        coop_id, year = SHEET_COOP_YEAR
        page.click(f'#list a[href^="/dashboard/gradings/{coop_id}/{year}"]')
        page.wait_for_url(f"**/dashboard/gradings/{coop_id}/{year}*")
        assert page.locator("#sheet tbody tr").count() == 15
        assert page.locator("#total").inner_text() == f"{SHEET_GRADING.total_score} / 100"
        assert page.locator("#grade").inner_text() == "Tốt"
        benefit = page.locator("#line-member_benefit").inner_text()
        assert "Lợi ích thành viên" in benefit and "8.956.000" in benefit and "612 kg" in benefit
        assert "Cán bộ đổi từ 2 điểm" in page.locator("#line-technology_chain").inner_text()
        assert fits(page), "the score sheet is wider than the screen"
        page.screenshot(path=str(SCREENSHOTS / f"score-sheet-{width}-vi.png"), full_page=True)
        page.click("#other-language")
        page.wait_for_url("**lang=en**")
        assert "Member benefit" in page.locator("#line-member_benefit").inner_text()
        assert fits(page)
        page.screenshot(path=str(SCREENSHOTS / f"score-sheet-{width}-en.png"), full_page=True)
    finally:
        context.close()
