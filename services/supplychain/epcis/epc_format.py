"""`GS1-EPC-Format` (EPCIS 2.0 REST binding): the form the query answers give GS1 keys in.

- `Always_GS1_Digital_Link`: EPC URNs of SGTINs, LGTINs and SSCCs become Digital Links on
  id.gs1.org; Digital Links stay as captured.
- `Always_EPC_URN`: Digital Links become EPC URNs where the company prefix's length is known
  (GS1's published prefixes); others stay Digital Links, there being no URN to give.
- `Never_Translates`, `No_Preference`: as captured.

Absent, the binding's default would be `Always_GS1_Digital_Link`; here an absent header means
`No_Preference`, so an event comes back exactly as it was captured (the identity partners and the
conformance corpus rely on) unless a client asks. Every answer says which applied.
"""

from __future__ import annotations

from collections.abc import Callable

from services.supplychain import digital_link
from services.supplychain.epcis.store import CLASS_FIELDS, INSTANCE_FIELDS

HEADER = "GS1-EPC-Format"
FORMATS = ("No_Preference", "Always_GS1_Digital_Link", "Always_EPC_URN", "Never_Translates")
DEFAULT = "No_Preference"


def chosen(header: str | None) -> str | None:
    """The format a request asks for (DEFAULT when absent), or None when it names none of FORMATS."""
    if header is None or not header.strip():
        return DEFAULT
    value = header.strip()
    return value if value in FORMATS else None


def translated(event: dict, epc_format: str) -> dict:
    """The event with its EPCs and EPC classes in `epc_format` (a copy; the stored one is left alone)."""
    if epc_format == "Always_GS1_Digital_Link":
        return _mapped(event, lambda epc: epc if epc.startswith("http") else digital_link.canonical(epc) or epc)
    if epc_format == "Always_EPC_URN":
        return _mapped(event, lambda epc: digital_link.as_epc_urn(epc) or epc)
    return event


def _mapped(event: dict, form: Callable[[str], str]) -> dict:
    out = dict(event)
    if isinstance(out.get("parentID"), str):
        out["parentID"] = form(out["parentID"])
    for field in INSTANCE_FIELDS:
        if isinstance(out.get(field), list):
            out[field] = [form(epc) if isinstance(epc, str) else epc for epc in out[field]]
    for field in CLASS_FIELDS:
        if isinstance(out.get(field), list):
            out[field] = [
                {**element, "epcClass": form(element["epcClass"])}
                if isinstance(element, dict) and isinstance(element.get("epcClass"), str)
                else element
                for element in out[field]
            ]
    return out
