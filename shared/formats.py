"""Numbers, money, percentages and dates as readers of each language write them (Babel, CLDR data).

Vietnamese groups thousands with a dot and marks decimals with a comma: `86.500 kg` read as
eighty-six thousand five hundred to a Vietnamese reader when it meant 86.5 kg. So every figure a
person reads goes through here: Vietnamese `86,5 kg`, `1.250.000 ₫`, `33,3 %`, `12/05/2026`;
English `86.5 kg`, `₫1,250,000`, `33.3%`, `12 May 2026`. Exports keep raw numbers (a spreadsheet
formats them itself).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent
from jinja2 import Environment, pass_context
from jinja2.runtime import Context

Number = Decimal | float | int

_PERCENT = {"vi": "#,##0.0\u00a0%", "en": "#,##0.0%"}  # CLDR's vi has no decimal; the space never breaks
_DATE = {"vi": "dd/MM/yyyy", "en": "d MMM yyyy"}


def _locale(language: str) -> str:
    return "en" if language == "en" else "vi"


def _half_up(value: Number, places: int) -> Decimal:
    """Rounded as people round (20.85 % is 20,9 %); CLDR formatting alone rounds half to even."""
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def number(value: Number, language: str) -> str:
    """A quantity, up to three decimals (grams of a kilogram), without trailing zeros."""
    return format_decimal(_half_up(value, 3), format="#,##0.###", locale=_locale(language))


def money(vnd: Number, language: str) -> str:
    """An amount in đồng, which has no minor unit."""
    return format_currency(vnd, "VND", locale=_locale(language))


def percent(ratio: Number, language: str) -> str:
    """A ratio (0.333) as a percentage with one decimal."""
    return format_percent(_half_up(ratio, 3), format=_PERCENT[_locale(language)], locale=_locale(language))


def day(value: date, language: str) -> str:
    return format_date(value, _DATE[_locale(language)], locale=_locale(language))


def counted(count: int, forms: Mapping[str, str], language: str) -> str:
    """`1 member household`, `3 member households`: the noun in the CLDR plural form of the count
    (`forms` by form name; English has one/other, Vietnamese only other)."""
    return f"{number(count, language)} {plural(count, forms, language)}"


def plural(count: int, forms: Mapping[str, str], language: str) -> str:
    """The noun alone in the CLDR plural form of `count` (`row 3`, `rows 3, 7`)."""
    return forms.get(Locale.parse(_locale(language)).plural_form(count), forms["other"])


def install(environment: Environment, *, language_variable: str) -> Environment:
    """Filters `number`, `money`, `percent`, `day` and `counted` (`{{ n|counted(forms) }}`) for templates that know their language as
    `language_variable` (so a template writes `{{ lot.quantity|number }}`)."""

    def filter_of(format_: Callable[[Any, str], str]) -> Callable[[Context, Any], str]:
        @pass_context
        def apply(context: Context, value: Any) -> str:
            return format_(value, context[language_variable])

        return apply

    for name, format_ in (("number", number), ("money", money), ("percent", percent), ("day", day)):
        environment.filters[name] = filter_of(format_)

    @pass_context
    def counted_filter(context: Context, count: int, forms: Mapping[str, str]) -> str:
        return counted(count, forms, context[language_variable])

    environment.filters["counted"] = counted_filter
    return environment
