"""What the dashboard pages show besides the scorecard, read from the read model: production by
month and commune, the grading distribution, member income by year, inspections (the province's
page), and a co-op's own production, purchases and payables, stock and sales by grade and buyer.

Every table is a `Report` built by the reports the API already has (`queries.REPORTS`) or from the
scorecard's facts, so the page, its CSV and its XLSX hold the same numbers as `/reports` and `/kpis`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting import kpis, lists, queries
from services.reporting.reports import KG, Column, ReportSpec
from services.reporting.schemas import KpiReport, Report, ReportFilters
from services.reporting.tables import HarvestFact, LotOutputFact, SaleFact
from services.reporting.wards import WardMap
from shared.events.registry import TARGET_FIGURES

C = Column
GRADE = C("grade", "Xếp loại", "Grade")
COUNT = C("coops", "Số tổ chức", "Organisations")
MONTHS = ReportSpec(
    "production_month",
    "Sản lượng theo tháng",
    "Production by month",
    (C("month", "Tháng", "Month"), C("lots", "Số lô", "Lots"), KG),
    ("lots", "kg"),
)
COMMUNES = ReportSpec(
    "production_commune",
    "Sản lượng theo xã/phường",
    "Production by commune",
    (
        C("commune_name", "Xã/phường", "Commune"),
        C("commune_code", "Mã xã/phường", "Commune code"),
        C("lots", "Số lô", "Lots"),
        KG,
    ),
    ("lots", "kg"),
)
GRADING = ReportSpec("grading", "Kết quả xếp loại", "Grading results", (GRADE, COUNT), ("coops",))
INCOME = ReportSpec(
    "income",
    "Thu nhập của thành viên qua các năm",
    "Members' income by year",
    (
        C("year", "Năm", "Year"),
        C("members_selling", "Số thành viên bán cho HTX", "Members selling to their co-op"),
        C("average_vnd", "Thu nhập bình quân (VNĐ)", "Average income (VND)"),
        C("growth", "Tăng so với năm trước", "Growth on the year before"),
        C("paid_vnd", "HTX đã trả trong năm (VNĐ)", "Paid out in the year (VND)"),
    ),
    (),
)
SCORECARD = ReportSpec(
    "scorecard",
    "Chỉ tiêu và mục tiêu",
    "Figures and targets",
    (
        C("figure", "Chỉ tiêu", "Figure"),
        C("value", "Thực hiện", "Actual"),
        C("comparison", "So sánh", "Comparison"),
        C("target", "Mục tiêu", "Target"),
        C("met", "Đạt", "Met"),
    ),
    (),
)
STOCK = ReportSpec(
    "stock", "Tồn kho theo loại", "Stock by grade", (GRADE, C("lots", "Số lô", "Lots"), KG), ("lots", "kg")
)
SALES_BY_GRADE = ReportSpec(
    "sales_grade",
    "Bán hàng theo loại",
    "Sales by grade",
    (GRADE, C("sales", "Số lần bán", "Sales"), KG, C("amount_vnd", "Thành tiền (VNĐ)", "Amount (VND)")),
    ("sales", "kg", "amount_vnd"),
)
SALES_BY_BUYER = ReportSpec(
    "sales_buyer",
    "Bán hàng theo người mua",
    "Sales by buyer",
    (
        C("buyer", "Người mua", "Buyer"),
        C("sales", "Số lần bán", "Sales"),
        KG,
        C("amount_vnd", "Thành tiền (VNĐ)", "Amount (VND)"),
    ),
    ("sales", "kg", "amount_vnd"),
)
OWN_PAYABLES = (
    "member_name",
    "member_id",
    "harvest_year",
    "harvest_round",
    "purchases",
    "kg",
    "amount_vnd",
    "paid_vnd",
    "outstanding_vnd",
)
INSPECTIONS_COLUMNS = ("inspections", "violations", "resolved", "open", "commendations")


def _regrouped(
    spec: ReportSpec,
    filters: ReportFilters,
    rows: list[dict],
    keys: tuple[str, ...],
    language: str,
    summed: tuple[str, ...],
) -> Report:
    """`rows` summed by `keys` (their order kept), as the report `spec`."""
    grouped: dict[tuple, dict] = {}
    for row in rows:
        key = tuple(row[k] for k in keys)
        cell = grouped.setdefault(key, dict(zip(keys, key, strict=True)) | dict.fromkeys(summed, 0))
        for name in summed:
            cell[name] += row[name]
    return spec.build(filters, [grouped[key] for key in sorted(grouped, key=str)], language)


@dataclass(frozen=True)
class ProvinceBoard:
    """The province's page of one year: the scorecard, its trend, and the tables under it."""

    report: KpiReport
    history: list[KpiReport]
    filters: ReportFilters
    tables: dict[str, Report]
    inspections: dict[str, int]
    communes_without_coop: int
    products: list[str]


def scorecard_table(report: KpiReport, language: str) -> Report:
    rows = []
    for key in TARGET_FIGURES:
        figure = getattr(report, key)
        rows.append(
            {
                "figure": key,
                "value": figure.value,
                "comparison": figure.comparison,
                "target": figure.target,
                "met": figure.met,
            }
        )
    window = kpis.YearWindow(report.year)
    return SCORECARD.build(ReportFilters(first=window.first, last=report.as_of), rows, language)


def income_table(history: list[KpiReport], report: KpiReport, language: str) -> Report:
    years = history or [report]
    rows = [
        {
            "year": past.year,
            "members_selling": past.member_income.members_selling,
            "average_vnd": past.member_income.average_vnd,
            "growth": past.member_income.growth,
            "paid_vnd": past.member_income.paid_vnd,
        }
        for past in years
    ]
    return INCOME.build(ReportFilters(first=kpis.YearWindow(years[0].year).first, last=report.as_of), rows, language)


async def products(session: AsyncSession) -> list[str]:
    """The products harvested so far (the page's product filter offers them)."""
    return sorted((await session.exec(select(HarvestFact.product).distinct())).all())


async def province_board(
    session: AsyncSession,
    report: KpiReport,
    history: list[KpiReport],
    today: date,
    wards: WardMap,
    language: str,
    commune: str | None,
    product: str | None,
    graded_by_commune: bool = False,
) -> ProvinceBoard:
    """`graded_by_commune`: the commune filter narrows the grading and the inspections too. Only
    for the province: in a commune of one co-op they would tell that co-op's grade and violations,
    which the registry shows only to the province and the co-op."""
    window = kpis.YearWindow(report.year)
    filters = ReportFilters(first=window.first, last=report.as_of, commune=commune, product=product)
    graded_in = commune if graded_by_commune else None
    graded_filters = filters.model_copy(update={"commune": graded_in})
    production = await queries.production_report(session, filters, wards, language)
    facts = await queries.year_facts(session, report.year, today)
    coops = await queries.current_coops(session)
    grades = kpis.grades_in_force(facts.gradings)
    if graded_in is not None:  # the distribution of the commune's organisations, as its lists show them
        target = wards.current(graded_in)
        grades = {c: g for c, g in grades.items() if wards.current(coops.get(c, {}).get("ward_code", "")) == target}
    counts = dict.fromkeys(kpis.GRADES, 0)
    for grade in grades.values():
        counts[grade] += 1
    inspections = await queries.inspections_report(session, graded_filters, wards, language)
    without = await lists.drilldown(
        session, "communes_without_coop", report.year, [], today, wards, language, commune=commune
    )
    tables = {
        "scorecard": scorecard_table(report, language),
        "production_month": _regrouped(MONTHS, filters, production.rows, ("month",), language, ("lots", "kg")),
        "production_commune": _regrouped(
            COMMUNES, filters, production.rows, ("commune_name", "commune_code"), language, ("lots", "kg")
        ),
        "grading": GRADING.build(graded_filters, [{"grade": g, "coops": n} for g, n in counts.items()], language),
        "income": income_table(history, report, language),
        "inspections": inspections,
    }
    return ProvinceBoard(
        report=report,
        history=history,
        filters=filters,
        tables=tables,
        inspections={key: int(inspections.totals.get(key, 0)) for key in INSPECTIONS_COLUMNS},
        communes_without_coop=len(without.rows),
        products=await products(session),
    )


# ---- a co-op's own page -----------------------------------------------------------------------


async def stock_by_grade(session: AsyncSession, coop_id: int, language: str, filters: ReportFilters) -> Report:
    """What the co-op holds of each grade: its graded or packed lots that no later step of its own
    took as an input, less what it sold of them (all time, up to the period's end)."""
    outputs = (
        await session.exec(
            select(LotOutputFact)
            .where(LotOutputFact.coop_id == coop_id, col(LotOutputFact.transformed_on) <= filters.last)
            .where(queries.not_corrected(LotOutputFact))
        )
    ).all()
    used = {code for output in outputs for code in output.input_lots}
    grades = kpis.lot_grades((o.lot_code, o.grade, list(o.input_lots)) for o in outputs)
    sold: dict[str, int] = defaultdict(int)
    for lot_code, grams in (
        await session.exec(
            select(SaleFact.lot_code, SaleFact.quantity_g)
            .where(SaleFact.coop_id == coop_id, col(SaleFact.sold_on) <= filters.last)
            .where(queries.not_corrected(SaleFact))
        )
    ).all():
        sold[lot_code] += grams
    held: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    made: dict[str, int] = defaultdict(int)
    for output in outputs:
        made[output.lot_code] += output.quantity_g
    for lot_code, grams in made.items():
        left = grams - sold.get(lot_code, 0)
        if lot_code in used or left <= 0 or lot_code not in grades:
            continue
        cell = held[grades[lot_code]]
        cell[0] += 1
        cell[1] += left
    rows = [{"grade": grade, "lots": n, "kg": kpis.kg(g)} for grade, (n, g) in sorted(held.items())]
    return STOCK.build(filters, rows, language)


@dataclass(frozen=True)
class CoopBoard:
    coop_id: int
    coop_name: str
    year: int
    filters: ReportFilters
    tables: dict[str, Report]


async def coop_board(
    session: AsyncSession, coop_id: int, year: int, as_of: date, wards: WardMap, language: str
) -> CoopBoard:
    filters = ReportFilters(first=kpis.YearWindow(year).first, last=as_of, coop_id=coop_id)
    production = await queries.production_report(session, filters, wards, language)
    sales = await queries.sales_report(session, filters, wards, language)
    payables = await queries.payables_report(session, filters, wards, language)
    summed = ("sales", "kg", "amount_vnd")
    # The co-op's own page names the household first; the co-op's columns would repeat one name.
    by_key = {column["key"]: column for column in payables.columns}
    payables.columns = [by_key[key] for key in OWN_PAYABLES]
    tables = {
        "production_month": _regrouped(MONTHS, filters, production.rows, ("month",), language, ("lots", "kg")),
        "payables": payables,
        "stock": await stock_by_grade(session, coop_id, language, filters),
        "sales_grade": _regrouped(SALES_BY_GRADE, filters, sales.rows, ("grade",), language, summed),
        "sales_buyer": _regrouped(SALES_BY_BUYER, filters, sales.rows, ("buyer",), language, summed),
    }
    name = (await queries.current_coops(session)).get(coop_id, {}).get("name", "")
    return CoopBoard(coop_id=coop_id, coop_name=name, year=year, filters=filters, tables=tables)
