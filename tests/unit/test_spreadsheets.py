"""Exports never hand a spreadsheet a formula (OWASP CSV injection)."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from shared.spreadsheets import append_xlsx_row, csv_cell


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x.example","Bấm")', '\'=HYPERLINK("http://x.example","Bấm")'),
        ("+84 912 345 678", "'+84 912 345 678"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("\rCR", "'\rCR"),
        ("-50.000", "-50.000"),
        ("+7", "+7"),
        ("Nguyễn Thị Hoa", "Nguyễn Thị Hoa"),
        (-5, -5),
        (None, None),
    ],
)
def test_csv_cells_that_would_run_are_neutralised(value, cell):
    assert csv_cell(value) == cell


def test_xlsx_text_that_looks_like_a_formula_is_stored_as_text():
    workbook = Workbook()
    sheet = workbook.active
    append_xlsx_row(sheet, ['=HYPERLINK("http://x.example","Bấm")', "Đỗ Thị Hằng", 86.5])
    buffer = io.BytesIO()
    workbook.save(buffer)
    reopened = load_workbook(io.BytesIO(buffer.getvalue())).active
    formula, name, kg = reopened[1]
    assert formula.data_type == "s" and formula.value == '=HYPERLINK("http://x.example","Bấm")'
    assert name.value == "Đỗ Thị Hằng" and kg.value == 86.5
