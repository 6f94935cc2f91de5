"""Commune/ward codes for filtering and grouping: current codes, with legacy codes mapped.

Since 1 July 2025 Vietnam has two tiers and new commune codes (`shared.places`, the registry's
dataset too, so both services read an old code the same way). The organisations' codes in the
read model come from the registry's events, which carry the current code (`ward_code`; the
legacy one it was given as travels separately), so a code that is current is read as current.
One that is not is a legacy code from an older record: reports re-base it on the commune it went
to (for a divided commune, the one the dataset proposes). A JSON file named by
`HTX_REPORTING_LEGACY_WARDS` (`{"legacy": {"05485": {"current": "05455"}}}`) replaces the
mapping, for a province that decided otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from shared.places import dataset, ward_name

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
    """Every legacy commune's current one, or the mapping in the JSON file at `path`."""
    if path:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        table = {normalise(old): normalise(entry["current"]) for old, entry in document["legacy"].items()}
    else:
        table = {code: ward.current_code for code, ward in dataset().legacy.items()}
    return WardMap({old: new for old, new in table.items() if old != new and not ward_name(old)})
