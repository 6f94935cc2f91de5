"""The provincial dashboard on a 360 px phone and a desktop: nothing needs sideways scrolling.

The page is what `dashboard.render` makes of a scorecard for 2024 under the shipped 2021–2025
plan (loaded with `set_content`, not served by a live app): 580 co-ops, each target shown in
words, harvest and sales volumes, the year picker.
"""

from __future__ import annotations

from datetime import date

import pytest

from services.reporting import dashboard, kpis
from services.reporting.kpis import CoopRecord, Facts, Grading, StatusChange
from tests.browser.conftest import overflows_horizontally

TODAY = date(2026, 3, 15)


def _report(year: int, founded_per_year: int = 36, tot_every: int = 3):
    forms = ["hop_tac_xa"] * 540 + ["to_hop_tac"] * 30 + ["lien_hiep"] * 10
    coops = [CoopRecord(n, form, date(2000 + n % 20, 1 + n % 12, 1)) for n, form in enumerate(forms)]
    coops += [CoopRecord(1000 + n, "hop_tac_xa", date(year, 1 + n % 12, 2)) for n in range(founded_per_year)]
    changes = [
        StatusChange(c.coop_id, "dissolved" if c.coop_id % 29 == 0 else "active", c.founded_on, f"{c.coop_id}-0")
        for c in coops
    ]
    facts = Facts(
        coops=coops,
        changes=changes,
        members_by_membership={"official": 38_412, "worker": 3_655},
        harvest_lots=12_480,
        harvest_g=1_864_250_500,
        sales_count=3_120,
        sales_g=402_118_250,
        sales_vnd=0,
        positions={},
        gradings=[Grading(n, "tot" if n % tot_every else "yeu", f"{n}-0") for n in range(400)],
        income_by_member={n: 41_250_000 + n * (year - 2020) * 1000 for n in range(900)},
        income_by_member_last_year={n: 37_900_000 + n * 3000 for n in range(850)} if year > 2021 else {},
    )
    return kpis.scorecard(year, kpis.plan_for(year, PLANS), facts, TODAY)


PLANS = kpis.load_plans()
# Five plan years: founding picks up, grading improves, income growth only from the second year.
HISTORY = [_report(2021 + n, founded_per_year=18 + 6 * n, tot_every=2 + n) for n in range(5)]


def _page(language: str) -> str:
    return dashboard.render(HISTORY[3], language, dashboard.year_groups(PLANS, TODAY, 2024), HISTORY)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_dashboard_reads_on_a_phone(phone_page, language, tmp_path):
    phone_page.set_content(_page(language))
    card = phone_page.locator('#scorecard tr[data-figure="new_coops"]')
    assert ("at least 30" if language == "en" else "ít nhất 30") in card.inner_text()
    # The table is cards on a phone: the header row is out of sight, each cell says what it is.
    assert phone_page.locator("#scorecard thead").bounding_box()["height"] <= 1
    assert card.locator("td").nth(1).evaluate("e => getComputedStyle(e, '::before').content") != "none"
    assert ("1,864,250.5 kg" if language == "en" else "1.864.250,5 kg") in phone_page.inner_text("#harvest")
    assert phone_page.locator("select#year option").count() == 5
    # Each figure's trend over the plan's years, drawn on the server, with its figures as text.
    chart = card.locator("svg.trend")
    assert chart.locator("rect").count() == 5 and chart.bounding_box()["width"] > 250
    assert ("2021: 18; 2022: 24; 2023: 30; 2024: 36; 2025: 42." if language == "en" else "2024: 36") in chart.locator(
        "desc"
    ).text_content()
    assert not overflows_horizontally(phone_page)
    phone_page.screenshot(path=str(tmp_path / f"dashboard-phone-{language}.png"), full_page=True)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_dashboard_is_a_table_on_a_desktop(desktop, language, tmp_path):
    page = desktop.new_page()
    page.set_content(_page(language))
    assert page.locator("#scorecard thead").bounding_box()["height"] > 10
    assert page.locator("#scorecard tr").count() == 7  # header and six figures
    assert page.locator("#scorecard svg.trend").count() == 6
    assert not overflows_horizontally(page)
    page.screenshot(path=str(tmp_path / f"dashboard-desktop-{language}.png"), full_page=True)
