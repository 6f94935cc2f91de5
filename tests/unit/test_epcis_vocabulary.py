"""EPCIS pure logic: CBV spellings, timestamps, URIs, EPC patterns, query parameters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.supplychain.epcis.query import EventQuery, QueryParameterError, UnsupportedParameter, _pattern_likes
from services.supplychain.epcis.store import identifiers
from services.supplychain.epcis.vocabulary import cbv_short, cbv_spellings, is_uri, parse_timestamp


@pytest.mark.parametrize(
    ("vocabulary", "value", "bare"),
    [
        ("bizStep", "shipping", "shipping"),
        ("bizStep", "urn:epcglobal:cbv:bizstep:shipping", "shipping"),
        ("bizStep", "https://ref.gs1.org/cbv/BizStep-shipping", "shipping"),
        ("bizStep", "https://gs1.org/voc/BizStep-receiving", "receiving"),
        ("bizStep", "urn:htx:bizstep:withering", "urn:htx:bizstep:withering"),
        ("bizStep", "https://ref.gs1.org/cbv/Disp-in_transit", "https://ref.gs1.org/cbv/Disp-in_transit"),
        ("disposition", "urn:epcglobal:cbv:disp:in_transit", "in_transit"),
        ("disposition", "https://ref.gs1.org/cbv/Disp-in_transit", "in_transit"),
        ("errorReason", "urn:epcglobal:cbv:er:incorrect_data", "incorrect_data"),
        ("errorReason", "https://ref.gs1.org/cbv/ER-did_not_occur", "did_not_occur"),
    ],
)
def test_cbv_values_in_either_spelling(vocabulary, value, bare):
    assert cbv_short(vocabulary, value) == bare


def test_every_spelling_of_a_cbv_type():
    spellings = cbv_spellings("bizTransactionType", "https://ref.gs1.org/cbv/BTT-po")
    assert spellings[:3] == ["po", "urn:epcglobal:cbv:btt:po", "https://ref.gs1.org/cbv/BTT-po"]
    assert {"http://gs1.org/voc/BTT-po", "https://gs1.org/voc/BTT-po"} <= set(spellings)
    assert (
        spellings
        == cbv_spellings("bizTransactionType", "po")
        == cbv_spellings("bizTransactionType", "urn:epcglobal:cbv:btt:po")
    )
    assert "urn:epcglobal:cbv:sdt:owning_party" in cbv_spellings("sourceDestType", "owning_party")


def test_a_type_outside_the_cbv_has_one_spelling():
    assert cbv_spellings("bizTransactionType", "urn:htx:btt:weighing-slip") == ["urn:htx:btt:weighing-slip"]
    # Another vocabulary's URI is not this one's term.
    assert cbv_spellings("sourceDestType", "https://ref.gs1.org/cbv/BTT-po") == ["https://ref.gs1.org/cbv/BTT-po"]


def test_partner_parameters_are_keyed_by_the_bare_type():
    query = EventQuery.from_parameters(
        [
            ("EQ_bizTransaction_po", "urn:a|urn:b"),
            ("EQ_bizTransaction_urn:epcglobal:cbv:btt:po", "urn:c"),
            ("EQ_source_https://ref.gs1.org/cbv/SDT-owning_party", "urn:p"),
            ("EQ_destination_urn:htx:sdt:carrier", "urn:q"),
        ]
    )
    assert query.lists == {
        "EQ_bizTransaction_po": ["urn:a", "urn:b", "urn:c"],
        "EQ_source_owning_party": ["urn:p"],
        "EQ_destination_urn:htx:sdt:carrier": ["urn:q"],
    }
    assert query.partners == {
        "EQ_bizTransaction_po": ("bizTransaction", "po"),
        "EQ_source_owning_party": ("source", "owning_party"),
        "EQ_destination_urn:htx:sdt:carrier": ("destination", "urn:htx:sdt:carrier"),
    }


def test_the_query_schemas_spelling_of_error_declaration_times_is_read():
    query = EventQuery.from_parameters([("GE_errorDeclaration_Time", "2025-05-10T07:00:00+07:00")])
    assert query.times == {"GE_errorDeclarationTime": datetime(2025, 5, 10, 0, 0, tzinfo=UTC)}


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2025-05-10T07:00:00+07:00", datetime(2025, 5, 10, 0, 0, tzinfo=UTC)),
        ("2005-04-03T20:33:31.116000-06:00", datetime(2005, 4, 4, 2, 33, 31, 116000, tzinfo=UTC)),
        ("2005-07-11T11:30:47.0Z", datetime(2005, 7, 11, 11, 30, 47, tzinfo=UTC)),
        ("2020-01-14T00:00:00.123456789+01:00", datetime(2020, 1, 13, 23, 0, 0, 123456, tzinfo=UTC)),
    ],
)
def test_timestamps_are_read_to_utc(text, utc):
    assert parse_timestamp(text) == utc


@pytest.mark.parametrize("text", ["2025-05-10T07:00:00", "2025-05-10", "10/05/2025 07:00", "2025-05-10T07:00:00+7"])
def test_timestamps_without_offset_are_refused(text):
    with pytest.raises(ValueError, match="time zone"):
        parse_timestamp(text)


@pytest.mark.parametrize(
    ("value", "uri"),
    [
        ("urn:epc:id:sgtin:0614141.107346.2017", True),
        ("urn:htx:TN-0001:lot:TH-1-20250510-1", True),
        ("https://id.gs1.org/01/09506000134352/21/2018", True),
        ("ni:///sha-256;df7bb3c3?ver=CBV2.0", True),
        ("example:myField", True),
        ("lô chè số 5", False),
        ("TH-1-20250510-1", False),
        ("", False),
    ],
)
def test_any_absolute_uri_is_an_identifier(value, uri):
    assert is_uri(value) is uri


def test_epc_pattern_becomes_like_patterns_for_instances_classes_and_patterns():
    assert _pattern_likes("urn:epc:idpat:sgtin:0614141.107346.*") == [
        "urn:epc:id:sgtin:0614141.107346.%",
        "urn:epc:idpat:sgtin:0614141.107346.%",
        "urn:epc:class:lgtin:0614141.107346.%",
    ]
    assert _pattern_likes("urn:epc:idpat:sscc:0614141.*") == [
        "urn:epc:id:sscc:0614141.%",
        "urn:epc:idpat:sscc:0614141.%",
    ]
    assert _pattern_likes("urn:epc:idpat:grai:0614141.12_3.*")[0] == "urn:epc:id:grai:0614141.12\\_3.%"


def test_identifiers_an_event_is_indexed_by():
    event = {
        "parentID": "urn:htx:c:1",
        "epcList": ["urn:a", "urn:a", "urn:b"],
        "childQuantityList": [{"epcClass": "urn:lot:1", "quantity": 2}],
        "transformationID": "urn:t:1",
        "persistentDisposition": {"unset": ["https://ref.gs1.org/cbv/Disp-active"]},
    }
    assert identifiers(event) == [
        ("parentID", "urn:htx:c:1"),
        ("transformationID", "urn:t:1"),
        ("epcList", "urn:a"),
        ("epcList", "urn:b"),
        ("childQuantityList", "urn:lot:1"),
        ("persistentDisposition.unset", "active"),
    ]


def test_query_parameters_are_parsed():
    query = EventQuery.from_parameters(
        [
            ("EQ_bizStep", "urn:epcglobal:cbv:bizstep:shipping|receiving"),
            ("EQ_bizStep", "https://ref.gs1.org/cbv/BizStep-packing"),
            ("GE_eventTime", "2025-05-10T07:00:00 07:00"),
            ("perPage", "5000"),
            ("orderBy", "eventTime"),
            ("orderDirection", "ASC"),
            ("lang", "en"),
        ]
    )
    assert query.lists == {"EQ_bizStep": ["shipping", "receiving", "packing"]}
    assert query.times == {"GE_eventTime": datetime(2025, 5, 10, 0, 0, tzinfo=UTC)}
    assert query.per_page == 1000  # capped
    assert query.order_by == "eventTime" and query.descending is False


@pytest.mark.parametrize(
    ("parameters", "key"),
    [
        ([("EQ_bizstep", "shipping")], "epcis.parameter.unknown"),
        ([("GE_eventTime", "yesterday")], "epcis.parameter.timestamp"),
        ([("EXISTS_errorDeclaration", "maybe")], "epcis.parameter.boolean"),
        ([("perPage", "-3")], "epcis.parameter.number"),
        ([("orderBy", "quantity")], "epcis.parameter.choice"),
        ([("EQ_source_owning party", "urn:p")], "epcis.parameter.partner_type"),
        ([("EQ_bizTransaction_", "urn:p")], "epcis.parameter.unknown"),
        ([("EQ_destination_location", "")], "epcis.parameter.empty"),
        ([("eventCountLimit", "3")], "epcis.parameter.needs_order"),
    ],
)
def test_bad_query_parameters_name_the_problem(parameters, key):
    with pytest.raises(QueryParameterError) as refused:
        EventQuery.from_parameters(parameters)
    assert refused.value.key == key
    assert refused.value.values["name"] == parameters[0][0]


@pytest.mark.parametrize(
    "name",
    [
        "GE_quantity",
        "WD_bizLocation",
        "EQ_ILMD_htx:plot",
        "EQ_example:myField",
        "GT_maxValue_CEL",
        "EQATTR_bizLocation_htx:ward",
        "EQ_INNER_ILMD_ex:field",
        "GE_time",
        "LT_quantity_KGM",
        "EQ_ATTR_readPoint_htx:ward",
        "EQ_bizLocation_htx:ward",
        "EXISTS_INNER_ERROR_DECLARATION_ex:field",
        "EQ_https://example.org/field",
    ],
)
def test_standard_parameters_not_implemented_are_told_apart(name):
    with pytest.raises(UnsupportedParameter):
        EventQuery.from_parameters([(name, "1")])
