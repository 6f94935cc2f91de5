"""Browser tests: real headless Chromium (Debian's `chromium`), driven by Playwright.

Playwright never downloads a browser here: it launches the system binary (`HTX_CHROMIUM`, else
`chromium` on PATH). `.ci/run` installs it; without it, outside CI, these tests are skipped with
the command that installs it; with HTX_REQUIRE_SERVICES=1 (CI) a missing browser fails the run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, ViewportSize, sync_playwright

PHONE: ViewportSize = {"width": 360, "height": 740}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
MISSING = "Chromium is missing: install it with `apt-get install -y chromium` (or set HTX_CHROMIUM to its path)"


def chromium_path() -> str | None:
    configured = os.environ.get("HTX_CHROMIUM")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


# Function scope on purpose: while the sync API is open its event loop counts as running in this
# thread, and pytest-asyncio's next async test in the same worker would refuse to start.
@pytest.fixture
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


def chromium_or_skip() -> str:
    """Chromium's path; outside CI a missing one skips the test, in CI (HTX_REQUIRE_SERVICES=1) it fails it."""
    executable = chromium_path()
    if executable is None:
        if os.environ.get("HTX_REQUIRE_SERVICES") == "1":
            pytest.fail(MISSING)
        pytest.skip(MISSING)
    return executable


@pytest.fixture
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    executable = chromium_or_skip()
    launched = playwright_driver.chromium.launch(
        executable_path=executable, args=["--no-sandbox", "--disable-dev-shm-usage"]
    )
    yield launched
    launched.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh profile (no cache, no service worker) at the 360×740 viewport of a cheap Android phone."""
    context = browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True, has_touch=True)
    yield context
    context.close()


@pytest.fixture
def desktop(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    yield context
    context.close()


@pytest.fixture
def phone_page(phone: BrowserContext) -> Page:
    return phone.new_page()


def overflows_horizontally(page: Page) -> bool:
    """True when the page is wider than its viewport (something would need sideways scrolling)."""
    return bool(page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1"))
