"""The supply chain's date refusals: one key, and one meaning, per refusal."""

from __future__ import annotations

from datetime import date

import pytest

import services.supplychain.messages  # noqa: F401 - registers the texts
from shared.i18n import translate

ON, EARLIER = date(2025, 6, 6), date(2025, 6, 7)


@pytest.mark.parametrize(
    ("key", "values", "vi", "en"),
    [
        (
            "lot.before_creation",
            {"on": ON, "lot_code": "HOP", "created": EARLIER},
            "Ngày 2025-06-06 trước ngày tạo lô HOP (2025-06-07).",
            "2025-06-06 is before lot HOP was created (2025-06-07).",
        ),
        (
            "sale.before_shipment",
            {"on": ON, "lot_code": "HOP", "shipment_id": 3, "shipped": EARLIER},
            "Ngày bán 2025-06-06 trước ngày gửi chuyến hàng 3 (2025-06-07); "
            "không thể lập hoá đơn lô HOP cho hàng chưa gửi.",
            "Sold on 2025-06-06, before shipment 3 left (2025-06-07); lot HOP cannot be invoiced before it is shipped.",
        ),
        (
            "correction.before_fact",
            {"on": ON, "event_id": "e-1", "occurred": EARLIER},
            "Ngày khai báo đính chính 2025-06-06 trước ngày xảy ra sự kiện e-1 (2025-06-07).",
            "The correction is declared on 2025-06-06, before event e-1 took place (2025-06-07).",
        ),
    ],
)
def test_each_date_refusal_says_what_it_refuses(key, values, vi, en):
    assert (translate(key, "vi", **values), translate(key, "en", **values)) == (vi, en)


def test_a_shortage_is_told_in_the_lots_own_unit_and_language():
    from services.supplychain.recording import UNITS

    values = {"lot_code": "HOP", "available": 28, "requested": 30}
    assert translate("lot.insufficient", "vi", **values, unit=UNITS["pcs"]) == (
        "Lô HOP chỉ còn 28 sản phẩm, không thể xuất 30 sản phẩm."
    )
    assert translate("lot.insufficient", "en", **values, unit=UNITS["pcs"]) == (
        "Lot HOP holds only 28 pieces; cannot take 30 pieces."
    )
    assert translate("lot.insufficient", "en", **values, unit=UNITS["kg"]).endswith("cannot take 30 kg.")
    assert str(UNITS["pcs"]) == "pcs"  # what the refusal's machine-readable params carry
