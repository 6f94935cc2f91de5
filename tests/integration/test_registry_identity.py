"""One co-op, one registration code, however it is typed: case, Unicode forms, invisible characters and
Unicode hyphens do not make a second co-op, through the API or an import. Both backends.

Before: "TN-0001", "tn-0001", "TN\u20110001" (non-breaking hyphen), "TN-0001\u200b" (zero-width space) and the
NFD form registered as five different co-ops.
"""

from __future__ import annotations

import unicodedata

import pytest

from tests.support import bearer, running_app

COOP = {"name": "HTX Chè Tân Hương", "registration_code": "TN-HĐ-01", "ward_code": "05488", "founded_on": "2010-05-01"}
SPELLINGS = [
    "tn-hđ-01",
    "TN\u2011HĐ\u201101",  # non-breaking hyphens
    "TN\u2013HĐ\u201201",  # en dash, figure dash
    "TN-HĐ-01\u200b",  # zero-width space
    "\ufeffTN-HĐ-01",  # byte-order mark from a spreadsheet
    unicodedata.normalize("NFD", "TN-HĐ-01"),
    "ＴＮ－ＨĐ－０１",  # full-width, from some Vietnamese input methods
    "TN-H\u00adĐ-01",  # soft hyphen
]


@pytest.mark.parametrize("spelling", SPELLINGS)
async def test_another_spelling_of_a_registered_code_is_the_same_coop(registry_app_factory, spelling):
    async with running_app(await registry_app_factory()) as client:
        first = await client.post("/coops", json=COOP, headers=bearer())
        assert first.status_code == 201 and first.json()["registration_code"] == "TN-HĐ-01"
        again = await client.post("/coops", json={**COOP, "registration_code": spelling}, headers=bearer())
        assert again.status_code == 409, again.text
        assert again.json()["detail"]["code"] == "coop.duplicate_code"
        found = (await client.get("/coops", params={"q": spelling})).json()["items"]
        assert [coop["id"] for coop in found] == [first.json()["id"]]


async def test_a_code_is_stored_as_typed_minus_what_nobody_types(registry_app_factory):
    async with running_app(await registry_app_factory()) as client:
        made = await client.post(
            "/coops", json={**COOP, "registration_code": "\ufeffTn\u2011Hđ-01\u200b"}, headers=bearer()
        )
        assert made.status_code == 201 and made.json()["registration_code"] == "Tn-Hđ-01"


async def test_an_import_refuses_spellings_of_one_code_in_the_file_and_against_the_register(registry_app_factory):
    header = "Tên HTX,Mã số đăng ký,Ngày thành lập,Mã xã\n"
    async with running_app(await registry_app_factory()) as client:
        await client.post("/coops", json=COOP, headers=bearer())
        rows = "HTX Một,tn-hđ-01,01/01/2015,05488\nHTX Hai,TN-77,01/01/2015,05488\nHTX Ba,tn\u201177,01/01/2016,05488\n"
        answer = await client.post(
            "/imports/coops", files={"file": ("htx.csv", (header + rows).encode(), "text/csv")}, headers=bearer()
        )
        assert answer.status_code == 422, answer.text
        errors = [(error["row"], error["column"]) for error in answer.json()["errors"]]
        assert errors == [(2, "Mã số đăng ký"), (4, "Mã số đăng ký")], answer.json()
        assert "dòng 3" in answer.json()["errors"][1]["message"]  # "HTX Ba" repeats "HTX Hai"
        members = "Mã số đăng ký HTX,Họ và tên,Ngày vào,Loại thành viên,Hình thức\nTN\u2011HĐ\u201101,Đỗ Thị Hằng,01/01/2016,Hộ gia đình,Chính thức\n"
        imported = await client.post(
            "/imports/members", files={"file": ("tv.csv", members.encode(), "text/csv")}, headers=bearer()
        )
        assert imported.status_code == 201, imported.text  # a member row may spell its co-op's code differently
