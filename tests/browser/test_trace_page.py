"""The public trace page and its not-found page on a 360 px phone: nothing needs sideways scrolling.

The pages are those `public_page` renders for `/t/{token}` (loaded with `set_content`, not served by
a live app): a lot of chè khô from two households of HTX Chè Tân Hương, through processing and
packing to a sale, and the page an unknown code opens.
"""

from __future__ import annotations

import base64
from datetime import date
from decimal import Decimal

import pytest

from services.supplychain import public_page
from services.supplychain.schemas import LotTrace, TraceLot, TraceOrigin, TraceQuantity, TraceSale, TraceStep
from tests.browser.conftest import overflows_horizontally

# The page links its QR image by path; inline here, as the page would load it.
_QR = (
    "data:image/svg+xml;base64," + base64.b64encode(public_page.qr("https://truyxuat.example.vn/t/abc", "svg")).decode()
)


def _packed_tea() -> LotTrace:
    origins = [
        TraceOrigin(
            lot_code=f"TH-1-20250601-{n}",
            coop_id=1,
            coop_name="HTX Chè Tân Hương",
            ward_code="05488",
            member_id=None,
            household_name=name,
            plot_code=f"VT-19-05488-00{n}",
            harvested_on=date(2025, 6, 1),
            harvest_round=2,
            harvested_quantity_kg=Decimal("86.5"),
        )
        for n, name in ((1, "N. T. H."), (2, "H. N. V."))
    ]
    inputs = [TraceQuantity(lot_code=o.lot_code, quantity=Decimal("86.5"), unit="kg") for o in origins]
    return LotTrace(
        direction="both",
        start=["HOP-1"],
        households=2,
        lots=[
            TraceLot(
                code="HOP-1",
                product="Chè tôm nõn Tân Hương hộp 500 g",
                grade="tôm nõn",
                unit="pcs",
                coop_id=1,
                created_on=date(2025, 6, 5),
                step="packing",
                quantity_held=Decimal(150),
            )
        ],
        steps=[
            TraceStep(
                batch_id="ME-2025-06-01",
                step="processing",
                process="sao khô",
                transformed_on=date(2025, 6, 2),
                inputs=inputs,
                outputs=[TraceQuantity(lot_code="CK-1", quantity=Decimal("35.7"), unit="kg")],
                yield_ratio=Decimal("0.2064"),
                yield_flagged=False,
            )
        ],
        origins=origins,
        shipments=[],
        sales=[
            TraceSale(
                lot_code="HOP-1",
                buyer_name="Công ty TNHH Trà Thái Nguyên",
                quantity=Decimal(20),
                unit="pcs",
                sold_on=date(2025, 6, 10),
            )
        ],
    )


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_not_found_page_reads_on_a_phone(phone_page, language, tmp_path):
    phone_page.set_content(public_page.render_not_found(language))
    assert phone_page.inner_text("h1") == public_page.LABELS[language]["not_found_title"]
    assert public_page.LABELS[language]["not_found_check"] in phone_page.inner_text("#not-found")
    assert not overflows_horizontally(phone_page)
    phone_page.screenshot(path=str(tmp_path / f"not-found-{language}.png"), full_page=True)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_trace_page_reads_on_a_phone(phone_page, language, tmp_path):
    phone_page.set_content(public_page.render(_packed_tea(), "HOP-1", language, _QR, today=date(2025, 7, 1)))
    product = phone_page.inner_text("#product")
    assert "Chè tôm nõn Tân Hương hộp 500 g" in product and "Thái Nguyên" in product
    harvest = phone_page.inner_text("#harvest")
    assert "Xã Đại Phúc, Thái Nguyên" in harvest
    assert ("2 member households" if language == "en" else "2 hộ thành viên") in harvest
    assert ("2 lots" if language == "en" else "2 lô") in phone_page.inner_text("#processing")
    assert not overflows_horizontally(phone_page)
    assert phone_page.evaluate("document.querySelector('footer img').naturalWidth") > 0  # the QR image loads
    phone_page.screenshot(path=str(tmp_path / f"trace-{language}.png"), full_page=True)
