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


def clean_code(value: str) -> str:
    """An identifier (a registration code) as typed, without what nobody means to type.

    NFKC (full-width "ＴＮ－０１" is "TN-01"), invisible characters removed (zero-width spaces, soft
    hyphens, byte-order marks: Unicode's format characters), every Unicode dash and the minus sign as
    "-", no outer spaces. Case is kept for display; `identity_key` compares without it.
    """
    text = unicodedata.normalize("NFKC", value)
    kept = ("-" if unicodedata.category(ch) == "Pd" or ch == "\u2212" else ch for ch in text)
    return "".join(ch for ch in kept if unicodedata.category(ch) != "Cf").strip()


def identity_key(value: str) -> str:
    """What two spellings of one identifier share: "tn-0001", "TN‐0001" and "TN-0001\u200b" are one co-op."""
    return clean_code(value).casefold()
