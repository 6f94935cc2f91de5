"""Screenshots of the co-op app's screens at 360 px (and the weigh-in at desktop width), for docs/.

Against a running `htx up --demo` (the demo clerk signs in), with Debian's Chromium:

    .venv/bin/python docs/screenshots/take.py [http://127.0.0.1:8000]

Writes docs/screenshots/app-*.png. Records one weigh-in of 1 kg for Nguyễn Văn Hùng, without a price,
so run it on a demo installation, not a co-op's.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from htx.demo import DEMO_PASSWORD, TAN_HUONG

HERE = Path(__file__).parent
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


def shoot(page: Page, name: str) -> None:
    page.screenshot(path=HERE / f"app-{name}.png", full_page=True)
    print(f"wrote docs/screenshots/app-{name}.png")


def main(url: str) -> None:
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for language, suffix in (("vi", ""), ("en", "?lang=en")):
            phone = browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True, has_touch=True)
            page = phone.new_page()
            page.goto(url + "/" + suffix)
            page.wait_for_selector("#login")
            shoot(page, f"login-{language}")
            page.fill("#login", TAN_HUONG.accounts[0].username)
            page.fill("#password", DEMO_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_selector("#nav:not([hidden])")
            page.goto(url + "/" + suffix + "#/delivery")
            page.wait_for_selector("#household")
            page.fill("#household", "nguyen van")
            shoot(page, f"delivery-search-{language}")
            page.click("button.match")
            page.fill("#kg", "86,5" if language == "vi" else "86.5")
            page.fill("#price", "12000")
            shoot(page, f"delivery-{language}")
            page.fill("#price", "")
            page.fill("#kg", "1")
            page.click("button[type=submit]")
            page.wait_for_selector(".saved:not(:empty)")
            page.goto(url + "/" + suffix + "#/today")
            page.wait_for_selector("h1")
            shoot(page, f"today-{language}")
            phone.set_offline(True)
            page.evaluate("location.hash = '#/queue'")
            page.wait_for_selector("text=" + ("Gửi ngay" if language == "vi" else "Send now"))
            shoot(page, f"outbox-offline-{language}")
            phone.set_offline(False)
            page.set_viewport_size(DESKTOP)
            page.evaluate("location.hash = '#/delivery'")
            page.wait_for_selector("#household")
            shoot(page, f"delivery-desktop-{language}")
            phone.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8000")
