"""Pure lot rules: codes, quantities, money, membership dates."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from services.supplychain import lots
from services.supplychain.schemas import HarvestCreate, SaleCreate

DAY = date(2025, 6, 1)


def test_generated_code_is_readable_and_keyed_on_coop_and_day():
    assert lots.lot_code(12, DAY, 3) == "TH-12-20250601-3"
    with pytest.raises(ValueError):
        lots.lot_code(12, DAY, 0)


def test_next_sequence_follows_the_highest_generated_code_of_that_coop_and_day():
    codes = [
        "TH-12-20250601-1",
        "TH-12-20250601-7",
        "TH-12-20250602-9",
        "TH-1-20250601-8",
        "TH-12-20250601-2x",
        "MY-OWN-CODE",
    ]
    assert lots.next_sequence(codes, 12, DAY) == 8
    assert lots.next_sequence([], 12, DAY) == 1
    assert lots.next_sequence(["TH-12-20250601-10"], 1, DAY) == 1  # "TH-1-" is not a prefix of it


def test_a_code_reads_as_the_generated_prefix_and_number_it_has():
    assert list(lots.generated_sequences("TH-12-20250601-7")) == [("TH-12-20250601-", 7)]
    assert list(lots.generated_sequences("TH-12-20250601-007")) == [("TH-12-20250601-", 7)]
    assert list(lots.generated_sequences("TH-12-20250601-2x")) == []
    assert list(lots.generated_sequences("MY-OWN-CODE")) == []
    assert list(lots.generated_sequences("LO-5-12")) == [("LO-5-", 12)]  # typed by hand, in the form


def test_quantity_held_is_exact_decimal_arithmetic():
    assert lots.quantity_held([Decimal("0.1"), Decimal("0.2"), Decimal("-0.3")]) == Decimal("0.000")
    assert lots.quantity_held([Decimal("120.5"), Decimal("-20.125")]) == Decimal("100.375")
    assert lots.quantity_held([]) == Decimal("0")


@pytest.mark.parametrize(
    ("quantity", "price", "amount"),
    [
        ("10", 12_000, 120_000),
        ("0.001", 500, 1),  # 0.5 đồng rounds up
        ("0.001", 499, 0),
        ("2.5", 3, 8),  # 7.5 -> 8
        ("0.5", 5, 3),  # 2.5 -> 3, where round() would give 2
        ("12345.678", 4_500_000, 55_555_551_000),
    ],
)
def test_sale_amount_is_whole_vnd_rounded_half_up(quantity, price, amount):
    assert lots.sale_amount_vnd(Decimal(quantity), price) == amount


def test_membership_covers_joining_and_leaving_days_only():
    joined, left = date(2020, 1, 10), date(2024, 5, 31)
    assert lots.was_member_on(joined, None, DAY)
    assert lots.was_member_on(joined, left, joined) and lots.was_member_on(joined, left, left)
    assert not lots.was_member_on(joined, left, joined - timedelta(days=1))
    assert not lots.was_member_on(joined, left, left + timedelta(days=1))


def test_harvest_input_rules():
    base = {"coop_id": 1, "member_id": 2, "quantity_kg": "12.345", "harvested_on": "2025-06-01", "harvest_round": 1}
    harvest = HarvestCreate.model_validate(base)
    assert harvest.product == "chè búp tươi" and harvest.lot_code is None
    assert harvest.quantity_kg == Decimal("12.345")
    for bad in (
        {"quantity_kg": "0"},
        {"quantity_kg": "-1"},
        {"quantity_kg": "1.2345"},
        {"harvest_round": 0},
        {"harvested_on": (date.today() + timedelta(days=2)).isoformat()},
        {"lot_code": "has space"},
        {"lot_code": "a/b"},
    ):
        with pytest.raises(ValidationError):
            HarvestCreate.model_validate({**base, **bad})
    assert (
        HarvestCreate.model_validate({**base, "lot_code": "urn:htx:TN-0001:lot.7"}).lot_code == "urn:htx:TN-0001:lot.7"
    )


def test_sale_input_rules():
    base = {
        "coop_id": 1,
        "lot_code": "TH-1-20250601-1",
        "buyer_name": "Công ty Chè Việt",
        "quantity_kg": "5",
        "price_per_kg_vnd": 15000,
        "sold_on": "2025-06-02",
        "invoice_number": "HD-001",
    }
    assert SaleCreate.model_validate(base).unit_price_vnd == 15000
    for bad in (
        {"price_per_kg_vnd": 0},
        {"price_per_kg_vnd": 1.5},
        {"quantity_kg": "0"},
        {"sold_on": (date.today() + timedelta(days=2)).isoformat()},
        {"invoice_number": ""},
    ):
        with pytest.raises(ValidationError):
            SaleCreate.model_validate({**base, **bad})


def test_a_sale_takes_the_honest_names_and_still_the_old_ones():
    base = {
        "coop_id": 1,
        "lot_code": "DG-1-20250606-1",
        "buyer_name": "Công ty Chè Việt",
        "unit": "pcs",
        "sold_on": "2025-06-07",
        "invoice_number": "HD-002",
    }
    honest = SaleCreate.model_validate({**base, "quantity": "12", "unit_price_vnd": 60_000})
    old = SaleCreate.model_validate({**base, "quantity_kg": "12", "price_per_kg_vnd": 60_000})
    assert honest == old
    assert (honest.quantity, honest.unit, honest.unit_price_vnd) == (Decimal("12.000"), "pcs", 60_000)
    # One value per field: a body naming both the new and the deprecated name is refused.
    for both in ({"quantity": "12", "quantity_kg": "12"}, {"unit_price_vnd": 60_000, "price_per_kg_vnd": 60_000}):
        with pytest.raises(ValidationError):
            SaleCreate.model_validate({**base, "quantity": "12", "unit_price_vnd": 60_000, **both})
    # The schema clients read names the honest fields.
    properties = SaleCreate.model_json_schema()["properties"]
    assert {"quantity", "unit_price_vnd"} <= set(properties) and "quantity_kg" not in properties
    assert "deprecated alias: quantity_kg" in properties["quantity"]["description"]
