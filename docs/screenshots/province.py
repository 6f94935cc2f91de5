"""Screenshots of the provincial dashboard on the province demo, at 360 px and at desktop width, for docs/.

Against a running `htx up` into which `htx demo province` was loaded, with Debian's Chromium; the
province's token is made from the data directory's secret (as `htx reporting verify` does), so no
account is needed:

    .venv/bin/python docs/screenshots/province.py [--data-dir data]

Writes docs/screenshots/province-dashboard-phone-vi.png and province-dashboard-desktop-{vi,en}.png
(the latest plan year; a phone picture is ~1.3 MB, so one language of it) and
province-list-{phone,desktop}-vi.png (the co-ops graded Yếu, opened from the grading table).
Reads only.
"""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from htx import operator

HERE = Path(__file__).parent
SIZES = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 900}}


def shoot(page: Page, name: str) -> None:
    if not page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth"):
        raise SystemExit(f"{name}: the page is wider than the screen")
    page.screenshot(path=HERE / f"{name}.png", full_page=True)
    print(f"wrote docs/screenshots/{name}.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    args = parser.parse_args()
    dashboard = operator.service_url("reporting", args.data_dir) + "/dashboard"
    token = operator.province_token(operator.read_secret(args.data_dir), ttl=timedelta(minutes=10))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        for size, viewport in SIZES.items():
            phone = size == "phone"
            context = browser.new_context(
                viewport=viewport,  # type: ignore[arg-type]
                locale="vi-VN",
                is_mobile=phone,
                has_touch=phone,
                extra_http_headers={"Authorization": f"Bearer {token}"},
            )
            page = context.new_page()
            for language in ("vi",) if phone else ("vi", "en"):
                page.goto(f"{dashboard}?lang={language}")
                shoot(page, f"province-dashboard-{size}-{language}")
            page.goto(f"{dashboard}?lang=vi")
            page.locator("#grading-table tbody tr").nth(3).locator("a").click()
            page.wait_for_url("**grade=yeu**")
            shoot(page, f"province-list-{size}-vi")
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
