"""Every query parameter GS1's EPCIS 2.0 query schema names is known to the query interface:
answered, or refused as a standard parameter not implemented (501), never called unknown (400).

`epcis_query_schema.json` is GS1's query-schema.json, copied unchanged (github.com/gs1/EPCIS).
Its flexible names (`EQ_bizTransaction_<type>`, `GE_minValue_<uom>`, `EQ_ILMD_<field>`, ...)
are patterns; each is tried with a name built from it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from services.supplychain.epcis.query import EventQuery, QueryParameterError, UnsupportedParameter

SCHEMA = json.loads((Path(__file__).parent / "epcis_query_schema.json").read_text(encoding="utf-8"))
QUERY = SCHEMA["definitions"]["EPCIS-Query"]
FIXED = sorted(name for name in QUERY["properties"] if name != "@context")
# The schema's regexes are escaped twice (a doubled backslash before `w` and `:`): undo it once.
PATTERNS = sorted(pattern.replace("\\\\", "\\") for pattern in QUERY["patternProperties"])
PARTS = {
    r"[a-z][a-zA-Z0-9]*\:\w+": "example:field",
    r"[A-Z0-9]{2,4}": "KGM",
    r"[a-z][a-zA-Z0-9_]+": "owning_party",
    r"\w+_\w+": "bizLocation_ward",
}


def name_of(pattern: str) -> str:
    name = pattern.strip("^$")
    for part, example in PARTS.items():
        name = name.replace(part, example)
    assert re.fullmatch(pattern, name), (pattern, name)
    return name


def test_the_schema_is_gs1s():
    assert len(FIXED) == 60 and len(PATTERNS) == 108
    assert "EQ_bizTransaction_[a-z][a-zA-Z0-9_]+" in {pattern.strip("^$") for pattern in PATTERNS}


def outcome(name: str) -> str:
    try:
        EventQuery.from_parameters([(name, "1")])
    except UnsupportedParameter:
        return "not implemented"
    except QueryParameterError as refused:  # a value this name does not take: the name was known
        return "unknown" if refused.key == "epcis.parameter.unknown" else "answered"
    return "answered"


@pytest.mark.parametrize("name", FIXED + [name_of(pattern) for pattern in PATTERNS])
def test_no_standard_parameter_is_called_unknown(name):
    assert outcome(name) in ("answered", "not implemented")


@pytest.mark.parametrize("kind", ["bizTransaction", "source", "destination"])
def test_partner_parameters_are_answered(kind):
    assert outcome(f"EQ_{kind}_owning_party") == "answered"
