"""Pure lot rules: codes, quantities, money, membership dates. No I/O, unit-tested.

Generated lot codes read `TH-<coop id>-<yyyymmdd>-<n>`: "TH" for thu hoạch (harvest), the
registry's co-op id, the harvest date, and the co-op's n-th lot of that day (1, 2, ...).
The co-op id makes a code unique across the platform without a GS1 company prefix; EPCIS
capture will wrap it in a private URN keyed on the co-op's registration code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

GENERATED_PREFIX = "TH"


def generated_code_prefix(coop_id: int, harvested_on: date) -> str:
    return f"{GENERATED_PREFIX}-{coop_id}-{harvested_on:%Y%m%d}-"


def lot_code(coop_id: int, harvested_on: date, sequence: int) -> str:
    """The generated code of a co-op's `sequence`-th lot harvested on a day."""
    if sequence < 1:
        raise ValueError("sequence starts at 1")
    return f"{generated_code_prefix(coop_id, harvested_on)}{sequence}"


def next_sequence(existing_codes: Iterable[str], coop_id: int, harvested_on: date) -> int:
    """One past the highest sequence among that day's generated codes (codes typed by hand ignored)."""
    pattern = re.compile(re.escape(generated_code_prefix(coop_id, harvested_on)) + r"(\d+)$")
    used = [int(m.group(1)) for code in existing_codes if (m := pattern.match(code))]
    return max(used, default=0) + 1


def quantity_held(deltas: Iterable[Decimal]) -> Decimal:
    """What a lot holds: the sum of its events' signed quantity changes, in kg."""
    return sum(deltas, Decimal("0.000")).quantize(Decimal("0.001"))


def sale_amount_vnd(quantity_kg: Decimal, price_per_kg_vnd: int) -> int:
    """Whole VND, rounded half up (0.5 đồng goes up, as on a paper invoice)."""
    return int((quantity_kg * price_per_kg_vnd).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def was_member_on(joined_on: date, left_on: date | None, day: date) -> bool:
    """Membership covers the joining day and the leaving day itself (the registry's convention)."""
    return joined_on <= day and (left_on is None or day <= left_on)
