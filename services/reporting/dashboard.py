"""The dashboard's pages (`templates/`), in Vietnamese or English: the province's board (the
scorecard, its trends, the tables under it), the list behind a figure, a co-op's own board and the
sign-in form.

Plain HTML and CSS, no script: the pickers are GET forms, charts are SVG drawn here
(`charts`), tables turn into cards on a phone. Every table is a `Report`, so its download is
the same table (`exports`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from services.reporting import charts, kpis, lists
from services.reporting.messages import DASHBOARD, SHEET
from services.reporting.panels import CoopBoard, ProvinceBoard
from services.reporting.schemas import Figure, KpiReport, Report, Restatement, ScoreSheet
from shared import formats
from shared.auth import Principal
from shared.clock import VIETNAM
from shared.events.registry import TARGET_FIGURES
from shared.grading_items import GRADING_ITEMS, ITEMS_BY_CODE
from shared.places import ward_name

# The figures with a target, in the order of the plan's text.
TARGETED = TARGET_FIGURES
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


# The closed figures that are not plan figures, as their readers write them (`kpis.CLOSED_FIGURES`).
MONEY_FIGURES = {"member_income_average_vnd"}


def closed_amount(key: str, value: int | float | None, language: str) -> str:
    """A frozen or current value of a closed figure: a share as a percentage, money in đồng, else a number."""
    if value is None:
        return str(DASHBOARD[language]["na"])
    return formats.money(value, language) if key in MONEY_FIGURES else amount(key, value, language)


def restatement_words(restatement: Restatement, language: str) -> str:
    """`Tỷ lệ HTX xếp loại Tốt, Khá: khi khoá sổ 83,3 %, nay 66,7 %, chênh lệch −16,7 %`: what changed, in words."""
    t = DASHBOARD[language]
    key, difference = restatement.figure, restatement.difference
    if difference is None:
        change = t["na"]
    else:
        sign = "+" if difference > 0 else "−" if difference < 0 else ""
        if key in PERCENT_FIGURES:  # a share moves by percentage points, not by a percent of itself
            points = formats.number(Decimal(str(abs(difference))) * 100, language)
            change = f"{sign}{points} {t['points']}"
        else:
            change = sign + closed_amount(key, abs(difference), language)
    return t["restatement"].format(
        figure=t["closed_labels"].get(key) or t["labels"].get(key, key),
        frozen=closed_amount(key, restatement.frozen, language),
        current=closed_amount(key, restatement.current, language),
        difference=change,
    )


def closed_words(report: KpiReport, language: str) -> str | None:
    """`Đã khoá sổ ngày 05/01/2026 lúc 09:30 (giờ Việt Nam), bởi tỉnh`, or None for a year not closed."""
    closed = report.closed
    if closed is None:
        return None
    t = DASHBOARD[language]
    local = closed.closed_at.astimezone(VIETNAM)
    by = t["roles"].get(closed.closed_by, closed.closed_by)
    return str(t["closed"]).format(day=formats.day(local.date(), language), time=local.strftime("%H:%M"), by=by)


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


# The province's tables a download offers; those naming co-ops with their inspections are the province's.
PROVINCE_TABLES = ("scorecard", "production_month", "production_commune", "grading", "income", "inspections")
PRIVATE_TABLES = ("inspections",)
COOP_TABLES = ("production_month", "payables", "stock", "sales_grade", "sales_buyer")
GRADE_NAMES = {language: words["grades"] for language, words in DASHBOARD.items()}
# Where each scorecard figure's count comes from (lists.LISTS); member income growth is the income table.
# The lists whose co-ops each open their score sheet.
GRADED_LISTS = ("effective", "graded")
FIGURE_LISTS = {
    "new_coops": "new_coops",
    "new_unions": "new_unions",
    "effective_share": "effective",
    "contract_share": "contract",
    "traced_sales_share": "traced_sales",
}


def cell(key: str, value: Any, language: str) -> str:
    """A table's value as its readers write it, by what its column holds."""
    t = DASHBOARD[language]
    if value is None:
        return "—"
    if isinstance(value, bool):
        return t["yes"] if value else t["no"]
    if isinstance(value, date):
        return formats.day(value, language)
    if key in ("year", "harvest_year", "coop_id", "member_id"):  # names, not quantities: never 2.024
        return str(value)
    if key.endswith("_vnd"):
        return formats.money(value, language)
    if key.endswith("share") or key == "growth":
        return formats.percent(value, language)
    if key == "grade":
        return str(t["grades"].get(value, value))
    if key == "form":
        return str(t["forms"].get(value, value))
    if key == "status":
        return str(t["statuses"].get(value, value))
    if key == "month" and isinstance(value, str) and len(value) == 7:
        return month_name(value, language)
    if isinstance(value, int | float | Decimal):
        return formats.number(value, language)
    return str(value)


def month_name(month: str, language: str) -> str:
    """ "2024-06" as `06/2024` (vi) or `Jun 2024` (en)."""
    year, number = int(month[:4]), int(month[5:])
    return f"{number:02d}/{year}" if language == "vi" else f"{DASHBOARD['en']['months'][number - 1]} {year}"


def _query(**values: Any) -> str:
    return urlencode({key: value for key, value in values.items() if value not in (None, "")})


@dataclass(frozen=True)
class Links:
    """The URLs of one page view: its lists, its filters and its downloads keep the year, the commune,
    the product and the language."""

    year: int
    language: str
    commune: str | None = None
    product: str | None = None
    lists: bool = False  # the caller may open the lists (the province)

    @property
    def lang(self) -> str | None:
        return None if self.language == "vi" else self.language

    def list(self, name: str, *, in_commune: bool = False, **extra: Any) -> str | None:
        """The list behind a figure; `in_commune` for the figures the commune filter narrows (the
        plan's figures and the organisation counts are the province's, and so are their lists)."""
        if not self.lists:
            return None
        commune = self.commune if in_commune else None
        return f"/dashboard/lists/{name}?" + _query(year=self.year, commune=commune, lang=self.lang, **extra)

    def download(self, table: str, extension: str) -> str:
        return f"/dashboard/tables/{table}?" + _query(
            year=self.year, commune=self.commune, product=self.product, format=extension, lang=self.lang
        )

    def board(self, **changes: Any) -> str:
        values = {"year": self.year, "commune": self.commune, "product": self.product, "lang": self.lang} | changes
        return "/dashboard?" + _query(**values)

    def score_sheet(self, coop_id: int) -> str:
        """A graded co-op's score sheet for the year (ADR 0027)."""
        query = _query(lang=self.lang)
        return f"/dashboard/gradings/{coop_id}/{self.year}" + (f"?{query}" if query else "")


def cell_link(table: str, row: dict[str, Any], key: str, links: Links) -> str | None:
    """The list (or filtered board) behind a table's cell, if any."""
    if table == "grading" and key == "coops" and row["coops"]:
        return links.list("graded", in_commune=True, grade=row["grade"])
    if table == "production_commune" and key == "commune_name":
        return links.board(commune=row["commune_code"])
    if table in GRADED_LISTS and key == "coop_name" and row.get("grade") is not None:
        return links.score_sheet(row["coop_id"])
    return None


def board_charts(board: ProvinceBoard, language: str) -> dict[str, Markup]:
    t = DASHBOARD[language]
    months = {row["month"]: float(row["kg"]) for row in board.tables["production_month"].rows}
    year = board.report.year
    month_bars = [charts.Bar(f"{m:02d}", months.get(f"{year}-{m:02d}", 0.0)) for m in range(1, 13)]
    said = "; ".join(
        f"{month_name(f'{year}-{m:02d}', language)}: {formats.number(months.get(f'{year}-{m:02d}', 0), language)} kg"
        for m in range(1, 13)
    )
    # Above 10 t a month, bars are labelled in tonnes (whole kg would not fit above twelve bars).
    in_tonnes = max(months.values(), default=0) >= 10_000
    unit = t["tonnes"] if in_tonnes else t["kg"]

    def month_label(value: float) -> str:
        return formats.number(round(value / 1000, 1) if in_tonnes else round(value), language)

    grading = board.tables["grading"].rows
    income = board.tables["income"].rows
    return {
        "months": charts.bars(
            month_bars,
            label=month_label,
            title=f"{t['production_month']} {year} ({unit})",
            description=said + ".",
            chart_id="chart-months",
            width=480,
            css_class="chart wide",
        ),
        "grading": charts.bars(
            [charts.Bar(t["grades_short"][row["grade"]], row["coops"], row["grade"] == "yeu") for row in grading],
            label=lambda value: formats.number(value, language),
            title=t["grading"],
            description="; ".join(f"{t['grades'][row['grade']]}: {row['coops']}" for row in grading) + ".",
            chart_id="chart-grading",
        ),
        "income": charts.bars(
            [charts.Bar(str(row["year"]), row["average_vnd"], row["year"] == year) for row in income],
            label=lambda value: formats.number(round(value / 1_000_000, 1), language),
            title=f"{t['income_by_year']} ({t['million_vnd']})",
            description="; ".join(
                f"{row['year']}: {t['na'] if row['average_vnd'] is None else formats.money(row['average_vnd'], language)}"
                for row in income
            )
            + ".",
            chart_id="chart-income",
        ),
    }


def _render(template: str, language: str, principal: Principal | None, **values: Any) -> str:
    return _templates.get_template(template).render(
        t=DASHBOARD[language],
        language=language,
        other=("en" if language == "vi" else "vi"),
        principal=principal,
        cell=cell,
        **values,
    )


def render_board(
    board: ProvinceBoard, language: str, years: list[YearGroup], principal: Principal | None, show_lists: bool
) -> str:
    """The province's page of `board` in `language` ("vi" or "en"): the pickers, the scorecard with
    each figure's target and trend over the plan's years so far, and the tables under it. Each
    figure links to its list when `show_lists` (a province account)."""
    report = board.report
    links = Links(report.year, language, board.filters.commune, board.filters.product, lists=show_lists)
    return _render(
        "dashboard.html",
        language,
        principal,
        board=board,
        report=report,
        trends=trends(report, board.history, language),
        charts=board_charts(board, language),
        figures=TARGETED,
        figure_lists=FIGURE_LISTS,
        amount=amount,
        target_words=target_words,
        years=years,
        year_ended=report.as_of == kpis.YearWindow(report.year).last,
        closed=closed_words(report, language),
        restatements=[restatement_words(r, language) for r in report.closed.restatements] if report.closed else [],
        restated={r.figure for r in report.closed.restatements} if report.closed else set(),
        notes=kpis.definitions(
            report.year, report.as_of, report.new_unions.since or kpis.YearWindow(report.year).first
        ),
        links=links,
        grading_link=lambda row, key: cell_link("grading", row, key, links),
        commune_link=lambda row, key: cell_link("production_commune", row, key, links),
        communes=[(code, ward_name(code)) for code in lists.province_communes()],
        commune_name=ward_name(board.filters.commune) if board.filters.commune else None,
        private_tables=PRIVATE_TABLES,
    )


def render_list(
    report: Report, language: str, year: int, principal: Principal | None, chosen: dict[str, str | None]
) -> str:
    """A figure's list: its title, how many, the table and its downloads; `chosen` is what narrowed
    it besides the year and commune (`grade`, `status`), kept by the downloads and the language link."""
    links = Links(year, language, report.filters.commune)
    base = f"/dashboard/lists/{report.report}?"
    kept = {"year": year, "commune": report.filters.commune, **chosen}
    downloads = {extension: base + _query(**kept, format=extension) for extension in ("csv", "xlsx")}
    other = "en" if language == "vi" else "vi"
    switch = base + _query(**kept, lang=None if other == "vi" else other)
    return _render(
        "list.html",
        language,
        principal,
        report=report,
        links=links,
        downloads=downloads,
        year=year,
        switch=switch,
        link=lambda row, key: cell_link(report.report, row, key, links),
    )


def render_score_sheet(sheet: ScoreSheet, language: str, principal: Principal | None) -> str:
    """A co-op's score sheet: each criterion's points and maximum, what the data proposed with its
    figures and rule, the officer's reason where a proposal was changed, the total and the grade."""
    s = SHEET[language]
    t = DASHBOARD[language]
    links = Links(sheet.year, language, lists=True)
    other = "en" if language == "vi" else "vi"
    base = f"/dashboard/gradings/{sheet.coop_id}/{sheet.year}"

    def name(criterion: str) -> str:
        item = ITEMS_BY_CODE.get(criterion)
        return getattr(item, language) if item else str(s["groups"].get(criterion, criterion))

    def fact(key: str, value: int | str | None) -> str:
        if key == "purchased_g" and isinstance(value, int):
            return f"{formats.number(kpis.kg(value), language)} {t['kg']}"
        return cell(key, value, language)

    return _render(
        "score_sheet.html",
        language,
        principal,
        s=s,
        sheet=sheet,
        name=name,
        fact=fact,
        total_max=100,  # both built-in schemes (TT01-2020 and TT01-2020-15) grade out of 100
        unconfirmed={item.code for item in GRADING_ITEMS if not item.confirmed} & {ln.criterion for ln in sheet.lines},
        back=links.list("effective") or "",
        switch=base + ("?lang=en" if other == "en" else ""),
    )


def render_coop(board: CoopBoard, language: str, principal: Principal | None, today: date) -> str:
    """A co-op's own page: its year's production, payables, stock, sales by grade and buyer."""
    lang = None if language == "vi" else language
    coop_id = board.coop_id if principal is not None and principal.role == "province" else None

    def download(table: str, extension: str) -> str:
        return "/dashboard/coop?" + _query(coop_id=coop_id, year=board.year, table=table, format=extension, lang=lang)

    years = list(range(today.year, today.year - 6, -1))
    return _render(
        "coop.html",
        language,
        principal,
        board=board,
        download=download,
        years=years,
        coop_param=coop_id,
        year_ended=board.filters.last == kpis.YearWindow(board.year).last,
    )


def render_sign_in(language: str, next_page: str, principal: Principal | None, refusal: str | None = None) -> str:
    return _render("sign_in.html", language, principal, next_page=next_page, refusal=refusal)
