"""GS1 keys of the co-ops' trade items: GTINs, GS1 Digital Link URIs and their EPC URN twins.

Parsing and check digits are biip's (GS1's application identifier table, CSET 82 for lots and
serials). A lot has a Digital Link only when its co-op gave its product a GTIN and its code fits
AI 10 (at most 20 characters); otherwise its QR code keeps the private `/t/<token>` address.

A GTIN is stored as its 14 digits, the form a Digital Link carries (`/01/09506000134352`).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from biip import ParseError
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementString
from biip.gtin import Gtin

from shared.errors import InvalidValue

# The ASCII characters AI 10 and AI 21 allow (GS1 General Specifications, CSET 82) and their length.
_CSET_82 = frozenset("!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")
_AI_10_21_LENGTH = 20
# The base a Digital Link is compared under when its domain does not matter (GS1's own resolver).
GS1_RESOLVER = "https://id.gs1.org"


def gtin_14(value: str) -> str:
    """A GTIN-8/12/13/14 as its 14 digits, its check digit verified; refused with a message otherwise."""
    digits = value.strip()
    if not digits.isdigit() or len(digits) not in (8, 12, 13, 14):
        raise InvalidValue("gtin.invalid", gtin=value)
    try:
        return Gtin.parse(digits).as_gtin_14()
    except ParseError:
        raise InvalidValue("gtin.check_digit", gtin=value) from None


def fits_ai(value: str) -> bool:
    """Whether a lot code or serial can be a Digital Link's AI 10 or 21 as it is."""
    return 0 < len(value) <= _AI_10_21_LENGTH and set(value) <= _CSET_82


def lot_uri(base: str, gtin: str, lot_code: str) -> str | None:
    return f"{base}/01/{gtin}/10/{quote(lot_code, safe='')}" if fits_ai(lot_code) else None


def serial_uri(base: str, gtin: str, serial: str) -> str | None:
    return f"{base}/01/{gtin}/21/{quote(serial, safe='')}" if fits_ai(serial) else None


@dataclass(frozen=True)
class ItemKey:
    """What a Digital Link names: a trade item, maybe of one lot, maybe one serialised unit."""

    gtin: str
    lot: str | None = None
    serial: str | None = None


def parse_path(path: str) -> ItemKey | None:
    """`/01/{gtin}[/10/{lot}][/21/{serial}]` (any order GS1 allows), or None when it is not a valid
    Digital Link path: a wrong check digit, a lot or serial outside CSET 82, an unknown key."""
    try:
        uri = GS1DigitalLinkURI.parse(GS1_RESOLVER + path)
    except (ParseError, ValueError):
        return None
    return _key(uri.element_strings)


def parse_uri(uri: str) -> ItemKey | None:
    """Any Digital Link URI's item key (whatever its domain), or None when it is none."""
    try:
        return _key(GS1DigitalLinkURI.parse(uri).element_strings)
    except (ParseError, ValueError):
        return None


def _key(elements: list[GS1ElementString]) -> ItemKey | None:
    values = {element.ai.ai: element.value for element in elements}  # biip has percent-decoded them
    if "01" not in values or set(values) - {"01", "10", "21"}:
        return None
    if any(element.gtin_error for element in elements):  # biip parses a wrong check digit, and says so here
        return None
    return ItemKey(values["01"], values.get("10"), values.get("21"))
