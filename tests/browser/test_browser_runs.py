"""The browser tier itself: Chromium starts, renders Vietnamese text and decodes a QR code it shows."""

from __future__ import annotations

import io

import segno
import zxingcpp
from PIL import Image

from tests.browser.conftest import overflows_horizontally


def test_chromium_renders_vietnamese_and_a_qr_code_that_decodes(phone_page):
    svg = segno.make("https://truyxuat.example.vn/t/abc", error="m").svg_inline(scale=6)
    phone_page.set_content(f"<meta charset='utf-8'><h1>Tân Hương</h1><div id='qr'>{svg}</div>")
    assert phone_page.inner_text("h1") == "Tân Hương"
    assert not overflows_horizontally(phone_page)
    shot = Image.open(io.BytesIO(phone_page.locator("#qr").screenshot()))
    decoded = [result.text for result in zxingcpp.read_barcodes(shot)]
    assert decoded == ["https://truyxuat.example.vn/t/abc"]
