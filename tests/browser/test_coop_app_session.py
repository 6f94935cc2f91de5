"""The app's sign-in when its access token expires, in real Chromium at 360 px, against the real
registry (tokens of three seconds here): calls that find the token expired at once share one
renewal, so the refresh token (used up by its use; a second use ends the session) is used once
and the clerk stays signed in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import BrowserContext, Page, Response, expect

from tests.browser.coop_app_stack import Coop, CoopAppStack, start_stack
from tests.browser.test_coop_app import sign_in
from tests.support import unique

# Three seconds: long enough to sign in and open a screen, short enough to outlive without a sleep.
SHORT_LIVED = {"HTX_ACCESS_TOKEN_MINUTES": "0.05"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory, redis_url) -> Iterator[CoopAppStack]:
    yield from start_stack(tmp_path_factory.mktemp("coop-session"), redis_url, unique("session") + ":", SHORT_LIVED)


@pytest.fixture(autouse=True)
def patient_expect() -> Iterator[None]:
    """Signing in hashes a password (argon2): slow on a loaded 2-core machine. A limit, not a sleep."""
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


# tests.support.wait_until, in the page: polls every 250 ms, fails after 20 s.
_REFUSED_AS_EXPIRED = """async ([token, path]) => {
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((next) => setTimeout(next, 250))) {
        if ((await fetch(path, { headers: { Authorization: `Bearer ${token}` } })).status === 401) return true;
    }
    return false;
}"""


def _wait_until_expired(page: Page, given: list[Response], coop: Coop) -> None:
    """Until the supply chain refuses the last access token the app was given as expired, and the
    app was given no newer one meanwhile."""
    while True:
        seen = len(given)
        token = given[-1].json()["access_token"]
        assert page.evaluate(_REFUSED_AS_EXPIRED, [token, f"/api/supplychain/coops/{coop.id}/lots"]), "not expired"
        if len(given) == seen:
            return


def test_calls_that_find_the_token_expired_together_renew_it_once_and_stay_signed_in(
    stack: CoopAppStack, phone: BrowserContext
):
    coop = stack.new_coop()
    page = phone.new_page()
    given: list[Response] = []  # every answer that gave the app an access token: sign-in and renewals
    page.on("response", lambda answer: given.append(answer) if answer.url.endswith(("/session", "/refresh")) else None)
    sign_in(page, stack, coop)
    page.wait_for_load_state("networkidle")  # the start's reference refresh is done
    _wait_until_expired(page, given, coop)
    renewed_before = len(given)

    # Six reads at once, as a screen opening and the reference refresh make them, through the app's own call().
    statuses = page.evaluate(
        """async (coopId) => {
            const { call } = globalThis.htxStart["session.js"];  // the start script's own module
            const paths = [`/api/registry/coops/${coopId}`, `/api/registry/coops/${coopId}/plots`,
                           `/api/supplychain/coops/${coopId}/lots`, "/api/supplychain/yield-rules",
                           `/api/registry/coops/${coopId}/members`, `/api/supplychain/coops/${coopId}/payables`];
            return Promise.all(paths.map(async (path) => (await call(path)).status));
        }""",
        coop.id,
    )
    assert statuses == [200] * 6
    assert [answer.url.rsplit("/", 1)[1] for answer in given[renewed_before:]] == ["refresh"]  # one for all six

    # Still signed in: once that token expires too, the app renews with the refresh token it was given then.
    _wait_until_expired(page, given, coop)
    page.reload()
    expect(page.get_by_role("heading", name="Hôm nay", exact=False)).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert given[-1].url.endswith("/session/refresh") and given[-1].status == 200
    expect(page.get_by_label("Tên đăng nhập hoặc số điện thoại")).to_have_count(0)
