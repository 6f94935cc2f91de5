"""How the dashboard writes a table's values in each language (`dashboard.cell`), and its links."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.reporting.dashboard import Links, cell, month_name, render_score_sheet
from services.reporting.schemas import ScoreSheet, SheetLine


@pytest.mark.parametrize(
    ("key", "value", "vi", "en"),
    [
        ("kg", Decimal("86.500"), "86,5", "86.5"),
        ("kg", Decimal("1864250.500"), "1.864.250,5", "1,864,250.5"),
        ("amount_vnd", 1_250_000, "1.250.000\u00a0₫", "₫1,250,000"),
        ("growth", 0.333, "33,3\u00a0%", "33.3%"),
        ("certified_share", 0.2085, "20,9\u00a0%", "20.9%"),
        ("founded_on", date(2024, 5, 12), "12/05/2024", "12 May 2024"),
        ("month", "2024-06", "06/2024", "Jun 2024"),
        ("year", 2024, "2024", "2024"),  # a year is a name, never 2.024
        ("member_id", 12345, "12345", "12345"),
        ("lots", 1250, "1.250", "1,250"),
        ("grade", "yeu", "Yếu", "Weak"),
        ("status", "dissolved", "Giải thể", "Dissolved"),
        ("form", "lien_hiep", "Liên hiệp HTX", "Co-op union"),
        ("met", True, "Đạt", "Met"),
        ("paid_vnd", None, "—", "—"),
        ("buyer", "Công ty CP Chè Thái Nguyên", "Công ty CP Chè Thái Nguyên", "Công ty CP Chè Thái Nguyên"),
    ],
)
def test_a_cell_is_written_as_its_readers_write_it(key, value, vi, en):
    assert cell(key, value, "vi") == vi
    assert cell(key, value, "en") == en


def test_months_in_both_languages():
    assert [month_name(f"2025-{m:02d}", "en") for m in (1, 12)] == ["Jan 2025", "Dec 2025"]
    assert month_name("2025-01", "vi") == "01/2025"


def test_links_keep_the_view_and_open_lists_only_for_the_province():
    links = Links(2024, "en", commune="05488", product="chè khô", lists=True)
    assert links.list("graded", in_commune=True, grade="yeu") == (
        "/dashboard/lists/graded?year=2024&commune=05488&lang=en&grade=yeu"
    )
    # The plan's figures are the province's under any commune filter, and so are their lists.
    assert links.list("new_coops") == "/dashboard/lists/new_coops?year=2024&lang=en"
    assert links.download("grading", "csv") == (
        "/dashboard/tables/grading?year=2024&commune=05488&product=ch%C3%A8+kh%C3%B4&format=csv&lang=en"
    )
    assert links.board(commune=None) == "/dashboard?year=2024&product=ch%C3%A8+kh%C3%B4&lang=en"
    assert Links(2024, "vi").list("new_coops") is None  # a visitor: the figure, without its list


def _sheet(**changes) -> ScoreSheet:
    line = SheetLine(criterion="awards", number=15, points=3, maximum=4, proposed=None, note="Bằng khen của UBND tỉnh")
    values = {
        "coop_id": 7,
        "coop_name": "HTX Chè Tân Hương",
        "year": 2024,
        "revision": 1,
        "scheme": "TT01-2020-15",
        "grade": "kha",
        "total_score": 70,
        "lines": [line],
    }
    return ScoreSheet(**(values | changes))


def test_a_score_sheet_says_what_it_holds_in_each_language():
    vietnamese = render_score_sheet(_sheet(), "vi", None)
    assert "15. Khen thưởng trong năm" in vietnamese and "Bằng khen của UBND tỉnh" in vietnamese
    assert "4*" in vietnamese and 'id="unconfirmed"' in vietnamese  # the cap of 15 is provisional
    assert 'href="/dashboard/lists/effective?year=2024"' in vietnamese
    english = render_score_sheet(_sheet(), "en", None)
    assert "15. Awards in the year" in english and "Entered by the officer" in english
    assert 'href="/dashboard/lists/effective?year=2024&amp;lang=en"' in english
    not_graded = render_score_sheet(_sheet(grade="not_graded", total_score=None, lines=[]), "vi", None)
    assert 'id="not-graded"' in not_graded and 'id="no-items"' not in not_graded and "—" in not_graded
    old = render_score_sheet(_sheet(scheme="tt01", lines=[]), "en", None)
    assert 'id="no-items"' in old and "only its total is known" in old
