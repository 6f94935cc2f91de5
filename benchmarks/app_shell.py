"""Benchmark: the co-op app's shell size and how soon a clerk can type into the weigh-in form on a
slow network (Chromium's network emulation with Puppeteer's "Slow 3G", 50 KB/s each way and a 2 s
round trip, and its "Fast 3G", 180 KB/s down and a 0.56 s round trip).

Against a running `htx up --demo` (the demo clerk signs in), in Debian's Chromium:

    .venv/bin/python benchmarks/app_shell.py [http://127.0.0.1:8000] [--runs 3]

Prints the bytes the shell transfers (compressed as served), then medians of:
- cold: a phone that has never opened the app, to the sign-in form;
- cold, signed in: the shell's files evicted (service worker and HTTP cache cleared), the account
  still on the phone, to the weigh-in form;
- warm: the app opened before (shell kept by the service worker), to the weigh-in form.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import BrowserContext, CDPSession, sync_playwright  # noqa: E402

from htx.demo import DEMO_PASSWORD, TAN_HUONG  # noqa: E402

# Puppeteer's PredefinedNetworkConditions. Chromium adds the latency to every request, so on "Slow 3G"
# every file the first screen needs besides the page costs 2 s more: the page brings the sign-in and
# the weigh-in in its own script (ADR 0019, "Speed").
PROFILES = {
    "Slow 3G": {"offline": False, "downloadThroughput": 50_000, "uploadThroughput": 50_000, "latency": 2000},
    "Fast 3G": {"offline": False, "downloadThroughput": 180_000, "uploadThroughput": 84_375, "latency": 562.5},
}
PHONE = {"width": 360, "height": 740}


def _throttled(context: BrowserContext) -> tuple:
    page = context.pages[0] if context.pages else context.new_page()
    cdp: CDPSession = context.new_cdp_session(page)
    cdp.send("Network.enable")
    return page, cdp


def _timed(page, url: str, selector: str) -> float:
    started = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_selector(selector, timeout=120_000)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url", nargs="?", default="http://127.0.0.1:8000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for name, conditions in PROFILES.items():
        measure(args.url.rstrip("/"), args.runs, name, conditions)


def measure(url: str, runs: int, name: str, conditions: dict) -> None:
    cold, cold_signed_in, warm = [], [], []
    transferred = 0
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for run in range(runs):
            context = browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True, has_touch=True)
            page, cdp = _throttled(context)
            sizes: dict[str, int] = {}
            cdp.on(
                "Network.loadingFinished",
                lambda event, sizes=sizes: sizes.__setitem__(event["requestId"], event["encodedDataLength"]),
            )
            cdp.send("Network.emulateNetworkConditions", conditions)
            cold.append(_timed(page, url + "/#/delivery", "#login"))
            page.wait_for_function("navigator.serviceWorker.ready.then(() => true)")
            if run == 0:
                transferred = sum(sizes.values())
            cdp.send(
                "Network.emulateNetworkConditions",
                {**conditions, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
            )
            page.fill("#login", TAN_HUONG.accounts[0].username)
            page.fill("#password", DEMO_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_selector("#nav:not([hidden])")
            cdp.send("Network.emulateNetworkConditions", conditions)
            page.goto("about:blank")
            warm.append(_timed(page, url + "/#/delivery", "#household"))
            page.evaluate(
                "navigator.serviceWorker.getRegistrations().then((all) => Promise.all(all.map((r) => r.unregister())))"
            )
            page.evaluate("caches.keys().then((names) => Promise.all(names.map((name) => caches.delete(name))))")
            cdp.send("Network.clearBrowserCache")
            page.goto("about:blank")
            cold_signed_in.append(_timed(page, url + "/#/delivery", "#household"))
            context.close()
        browser.close()
    print(f"{name}:")
    print(f"app shell transferred: {transferred / 1024:.1f} KB (goal <= 200 KB)")
    print(f"cold, to the sign-in form:            {statistics.median(cold):.2f} s (goal <= 3 s)")
    print(f"cold shell, signed in, to the form:   {statistics.median(cold_signed_in):.2f} s")
    print(f"warm, to the weigh-in form:           {statistics.median(warm):.2f} s (goal <= 1 s)")
    print(f"({runs} runs; {conditions_text(conditions)})")


def conditions_text(conditions: dict) -> str:
    return (
        f"{conditions['downloadThroughput'] / 1000:.0f} KB/s down, {conditions['uploadThroughput'] / 1000:.0f} KB/s up, "
        f"{conditions['latency']:.0f} ms round trip"
    )


if __name__ == "__main__":
    main()
