"""The reports there are: each one's title, columns (Vietnamese and English headers) and
which columns it sums. The JSON answer, the CSV and the XLSX of a report are built from the same
`Report`, so an export always holds the numbers the API shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from services.reporting.schemas import Report, ReportFilters


@dataclass(frozen=True)
class Column:
    key: str
    vi: str
    en: str


@dataclass(frozen=True)
class ReportSpec:
    name: str
    title_vi: str
    title_en: str
    columns: tuple[Column, ...]
    summed: tuple[str, ...]

    def build(self, filters: ReportFilters, rows: list[dict[str, Any]], language: str = "vi") -> Report:
        totals: dict[str, Any] = {}
        for key in self.summed:
            values = [row[key] for row in rows if row.get(key) is not None]
            # Weights are decimals of kg (exact to the gram), counts and VND are integers.
            totals[key] = sum(values, Decimal("0.000") if key.endswith("kg") else 0)
        return Report(
            report=self.name,
            title=self.title_vi if language == "vi" else self.title_en,
            filters=filters,
            columns=[{"key": c.key, "vi": c.vi, "en": c.en} for c in self.columns],
            rows=rows,
            totals=totals,
        )


C = Column
# Columns several reports show, headed alike in each.
COOP_ID = C("coop_id", "Mã HTX", "Co-op id")
COOP_NAME = C("coop_name", "Tên HTX", "Co-op")
MONTH = C("month", "Tháng", "Month")
HARVEST_ROUND = C("harvest_round", "Lứa hái", "Harvest round")
KG = C("kg", "Khối lượng (kg)", "Quantity (kg)")

PRODUCTION = ReportSpec(
    "production",
    "Sản lượng thu hoạch",
    "Harvested production",
    (
        C("product", "Sản phẩm", "Product"),
        C("commune_code", "Mã xã/phường", "Commune code"),
        C("commune_name", "Xã/phường", "Commune"),
        MONTH,
        HARVEST_ROUND,
        C("lots", "Số lô", "Lots"),
        KG,
    ),
    ("lots", "kg"),
)
SALES = ReportSpec(
    "sales",
    "Doanh số bán hàng",
    "Sales",
    (
        C("grade", "Loại/hạng", "Grade"),
        C("buyer", "Người mua", "Buyer"),
        MONTH,
        C("sales", "Số lần bán", "Sales"),
        KG,
        C("amount_vnd", "Thành tiền (VNĐ)", "Amount (VND)"),
    ),
    ("sales", "kg", "amount_vnd"),
)
PAYABLES = ReportSpec(
    "payables",
    "Công nợ HTX phải trả hộ thành viên theo lứa",
    "What each co-op owes each household per round",
    (
        COOP_ID,
        COOP_NAME,
        C("member_id", "Mã thành viên", "Member id"),
        C("member_name", "Hộ thành viên", "Household"),
        C("harvest_year", "Năm thu hoạch", "Harvest year"),
        HARVEST_ROUND,
        C("purchases", "Số lần thu mua", "Purchases"),
        KG,
        C("amount_vnd", "Số tiền phải trả (VNĐ)", "Amount owed (VND)"),
        C("paid_vnd", "Đã trả (VNĐ)", "Paid (VND)"),
        C("outstanding_vnd", "Còn nợ (VNĐ)", "Still owed (VND)"),
    ),
    ("purchases", "kg", "amount_vnd", "paid_vnd", "outstanding_vnd"),
)
INSPECTIONS = ReportSpec(
    "inspections",
    "Kiểm tra, vi phạm và khen thưởng",
    "Inspections, violations and commendations",
    (
        COOP_ID,
        COOP_NAME,
        C("inspections", "Số lần kiểm tra", "Inspections"),
        C("violations", "Số vi phạm", "Violations"),
        C("resolved", "Đã khắc phục", "Resolved"),
        C("open", "Chưa khắc phục", "Open"),
        C("commendations", "Số lần khen thưởng", "Commendations"),
    ),
    ("inspections", "violations", "resolved", "open", "commendations"),
)
CERTIFIED = ReportSpec(
    "certified",
    "Tỷ lệ sản lượng được chứng nhận",
    "Certified share of harvested volume",
    (
        COOP_ID,
        COOP_NAME,
        C("harvested_kg", "Sản lượng thu hoạch (kg)", "Harvested (kg)"),
        C("certified_kg", "Sản lượng có chứng nhận (kg)", "Certified (kg)"),
        C("certified_share", "Tỷ lệ chứng nhận", "Certified share"),
    ),
    ("harvested_kg", "certified_kg"),
)
