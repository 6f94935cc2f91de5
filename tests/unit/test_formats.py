"""Figures as readers of each language write them: `86.500 kg` meant 86.5 kg, and read as 86,500."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from jinja2 import Environment

from shared import formats

NBSP = "\u00a0"


def test_vietnamese_numbers_money_percentages_and_dates():
    assert formats.number(Decimal("86.500"), "vi") == "86,5"
    assert formats.number(Decimal("40000.000"), "vi") == "40.000"
    assert formats.number(Decimal("0.125"), "vi") == "0,125"
    assert formats.money(1_250_000, "vi") == f"1.250.000{NBSP}₫"
    assert formats.percent(Decimal("0.333"), "vi") == f"33,3{NBSP}%"
    assert formats.day(date(2026, 5, 12), "vi") == "12/05/2026"


def test_english_has_its_own():
    assert formats.number(Decimal("86.500"), "en") == "86.5"
    assert formats.number(Decimal("40000"), "en") == "40,000"
    assert formats.money(1_250_000, "en") == "₫1,250,000"
    assert formats.percent(Decimal("0.2085"), "en") == "20.9%"
    assert formats.day(date(2026, 5, 12), "en") == "12 May 2026"


def test_an_unknown_language_is_written_in_vietnamese():
    assert formats.number(Decimal("1.5"), "fr") == "1,5"


def test_templates_format_in_their_own_language():
    environment = formats.install(Environment(), language_variable="lang")
    template = environment.from_string("{{ q|number }} kg · {{ r|percent }} · {{ d|day }} · {{ m|money }}")
    values = {"q": Decimal("86.5"), "r": 0.5, "d": date(2026, 1, 2), "m": 50_000}
    assert template.render(lang="vi", **values) == f"86,5 kg · 50,0{NBSP}% · 02/01/2026 · 50.000{NBSP}₫"
    assert template.render(lang="en", **values) == "86.5 kg · 50.0% · 2 Jan 2026 · ₫50,000"


def test_counts_take_the_plural_form_of_their_language():
    households = {"one": "member household", "other": "member households"}
    assert formats.counted(1, households, "en") == "1 member household"
    assert formats.counted(1250, households, "en") == "1,250 member households"
    assert formats.counted(1, {"other": "hộ"}, "vi") == "1 hộ"
    assert formats.counted(1250, {"other": "hộ"}, "vi") == "1.250 hộ"
    template = formats.install(Environment(), language_variable="language").from_string("{{ n|counted(f) }}")
    assert template.render(n=2, f=households, language="en") == "2 member households"
