"""Printable QR labels for a packed lot's units: one PDF (fpdf2), an A4 sheet of 3 x 8 labels
(70 x 37 mm, the common self-adhesive sheet) or one 62 x 29 mm label a page for a label printer.

Each label carries the QR code of its own unit's public page (the caller builds each address:
the GS1 Digital Link `/01/<gtin>/21/<serial>` for a lot with a GTIN, else `/t/<token>/<serial>`),
made by the trace page's own QR function, the lot code and unit number, product and grade, net weight and the co-op's name. Nothing else:
no prices, no households. The fonts are DejaVu Sans cut down to Latin and Vietnamese
(`fonts/`, `pyftsubset`), because PDF's built-in fonts have no Vietnamese letters.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Literal

from fpdf import FPDF

from services.supplychain import public_page
from shared import formats

LabelSize = Literal["a4", "62x29"]
_FONTS = Path(__file__).parent / "fonts"


@dataclass(frozen=True)
class Layout:
    page_mm: tuple[float, float]
    label_mm: tuple[float, float]
    columns: int
    rows: int
    top_mm: float = 0.0  # the sheet's margin above the first row

    @property
    def per_page(self) -> int:
        return self.columns * self.rows


LAYOUTS: dict[str, Layout] = {
    "a4": Layout(page_mm=(210, 297), label_mm=(70, 37), columns=3, rows=8, top_mm=0.5),
    "62x29": Layout(page_mm=(62, 29), label_mm=(62, 29), columns=1, rows=1),
}

WORDS = {
    "vi": {"net": "Khối lượng tịnh", "lot": "Lô", "unit": "Số", "carton": "Thùng", "scan": "Quét để xem nguồn gốc"},
    "en": {"net": "Net weight", "lot": "Lot", "unit": "No.", "carton": "Carton", "scan": "Scan for its origin"},
}


@dataclass(frozen=True)
class Label:
    serial: str
    carton: str | None
    url: str  # the unit's public page, what its QR code encodes


@dataclass(frozen=True)
class PackedLot:
    """What every label of a packed lot shares."""

    code: str
    product: str
    grade: str | None
    net_kg_per_unit: Decimal
    coop_name: str


def sheet(lot: PackedLot, labels: Sequence[Label], size: LabelSize, language: str) -> bytes:
    """The labels in order, as many pages as they need."""
    layout = LAYOUTS[size]
    pdf = FPDF(unit="mm", format=layout.page_mm)
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.add_font("DejaVu", "", _FONTS / "DejaVuSans-vi.ttf")
    pdf.add_font("DejaVu", "B", _FONTS / "DejaVuSans-Bold-vi.ttf")
    pdf.set_title(f"{lot.code} ({len(labels)})")
    width, height = layout.label_mm
    for index, label in enumerate(labels):
        place = index % layout.per_page
        if place == 0:
            pdf.add_page()
        x = (place % layout.columns) * width
        y = layout.top_mm + (place // layout.columns) * height
        _draw(pdf, x, y, width, height, lot, label, public_page.qr(label.url, "svg"), WORDS[language], language)
    return bytes(pdf.output())


def _draw(
    pdf: FPDF,
    x: float,
    y: float,
    width: float,
    height: float,
    lot: PackedLot,
    label: Label,
    qr_svg: bytes,
    words: dict[str, str],
    language: str,
) -> None:
    pad = 2.0
    side = height - 2 * pad
    with warnings.catch_warnings():
        # segno's SVG gives its size without a viewBox; fpdf2 then takes that size, which is what we want.
        warnings.filterwarnings("ignore", message='<svg> has no "viewBox"', category=UserWarning)
        pdf.image(io.BytesIO(qr_svg), x=x + pad, y=y + pad, w=side, h=side)
    text_x = x + pad + side + 1.5
    text_width = width - (text_x - x) - pad
    number = label.serial.removeprefix(f"{lot.code}-")
    carton = f" · {words['carton']} {label.carton.removeprefix(f'{lot.code}-')}" if label.carton else ""
    # (style, points, text, shrunk to one line): codes read best unbroken, names may wrap.
    lines = [
        ("B", 8.5, lot.product if lot.grade is None else f"{lot.product} – {lot.grade}", False),
        ("", 7, f"{words['net']}: {formats.number(lot.net_kg_per_unit, language)} kg", False),
        ("", 6.5, f"{words['lot']} {lot.code}", True),
        ("", 6.5, f"{words['unit']} {number}{carton}", True),
        ("B", 6.5, lot.coop_name, False),
        ("", 5.5, words["scan"], False),
    ]
    pdf.set_xy(text_x, y + pad)
    for style, points, text, one_line in lines:
        pdf.set_font("DejaVu", style, points)
        while one_line and points > 4.5 and pdf.get_string_width(text) > text_width - 2 * pdf.c_margin:
            points -= 0.25
            pdf.set_font("DejaVu", style, points)
        pdf.set_x(text_x)
        pdf.multi_cell(text_width, points * 0.42, text, align="L")
