"""Ward codes (current and legacy) and spreadsheet cells, without I/O."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from services.registry import importing
from shared import places
from shared.places import LEGACY_WARDS, resolve_ward, ward_name


def test_current_codes_are_kept_and_padded():
    assert resolve_ward("05488").code == "05488" and resolve_ward("05488").legacy_code is None
    assert resolve_ward(" 5503 ").code == "05503"
    assert ward_name("05488") == "Xã Đại Phúc" and ward_name("05503") == "Xã Tân Cương"


def test_retired_codes_map_to_the_commune_that_absorbed_them():
    resolved = resolve_ward("05485")  # Xã Phúc Hà, no longer a current code
    assert (resolved.code, resolved.legacy_code) == ("05455", "05485")
    assert ward_name(resolved.code) == "Phường Quyết Thắng"


def test_an_explicit_legacy_code_wins_over_a_current_code_with_the_same_digits():
    assert resolve_ward(None, "05488") == resolve_ward("05488", "05488")
    assert (resolve_ward(None, "05488").code, resolve_ward(None, "05488").legacy_code) == ("05488", "05488")
    with pytest.raises(ValueError, match="became 05488"):
        resolve_ward("05503", "05488")


def test_a_divided_communes_old_code_needs_the_new_commune(monkeypatch):
    # test-only entry: the shipped table has no divided commune
    divided = places.LegacyWard("05458", "Xã Chia Đôi", "Thử", "05455", ("05500",))
    monkeypatch.setitem(places.LEGACY_WARDS, "05458", divided)
    for code, legacy in (("05458", None), (None, "05458")):
        with pytest.raises(places.WardCodeError) as refused:
            resolve_ward(code, legacy)
        assert refused.value.key == "ward.legacy_split"
        assert refused.value.values["candidates"] == "05455 Phường Quyết Thắng, 05500 Phường Tích Lương"
    assert resolve_ward("05500", "05458") == places.ResolvedWard("05500", "05458")
    with pytest.raises(ValueError, match="became 05455/05500, not 05488"):
        resolve_ward("05488", "05458")


def test_a_current_code_that_once_named_another_commune_is_known_as_such(monkeypatch):
    assert places.former_meaning("05488") is None  # old Phúc Xuân's code went to the commune that kept it
    moved = places.LegacyWard("05467", "Phường Trùng Mã", "Thử", "05500")
    monkeypatch.setitem(places.LEGACY_WARDS, "05467", moved)
    assert places.former_meaning("05467") == moved and resolve_ward("05467").code == "05467"


def test_every_legacy_entry_points_at_a_current_thai_nguyen_commune():
    for old in LEGACY_WARDS.values():
        assert ward_name(old.current_code), old
        assert old.code == old.code.zfill(5) and old.name.startswith(("Xã ", "Phường "))


@pytest.mark.parametrize("bad", ["", "abc", "123456", "99999"])
def test_bad_codes_are_refused_with_a_reason(bad):
    with pytest.raises(ValueError):
        resolve_ward(bad)


def test_csv_rows_are_numbered_as_the_spreadsheet_shows_them():
    content = "\ufeffTên HTX;Mã xã\nHTX A;05488\n;\nHTX B;05503\n".encode()
    header, rows = importing.read_table("x.csv", content)
    assert header == ["Tên HTX", "Mã xã"]
    assert [(number, cells[0]) for number, cells in rows] == [(2, "HTX A"), (4, "HTX B")]


def test_xlsx_cells_keep_their_types_and_row_numbers():
    book = Workbook()
    sheet = book.active
    sheet.append(["Tên HTX", "Ngày thành lập"])
    sheet.append([None, None])
    sheet.append(["HTX Chè Tân Hương", datetime(2009, 4, 15)])
    buffer = io.BytesIO()
    book.save(buffer)
    header, rows = importing.read_table("x.xlsx", buffer.getvalue())
    assert rows == [(3, ["HTX Chè Tân Hương", datetime(2009, 4, 15)])]


def test_cells_are_read_as_the_province_writes_them():
    assert importing._date("15/04/2009") == date(2009, 4, 15)
    assert importing._date("2009-04-15") == date(2009, 4, 15)
    assert importing._date(datetime(2009, 4, 15, 0, 0)) == date(2009, 4, 15)
    with pytest.raises(importing.CellError):
        importing._date("31/02/2020")
    assert importing._vnd("5.000.000") == 5_000_000 and importing._vnd(2_000_000.0) == 2_000_000
    with pytest.raises(importing.CellError):
        importing._vnd(-1)
    assert importing._digits_text(912345678, 10) == "0912345678"  # the leading zero Excel dropped
    assert importing._digits_text(19123456789, 12) == "019123456789"
    assert importing.CONVERTERS["form"]("LIÊN HIỆP HỢP TÁC XÃ") == "lien_hiep"
    assert importing.CONVERTERS["kind"]("ho gia dinh") == "household"
    assert importing._list("Chè búp khô; Chè xanh\nMiến dong") == ["Chè búp khô", "Chè xanh", "Miến dong"]


def test_headers_match_the_template_without_case_or_diacritics():
    sheet = importing._Sheet(
        ["TEN HTX", "ma so dang ky", "Ngày thành lập", "Mã xã", "Ghi chú"],
        importing.COOP_COLUMNS,
        importing.COOP_REQUIRED,
        "vi",
    )
    assert sheet.errors == []
    assert sheet.header_of["name"] == "TEN HTX"  # errors name the column as the file wrote it
    assert [w.column for w in sheet.warnings] == ["Ghi chú"]
    missing = importing._Sheet(["Tên HTX"], importing.COOP_COLUMNS, importing.COOP_REQUIRED, "en")
    assert [e.column for e in missing.errors] == ["Mã số đăng ký", "Ngày thành lập"]
    assert missing.errors[0].message.startswith("The required column")
