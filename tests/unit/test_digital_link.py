"""GS1 keys between their forms: TDS 2.1's own examples, round trips, and what is no GS1 key."""

from __future__ import annotations

import pytest

from services.supplychain import digital_link
from shared.errors import InvalidValue

# (EPC URN, a Digital Link of the same key, its canonical form): TDS 2.1 §6 and §7 examples.
TWINS = [
    (
        "urn:epc:id:sgtin:0614141.107346.2017",
        "https://brand.example/01/10614141073464/21/2017",
        "https://id.gs1.org/01/10614141073464/21/2017",
    ),
    (
        "urn:epc:class:lgtin:4012345.012345.998877",
        "https://id.gs1.org/01/04012345123456/10/998877",
        "https://id.gs1.org/01/04012345123456/10/998877",
    ),
    (
        "urn:epc:id:sscc:0614141.1234567890",
        "http://pallets.example/00/106141412345678908",
        "https://id.gs1.org/00/106141412345678908",
    ),
    # A serial with characters the URN escapes and the Digital Link percent-encodes.
    (
        "urn:epc:id:sgtin:0614141.107346.A%2FB%25",
        "https://id.gs1.org/01/10614141073464/21/A%2FB%25",
        "https://id.gs1.org/01/10614141073464/21/A%2FB%25",
    ),
]


@pytest.mark.parametrize(("urn", "link", "canonical"), TWINS)
def test_each_form_gives_the_same_canonical_key_and_back(urn, link, canonical):
    assert digital_link.canonical(urn) == digital_link.canonical(link) == canonical
    assert digital_link.as_epc_urn(link) == digital_link.as_epc_urn(canonical) == urn


@pytest.mark.parametrize(
    "identifier",
    [
        "urn:htx:TN-0001:unit:HOP-1-0001",  # a private URN
        "urn:epc:id:sgtin:0614141.10734.2017",  # 12 digits, not 13
        "https://id.gs1.org/01/10614141073465/21/2017",  # wrong check digit
        "https://id.gs1.org/01/10614141073464",  # a trade item, not an instance or lot
        "https://id.gs1.org/01/10614141073464/10/L1/21/S1",  # lot and serial together: no EPC of its own
        "https://id.example.vn/buyer/42/warehouse",
    ],
)
def test_what_is_no_sgtin_lgtin_or_sscc_has_no_other_form(identifier):
    assert digital_link.canonical(identifier) is None and digital_link.as_epc_urn(identifier) is None


def test_a_prefix_gs1_publishes_no_length_for_has_no_urn():
    link = "https://truyxuat.example.vn/01/08930000123459/21/HOP-1-0001"
    assert digital_link.canonical(link) == "https://id.gs1.org/01/08930000123459/21/HOP-1-0001"
    assert digital_link.as_epc_urn(link) is None


def test_gtins_are_kept_as_14_digits_with_their_check_digit_verified():
    assert digital_link.gtin_14("8930000123459") == "08930000123459"
    assert digital_link.gtin_14(" 10614141073464 ") == "10614141073464"
    for wrong, key in (
        ("8930000123453", "gtin.check_digit"),
        ("893000012345", "gtin.check_digit"),
        ("89300-1", "gtin.invalid"),
    ):
        with pytest.raises(InvalidValue) as refused:
            digital_link.gtin_14(wrong)
        assert refused.value.key == key


def test_digital_link_paths_of_lots_and_units():
    base = "https://truyxuat.example.vn"
    assert digital_link.lot_uri(base, "08930000123459", "HOP-1") == f"{base}/01/08930000123459/10/HOP-1"
    assert digital_link.serial_uri(base, "08930000123459", "HOP-1-0001") == f"{base}/01/08930000123459/21/HOP-1-0001"
    assert digital_link.lot_uri(base, "08930000123459", "TH-1-20250601-1000000") is None  # 20 characters at most
    assert digital_link.parse_path("/01/8930000123459/10/HOP-1/21/HOP-1-0001") == digital_link.ItemKey(
        "08930000123459", "HOP-1", "HOP-1-0001"
    )
    assert digital_link.parse_path("/01/08930000123453/10/HOP-1") is None


def test_a_key_is_indexed_under_one_form_any_query_form_meets():
    known = "urn:epc:id:sgtin:0614141.107346.2017"
    assert digital_link.index_forms(known) == []  # URNs of known prefixes, most EPCs: no second row
    assert digital_link.index_forms("https://brand.example/01/10614141073464/21/2017") == [known]
    vietnamese = "https://truyxuat.example.vn/01/08930000123459/21/HOP-1-0001"
    assert digital_link.index_forms(vietnamese) == ["https://id.gs1.org/01/08930000123459/21/HOP-1-0001"]
    for form in (known, "https://other.example/01/10614141073464/21/2017"):
        assert known in [form, *digital_link.query_forms(form)]
    # A URN whose prefix split GS1 does not publish is indexed, and found, by its canonical link.
    odd_split = "urn:epc:id:sgtin:061414.1107346.2017"
    assert digital_link.index_forms(odd_split) == ["https://id.gs1.org/01/10614141073464/21/2017"]
    assert "https://id.gs1.org/01/10614141073464/21/2017" in digital_link.query_forms(known)
