"""The co-op app's "More" screen leads to the co-op's own page of the reporting dashboard, in the app's
language: its sign-in the first time (a cookie of the dashboard's own origin), then the co-op's page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import overflows_horizontally
from tests.browser.coop_app_stack import CLERK_PASSWORD, Coop, CoopAppStack, running_services
from tests.browser.test_coop_app import sign_in
from tests.support import unique


@pytest.fixture(scope="module")
def stack(tmp_path_factory, redis_url) -> Iterator[CoopAppStack]:
    services = ("registry", "supplychain", "reporting", "web")
    directory = tmp_path_factory.mktemp("coop-app-dashboard")
    with running_services(directory, services, redis_url, unique("dash") + ":") as urls:
        yield CoopAppStack(urls)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_more_links_to_the_coops_own_dashboard_in_the_apps_language(
    stack: CoopAppStack, phone: BrowserContext, language: str, tmp_path
):
    coop: Coop = stack.new_coop()
    page = phone.new_page()
    sign_in(page, stack, coop)
    if language == "en":
        page.goto(stack.app + "?lang=en#/more")
    else:
        page.get_by_role("link", name="Thêm").click()
    name = "Trang số liệu của HTX" if language == "vi" else "The co-op's dashboard"
    link = page.get_by_role("link", name=name)
    expect(link).to_have_attribute("href", f"{stack.urls['reporting']}/dashboard/coop?lang={language}")
    assert not overflows_horizontally(page)
    page.screenshot(path=tmp_path / f"more-{language}.png", full_page=True)

    with phone.expect_page() as opened:
        link.click()
    dashboard = opened.value
    dashboard.wait_for_load_state()
    # Not signed in there yet: the dashboard's own sign-in, which brings the clerk back to the co-op's page.
    assert "/dashboard/sign-in" in dashboard.url and f"lang={language}" in dashboard.url
    expect(dashboard.locator("html")).to_have_attribute("lang", language)
    dashboard.fill("#login", coop.clerk)
    dashboard.fill("#password", CLERK_PASSWORD)
    dashboard.click("form.picker button[type=submit]")
    dashboard.wait_for_url("**/dashboard/coop?*")
    expect(dashboard.get_by_role("heading", level=1)).to_contain_text("HTX Chè Tân Hương")
