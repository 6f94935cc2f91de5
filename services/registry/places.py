"""Commune/ward codes checked against the official list (package `vietnam-provinces`)."""

from __future__ import annotations

from functools import lru_cache

from vietnam_provinces import Ward
from vietnam_provinces.codes import WardCode


@lru_cache(maxsize=4096)
def ward_name(code: str) -> str:
    try:
        return Ward.from_code(WardCode(int(code))).name
    except (ValueError, KeyError):
        return ""


def validate_ward_code(value: str) -> str:
    """A current ward code as 5 digits, or ValueError with the reason."""
    digits = value.strip()
    if not digits.isdigit():
        raise ValueError(f"ward code {value!r} must be digits, e.g. 05488")
    code = digits.zfill(5)
    if not ward_name(code):
        raise ValueError(f"ward code {code} is not in the official list of communes and wards")
    return code
