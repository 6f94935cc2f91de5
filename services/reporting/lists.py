"""The lists behind the dashboard's figures: the co-ops founded this year, those graded Yếu, the
communes without a co-op, ... Each list is built from the very facts (`queries.year_facts`) and
rule (`kpis`) its figure counts, so a figure always equals the length of its list.

A list is a `Report` (reports.ReportSpec), so the page's table, the CSV and the XLSX are one object.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting import kpis, queries
from services.reporting.reports import COOP_ID, COOP_NAME, Column, ReportSpec
from services.reporting.schemas import Report, ReportFilters
from services.reporting.wards import WardMap
from shared.places import dataset, ward_name

PROVINCE = "Thái Nguyên"

C = Column
COOP_COLUMNS = (
    COOP_NAME,
    COOP_ID,
    C("form", "Loại hình", "Form"),
    C("commune_code", "Mã xã/phường", "Commune code"),
    C("commune_name", "Xã/phường", "Commune"),
    C("founded_on", "Ngày thành lập", "Founded on"),
    C("status", "Tình trạng cuối kỳ", "Status at the period end"),
    C("grade", "Xếp loại năm", "Grade of the year"),
)
COMMUNE_COLUMNS = (C("commune_code", "Mã xã/phường", "Commune code"), C("commune_name", "Xã/phường", "Commune"))


@dataclass(frozen=True)
class ListSpec:
    """A list: its titles (`{year}`, `{grade}` filled in) and which co-ops of the year's facts it holds."""

    name: str
    title_vi: str
    title_en: str
    pick: Callable[[kpis.Facts, int, kpis.Plan | None, date, str | None], Iterable[int]] | None = None


def _new(form: str, since: Callable[[int, kpis.Plan | None], date]):
    def pick(facts: kpis.Facts, year: int, plan: kpis.Plan | None, day: date, grade: str | None) -> Iterable[int]:
        return [coop.coop_id for coop in kpis.founded_in(facts.coops, form, since(year, plan), day)]

    return pick


def _graded(facts: kpis.Facts, year: int, plan: kpis.Plan | None, day: date, grade: str | None) -> Iterable[int]:
    wanted = (grade,) if grade else kpis.EFFECTIVE_GRADES
    return [coop_id for coop_id, given in kpis.grades_in_force(facts.gradings).items() if given in wanted]


def _linked(attribute: str):
    def pick(facts: kpis.Facts, year: int, plan: kpis.Plan | None, day: date, grade: str | None) -> Iterable[int]:
        return kpis.active_coops(facts.coops, facts.changes, day) & getattr(facts, attribute)

    return pick


def _organisations(facts: kpis.Facts, year: int, plan: kpis.Plan | None, day: date, grade: str | None):
    return [coop.coop_id for coop in facts.coops if coop.founded_on <= day]


def _year_start(year: int, plan: kpis.Plan | None) -> date:
    return kpis.YearWindow(year).first


LISTS: dict[str, ListSpec] = {
    spec.name: spec
    for spec in (
        ListSpec(
            "new_coops",
            "HTX thành lập mới năm {year}",
            "Co-ops founded in {year}",
            _new(kpis.NEW_COOP_FORM, _year_start),
        ),
        ListSpec(
            "new_unions",
            "Liên hiệp HTX thành lập mới (đến năm {year})",
            "New co-op unions (up to {year})",
            _new(kpis.UNION_FORM, kpis.unions_since),
        ),
        ListSpec("graded", "HTX xếp loại {grade} năm {year}", "Co-ops graded {grade} for {year}", _graded),
        ListSpec("effective", "HTX xếp loại Tốt, Khá năm {year}", "Co-ops graded Good or Fair for {year}", _graded),
        ListSpec(
            "contract",
            "HTX có hợp đồng liên kết chuỗi năm {year}",
            "Co-ops with a chain contract in {year}",
            _linked("coops_with_contract"),
        ),
        ListSpec(
            "traced_sales",
            "HTX có bán hàng truy xuất được năm {year}",
            "Co-ops with traced sales in {year}",
            _linked("coops_with_sales"),
        ),
        ListSpec(
            "organisations",
            "Tổ chức kinh tế tập thể năm {year}",
            "Co-operative organisations in {year}",
            _organisations,
        ),
        ListSpec(
            "communes_without_coop",
            "Xã/phường chưa có tổ chức kinh tế tập thể hoạt động (năm {year})",
            "Communes without an active co-operative organisation ({year})",
        ),
    )
}


def province_communes(province: str = PROVINCE) -> list[str]:
    """The province's current communes and wards (92 for Thái Nguyên), by code."""
    return sorted(code for code, ward in dataset().current.items() if ward.province_name == province)


async def drilldown(
    session: AsyncSession,
    name: str,
    year: int,
    plans: list[kpis.Plan],
    today: date,
    wards: WardMap,
    language: str,
    *,
    grade: str | None = None,
    status: str | None = None,
    commune: str | None = None,
    grade_names: dict[str, str] | None = None,
) -> Report:
    """The list `name` of `year` (optionally within one current `commune`), as a report."""
    spec = LISTS[name]
    plan, day = kpis.plan_for(year, plans), kpis.as_of(year, today)
    facts = await queries.year_facts(session, year, today)
    coops = await queries.current_coops(session)
    statuses = kpis.statuses_on(facts.changes, day)
    grades = kpis.grades_in_force(facts.gradings)

    def commune_of(coop_id: int) -> str:
        return wards.current(coops.get(coop_id, {}).get("ward_code", ""))

    window = kpis.YearWindow(year)
    filters = ReportFilters(first=window.first, last=day, commune=commune)
    title = (spec.title_vi if language == "vi" else spec.title_en).format(
        year=year, grade=(grade_names or {}).get(grade or "", grade or "")
    )
    if spec.pick is None:  # the communes without an active organisation
        active = {
            commune_of(coop.coop_id)
            for coop in facts.coops
            if coop.founded_on <= day and statuses.get(coop.coop_id, "active") == "active"
        }
        rows = [
            {"commune_code": code, "commune_name": ward_name(code)}
            for code in province_communes()
            if code not in active and (commune is None or code == wards.current(commune))
        ]
        return ReportSpec(name, title, title, COMMUNE_COLUMNS, ()).build(filters, rows, language)
    records = {coop.coop_id: coop for coop in facts.coops}
    listed: list[dict[str, Any]] = []
    for coop_id in sorted(set(spec.pick(facts, year, plan, day, grade))):
        state = statuses.get(coop_id, "active")
        if (status and state != status) or (commune and commune_of(coop_id) != wards.current(commune)):
            continue
        record = records[coop_id]
        listed.append(
            {
                "coop_id": coop_id,
                "coop_name": coops.get(coop_id, {}).get("name", ""),
                "form": record.form,
                "commune_code": commune_of(coop_id),
                "commune_name": ward_name(commune_of(coop_id)),
                "founded_on": record.founded_on,
                "status": state,
                "grade": grades.get(coop_id),
            }
        )
    return ReportSpec(name, title, title, COOP_COLUMNS, ()).build(filters, listed, language)
