"""Communes and wards before and after 1 July 2025 (`shared.places`, the vietnamadminunits data)."""

from __future__ import annotations

from datetime import date

import pytest

from shared import places
from shared.places import Scheme, resolve_ward, ward_name

THAI_NGUYEN_AND_BAC_KAN = ("Tỉnh Thái Nguyên", "Tỉnh Bắc Kạn")  # merged into today's Thái Nguyên


def test_the_current_list_is_the_official_one():
    current = places.dataset().current
    assert len(current) == 3321 and len({ward.province_code for ward in current.values()}) == 34
    thai_nguyen = [ward for ward in current.values() if ward.province_name == "Thái Nguyên"]
    assert len(thai_nguyen) == 92 and {ward.province_code for ward in thai_nguyen} == {"19"}
    assert ward_name("05788") == "Xã Phú Lạc"  # the draft list had 05794
    assert ward_name("05488") == "Xã Đại Phúc" and ward_name("05503") == "Xã Tân Cương"
    assert places.province_name("05488") == "Thái Nguyên"


def test_every_legacy_unit_of_thai_nguyen_and_bac_kan_maps_to_current_thai_nguyen_units():
    legacy = [old for old in places.dataset().legacy.values() if old.province_name in THAI_NGUYEN_AND_BAC_KAN]
    assert len(legacy) == 280
    for old in legacy:
        assert all(places.province_name(new) == "Thái Nguyên" for new in old.current_codes), old
    assert len(places.dataset().legacy) == 10035


def test_current_codes_are_kept_and_padded():
    assert resolve_ward("05488") == places.ResolvedWard("05488")
    assert resolve_ward(" 5503 ").code == "05503"


def test_a_retired_code_maps_to_the_commune_that_absorbed_it():
    assert resolve_ward("05485") == places.ResolvedWard("05455", "05485")  # Xã Phúc Hà -> Phường Quyết Thắng
    assert ward_name("05455") == "Phường Quyết Thắng"
    assert resolve_ward("05794") == places.ResolvedWard("05788", "05794")  # Xã Phục Linh -> Xã Phú Lạc


def test_a_code_that_changed_meaning_in_2025_is_read_by_its_scheme_or_date():
    assert places.legacy_ward("05488").name == "Xã Phúc Xuân"
    assert ward_name("05488") == "Xã Đại Phúc"
    # 05467: before July 2025 Phường Cam Giá (divided: Gia Sàng by default, part to Tích Lương)
    assert resolve_ward("05467").legacy_code is None  # read as current: Phường Gia Sàng
    for read in ({"scheme": Scheme.LEGACY}, {"on": date(2024, 3, 1)}):
        with pytest.raises(places.WardCodeError) as asked:
            resolve_ward("05467", **read)
        assert asked.value.key == "ward.legacy_split"
        assert asked.value.values["candidates"] == "05467 Phường Gia Sàng, 05500 Phường Tích Lương"
        assert resolve_ward("05467", divided="default", **read) == places.ResolvedWard("05467", "05467")
    assert resolve_ward("05467", on=date(2025, 7, 1)) == places.ResolvedWard("05467")
    assert places.scheme_on(date(2025, 6, 30)) is Scheme.LEGACY and places.scheme_on(date(2025, 7, 1)) is Scheme.CURRENT


def test_a_legacy_code_read_as_current_is_refused():
    with pytest.raises(places.WardCodeError) as refused:
        resolve_ward("05485", scheme=Scheme.CURRENT)
    assert refused.value.key == "ward.unknown"


def test_a_divided_communes_old_code_asks_or_takes_the_proposed_default():
    gia_sang = places.legacy_ward("05461")  # Phường Gia Sàng, divided in 2025
    assert gia_sang.current_codes == ("05443", "05467")  # Phan Đình Phùng proposed, part to Gia Sàng
    for code, legacy in (("05461", None), (None, "05461")):
        with pytest.raises(places.WardCodeError) as asked:
            resolve_ward(code, legacy)
        assert asked.value.values["candidates"] == "05443 Phường Phan Đình Phùng, 05467 Phường Gia Sàng"
    assert resolve_ward("05467", "05461") == places.ResolvedWard("05467", "05461")
    assert resolve_ward(None, "05461", divided="default") == places.ResolvedWard("05443", "05461")
    with pytest.raises(ValueError, match="became 05443/05467, not 05488"):
        resolve_ward("05488", "05461")
    assert sum(1 for old in places.dataset().legacy.values() if old.split_into) == 471


def test_an_explicit_legacy_code_wins_over_a_current_code_with_the_same_digits():
    assert resolve_ward(None, "05488") == resolve_ward("05488", "05488") == places.ResolvedWard("05488", "05488")
    with pytest.raises(ValueError, match="became 05488"):
        resolve_ward("05503", "05488")


def test_a_current_code_that_once_named_a_commune_that_went_elsewhere_is_known_as_such():
    assert places.former_meaning("05488") is None  # old Phúc Xuân went wholly to Đại Phúc, which kept its code
    assert places.former_meaning("05467") == places.legacy_ward("05467")  # old Cam Giá, partly to Tích Lương


def test_names_are_found_without_diacritics_in_either_scheme():
    assert [ward.code for ward in places.search_wards("dai phuc")] == ["05488"]
    assert [ward.code for ward in places.search_wards("DAI PHUC")] == ["05488"]
    assert [old.name for old in places.search_wards("phuc xuan", Scheme.LEGACY) if old.code == "05488"] == [
        "Xã Phúc Xuân"
    ]
    assert places.search_wards("   ") == []


@pytest.mark.parametrize("bad", ["", "abc", "123456", "99999"])
def test_bad_codes_are_refused_with_a_reason(bad):
    with pytest.raises(ValueError):
        resolve_ward(bad)


def test_old_communes_are_found_by_name_and_district():
    assert [old.code for old in places.legacy_wards_named("Xã Phúc Xuân")] == ["05488"]
    assert [old.code for old in places.legacy_wards_named("Tân Linh")] == ["05788"]  # spelled: not Tản Lĩnh
    assert len(places.legacy_wards_named("tan linh")) == 3  # unaccented: every spelling
    assert [old.code for old in places.legacy_wards_named("tan thanh", "Huyện Phú Bình")] == ["05923"]
    assert places.legacy_wards_named("Xã Không Có") == []
