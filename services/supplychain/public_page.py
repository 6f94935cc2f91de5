"""What the public and the recall officer get as files: the trace page (Jinja2), its QR code
(segno) and the recall list as CSV or XLSX (openpyxl).

The page works from a `LotTrace`, which holds no prices, phones or ID numbers, so it cannot
leak them; it also leaves out delivery and invoice numbers. Households are as the trace gives
them to its reader (names, initials, or none when the co-op shows only how many).
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import segno
from jinja2 import Environment, FileSystemLoader, select_autoescape
from openpyxl import Workbook
from openpyxl.styles import Font

from services.supplychain.schemas import LotTrace
from services.supplychain.trace import RECALL_COLUMNS
from shared import formats
from shared.places import province_name, ward_name
from shared.spreadsheets import append_xlsx_row, csv_file

_templates = formats.install(
    Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    ),
    language_variable="lang",
)

LABELS = {
    "vi": {
        "title": "Truy xuất nguồn gốc",
        "lot": "Lô",
        "unit": "Sản phẩm số",
        "harvest": "Thu hoạch",
        "processing": "Chế biến",
        "grading": "Phân loại",
        "packing": "Đóng gói",
        "shipping": "Vận chuyển",
        "sale": "Bán cho",
        "households": {"other": "hộ thành viên"},
        "lots": {"other": "lô"},
        "plot": "Vùng trồng",
        "round": "Lứa",
        "certificates": "Chứng nhận có hiệu lực ngày thu hoạch",
        "expired": "nay đã hết hạn",
        "revoked": "đã bị thu hồi ngày",
        "this_lot": "lô này",
        "batch": "Mẻ",
        "in": "Đầu vào",
        "out": "Đầu ra",
        "yield": "Tỷ lệ thu hồi",
        "flagged": "cần kiểm tra",
        "to": "Gửi đến",
        "received": "Đã nhận ngày",
        "not_received": "Đang vận chuyển",
        "none": "Không có",
        "pcs": "sản phẩm",
        "kg": "kg",
        "grade": "Loại",
        "coop": "Hợp tác xã",
        "scan": "Mã QR của trang này: gửi cho người khác để họ cũng xem được nguồn gốc lô hàng",
        "origin": "Xuất xứ",
        "not_found_title": "Không tìm thấy mã truy xuất",
        "not_found_text": "Mã truy xuất ở địa chỉ này không có trong hệ thống.",
        "not_found_check": "Hãy kiểm tra mã in trên nhãn sản phẩm: quét lại mã QR trên nhãn, "
        "hoặc gõ lại địa chỉ cho đúng từng ký tự.",
        "not_found_help": "Nếu vẫn không mở được, hãy hỏi nơi bán hoặc hợp tác xã sản xuất.",
        "english": "English",
        "vietnamese": "Tiếng Việt",
    },
    "en": {
        "title": "Traceability",
        "lot": "Lot",
        "unit": "Unit serial",
        "harvest": "Harvest",
        "processing": "Processing",
        "grading": "Grading",
        "packing": "Packing",
        "shipping": "Shipping",
        "sale": "Sold to",
        "households": {"one": "member household", "other": "member households"},
        "lots": {"one": "lot", "other": "lots"},
        "plot": "Plot",
        "round": "Round",
        "certificates": "Certificates valid on the harvest day",
        "expired": "since expired",
        "revoked": "revoked on",
        "this_lot": "this lot",
        "batch": "Batch",
        "in": "In",
        "out": "Out",
        "yield": "Yield",
        "flagged": "to be checked",
        "to": "To",
        "received": "Received on",
        "not_received": "In transit",
        "none": "None",
        "pcs": "pcs",
        "kg": "kg",
        "grade": "Grade",
        "coop": "Co-operative",
        "scan": "This page's QR code: share it so others can see where this lot comes from too",
        "origin": "Origin",
        "not_found_title": "Trace code not found",
        "not_found_text": "The trace code at this address is not known.",
        "not_found_check": "Check the code printed on the product label: scan the QR code on the label again, "
        "or retype the address exactly.",
        "not_found_help": "If it still does not open, ask the shop that sold it or the co-operative that made it.",
        "english": "English",
        "vietnamese": "Tiếng Việt",
    },
}


def render(traced: LotTrace, code: str, language: str, qr_url: str, *, today: date) -> str:
    """`today`: a certificate valid on the harvest day but expired or revoked since is said to be."""
    steps = {name: [s for s in traced.steps if s.step == name] for name in ("processing", "grading", "packing")}
    coops = sorted(
        {(o.coop_name, ward_name(o.ward_code) or o.ward_code, province_name(o.ward_code)) for o in traced.origins}
    )
    # What the label names: the lot the page opened by (a unit's pack lot when a serial was scanned).
    product = next((lot for lot in traced.lots if lot.code == traced.start[0]), None)
    return _templates.get_template("trace.html").render(
        t=LABELS[language],
        lang=language,
        code=code,
        trace=traced,
        steps=steps,
        coops=coops,
        product=product,
        provinces=sorted({province for _, _, province in coops if province}),
        qr_url=qr_url,
        today=today,
        households=traced.households,
        harvested_kg=sum((o.harvested_quantity_kg for o in traced.origins), 0),
    )


def render_not_found(language: str) -> str:
    """The same page for a code, a serial or a token nobody knows: it says nothing about which lots exist."""
    return _templates.get_template("not_found.html").render(t=LABELS[language], lang=language)


def qr(url: str, kind: str) -> bytes:
    """The QR code of a URL, as SVG or PNG; error correction M survives a scuffed label."""
    code = segno.make(url, error="m")
    out = io.BytesIO()
    code.save(out, kind=kind, scale=8 if kind == "png" else 4, border=2)
    return out.getvalue()


def recall_csv(rows: list[dict]) -> bytes:
    return csv_file(RECALL_COLUMNS, ([row[column] for column in RECALL_COLUMNS] for row in rows))


def recall_xlsx(rows: list[dict], code: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "recall"
    sheet.append(RECALL_COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        append_xlsx_row(sheet, [float(row[c]) if c == "quantity" else row[c] for c in RECALL_COLUMNS])
    sheet.auto_filter.ref = sheet.dimensions  # sortable and filterable in any spreadsheet program
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEFGHIJK", (22, 12, 24, 24, 12, 6, 34, 30, 28, 38, 11)):
        sheet.column_dimensions[column].width = width
    workbook.properties.title = f"Recall {code}"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
