"""Integration events: the envelope every stream entry carries, and the contracts.

Contracts live one module per producing service (`registry`, `supplychain`). They only
grow: a breaking change is a new `version` plus an upcaster, and the JSON Schema snapshots
in `schemas/` make an accidental change fail the contract tests.
"""

from shared.events.envelope import Event, EventEnvelope, all_contracts, contract_for

__all__ = ["Event", "EventEnvelope", "contract_for", "all_contracts"]
