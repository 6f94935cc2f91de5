"""The public scorecard as an HTML page (`templates/dashboard.html`), in Vietnamese or English.

Plain HTML and CSS, no script: the year picker is a GET form, tables turn into cards on a phone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from services.reporting import charts, kpis
from services.reporting.messages import DASHBOARD
from services.reporting.schemas import Figure, KpiReport
from shared import formats

# The figures with a target, in the order of the plan's text.
TARGETED = (
    "new_coops",
    "new_unions",
    "effective_share",
    "member_income_growth",
    "contract_share",
    "traced_sales_share",
)
PERCENT_FIGURES = {"effective_share", "member_income_growth", "contract_share", "traced_sales_share"}

_templates = formats.install(
    Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")), autoescape=select_autoescape(["html"])),
    language_variable="language",
)


@dataclass(frozen=True)
class YearGroup:
    """The years the picker offers under one heading: a plan's begun years (or, with no plan, the one asked)."""

    plan: kpis.Plan | None
    years: list[int]


def year_groups(plans: list[kpis.Plan], today: date, shown: int) -> list[YearGroup]:
    groups = [YearGroup(plan, list(kpis.reportable_years(plan, today))) for plan in plans]
    groups = [group for group in groups if group.years]
    if not any(shown in group.years for group in groups):
        groups.append(YearGroup(None, [shown]))
    return groups


def amount(key: str, value: int | float, language: str) -> str:
    """A figure's value or target as its readers write it: a share as a percentage, a count as a number."""
    return formats.percent(value, language) if key in PERCENT_FIGURES else formats.number(value, language)


def target_words(key: str, figure: Figure, language: str) -> str | None:
    """`at least 30`, `ít nhất 30`, `more than 65.0%`: the comparison in words, not `>= 30`."""
    if figure.target is None or figure.comparison is None:
        return None
    wording: str = DASHBOARD[language]["comparisons"][figure.comparison]
    return wording.format(value=amount(key, figure.target, language))


def trends(report: KpiReport, history: list[KpiReport], language: str) -> dict[str, Markup]:
    """Per targeted figure, a chart of its value in each year of `history` (the plan's years so far)
    against the shown year's target, with its figures in words for those who cannot see it."""
    if len(history) < 2:
        return {}
    t = DASHBOARD[language]
    charted: dict[str, Markup] = {}
    for key in TARGETED:
        points = [charts.Point(past.year, getattr(past, key).value) for past in history]

        def label(value: float, key: str = key) -> str:
            return amount(key, value, language)

        said = "; ".join(f"{p.year}: {t['na'] if p.value is None else label(p.value)}" for p in points)
        figure: Figure = getattr(report, key)
        target = target_words(key, figure, language)
        charted[key] = charts.trend(
            points,
            shown=report.year,
            target=figure.target,
            label=label,
            title=f"{t['labels'][key]}, {history[0].year}–{history[-1].year}",
            description=f"{said}. {t['target']}: {target}." if target else f"{said}.",
            chart_id=f"trend-{key}",
        )
    return charted


def render(report: KpiReport, language: str, years: list[YearGroup], history: list[KpiReport] | None = None) -> str:
    """The page of `report` in `language` ("vi" or "en"), with the year picker, a trend of each figure
    over `history` (the scorecards of the plan's years so far) and a link to the other language."""
    return _templates.get_template("dashboard.html").render(
        trends=trends(report, history or [], language),
        report=report,
        t=DASHBOARD[language],
        language=language,
        figures=TARGETED,
        amount=amount,
        target_words=target_words,
        years=years,
        year_ended=report.as_of == kpis.YearWindow(report.year).last,
        other=("en" if language == "vi" else "vi"),
    )
