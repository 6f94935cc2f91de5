"""How a household's payments settle what its co-op owes it, per harvest round. Pure, no I/O.

The supply chain (payables, the overpayment refusal) and reporting (the payables report) read
payments the same way, so this rule lives here rather than in either service:

- a payment naming a round settles that round;
- a payment naming none settles the oldest rounds first, each up to what it still owes;
- what is left after every round is settled (only after a purchase was corrected away, since
  the supply chain refuses paying more than is owed) stays under `None`, paid for no round.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def settle(owed: Mapping[int, int], payments: Iterable[tuple[int | None, int]]) -> dict[int | None, int]:
    """Paid per round (VND) for one household: `owed` per round, `payments` as (round or None, amount)."""
    paid: dict[int | None, int] = dict.fromkeys(owed, 0)
    unallocated = 0
    for harvest_round, amount in payments:
        if harvest_round is None:
            unallocated += amount
        else:
            paid[harvest_round] = paid.get(harvest_round, 0) + amount
    for harvest_round in sorted(owed):
        taken = min(max(owed[harvest_round] - paid[harvest_round], 0), unallocated)
        paid[harvest_round] += taken
        unallocated -= taken
    if unallocated:
        paid[None] = unallocated
    return paid


def outstanding(owed: Mapping[int, int], paid: Mapping[int | None, int], harvest_round: int | None) -> int:
    """Still owed for one round, or for the household as a whole (`harvest_round` None)."""
    if harvest_round is None:
        return sum(owed.values()) - sum(paid.values())
    return owed.get(harvest_round, 0) - paid.get(harvest_round, 0)
