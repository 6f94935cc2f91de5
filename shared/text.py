"""Vietnamese text helpers: exact storage, forgiving search."""

from __future__ import annotations

import unicodedata

from unidecode import unidecode


def normalise_name(value: str) -> str:
    """Store names in NFC, so the same name typed on two keyboards compares equal."""
    return unicodedata.normalize("NFC", " ".join(value.split()))


def search_key(value: str) -> str:
    """Lower-case ASCII folding: "Tân Hương" and "tan huong" share the key "tan huong"."""
    return " ".join(unidecode(unicodedata.normalize("NFC", value)).lower().split())
