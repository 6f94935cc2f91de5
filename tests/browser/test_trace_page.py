"""The public trace page and its not-found page on a 360 px phone: nothing needs sideways scrolling.

The pages are those `public_page` renders for `/t/{token}` (loaded with `set_content`, not served by
a live app; which sales reach a page is `trace.trace`'s, tested in tests/integration/test_trace_page.py):
a processed lot of chè khô from two households of HTX Chè Tân Hương, dried with a sibling lot and
then sold, and the page an unknown code opens.
"""

from __future__ import annotations

import base64
from datetime import date
from decimal import Decimal

import pytest

from services.supplychain import public_page
from services.supplychain.schemas import (
    LotTrace,
    TraceCertificate,
    TraceLot,
    TraceOrigin,
    TraceQuantity,
    TraceSale,
    TraceStep,
)
from tests.browser.conftest import overflows_horizontally

# The page links its QR image by path; inline here, as the page would load it.
_QR = (
    "data:image/svg+xml;base64," + base64.b64encode(public_page.qr("https://truyxuat.example.vn/t/abc", "svg")).decode()
)


def _dried_tea() -> LotTrace:
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
            # Valid on the harvest day, expired by the day the page is read (1 July 2025).
            certificates=[
                TraceCertificate(
                    kind="vietgap",
                    code="VG-0001",
                    issuer="Trung tâm Chứng nhận",
                    valid_from=date(2024, 7, 1),
                    valid_to=date(2025, 6, 30),
                )
            ],
        )
        for n, name in ((1, "N. T. H."), (2, "H. N. V."))
    ]
    inputs = [TraceQuantity(lot_code=o.lot_code, quantity=Decimal("86.5"), unit="kg") for o in origins]
    return LotTrace(
        direction="both",
        start=["CK-1"],
        households=2,
        lots=[
            TraceLot(
                code="CK-1",
                product="Chè khô Tân Hương",
                grade="tôm nõn",
                unit="kg",
                coop_id=1,
                created_on=date(2025, 6, 2),
                step="processing",
                quantity_held=Decimal("23.5"),
            )
        ],
        steps=[
            TraceStep(
                batch_id="ME-2025-06-01",
                step="processing",
                process="sao khô",
                transformed_on=date(2025, 6, 2),
                inputs=inputs,
                outputs=[
                    TraceQuantity(lot_code="CK-1", quantity=Decimal("28.5"), unit="kg"),
                    TraceQuantity(lot_code="CK-2", quantity=Decimal("7.2"), unit="kg"),
                ],
                yield_ratio=Decimal("0.2064"),
                yield_flagged=False,
            )
        ],
        origins=origins,
        shipments=[],
        sales=[
            TraceSale(
                lot_code="CK-1",
                buyer_name="Công ty TNHH Trà Thái Nguyên",
                quantity=Decimal(5),
                unit="kg",
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
def test_a_processed_lot_page_reads_on_a_phone(phone_page, desktop, language, tmp_path):
    page = public_page.render(_dried_tea(), "CK-1", language, _QR, today=date(2025, 7, 1))
    phone_page.set_content(page)
    product = phone_page.inner_text("#product")
    assert "Chè khô Tân Hương" in product and "Thái Nguyên" in product
    # Every stage names its lot: the households' harvest lots, this lot among the batch's outputs, the lot sold.
    harvest = phone_page.inner_text("#harvest")
    assert "TH-1-20250601-1 · N. T. H." in harvest
    assert ("30 Jun 2025, since expired)" if language == "en" else "30/06/2025, nay đã hết hạn)") in harvest
    this_lot = "lô này" if language == "vi" else "this lot"
    assert f"CK-1 (28{',' if language == 'vi' else '.'}5 kg, {this_lot})" in phone_page.inner_text("#processing")
    assert f"{'Lô' if language == 'vi' else 'Lot'} CK-1: 5 kg" in phone_page.inner_text("#sale")
    assert "Xã Đại Phúc, Thái Nguyên" in harvest
    assert ("2 member households" if language == "en" else "2 hộ thành viên") in harvest
    assert ("2 lots" if language == "en" else "2 lô") in phone_page.inner_text("#processing")
    assert not overflows_horizontally(phone_page)
    assert phone_page.evaluate("document.querySelector('footer img').naturalWidth") > 0  # the QR image loads
    phone_page.screenshot(path=str(tmp_path / f"trace-{language}-360.png"), full_page=True)
    wide = desktop.new_page()
    wide.set_content(page)
    assert not overflows_horizontally(wide)
    wide.screenshot(path=str(tmp_path / f"trace-{language}-1280.png"), full_page=True)
