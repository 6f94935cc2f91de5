"""Cells that are safe to open in a spreadsheet: text is never run as a formula.

OWASP's CSV-injection guidance: a member named `=HYPERLINK("http://x.example", "…")` written to an
export becomes a live formula in the province's Excel. CSV text cells that start with `=`, `+`, `-`,
`@`, a tab or a carriage return get a leading `'`, which spreadsheets show as text and do not run;
numbers stay numbers (a negative quantity is not text). XLSX cells are typed, so text is stored as
text (never as a formula) and keeps its exact characters.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")  # "-50.000" kg written as text is a number, not a formula


def csv_cell(value: Any) -> Any:
    """The value as a CSV cell: risky text neutralised, anything else as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_cell(value) for value in values]


def csv_file(headers: Iterable[str], rows: Iterable[Iterable[Any]]) -> bytes:
    """A CSV file of neutralised cells, UTF-8 with a BOM so that Excel opens Vietnamese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(list(headers))
    writer.writerows(csv_row("" if value is None else value for value in row) for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def append_xlsx_row(sheet: Worksheet, values: Iterable[Any]) -> None:
    """`sheet.append(values)`, with text that openpyxl would store as a formula stored as text."""
    values = list(values)
    sheet.append(values)
    row = sheet.max_row
    for column, value in enumerate(values, start=1):
        if isinstance(value, str) and value.startswith("="):
            cell: Cell = sheet.cell(row=row, column=column)
            cell.data_type = "s"
