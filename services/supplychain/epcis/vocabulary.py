"""CBV values in their two spellings, and EPCIS timestamps.

EPCIS 2.0 lets a standard CBV value be written bare ("shipping") or as a URI
("https://ref.gs1.org/cbv/BizStep-shipping", or the 1.x form "urn:epcglobal:cbv:bizstep:shipping").
The store indexes the bare form and the query interface normalises its arguments the same
way, so either spelling matches either. Events themselves are kept as captured.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

# (URN prefix, web-vocabulary term prefix) per CBV vocabulary.
_CBV_PREFIXES: dict[str, tuple[str, str]] = {
    "bizStep": ("urn:epcglobal:cbv:bizstep:", "BizStep-"),
    "disposition": ("urn:epcglobal:cbv:disp:", "Disp-"),
    "bizTransactionType": ("urn:epcglobal:cbv:btt:", "BTT-"),
    "sourceDestType": ("urn:epcglobal:cbv:sdt:", "SDT-"),
    "errorReason": ("urn:epcglobal:cbv:er:", "ER-"),
}
_WEB_VOCABULARIES = (
    "https://ref.gs1.org/cbv/",
    "http://ref.gs1.org/cbv/",
    "https://gs1.org/voc/",
    "http://gs1.org/voc/",
    "https://ns.gs1.org/cbv/",
    "http://ns.gs1.org/cbv/",
)


def cbv_short(vocabulary: str, value: str | None) -> str | None:
    """`value` in its bare CBV form if it is a standard CBV URI, else unchanged."""
    if value is None:
        return None
    urn, term = _CBV_PREFIXES[vocabulary]
    if value.startswith(urn):
        return value[len(urn) :]
    for base in _WEB_VOCABULARIES:
        if value.startswith(base + term):
            return value[len(base + term) :]
    return value


def cbv_spellings(vocabulary: str, value: str) -> list[str]:
    """Every spelling of one CBV value, for matching what events were captured with: the bare
    word, the 1.x URN and each web-vocabulary URI ("po", "urn:epcglobal:cbv:btt:po",
    "https://ref.gs1.org/cbv/BTT-po", ...). A value outside the CBV (any other URI) is its only spelling."""
    short = cbv_short(vocabulary, value) or value
    if is_uri(short):
        return [short]
    urn, term = _CBV_PREFIXES[vocabulary]
    return [short, urn + short, *(base + term + short for base in _WEB_VOCABULARIES)]


_TIMESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def parse_timestamp(value: str) -> datetime:
    """An RFC 3339 date-time with its offset, as an aware UTC datetime.

    Fractions beyond microseconds are cut (EPCIS allows any precision; the columns keep
    microseconds, the stored JSON keeps the original text).
    """
    match = _TIMESTAMP.match(value)
    if not match:
        raise ValueError(f"{value!r} is not a date-time with a time zone (e.g. 2025-05-10T07:30:00+07:00)")
    day, clock, fraction, offset = match.groups()
    fraction = (fraction or ".0")[:7]
    offset = "+00:00" if offset in ("Z", "z") else offset
    return datetime.fromisoformat(f"{day}T{clock}{fraction}{offset}").astimezone(UTC)


_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s]+$")


def is_uri(value: str) -> bool:
    """An absolute URI: a scheme and a non-empty body without spaces. Any scheme, GS1 or not."""
    return bool(_URI.match(value))
