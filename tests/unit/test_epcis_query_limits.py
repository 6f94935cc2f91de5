"""EPCIS query limits and EPC pattern compilation, without a database (tests/integration/test_epcis_query_limits.py
runs them against both backends)."""

from __future__ import annotations

import pytest

from services.supplychain.epcis.query import EventQuery, QueryLimits, QueryTooComplex, _pattern_matches


def test_a_pattern_compiles_to_exact_values_prefixes_or_likes():
    assert _pattern_matches("urn:epc:idpat:sgtin:0614141.107346.*") == (
        [],
        [
            "urn:epc:id:sgtin:0614141.107346.",
            "urn:epc:idpat:sgtin:0614141.107346.",
            "urn:epc:class:lgtin:0614141.107346.",
        ],
        [],
    )
    assert _pattern_matches("urn:epc:idpat:sscc:0614141.*") == (
        [],
        ["urn:epc:id:sscc:0614141.", "urn:epc:idpat:sscc:0614141."],
        [],
    )
    assert _pattern_matches("urn:epc:idpat:grai:0614141.12345.5") == (
        ["urn:epc:id:grai:0614141.12345.5", "urn:epc:idpat:grai:0614141.12345.5"],
        [],
        [],
    )
    assert _pattern_matches("urn:epc:idpat:grai:*.12345.*")[2] == [
        "urn:epc:id:grai:%.12345.%",
        "urn:epc:idpat:grai:%.12345.%",
    ]


def test_limits_are_checked_when_the_query_is_read():
    with pytest.raises(QueryTooComplex) as refused:
        EventQuery.from_parameters([("EQ_eventID", "a|b|c")], QueryLimits(values_per_parameter=2))
    assert refused.value.key == "epcis.too_complex.values"
    assert refused.value.values == {"name": "EQ_eventID", "count": 3, "limit": 2}
    # Pattern URIs outside MATCH_* are plain values there, not patterns.
    query = EventQuery.from_parameters(
        [("EQ_bizLocation", "urn:epc:idpat:sgln:0614141.*.*|urn:epc:idpat:sgln:1.*.*")],
        QueryLimits(patterns_per_query=1),
    )
    assert len(query.lists["EQ_bizLocation"]) == 2
