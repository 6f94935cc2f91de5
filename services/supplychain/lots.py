"""Pure lot rules: codes, quantities, money, membership dates, yields. No I/O, unit-tested.

Generated lot codes read `TH-<coop id>-<yyyymmdd>-<n>`: "TH" for thu hoạch (harvest), the
registry's co-op id, the harvest date, and the co-op's n-th lot of that day (1, 2, ...).
Lots made by a transformation use the step's prefix instead: "CB" chế biến (processing),
"PL" phân loại (grading), "DG" đóng gói (packing).
The co-op id makes a code unique across the platform without a GS1 company prefix; EPCIS
capture will wrap it in a private URN keyed on the co-op's registration code.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

GENERATED_PREFIX = "TH"
# "ME" (mẻ) names a batch; the others name the lots a step makes.
STEP_PREFIXES = {"harvest": GENERATED_PREFIX, "processing": "CB", "grading": "PL", "packing": "DG", "batch": "ME"}

# Fresh leaf to dry tea is about 5:1; a batch outside 0.18-0.25 is a red flag (DOMAIN.md).
# Keyed by the output product of processing; the `yield_rule` table overrides or adds rules.
DEFAULT_YIELD_RULES: dict[str, tuple[Decimal, Decimal, bool]] = {
    "chè khô": (Decimal("0.18"), Decimal("0.25"), True),
}


def generated_code_prefix(coop_id: int, day: date, step: str = "harvest") -> str:
    return f"{STEP_PREFIXES[step]}-{coop_id}-{day:%Y%m%d}-"


def lot_code(coop_id: int, day: date, sequence: int, step: str = "harvest") -> str:
    """The generated code of a co-op's `sequence`-th lot of a step on a day."""
    if sequence < 1:
        raise ValueError("sequence starts at 1")
    return f"{generated_code_prefix(coop_id, day, step)}{sequence}"


def generated_sequences(code: str) -> Iterator[tuple[str, int]]:
    """Each (prefix ending in "-", number) that `code` reads as: "TH-1-20250501-7" gives
    ("TH-1-20250501-", 7), the form `next_sequence` counts; a code typed by hand may give none."""
    for position, char in enumerate(code):
        if char == "-" and (rest := code[position + 1 :]).isdecimal():
            yield code[: position + 1], int(rest)


def next_sequence(existing_codes: Iterable[str], coop_id: int, day: date, step: str = "harvest") -> int:
    """One past the highest sequence among that day's generated codes (codes typed by hand ignored)."""
    prefix = generated_code_prefix(coop_id, day, step)
    used = [n for code in existing_codes for read, n in generated_sequences(code) if read == prefix]
    return max(used, default=0) + 1


def quantity_held(deltas: Iterable[Decimal]) -> Decimal:
    """What a lot holds: the sum of its events' signed quantity changes, in the lot's unit."""
    return sum(deltas, Decimal("0.000")).quantize(Decimal("0.001"))


def sale_amount_vnd(quantity: Decimal, unit_price_vnd: int) -> int:
    """Quantity times unit price (kg x price per kg, or pieces x price per piece) in whole VND,
    rounded half up (0.5 đồng goes up, as on a paper invoice)."""
    return int((quantity * unit_price_vnd).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def was_member_on(joined_on: date, left_on: date | None, day: date) -> bool:
    """Membership covers the joining day and the leaving day itself (the registry's convention)."""
    return joined_on <= day and (left_on is None or day <= left_on)


def kg_of(quantity: Decimal, unit: str, net_kg_per_unit: Decimal | None) -> Decimal:
    """A quantity of a lot in kilograms (pieces times their net weight for packed lots)."""
    if unit == "kg":
        return quantity
    return (quantity * (net_kg_per_unit or Decimal(0))).quantize(Decimal("0.001"))


def is_whole(quantity: Decimal) -> bool:
    return quantity == quantity.to_integral_value()


@dataclass(frozen=True)
class YieldVerdict:
    """Output kg over input kg of a batch, and what to make of it."""

    ratio: Decimal
    flagged: bool
    impossible: bool


def judge_yield(input_kg: Decimal, output_kg: Decimal, rule: tuple[Decimal, Decimal, bool] | None) -> YieldVerdict:
    """Flag a ratio outside the rule's range; a drying step that gains mass, or no output, is impossible.

    Without a rule nothing is flagged, but no step may turn kilograms into more kilograms
    unless a rule says it need not lose mass.
    """
    ratio = (output_kg / input_kg).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP) if input_kg > 0 else Decimal(0)
    loses_mass = rule[2] if rule is not None else True
    impossible = output_kg <= 0 or input_kg <= 0 or (loses_mass and output_kg > input_kg)
    flagged = rule is not None and not impossible and not (rule[0] <= ratio <= rule[1])
    return YieldVerdict(ratio=ratio, flagged=flagged, impossible=impossible)


def serials(lot_code: str, units: int) -> list[str]:
    """Serial codes of a packed lot's units: `<lot code>-0001` ... (width grows past 9999)."""
    width = max(4, len(str(units)))
    return [f"{lot_code}-{n:0{width}d}" for n in range(1, units + 1)]


def cartons(lot_code: str, unit_serials: list[str], units_per_carton: int | None) -> dict[str, list[str]]:
    """Units grouped into cartons `<lot code>-C1`, `-C2`...; one carton for all without a carton size."""
    size = units_per_carton or len(unit_serials)
    return {f"{lot_code}-C{n + 1}": unit_serials[i : i + size] for n, i in enumerate(range(0, len(unit_serials), size))}
