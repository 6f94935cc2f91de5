"""Spreadsheet cells, without I/O (ward codes: tests/unit/test_places.py)."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from services.registry import importing


def test_csv_rows_are_numbered_as_the_spreadsheet_shows_them():
    content = "\ufeffTên HTX;Mã xã\nHTX A;05488\n;\nHTX B;05503\n".encode()
    header, rows = importing.read_table("x.csv", content)
    assert header == ["Tên HTX", "Mã xã"]
    assert [(number, cells[0]) for number, cells in rows] == [(2, "HTX A"), (4, "HTX B")]


def test_xlsx_cells_keep_their_types_and_row_numbers():
    book = Workbook()
    sheet = book.active
    sheet.append(["Tên HTX", "Ngày thành lập"])
    sheet.append([None, None])
    sheet.append(["HTX Chè Tân Hương", datetime(2009, 4, 15)])
    buffer = io.BytesIO()
    book.save(buffer)
    header, rows = importing.read_table("x.xlsx", buffer.getvalue())
    assert rows == [(3, ["HTX Chè Tân Hương", datetime(2009, 4, 15)])]


def test_cells_are_read_as_the_province_writes_them():
    assert importing._date("15/04/2009") == date(2009, 4, 15)
    assert importing._date("2009-04-15") == date(2009, 4, 15)
    assert importing._date(datetime(2009, 4, 15, 0, 0)) == date(2009, 4, 15)
    with pytest.raises(importing.CellError):
        importing._date("31/02/2020")
    assert importing._vnd("5.000.000") == 5_000_000 and importing._vnd(2_000_000.0) == 2_000_000
    with pytest.raises(importing.CellError):
        importing._vnd(-1)
    assert importing._digits_text(912345678, 10) == "0912345678"  # the leading zero Excel dropped
    assert importing._digits_text(19123456789, 12) == "019123456789"
    assert importing.CONVERTERS["form"]("LIÊN HIỆP HỢP TÁC XÃ") == "lien_hiep"
    assert importing.CONVERTERS["kind"]("ho gia dinh") == "household"
    assert importing._list("Chè búp khô; Chè xanh\nMiến dong") == ["Chè búp khô", "Chè xanh", "Miến dong"]


def test_headers_match_the_template_without_case_or_diacritics():
    sheet = importing._Sheet(
        ["TEN HTX", "ma so dang ky", "Ngày thành lập", "Mã xã", "Ghi chú"],
        importing.COOP_COLUMNS,
        importing.COOP_REQUIRED,
        "vi",
    )
    assert sheet.errors == []
    assert sheet.header_of["name"] == "TEN HTX"  # errors name the column as the file wrote it
    assert [w.column for w in sheet.warnings] == ["Ghi chú"]
    missing = importing._Sheet(["Tên HTX"], importing.COOP_COLUMNS, importing.COOP_REQUIRED, "en")
    assert [e.column for e in missing.errors] == ["Mã số đăng ký", "Ngày thành lập"]
    assert missing.errors[0].message.startswith("The required column")
