"""Screenshots of the co-op app's screens at 360 px (the weigh-in and the less-daily tasks at desktop
width too), for docs/.

Against a running `htx up --demo` (the demo clerk signs in), with Debian's Chromium:

    .venv/bin/python docs/screenshots/take.py [http://127.0.0.1:8000]

Writes docs/screenshots/app-*.png, labels-*.png (the first page of a QR label sheet) and trace-unit-*.png
(the public page its first label's QR code opens). Records one
weigh-in of 1 kg for Nguyễn Văn Hùng, without a price, and packs 2 units of 0.1 kg of dry tea (for the
label list), so run it on a demo installation, not a co-op's. The sale it tries is refused (more than
the lot holds), so it records nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pypdfium2
import zxingcpp
from playwright.sync_api import Page, sync_playwright

from htx.demo import DEMO_PASSWORD, TAN_HUONG

HERE = Path(__file__).parent
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


def shoot(page: Page, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")  # the sticky menu stays at the top of a full-page picture
    page.screenshot(path=HERE / f"app-{name}.png", full_page=True)
    print(f"wrote docs/screenshots/app-{name}.png")


def open_screen(page: Page, url: str, hash_: str, ready: str) -> None:
    # Emptied first, so that what is waited for is the new screen's, not the last one's.
    page.evaluate("document.getElementById('screen').replaceChildren()")
    page.goto(url + hash_)
    page.wait_for_selector(ready, state="attached")


def less_daily_tasks(page: Page, url: str, name: str) -> None:
    """Shipment, sale (refused for overselling, then in the outbox), members, a household, a correction."""

    open_screen(page, url, "#/shipment", "#lot option:nth-child(2)")
    page.select_option("#lot", index=1)
    page.fill("#kg", "50")
    page.select_option("#partner", index=1)
    page.fill("#document", "PX-0012")
    page.click("button.add-line")  # a second lot on the same delivery document
    page.select_option("#lot-2", index=2)
    page.fill("#kg-2", "20")
    page.wait_for_selector(".shipments li", state="attached")  # the partner's shipments, read
    shoot(page, f"shipment-{name}")
    open_screen(page, url, "#/sale", "#lot option:nth-child(2)")
    page.select_option("#lot", index=1)
    page.select_option("#buyer", index=1)
    page.fill("#kg", "99999")
    page.fill("#price", "95000")
    page.fill("#invoice", "HD-0042")
    page.click("button[type=submit]")
    page.wait_for_selector("#kg-error:not(:empty)")
    shoot(page, f"sale-refused-{name}")
    open_screen(page, url, "#/queue", ".entry.refused")
    shoot(page, f"outbox-refused-{name}")
    page.click(".entry.refused button.primary")  # "Sửa": the sale again, with its reason
    page.wait_for_selector("#kg-error:not(:empty)")
    open_screen(page, url, "#/queue", ".entry.refused")
    page.click(".entry.refused button:not(.primary)")  # dropped: the demo keeps nothing of it
    page.wait_for_selector(".entry.refused", state="detached")
    open_screen(page, url, "#/members", ".members button.member")
    page.fill("#member-search", "nguyen")
    shoot(page, f"members-{name}")
    page.click(".members button.member")
    page.wait_for_selector(".detail")
    shoot(page, f"member-{name}")
    open_screen(page, url, "#/household", "#name")
    page.fill("#name", "Đặng Thị Thuỳ Dương")
    shoot(page, f"household-{name}")
    open_screen(page, url, "#/correction", "h1")
    shoot(page, f"corrections-{name}")
    if page.locator(".records button").count():
        page.click(".records button")
        page.wait_for_selector("#explanation")
        page.fill("#explanation", "Cân nhầm, bì chưa trừ")
        shoot(page, f"correction-{name}")


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
            open_screen(page, url + "/" + suffix, "#/today", ".payables-totals")
            shoot(page, f"today-{language}")
            less_daily_tasks(page, url + "/" + suffix, language)
            phone.set_offline(True)
            page.evaluate("location.hash = '#/queue'")
            page.wait_for_selector("text=" + ("Gửi ngay" if language == "vi" else "Send now"))
            shoot(page, f"outbox-offline-{language}")
            phone.set_offline(False)
            page.set_viewport_size(DESKTOP)
            page.evaluate("location.hash = '#/delivery'")
            page.wait_for_selector("#household")
            shoot(page, f"delivery-desktop-{language}")
            less_daily_tasks(page, url + "/" + suffix, f"desktop-{language}")
            page.set_viewport_size(PHONE)
            chain_screens(page, url + "/" + suffix, language)
            phone.close()
        browser.close()


def suffix_of(url: str) -> str:
    return "?lang=en" if url.endswith("?lang=en") else ""


def chain_screens(page: Page, url: str, language: str) -> None:
    """The chain's screens after the weigh-in, each at 360 px and at desktop width."""

    def both(name: str) -> None:
        shoot(page, f"{name}-{language}")
        page.set_viewport_size(DESKTOP)
        shoot(page, f"{name}-desktop-{language}")
        page.set_viewport_size(PHONE)

    page.wait_for_function("document.getElementById('queue-count').textContent === ''")  # the weigh-in is in
    page.goto(url + "#/purchase")
    page.wait_for_selector("#purchase-lot")
    page.fill("#purchase-lot", "nguyen van hung")
    both("purchase")
    page.goto(url + "#/processing")
    page.wait_for_selector("#processing-out")
    page.locator("li.lot input.pick").first.check()
    page.fill("#processing-out", "1")  # 1 kg of 1 kg: far above the range, so the warning shows
    both("processing")
    page.goto(url + "#/grading")
    page.wait_for_selector("#grading-kg-0")
    page.locator("li.lot input.pick").first.check()
    page.fill("#grading-kg-0", "3")
    both("grading")
    page.goto(url + "#/packing")
    page.wait_for_selector("#packing-lot")
    page.select_option("#packing-lot", index=1)
    page.fill("#packing-net", "0,1" if language == "vi" else "0.1")
    page.fill("#packing-units", "2")
    page.fill("#packing-gtin", "08930000123459")  # its labels' QR codes become GS1 Digital Links
    both("packing")
    page.click("button[type=submit].primary")
    page.wait_for_selector(".labels")
    for size, button in (("a4", 0), ("62x29", 1)):  # the label sheets themselves, as printed
        page.locator(".labels .actions button").nth(button).click()
        with page.expect_download() as download:
            page.locator(".labels a.button").click()
        first_page = pypdfium2.PdfDocument(download.value.path())[0]
        first_page.render(scale=(100 if size == "a4" else 300) / 72).to_pil().save(
            HERE / f"labels-{size}-{language}.png"
        )
        print(f"wrote docs/screenshots/labels-{size}-{language}.png")
    # What a buyer's phone opens from the first label: that unit's own trace page.
    [unit] = zxingcpp.read_barcodes(first_page.render(scale=300 / 72).to_pil())
    trace = page.context.new_page()
    trace.set_viewport_size(PHONE)
    trace.goto(unit.text + suffix_of(url))
    trace.screenshot(path=HERE / f"trace-unit-{language}.png", full_page=True)
    trace.set_viewport_size(DESKTOP)
    trace.screenshot(path=HERE / f"trace-unit-desktop-{language}.png", full_page=True)
    print(f"wrote docs/screenshots/trace-unit-{language}.png (and -desktop-)")
    trace.close()
    page.goto(url + "#/labels")
    page.wait_for_selector(".labels")
    both("labels")


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8000")
