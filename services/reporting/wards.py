"""Commune/ward codes for filtering and grouping: current codes, with legacy codes mapped.

Since 1 July 2025 Vietnam has two tiers and new commune codes; records dated before keep
their old codes. Reporting groups and filters by the current code: a co-op registered under
a legacy code counts under the commune that absorbed it.

The legacy -> current table is `shared.places.LEGACY_WARDS` (with its sources), the
registry's too, so both services read an old code the same way; `vietnam-provinces`
2025.10 carries only the current list. As in the registry, a code that is current is read as
current even when it was also some old commune's code. A JSON file named by
`HTX_REPORTING_LEGACY_WARDS` (`{"legacy": {"05485": {"current": "05455"}}}`) replaces the
table, for a province whose mergers the registry's table does not cover yet.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from shared.places import LEGACY_WARDS, ward_name

LEGACY_WARDS_ENV = "HTX_REPORTING_LEGACY_WARDS"


def normalise(code: str) -> str:
    digits = code.strip()
    return digits.zfill(5) if digits.isdigit() else digits


@dataclass(frozen=True)
class WardMap:
    """Legacy commune codes and the current code each now belongs to."""

    legacy_to_current: Mapping[str, str] = field(default_factory=dict)

    def current(self, code: str) -> str:
        code = normalise(code)
        return self.legacy_to_current.get(code, code)

    def codes_of(self, current: str, known: Iterable[str]) -> set[str]:
        """Every code among `known` that stands for the commune `current` today."""
        target = self.current(current)
        return {code for code in known if self.current(code) == target}


def load_ward_map(path: Path | str | None = None) -> WardMap:
    """The registry's table of merged communes, or the one in the JSON file at `path`."""
    if path:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        table = {normalise(old): normalise(entry["current"]) for old, entry in document["legacy"].items()}
    else:
        table = {code: ward.current_code for code, ward in LEGACY_WARDS.items()}
    return WardMap({old: new for old, new in table.items() if old != new and not ward_name(old)})
