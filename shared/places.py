"""Commune/ward codes checked against the official list (package `vietnam-provinces`).

Shared by the registry (validation) and reporting (legacy codes in filters): reference data
about Vietnam's administrative units, not any one service's.

Since 1 July 2025 Vietnam has two tiers (province, commune/ward) and new commune codes.
`vietnam-provinces` 2025.10.1, the newest release, carries only the current list, so the
pre-reform codes that still appear on old documents and spreadsheets are mapped by the
small table below, kept for Thái Nguyên's merged communes.

Sources of `LEGACY_WARDS`:
- legacy codes and names: `vietnam-provinces` 0.6.0, the last release with the GSO list
  before the reform (three tiers);
- which new commune absorbed them: Resolution 1683/NQ-UBTVQH15 of 16 June 2025 on
  Thái Nguyên's commune-level units, as stated in docs/domain-brief.md ("Phúc Xuân merged
  into Xã Đại Phúc (05488)") and in public look-ups of that resolution.

A new commune took the code of one of the communes merged into it, so an old code can also
be a current code of a *different* commune (old 05467 Phường Cam Giá, current 05467 Phường
Gia Sàng). A bare code is therefore read as current when it is current; a caller with an
old document sends it as `legacy_ward_code` instead. Old Cam Giá is left out of the table
because the public look-ups disagree with that code numbering about where it went.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from vietnam_provinces import Province, Ward
from vietnam_provinces.codes import WardCode


@dataclass(frozen=True)
class LegacyWard:
    """A pre-July-2025 commune and where it went. A commune divided between several new ones
    names the others in `split_into`; `current_code` is the one the data proposes."""

    code: str
    name: str
    former_district: str
    current_code: str
    split_into: tuple[str, ...] = ()

    @property
    def current_codes(self) -> tuple[str, ...]:
        return (self.current_code, *self.split_into)


LEGACY_WARDS: dict[str, LegacyWard] = {
    ward.code: ward
    for ward in (
        LegacyWard("05488", "Xã Phúc Xuân", "Thành phố Thái Nguyên", "05488"),  # -> Xã Đại Phúc
        LegacyWard("05455", "Phường Thịnh Đán", "Thành phố Thái Nguyên", "05455"),  # -> Phường Quyết Thắng
        LegacyWard("05485", "Xã Phúc Hà", "Thành phố Thái Nguyên", "05455"),
        LegacyWard("05491", "Xã Quyết Thắng", "Thành phố Thái Nguyên", "05455"),
        LegacyWard("05500", "Phường Tích Lương", "Thành phố Thái Nguyên", "05500"),  # -> Phường Tích Lương
        LegacyWard("05464", "Phường Tân Lập", "Thành phố Thái Nguyên", "05500"),
        LegacyWard("05470", "Phường Phú Xá", "Thành phố Thái Nguyên", "05500"),
        LegacyWard("05476", "Phường Trung Thành", "Thành phố Thái Nguyên", "05500"),
        LegacyWard("05479", "Phường Tân Thành", "Thành phố Thái Nguyên", "05500"),
    )
}


class WardCodeError(ValueError):
    """A ward code refused, with the shared.i18n key that explains it to a person."""

    def __init__(self, key: str, message: str, **values: object) -> None:
        super().__init__(message)
        self.key, self.values = key, values


@lru_cache(maxsize=4096)
def ward_name(code: str) -> str:
    """The current official name, or "" for a code that is not current."""
    try:
        return Ward.from_code(WardCode(int(code))).name
    except (ValueError, KeyError):
        return ""


@lru_cache(maxsize=4096)
def province_name(ward_code: str) -> str:
    """The province a current ward lies in (Thái Nguyên), or "" for a code that is not current."""
    try:
        return Province.from_code(Ward.from_code(WardCode(int(ward_code))).province_code).name
    except (ValueError, KeyError):
        return ""


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
    """A known pre-July-2025 commune by its old code; ValueError if the table does not know it."""
    old = LEGACY_WARDS.get(_five_digits(code))
    if old is None:
        raise WardCodeError(
            "ward.legacy_unknown", f"legacy ward code {code} is not in the table of merged communes", code=code
        )
    return old


def resolve_ward(code: str | None, legacy_code: str | None = None) -> ResolvedWard:
    """Check a ward code (current or legacy) and map it to the current one; ValueError says why.

    - `code` current: kept as is.
    - `code` not current but a known legacy code: mapped, and remembered as the legacy code
      (refused, naming the new communes, when the old one was divided).
    - `legacy_code` given: must be known; `code`, if also given, must be where it went (one of
      the new communes of a divided one; without `code`, a divided one is refused).
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
        _refuse_split(old)
        return ResolvedWard(old.current_code, old.code)
    if not code:
        raise WardCodeError("ward.required", "a ward code is required, e.g. 05488")
    current = _five_digits(code)
    if ward_name(current):
        return ResolvedWard(current)
    if current in LEGACY_WARDS:
        _refuse_split(LEGACY_WARDS[current])
        return ResolvedWard(LEGACY_WARDS[current].current_code, current)
    raise WardCodeError(
        "ward.unknown", f"ward code {current} is not in the official list of communes and wards", code=current
    )


def _refuse_split(old: LegacyWard) -> None:
    """A divided commune's old code alone does not say which new commune a record belongs to."""
    if old.split_into:
        raise WardCodeError(
            "ward.legacy_split",
            f"legacy ward {old.code} ({old.name}) was divided between {', '.join(old.current_codes)}: say which",
            legacy=old.code,
            name=old.name,
            candidates=named_wards(old.current_codes),
        )


def named_wards(codes: tuple[str, ...]) -> str:
    """`05455 Phường Quyết Thắng, 05500 Phường Tích Lương`: codes a person can choose between."""
    return ", ".join(f"{code} {ward_name(code)}".strip() for code in codes)


def former_meaning(code: str) -> LegacyWard | None:
    """The old commune a *current* code also named before July 2025, when it went elsewhere:
    such a code is ambiguous on an old document (the module's docstring)."""
    old = LEGACY_WARDS.get(code)
    return old if old and ward_name(code) and old.current_codes != (code,) else None


def validate_ward_code(value: str) -> str:
    """A current ward code as 5 digits (a legacy code is mapped), or ValueError with the reason."""
    return resolve_ward(value).code
