"""Vietnam's communes and wards, before and after 1 July 2025 (package `vietnamadminunits`).

Shared by the registry (validation, import) and reporting (grouping, filters): reference data
about administrative units, not any one service's. ADR 0021 says why this dataset.

Two schemes of codes:
- `Scheme.LEGACY`: the 63 provinces, 696 districts and 10,035 communes in force before
  1 July 2025;
- `Scheme.CURRENT`: the 34 provinces and 3,321 communes/wards since (the official list;
  Xã Phú Lạc is 05788).

3,316 of the 3,321 current codes are also the legacy code of a *different* unit (current
05488 is Xã Đại Phúc, legacy 05488 was Xã Phúc Xuân, one of the communes merged into it), so
a bare code means nothing without its scheme. A stored code has one: each column holds one
scheme (`ward_code` current, `legacy_ward_code` legacy), or the record's date says which
(`scheme_on`). A code given without either is read as current when it is current, else as
legacy. Every legacy commune maps to the current one(s) it went to; 471 were divided between
several, and the dataset proposes one of them as the default. A caller that must not guess
(registration, import) asks instead: `WardCodeError("ward.legacy_split")` with the candidates.

The data is the package's own files (`data/dataset.db`, `data/converter_2025.json`), read
directly: importing the package also loads its address parser (geopy, shapely, 3.6 MB of
JSON: twice the time of this module's own load, `benchmarks/places.py`), which no service needs.
"""

from __future__ import annotations

import enum
import importlib.util
import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from pathlib import Path
from typing import Literal

from shared.text import normalise_name, search_key

REFORM_DATE = date(2025, 7, 1)  # two-tier local government and the new commune codes from this day


class Scheme(enum.StrEnum):
    LEGACY = "legacy"  # before 1 July 2025
    CURRENT = "current"  # from 1 July 2025


def scheme_on(day: date) -> Scheme:
    """The scheme a code written on a record of that day belongs to."""
    return Scheme.CURRENT if day >= REFORM_DATE else Scheme.LEGACY


@dataclass(frozen=True)
class CurrentWard:
    code: str
    name: str
    province_code: str
    province_name: str  # without "Tỉnh"/"Thành phố", as an address line writes it: "Thái Nguyên"


@dataclass(frozen=True)
class LegacyWard:
    """A pre-July-2025 commune and where it went. `current_code` is the one the dataset proposes;
    a divided commune names the others in `split_into`."""

    code: str
    name: str
    former_district: str  # "Huyện Đại Từ"
    province_name: str  # "Tỉnh Bắc Kạn": named in full, as its district is
    current_code: str
    split_into: tuple[str, ...] = ()
    name_keys: frozenset[str] = field(default=frozenset(), repr=False, compare=False)  # with and without "Xã"
    district_keys: frozenset[str] = field(default=frozenset(), repr=False, compare=False)

    @property
    def current_codes(self) -> tuple[str, ...]:
        return (self.current_code, *self.split_into)


@dataclass(frozen=True)
class Dataset:
    current: Mapping[str, CurrentWard]
    legacy: Mapping[str, LegacyWard]


def _package_data() -> Path:
    spec = importlib.util.find_spec("vietnamadminunits")  # finds the package without running its __init__
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the package vietnamadminunits is not installed (requirements.lock)")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


@cache
def dataset() -> Dataset:
    """Both lists, read once per process (0.2-0.4 s: `benchmarks/places.py`)."""
    data = _package_data()
    with sqlite3.connect(f"{(data / 'dataset.db').as_uri()}?mode=ro", uri=True) as db:
        current_rows = db.execute(
            "SELECT wardCode, ward, provinceCode, provinceShort, provinceKey, wardKey FROM admin_units"
        ).fetchall()
        legacy_rows = db.execute(
            "SELECT wardCode, ward, district, province, provinceKey, districtKey, wardKey, wardShort, districtShort"
            " FROM admin_units_legacy"
            " WHERE wardCode <> ''"  # island districts without communes
        ).fetchall()
    conversion = json.loads((data / "converter_2025.json").read_text(encoding="utf-8"))
    current = {code: CurrentWard(code, name, pcode, province) for code, name, pcode, province, _, _ in current_rows}
    code_of = {(province_key, ward_key): code for code, _, _, _, province_key, ward_key in current_rows}
    # The converter keys a legacy commune "province_district_ward" and names its new unit by key.
    kept_whole = {
        old: [code_of[new_province, new_ward]]
        for new_province, wards in conversion["DICT_PROVINCE_WARD_NO_DIVIDED"].items()
        for new_ward, olds in wards.items()
        for old in olds
    }
    divided = {
        old: sorted((not new["isDefaultNewWard"], code_of[new_province, new["newWardKey"]]) for new in news)
        for new_province, olds in conversion["DICT_PROVINCE_WARD_DIVIDED"].items()
        for old, news in olds.items()
    }
    legacy = {}
    for code, name, district, province, province_key, district_key, ward_key, short, district_short in legacy_rows:
        key = f"{province_key}_{district_key}_{ward_key}"
        codes = kept_whole.get(key) or [new for _, new in divided[key]]  # the default first
        names = frozenset({search_key(name), search_key(short)})
        districts = frozenset({search_key(district), search_key(district_short)})
        legacy[code] = LegacyWard(code, name, district, province, codes[0], tuple(codes[1:]), names, districts)
    return Dataset(current, legacy)


Divided = Literal["ask", "default"]  # what a divided commune's old code alone resolves to


class WardCodeError(ValueError):
    """A ward code refused, with the shared.i18n key that explains it to a person."""

    def __init__(self, key: str, message: str, **values: object) -> None:
        super().__init__(message)
        self.key, self.values = key, values


@lru_cache(maxsize=4096)
def ward_name(code: str) -> str:
    """The current official name, or "" for a code that is not current."""
    ward = dataset().current.get(code)
    return ward.name if ward else ""


@lru_cache(maxsize=4096)
def province_name(ward_code: str) -> str:
    """The province a current ward lies in (Thái Nguyên), or "" for a code that is not current."""
    ward = dataset().current.get(ward_code)
    return ward.province_name if ward else ""


def _five_digits(value: str) -> str:
    digits = value.strip()
    if not digits.isdigit() or len(digits) > 5:
        raise WardCodeError("ward.format", f"ward code {value!r} must be up to 5 digits, e.g. 05488", code=value)
    return digits.zfill(5)


@dataclass(frozen=True)
class ResolvedWard:
    """A current code, plus the legacy code it was given as (if it was)."""

    code: str
    legacy_code: str | None = None


def legacy_ward(code: str) -> LegacyWard:
    """A pre-July-2025 commune by its code; WardCodeError if no commune had it."""
    old = dataset().legacy.get(_five_digits(code))
    if old is None:
        raise WardCodeError(
            "ward.legacy_unknown", f"legacy ward code {code} is not in the pre-July-2025 list of communes", code=code
        )
    return old


def resolve_ward(
    code: str | None,
    legacy_code: str | None = None,
    *,
    scheme: Scheme | None = None,
    on: date | None = None,
    divided: Divided = "ask",
) -> ResolvedWard:
    """Check a ward code (current or legacy) and map it to the current one; WardCodeError says why.

    - `legacy_code` given: must be a legacy code; `code`, if also given, must be where it went
      (one of the new communes of a divided one).
    - `code` alone is read in `scheme`, or in the scheme of the record's date `on`; with neither,
      as current when it is current, else as legacy (remembered as the legacy code).
    - A divided commune's old code alone: `divided="ask"` refuses, naming the new communes;
      `divided="default"` takes the one the dataset proposes.
    """
    if legacy_code:
        old = legacy_ward(legacy_code)
        if code and _five_digits(code) in old.current_codes:
            return ResolvedWard(_five_digits(code), old.code)
        if code:
            raise WardCodeError(
                "ward.legacy_mismatch",
                f"legacy ward {old.code} ({old.name}) became {'/'.join(old.current_codes)}, not {code}",
                legacy=old.code,
                name=old.name,
                current=" / ".join(old.current_codes),
                code=code,
            )
        return _mapped(old, divided)
    if not code:
        raise WardCodeError("ward.required", "a ward code is required, e.g. 05488")
    digits = _five_digits(code)
    read_as = scheme or (scheme_on(on) if on else None)
    if read_as is Scheme.LEGACY:
        return _mapped(legacy_ward(digits), divided)
    if ward_name(digits):
        return ResolvedWard(digits)
    if read_as is None and digits in dataset().legacy:
        return _mapped(dataset().legacy[digits], divided)
    raise WardCodeError(
        "ward.unknown", f"ward code {digits} is not in the official list of communes and wards", code=digits
    )


def _mapped(old: LegacyWard, divided: Divided) -> ResolvedWard:
    """A divided commune's old code alone does not say which new commune a record belongs to."""
    if old.split_into and divided == "ask":
        raise WardCodeError(
            "ward.legacy_split",
            f"legacy ward {old.code} ({old.name}) was divided between {', '.join(old.current_codes)}: say which",
            legacy=old.code,
            name=old.name,
            candidates=named_wards(old.current_codes),
        )
    return ResolvedWard(old.current_code, old.code)


def named_wards(codes: tuple[str, ...]) -> str:
    """`05467 Phường Gia Sàng, 05500 Phường Tích Lương`: codes a person can choose between."""
    return ", ".join(f"{code} {ward_name(code)}".strip() for code in codes)


def former_meaning(code: str) -> LegacyWard | None:
    """The old commune a *current* code also named before July 2025, when that commune went
    (wholly or partly) elsewhere: such a code is ambiguous on an old document."""
    old = dataset().legacy.get(code)
    return old if old and ward_name(code) and old.current_codes != (code,) else None


def search_wards(text: str, scheme: Scheme = Scheme.CURRENT, limit: int = 20) -> list[CurrentWard | LegacyWard]:
    """Units whose name contains `text`, with or without diacritics ("dai phuc" finds Xã Đại Phúc)."""
    wanted = search_key(text)
    if not wanted:
        return []
    units = dataset().current if scheme is Scheme.CURRENT else dataset().legacy
    found = [unit for unit in units.values() if wanted in _name_key(unit.name)]
    return sorted(found, key=lambda unit: unit.code)[:limit]


def legacy_wards_named(name: str, district: str | None = None) -> list[LegacyWard]:
    """Pre-July-2025 communes called `name` ("Xã Phúc Xuân", "phuc xuan"), in `district` if given:
    an old spreadsheet names its communes rather than coding them. Written with its diacritics, a
    name finds that spelling only (Tân Linh, not Tản Lĩnh)."""
    wanted, in_district = search_key(name), search_key(district or "")
    found = [
        old
        for old in dataset().legacy.values()
        if wanted in old.name_keys and (not in_district or in_district in old.district_keys)
    ]
    spelled = _spelling(name)
    exact = [old for old in found if spelled in (_spelling(old.name), _spelling(old.name.split(" ", 1)[-1]))]
    return exact or found


def _spelling(name: str) -> str:
    return normalise_name(name).casefold()


@lru_cache(maxsize=16384)
def _name_key(name: str) -> str:
    return search_key(name)
