"""Reporting's pure parts around the reports: commune codes, CSV and XLSX files."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook

from services.reporting import exports
from services.reporting.reports import PAYABLES
from services.reporting.schemas import ReportFilters
from services.reporting.wards import WardMap, load_ward_map, ward_name


def test_ward_map_reads_legacy_codes_as_the_commune_that_absorbed_them():
    wards = load_ward_map()  # every legacy commune of the dataset
    assert wards.current("05491") == "05455" and wards.current("5491") == "05455"
    assert wards.current("05488") == "05488"  # current code: kept, even though it was also Phúc Xuân's
    assert all(ward_name(current) for current in wards.legacy_to_current.values())
    assert wards.codes_of("05455", ["05491", "05485", "05455", "05488"]) == {"05491", "05485", "05455"}


def test_reports_re_base_every_legacy_code_on_its_current_commune():
    wards = load_ward_map()
    assert wards.current("05794") == "05788"  # old Xã Phục Linh (and the draft code of Phú Lạc): Xã Phú Lạc
    assert wards.current("05461") == "05443"  # old Gia Sàng, divided: the commune the dataset proposes
    assert wards.current("05467") == "05467"  # current Gia Sàng, though old Cam Giá's code too
    assert len(wards.legacy_to_current) > 6000  # the whole country's retired codes


def test_ward_map_from_a_file(tmp_path):
    path = tmp_path / "wards.json"
    path.write_text(
        json.dumps({"legacy": {"99991": {"current": "05488"}, "05503": {"current": "05488"}}}), encoding="utf-8"
    )
    assert load_ward_map(path) == WardMap({"99991": "05488"})  # a current code stays current


def _report():
    rows = [
        {
            "coop_id": 1,
            "coop_name": "HTX Chè Tân Hương",
            "member_id": 7,
            "member_name": "Hộ Đỗ Thị Hằng",
            "harvest_year": 2024,
            "harvest_round": 2,
            "purchases": 2,
            "kg": Decimal("12.345"),
            "amount_vnd": 1_234_500,
            "paid_vnd": 1_000_000,
            "outstanding_vnd": 234_500,
        },
        {
            "coop_id": 1,
            "coop_name": "HTX Chè Tân Hương",
            "member_id": 8,
            "member_name": "Hộ Lê Văn Bình",
            "harvest_year": None,
            "harvest_round": None,
            "purchases": 1,
            "kg": Decimal("0.005"),
            "amount_vnd": 100,
            "paid_vnd": 0,
            "outstanding_vnd": 100,
        },
    ]
    return PAYABLES.build(ReportFilters(first=date(2024, 1, 1), last=date(2024, 12, 31), coop_id=1), rows)


def test_totals_sum_exactly():
    assert _report().totals == {
        "purchases": 3,
        "kg": Decimal("12.350"),
        "amount_vnd": 1_234_600,
        "paid_vnd": 1_000_000,
        "outstanding_vnd": 234_600,
    }


def test_xlsx_holds_the_rows_with_vietnamese_headers_and_exact_numbers():
    sheet = load_workbook(io.BytesIO(exports.to_xlsx(_report()))).active
    table = list(sheet.iter_rows(values_only=True))
    assert table[0][:4] == ("Mã HTX", "Tên HTX", "Mã thành viên", "Hộ thành viên")
    assert table[1] == (1, "HTX Chè Tân Hương", 7, "Hộ Đỗ Thị Hằng", 2024, 2, 2, 12.345, 1_234_500, 1_000_000, 234_500)
    assert table[2][4:6] == (None, None) and table[-1][0] == "Tổng cộng"
    assert table[-1][-3:] == (1_234_600, 1_000_000, 234_600)
    assert sheet.cell(row=2, column=8).number_format == "0.000"


def test_csv_is_utf8_with_bom_for_excel():
    body = exports.to_csv(_report())
    assert body.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert lines[0][-3:] == ["Số tiền phải trả (VNĐ)", "Đã trả (VNĐ)", "Còn nợ (VNĐ)"]
    assert lines[2] == ["1", "HTX Chè Tân Hương", "8", "Hộ Lê Văn Bình", "", "", "1", "0.005", "100", "0", "100"]
    assert lines[3] == ["Tổng cộng", "", "", "", "", "", "3", "12.350", "1234600", "1000000", "234600"]


def test_filename_names_the_report_period_and_scope():
    name = exports.filename(_report(), "xlsx")
    assert name == "bao-cao-payables_2024-01-01_2024-12-31_htx-1.xlsx"
    assert exports.content_disposition(name).startswith('attachment; filename="bao-cao-payables')
