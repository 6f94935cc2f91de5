"""How a household's payments settle what its co-op owes it, per harvest round. Pure, no I/O.

The supply chain (payables, the overpayment refusal) and reporting (the payables report) read
payments the same way, so this rule lives here rather than in either service. A round is a
season's: round 1 of 2025 and round 1 of 2026 are two rounds (`Round` = (year, number)).

- a payment naming a round settles that round;
- a payment naming none settles the oldest rounds first, each up to what it still owes;
- what is left after every round is settled (only after a purchase was corrected away, since
  the supply chain refuses paying more than is owed) stays under `None`, paid for no round.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

Round = tuple[int, int]  # (the harvest's year, its round in that year)


def purchase_round(harvest_year: int | None, harvest_round: int | None, purchased_on: date) -> Round | None:
    """The round a purchase owes for; events from before purchases carried the harvest's year take
    the purchase date's (readers that know the lot's harvest day pass its year instead)."""
    if harvest_round is None:
        return None
    return (harvest_year if harvest_year is not None else purchased_on.year, harvest_round)


def payment_round(
    harvest_year: int | None, harvest_round: int | None, paid_on: date, owed: Iterable[Round]
) -> Round | None:
    """The round a payment settles. Naming a round without its year (as the app may, and as events
    from before payments carried the year did) means the latest season, up to the payment's, in
    which the household has that round owed: the one being paid now. None: the oldest rounds first."""
    if harvest_round is None:
        return None
    if harvest_year is not None:
        return (harvest_year, harvest_round)
    seasons = [year for year, number in owed if number == harvest_round and year <= paid_on.year]
    return (max(seasons, default=paid_on.year), harvest_round)


def settle(owed: Mapping[Round, int], payments: Iterable[tuple[Round | None, int]]) -> dict[Round | None, int]:
    """Paid per round (VND) for one household: `owed` per round, `payments` as (round or None, amount)."""
    paid: dict[Round | None, int] = dict.fromkeys(owed, 0)
    unallocated = 0
    for round_, amount in payments:
        if round_ is None:
            unallocated += amount
        else:
            paid[round_] = paid.get(round_, 0) + amount
    for round_ in sorted(owed):
        taken = min(max(owed[round_] - paid[round_], 0), unallocated)
        paid[round_] += taken
        unallocated -= taken
    if unallocated:
        paid[None] = unallocated
    return paid


def outstanding(owed: Mapping[Round, int], paid: Mapping[Round | None, int], round_: Round | None) -> int:
    """Still owed for one round, or for the household as a whole (`round_` None)."""
    if round_ is None:
        return sum(owed.values()) - sum(paid.values())
    return owed.get(round_, 0) - paid.get(round_, 0)
