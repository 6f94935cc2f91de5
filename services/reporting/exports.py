"""A report as a CSV or XLSX file with Vietnamese headers.

Both are built from the very `Report` the JSON answer shows. CSV is UTF-8 with a BOM so that
Excel opens Vietnamese text correctly; kg stay exact decimals in both (XLSX stores them as
numbers, shown with three decimals). Text never becomes a formula (`shared.spreadsheets`).
"""

from __future__ import annotations

import io
from decimal import Decimal
from urllib.parse import quote

from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.styles import Font

from services.reporting.schemas import Report
from shared.spreadsheets import append_xlsx_row, csv_file

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TOTAL_LABEL = "Tổng cộng"


def filename(report: Report, extension: str) -> str:
    f = report.filters
    parts = [f"bao-cao-{report.report}", f"{f.first.isoformat()}_{f.last.isoformat()}"]
    if f.coop_id is not None:
        parts.append(f"htx-{f.coop_id}")
    if f.commune:
        parts.append(f"xa-{f.commune}")
    return "_".join(parts) + f".{extension}"


def content_disposition(name: str) -> str:
    return f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"


def _cells(report: Report, row: dict) -> list:
    return [row.get(column["key"]) for column in report.columns]


def _total_row(report: Report) -> list:
    cells = [report.totals.get(column["key"]) for column in report.columns]
    cells[0] = TOTAL_LABEL
    return cells


def to_csv(report: Report) -> bytes:
    return csv_file(
        [column["vi"] for column in report.columns], [*(_cells(report, row) for row in report.rows), _total_row(report)]
    )


def to_xlsx(report: Report) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = report.report[:31]
    sheet.append([column["vi"] for column in report.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    decimal_columns = {
        index
        for index, column in enumerate(report.columns, start=1)
        if any(isinstance(row.get(column["key"]), Decimal) for row in report.rows[:1])
    }
    lines = [*(_cells(report, r) for r in report.rows), _total_row(report)]
    for number, line in enumerate(lines, start=2):
        append_xlsx_row(sheet, line)
        for index in decimal_columns:
            sheet.cell(row=number, column=index).number_format = "0.000"
    for cell in sheet[len(lines) + 1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(report.columns, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(12, len(column["vi"]) + 2)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def file_response(report: Report, extension: str) -> Response:
    """The report as a download (`csv` or `xlsx`), named after the report and its filters."""
    body, media_type = (to_csv(report), CSV_TYPE) if extension == "csv" else (to_xlsx(report), XLSX_TYPE)
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": content_disposition(filename(report, extension))},
    )
