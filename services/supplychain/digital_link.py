"""GS1 keys: GTINs, GS1 Digital Link URIs and their EPC URN twins (TDS 2.1 §12, DL 1.2).

Parsing and check digits are biip's (GS1's application identifier table, CSET 82 for lots and
serials, the GS1 Company Prefix lengths). A lot has a Digital Link only when its co-op gave its
product a GTIN and its code fits AI 10 (at most 20 characters); otherwise its QR code keeps the
private `/t/<token>` address. A GTIN is stored as its 14 digits, the form a Digital Link carries.

The same item may reach EPCIS as `urn:epc:id:sgtin:0614141.107346.2017` or as
`https://example.com/01/00614141073467/21/2017` (any domain). Both have one canonical form,
the Digital Link on GS1's resolver domain (`canonical`), which needs no table to compute from
either side; the URN needs the company prefix's length (`as_epc_urn`), known for the prefixes
GS1 publishes. Covered: SGTIN (01+21), LGTIN classes (01+10) and SSCC (00).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

from biip import ParseError
from biip.checksums import gs1_standard_check_digit
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementString
from biip.gs1_prefixes import GS1CompanyPrefix
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


def _key(elements: list[GS1ElementString]) -> ItemKey | None:
    values = {element.ai.ai: element.value for element in elements}  # biip has percent-decoded them
    if "01" not in values or set(values) - {"01", "10", "21"}:
        return None
    if any(element.gtin_error for element in elements):  # biip parses a wrong check digit, and says so here
        return None
    return ItemKey(values["01"], values.get("10"), values.get("21"))


# --- EPC URN <-> Digital Link ---------------------------------------------------------------------


def index_forms(identifier: str) -> list[str]:
    """The forms an event's GS1 key is indexed under besides its own, so that `query_forms` of
    any form of it meets one: its EPC URN when that can be computed (a Digital Link of a known
    prefix), else its canonical Digital Link. Most captured EPCs are URNs of known prefixes: they
    need no second row."""
    if identifier.startswith("urn:epc:"):
        match = _URN.match(identifier)
        key = _urn_key(identifier)
        if match is None or key is None:
            return []
        company = match.group(3) or match.group(7)
        # A Digital Link of this key gives back this very URN when the URN splits the digits where GS1 does.
        return [] if _prefix_length(key[1]) == len(company) else [canonical(identifier) or identifier]
    urn = as_epc_urn(identifier)
    if urn is not None:
        return [urn]
    link = canonical(identifier)
    return [link] if link is not None and link != identifier else []


def query_forms(identifier: str) -> list[str]:
    """What a query value is looked up as besides itself: both the EPC URN and the canonical link."""
    forms = (as_epc_urn(identifier), canonical(identifier))
    return [form for form in dict.fromkeys(forms) if form is not None and form != identifier]


@functools.lru_cache(maxsize=4096)  # per product (or company): every serial shares it
def _prefix_length(digits: str) -> int | None:
    """The length of the company prefix GS1 publishes for a GTIN-14 or SSCC, behind its first digit."""
    prefix = GS1CompanyPrefix.extract(digits[1:])
    return len(prefix.value) if prefix is not None else None


_URN = re.compile(
    r"^urn:epc:(?:id:(sgtin)|class:(lgtin)):(\d{6,12})\.(\d{1,7})\.(.+)$|^urn:epc:id:(sscc):(\d{6,12})\.(\d{5,11})$"
)
# Characters an EPC URN's serial or lot keeps as they are (TDS §5: the rest is %-escaped).
_URN_SAFE = "-_.!'()*+,:;="


def canonical(identifier: str) -> str | None:
    """The Digital Link on id.gs1.org of an SGTIN, LGTIN or SSCC, given as an EPC URN or as a
    Digital Link on any domain; None for anything else (private URNs, other keys, bad digits)."""
    key = _urn_key(identifier) if identifier.startswith("urn:epc:") else _uri_key(identifier)
    if key is None:
        return None
    kind, digits, rest = key
    if kind == "sscc":
        return f"{GS1_RESOLVER}/00/{digits}"
    return f"{GS1_RESOLVER}/01/{digits}/{'21' if kind == 'sgtin' else '10'}/{quote(rest, safe='')}"


def as_epc_urn(identifier: str) -> str | None:
    """The EPC URN of an SGTIN, LGTIN or SSCC Digital Link, when its company prefix's length is known."""
    if identifier.startswith("urn:epc:"):
        return identifier if _urn_key(identifier) else None
    key = _uri_key(identifier)
    if key is None:
        return None
    kind, digits, rest = key
    length = _prefix_length(digits)
    if length is None:
        return None
    # GTIN-14 and SSCC both lead with a digit (indicator, extension) that the URN moves behind the prefix.
    company, reference = digits[1 : 1 + length], digits[0] + digits[1 + length : -1]
    if kind == "sscc":
        return f"urn:epc:id:sscc:{company}.{reference}"
    scheme = "id:sgtin" if kind == "sgtin" else "class:lgtin"
    return f"urn:epc:{scheme}:{company}.{reference}.{quote(rest, safe=_URN_SAFE)}"


def _urn_key(urn: str) -> tuple[str, str, str] | None:
    match = _URN.match(urn)
    if match is None:
        return None
    sgtin, lgtin, company, reference, rest, sscc, sscc_company, serial_reference = match.groups()
    if sscc:
        if len(sscc_company) + len(serial_reference) != 17:
            return None
        payload = serial_reference[0] + sscc_company + serial_reference[1:]
        return "sscc", payload + _check_digit(payload), ""
    if len(company) + len(reference) != 13:
        return None
    payload = reference[0] + company + reference[1:]
    return (sgtin or lgtin), payload + _check_digit(payload), unquote(rest)


@functools.lru_cache(maxsize=4096)
def _check_digit(payload: str) -> str:
    """biip's, remembered: the payload is the product's (all its serials share it), and biip's
    computation was most of the cost of indexing a URN."""
    return str(gs1_standard_check_digit(payload))


# The shapes nearly every Digital Link in an event has (a GTIN-14 and one qualifier, or an SSCC, at
# the end of the path): read here, check digit and CSET 82 still verified; biip's full parse took
# about six times as long per URI, seconds of a capture of 5,000 events naming five each. Others go to biip.
_COMMON_LINK = re.compile(r"^https?://[^/?#]+(?:/[^?#]*)?/(?:01/(\d{14})/(10|21)/([^/?#]+)|00/(\d{18}))/?(?:[?#].*)?$")


@functools.lru_cache(maxsize=4096)  # capture asks for both forms of each identifier, one after the other
def _uri_key(uri: str) -> tuple[str, str, str] | None:
    if not uri.startswith(("https://", "http://")) or ("/01/" not in uri and "/00/" not in uri):
        return None  # most identifiers are no Digital Link: skip the parser
    common = _COMMON_LINK.match(uri)
    if common is not None:
        gtin, qualifier, value, sscc = common.groups()
        digits = gtin or sscc
        if _check_digit(digits[:-1]) != digits[-1]:
            return None
        if sscc:
            return "sscc", sscc, ""
        value = unquote(value)
        return ("sgtin" if qualifier == "21" else "lgtin", gtin, value) if fits_ai(value) else None
    try:
        elements = GS1DigitalLinkURI.parse(uri.partition("?")[0]).element_strings
    except (ParseError, ValueError):
        return None
    values = {element.ai.ai: element.value for element in elements}
    if any(element.gtin_error or element.sscc_error for element in elements):
        return None
    if set(values) == {"00"}:
        return "sscc", values["00"], ""
    if set(values) == {"01", "21"}:
        return "sgtin", values["01"], values["21"]
    if set(values) == {"01", "10"}:
        return "lgtin", values["01"], values["10"]
    return None
