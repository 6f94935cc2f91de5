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


def _report_2024():
    forms = ["hop_tac_xa"] * 540 + ["to_hop_tac"] * 30 + ["lien_hiep"] * 10
    coops = [CoopRecord(n, form, date(2010 + n % 15, 1 + n % 12, 1)) for n, form in enumerate(forms)]
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
        gradings=[Grading(n, "tot" if n % 3 else "yeu", f"{n}-0") for n in range(400)],
        income_by_member={n: 41_250_000 + n for n in range(900)},
        income_by_member_last_year={n: 37_900_000 for n in range(850)},
    )
    plans = kpis.load_plans()
    return kpis.scorecard(2024, kpis.plan_for(2024, plans), facts, TODAY), plans


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_dashboard_reads_on_a_phone(phone_page, language, tmp_path):
    report, plans = _report_2024()
    phone_page.set_content(dashboard.render(report, language, dashboard.year_groups(plans, TODAY, 2024)))
    card = phone_page.locator('#scorecard tr[data-figure="new_coops"]')
    assert ("at least 30" if language == "en" else "ít nhất 30") in card.inner_text()
    # The table is cards on a phone: the header row is out of sight, each cell says what it is.
    assert phone_page.locator("#scorecard thead").bounding_box()["height"] <= 1
    assert card.locator("td").nth(1).evaluate("e => getComputedStyle(e, '::before').content") != "none"
    assert ("1,864,250.5 kg" if language == "en" else "1.864.250,5 kg") in phone_page.inner_text("#harvest")
    assert phone_page.locator("select#year option").count() == 5
    assert not overflows_horizontally(phone_page)
    phone_page.screenshot(path=str(tmp_path / f"dashboard-phone-{language}.png"), full_page=True)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_dashboard_is_a_table_on_a_desktop(desktop, language, tmp_path):
    report, plans = _report_2024()
    page = desktop.new_page()
    page.set_content(dashboard.render(report, language, dashboard.year_groups(plans, TODAY, 2024)))
    assert page.locator("#scorecard thead").bounding_box()["height"] > 10
    assert page.locator("#scorecard tr").count() == 7  # header and six figures
    assert not overflows_horizontally(page)
    page.screenshot(path=str(tmp_path / f"dashboard-desktop-{language}.png"), full_page=True)
