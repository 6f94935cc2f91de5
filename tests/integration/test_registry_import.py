"""Bulk import of the province's spreadsheets (CSV and XLSX), on both backends."""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

from tests.support import bearer, running_app, wait_until

COOP_HEADER = ["Tên HTX", "Mã số đăng ký", "Mã số thuế", "Mã xã", "Ngày thành lập", "Loại hình", "Sản phẩm chính"]
GOOD_COOPS = [
    ["HTX Chè Tân Hương", "TN-001", "4600123456", "05488", "15/04/2009", "Hợp tác xã", "Chè búp khô; Chè xanh"],
    ["Tổ hợp tác chè Khuôn Gà", "TN-002", "", "05503", "01/06/2015", "Tổ hợp tác", "Chè búp khô"],
    ["Liên hiệp HTX Chè Thái Nguyên", "TN-003", "", "5485", "2018-01-01", "Liên hiệp hợp tác xã", ""],
]


def _csv(header, rows, delimiter=",") -> bytes:
    lines = [delimiter.join(header)] + [delimiter.join(row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def _xlsx(header, rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def _upload(client, path, name, content, **params):
    return await client.post(path, files={"file": (name, content)}, params=params, headers=bearer())


async def test_coops_file_with_bad_rows_imports_nothing_and_reports_precisely(
    registry_app_factory, redis, stream_prefix
):
    app = await registry_app_factory()
    bad_rows = GOOD_COOPS + [
        ["HTX Rau Sạch", "TN-004", "", "99999", "01/01/2020", "Hợp tác xã", ""],  # row 5: ward
        ["HTX Gạo", "TN-005", "", "05569", "31/02/2020", "Hợp tác xã", ""],  # row 6: date
        ["HTX Chè Trùng", "TN-001", "", "05488", "01/01/2020", "Hợp tác xã", ""],  # row 7: repeats row 2
        ["HTX Nấm", "TN-006", "", "05488", "01/01/2020", "Công ty", ""],  # row 8: form
        ["", "TN-007", "", "05488", "01/01/2020", "Hợp tác xã", ""],  # row 9: name
    ]
    async with running_app(app) as client:
        answer = await _upload(client, "/imports/coops", "htx.csv", _csv(COOP_HEADER, bad_rows))
        assert answer.status_code == 422, answer.text
        report = answer.json()
        assert (report["rows"], report["valid_rows"], report["imported"]) == (8, 3, 0)
        assert [(e["row"], e["column"]) for e in report["errors"]] == [
            (5, "Mã xã"),
            (6, "Ngày thành lập"),
            (7, "Mã số đăng ký"),
            (8, "Loại hình"),
            (9, "Tên HTX"),
        ]
        by_row = {e["row"]: e["message"] for e in report["errors"]}
        # not current, and not an old code the platform maps: the message says where the new code goes
        assert "99999" in by_row[5] and "01/7/2025" in by_row[5] and "«Mã xã»" in by_row[5]
        assert "31/02/2020" in by_row[6] and "dd/mm/yyyy" in by_row[6]
        assert "dòng 2" in by_row[7]
        assert "Tổ hợp tác, Hợp tác xã" in by_row[8]
        assert report["message"] == "Chưa nhập dòng nào: 5 dòng có lỗi (dòng 5, 6, 7, 8, 9); 3 dòng không có lỗi."
        assert report["skipped_rows"] == [5, 6, 7, 8, 9]
        assert "«Chỉ nhập các dòng hợp lệ»" in report["retry_with"] and "3 dòng" in report["retry_with"]
        assert "accept_valid_rows" not in report["message"] + report["retry_with"]
        assert (await client.get("/coops")).json()["total"] == 0
        english = await client.post(
            "/imports/coops",
            files={"file": ("htx.csv", _csv(COOP_HEADER, bad_rows))},
            headers={**bearer(), "Accept-Language": "en"},
        )
        assert "Repeats row 2" in {e["row"]: e["message"] for e in english.json()["errors"]}[7]

        partial = await _upload(
            client, "/imports/coops", "htx.csv", _csv(COOP_HEADER, bad_rows), accept_valid_rows="true"
        )
        assert partial.status_code == 201, partial.text
        assert (partial.json()["imported"], len(partial.json()["errors"])) == (3, 5)
        assert partial.json()["message"] == (
            "Đã nhập 3 tổ chức; bỏ qua 5 dòng có lỗi: dòng 5, 6, 7, 8, 9. 1 dòng ghi mã xã cũ (trước 01/7/2025), "
            "đã được ghi theo xã hiện nay: dòng 4; xem phần cảnh báo."
        )
        assert partial.json()["skipped_rows"] == [5, 6, 7, 8, 9]
        assert "chỉ gồm các dòng đó" in partial.json()["retry_with"]
        [mapped] = partial.json()["warnings"]  # row 4 gave old Xã Phúc Hà's code in the current-code column
        assert (mapped["row"], mapped["column"]) == (4, "Mã xã")
        assert "05485" in mapped["message"] and "Xã Phúc Hà" in mapped["message"]
        assert "Phường Quyết Thắng (05455)" in mapped["message"]
        coops = (await client.get("/coops", params={"sort": "registration_code"})).json()["items"]
        assert [(c["registration_code"], c["name"], c["form"], c["ward_code"]) for c in coops] == [
            ("TN-001", "HTX Chè Tân Hương", "hop_tac_xa", "05488"),
            ("TN-002", "Tổ hợp tác chè Khuôn Gà", "to_hop_tac", "05503"),
            ("TN-003", "Liên hiệp HTX Chè Thái Nguyên", "lien_hiep", "05455"),
        ]
        assert coops[0]["main_products"] == ["Chè búp khô", "Chè xanh"] and coops[0]["founded_on"] == "2009-04-15"
        assert coops[2]["legacy_ward_code"] == "05485"
        assert (await client.get("/coops", params={"q": "tan huong"})).json()["total"] == 1

        # the same events as the API, one per row, and the first status row of each
        stream = f"{stream_prefix}registry.events"
        entries = await wait_until(lambda: _at_least(redis, stream, 3), message="three registrations")
        payloads = [json.loads(fields[b"payload"]) for _, fields in entries]
        assert [p["registration_code"] for p in payloads] == ["TN-001", "TN-002", "TN-003"]
        assert {fields[b"event_type"] for _, fields in entries} == {b"registry.coop_registered"}
        assert entries[0][1][b"occurred_at"].decode() == "2009-04-15T00:00:00+07:00"
        history = (await client.get(f"/coops/{coops[0]['id']}/history")).json()
        assert [h["status"] for h in history["status_history"]] == ["active"]
        assert [e["event_type"] for e in history["events"]] == ["registry.coop_registered"]

        again = await _upload(client, "/imports/coops", "htx.csv", _csv(COOP_HEADER, GOOD_COOPS[:1]))
        assert again.status_code == 422
        assert again.json()["errors"][0]["row"] == 2 and "TN-001" in again.json()["errors"][0]["message"]


async def _at_least(redis, stream, count):
    entries = await redis.xrange(stream)
    return entries if len(entries) >= count else None


async def test_members_from_xlsx_with_vietnamese_headers(registry_app_factory, redis, stream_prefix):
    app = await registry_app_factory()
    header = [
        "Mã số đăng ký HTX",
        "Họ và tên",
        "Loại thành viên",
        "Hình thức",
        "Ngày vào",
        "Vốn góp",
        "Số điện thoại",
        "Số CCCD",
        "Ghi chú",
    ]
    async with running_app(app) as client:
        await _upload(
            client,
            "/imports/coops",
            "htx.xlsx",
            _xlsx(
                COOP_HEADER,
                [
                    [*row[:4], datetime.strptime(row[4], "%d/%m/%Y") if "/" in row[4] else row[4], *row[5:]]
                    for row in GOOD_COOPS[:2]
                ],
            ),
        )
        coops = {c["registration_code"]: c["id"] for c in (await client.get("/coops")).json()["items"]}
        assert set(coops) == {"TN-001", "TN-002"}
        rows = [
            [
                "TN-001",
                "Đỗ Thị Hằng",
                "Hộ gia đình",
                "Chính thức",
                datetime(2016, 1, 10),
                5000000,
                912345678,
                19123456789,
                "đại diện hộ",
            ],
            ["TN-001", "Lê Văn Hùng", "Cá nhân", "Người lao động", "10/02/2017", "2.000.000", "0987654321", "", ""],
            ["TN-002", "Công ty TNHH Chè Xanh", "Pháp nhân", "Liên kết", "01/07/2016", 0, "", "", ""],
            ["TN-404", "Hoàng Văn Nam", "Hộ gia đình", "Chính thức", "01/01/2016", 0, "", "", ""],  # row 5
            ["TN-001", "Vũ Thị Mai", "Hộ gia đình", "Chính thức", "01/01/2001", 0, "", "", ""],  # row 6
            ["TN-001", "Phạm Văn An", "Hộ gia đình", "Chính thức", "01/01/2016", "năm triệu", "", "", ""],  # row 7
            ["TN-001", "Trần Thị Bình", "Hộ gia đình", "Chính thức", "01/01/2016", 0, "", "019123456789", ""],  # row 8
        ]
        answer = await _upload(client, "/imports/members", "tv.xlsx", _xlsx(header, rows))
        assert answer.status_code == 422, answer.text
        report = answer.json()
        assert [(e["row"], e["column"]) for e in report["errors"]] == [
            (5, "Mã số đăng ký HTX"),
            (6, "Ngày vào"),
            (7, "Vốn góp"),
            (8, "Số CCCD"),
        ]
        assert "TN-404" in report["errors"][0]["message"]
        assert [w["column"] for w in report["warnings"]] == ["Ghi chú"]
        assert (await client.get(f"/coops/{coops['TN-001']}/members")).json()["total"] == 0

        assert report["message"] == "Chưa nhập dòng nào: 4 dòng có lỗi (dòng 5, 6, 7, 8); 3 dòng không có lỗi."

        partial = await _upload(client, "/imports/members", "tv.xlsx", _xlsx(header, rows), accept_valid_rows="true")
        assert partial.status_code == 201 and partial.json()["imported"] == 3
        assert partial.json()["message"] == "Đã nhập 3 thành viên; bỏ qua 4 dòng có lỗi: dòng 5, 6, 7, 8."
        assert partial.json()["skipped_rows"] == [5, 6, 7, 8]
        private = (await client.get(f"/coops/{coops['TN-001']}/members", headers=bearer())).json()["items"]
        assert [
            (m["name"], m["kind"], m["membership"], m["capital_vnd"], m["phone"], m["id_number"]) for m in private
        ] == [
            ("Đỗ Thị Hằng", "household", "official", 5_000_000, "0912345678", "019123456789"),
            ("Lê Văn Hùng", "individual", "worker", 2_000_000, "0987654321", None),
        ]
        found = await client.get(f"/coops/{coops['TN-001']}/members", params={"q": "do thi hang"}, headers=bearer())
        assert [m["name"] for m in found.json()["items"]] == ["Đỗ Thị Hằng"]
        public = (await client.get(f"/coops/{coops['TN-001']}/members")).json()["items"]
        assert [m["name"] for m in public] == ["Đ. T. H.", "L. V. H."] and "phone" not in public[0]

        stream = f"{stream_prefix}registry.events"
        entries = await wait_until(lambda: _at_least(redis, stream, 5), message="2 registrations and 3 joins")
        joined = [json.loads(f[b"payload"]) for _, f in entries if f[b"event_type"] == b"registry.member_joined"]
        assert sorted(j["name"] for j in joined) == ["Công ty TNHH Chè Xanh", "Lê Văn Hùng", "Đỗ Thị Hằng"]
        assert all("phone" not in j and "id_number" not in j for j in joined)
        for event in joined:  # each event names the row it was written for
            member = (
                await client.get(f"/coops/{event['coop_id']}/members/{event['member_id']}", headers=bearer())
            ).json()
            assert (member["name"], member["joined_on"]) == (event["name"], event["joined_on"])


async def test_import_refusals(registry_app_factory, redis, stream_prefix):
    app = await registry_app_factory()
    async with running_app(app) as client:
        content = _csv(COOP_HEADER, GOOD_COOPS)
        assert (await client.post("/imports/coops", files={"file": ("a.csv", content)})).status_code == 401
        denied = await client.post(
            "/imports/coops", files={"file": ("a.csv", content)}, headers=bearer("coop", coop_id=1)
        )
        assert denied.status_code == 403
        assert (await client.post("/imports/coops", headers=bearer())).status_code == 422  # no file
        missing = await _upload(client, "/imports/coops", "a.csv", _csv(["Tên HTX", "Mã xã"], [["HTX A", "05488"]]))
        assert missing.status_code == 422
        assert {(e["row"], e["column"]) for e in missing.json()["errors"]} == {
            (1, "Mã số đăng ký"),
            (1, "Ngày thành lập"),
        }
        assert missing.json()["message"] == (
            "Chưa nhập dòng nào: dòng tiêu đề (dòng 1) thiếu cột «Mã số đăng ký», «Ngày thành lập»."
        )
        assert missing.json()["skipped_rows"] == [] and "dòng tiêu đề" in missing.json()["retry_with"]
        every_row_bad = await _upload(
            client,
            "/imports/coops",
            "a.csv",
            _csv(COOP_HEADER, [GOOD_COOPS[0][:3] + ["99999", *GOOD_COOPS[0][4:]]]),
            accept_valid_rows="true",
        )  # asking for the valid rows when there are none is still a refusal
        assert every_row_bad.status_code == 422 and every_row_bad.json()["imported"] == 0
        assert every_row_bad.json()["retry_with"] == "Sửa các dòng có lỗi theo báo cáo rồi gửi lại tệp."
        garbage = await _upload(client, "/imports/coops", "a.xlsx", b"PK\x03\x04 not really a workbook")
        assert garbage.status_code == 422 and garbage.json()["detail"]["code"] == "import.unreadable"
        semicolons = await _upload(client, "/imports/coops", "a.csv", _csv(COOP_HEADER, GOOD_COOPS[:1], ";"))
        assert semicolons.status_code == 201 and semicolons.json()["imported"] == 1
        assert await redis.xlen(f"{stream_prefix}registry.events") <= 1


async def test_the_sample_files_in_docs_import_cleanly(registry_app_factory):
    """docs/registry-import.md points newcomers at these files: they must import as they are."""
    examples = Path(__file__).resolve().parents[2] / "docs" / "examples"
    async with running_app(await registry_app_factory()) as client:
        coops = await _upload(client, "/imports/coops", "htx.csv", (examples / "htx.csv").read_bytes())
        members = await _upload(
            client, "/imports/members", "thanh_vien.csv", (examples / "thanh_vien.csv").read_bytes()
        )
        assert (coops.status_code, coops.json()["imported"], coops.json()["errors"]) == (201, 3, [])
        assert (members.status_code, members.json()["imported"], members.json()["errors"]) == (201, 3, [])
        found = (await client.get("/coops", params={"q": "khe coc"})).json()["items"]
        assert [coop["name"] for coop in found] == ["HTX Chè Khe Cốc"]


def _numbered_coops(count: int, bad: set[int]) -> list[list[str]]:
    """`count` co-ops for rows 2.. of a sheet; the rows numbered in `bad` carry an unknown ward code."""
    return [
        [f"HTX Số {row}", f"TN-{row:03}", "", "99999" if row in bad else "05503", "01/06/2015", "Hợp tác xã", ""]
        for row in range(2, count + 2)
    ]


async def test_a_partial_import_says_what_went_in_and_what_was_skipped(registry_app_factory, redis, stream_prefix):
    """The officer's case from issue 13: 50 rows, 9 of them wrong."""
    bad = {3, 7, 12, 18, 25, 33, 40, 44, 51}
    content = _csv(COOP_HEADER, _numbered_coops(50, bad))
    async with running_app(await registry_app_factory()) as client:
        refused = await _upload(client, "/imports/coops", "htx.csv", content)
        assert refused.status_code == 422
        assert refused.json()["message"] == (
            "Chưa nhập dòng nào: 9 dòng có lỗi (dòng 3, 7, 12, 18, 25, 33, 40, 44, 51); 41 dòng không có lỗi."
        )
        assert refused.json()["retry_with"] == (
            "Sửa các dòng có lỗi rồi gửi lại cả tệp; hoặc, để nhập ngay 41 dòng và bỏ qua 9 dòng, "
            "gửi lại đúng tệp này với lựa chọn «Chỉ nhập các dòng hợp lệ»."
        )
        english = await client.post(
            "/imports/coops",
            files={"file": ("htx.csv", content)},
            params={"accept_valid_rows": "true"},
            headers={**bearer(), "Accept-Language": "en"},
        )
        assert english.status_code == 201, english.text
        report = english.json()
        assert (report["rows"], report["valid_rows"], report["imported"]) == (50, 41, 41)
        assert report["skipped_rows"] == sorted(bad)
        assert (
            report["message"]
            == "Imported 41 organisations; skipped 9 rows with errors: rows 3, 7, 12, 18, 25, 33, 40, 44, 51."
        )
        assert report["retry_with"].startswith("Fix the 9 rows that were skipped and send a file of those rows only")
        assert (await client.get("/coops")).json()["total"] == 41

        many_bad = await _upload(
            client, "/imports/coops", "more.csv", _csv(COOP_HEADER, _numbered_coops(12, set(range(2, 14))))
        )
        assert many_bad.json()["message"].startswith(
            "Chưa nhập dòng nào: 12 dòng có lỗi (dòng 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, …)"
        )
        assert many_bad.json()["skipped_rows"] == list(range(2, 14))  # the list is whole; the message names ten

        one = await client.post(
            "/imports/coops",
            files={"file": ("one.csv", _csv(COOP_HEADER, [GOOD_COOPS[0][:1] + ["TN-900", *GOOD_COOPS[0][2:]]]))},
            headers={**bearer(), "Accept-Language": "en"},
        )
        assert (one.status_code, one.json()["message"], one.json()["retry_with"]) == (
            201,
            "Imported 1 organisation.",
            None,
        )
        # the refused files left nothing behind: 41 + 1 registrations on the stream, no more
        stream = f"{stream_prefix}registry.events"
        entries = await wait_until(lambda: _at_least(redis, stream, 42), message="42 registrations")
        codes = [json.loads(fields[b"payload"])["registration_code"] for _, fields in entries]
        assert len(codes) == 42 and "TN-900" in codes and not {f"TN-{row:03}" for row in bad} & set(codes)


async def test_old_commune_codes_in_the_current_code_column(registry_app_factory, redis, stream_prefix):
    """Mapped with a warning naming today's commune; a divided commune's old code refused, the new ones named.

    Thái Nguyên's own cases (vietnamadminunits): old Phường Gia Sàng 05461 was divided between Phường
    Phan Đình Phùng 05443 (proposed) and Phường Gia Sàng 05467; 05467 was old Phường Cam Giá's code,
    divided between today's Gia Sàng and Phường Tích Lương 05500."""
    header = [*COOP_HEADER[:4], "Mã xã cũ", *COOP_HEADER[4:]]

    def row(code: str, ward: str, legacy: str = "") -> list[str]:
        return [f"HTX {code}", code, "", ward, legacy, "01/06/2015", "Hợp tác xã", ""]

    rows = [
        row("TN-A", "05491"),  # row 2: old Xã Quyết Thắng -> Phường Quyết Thắng 05455
        row("TN-B", "05461"),  # row 3: divided: refused, both new communes named
        row("TN-C", "05467", "05461"),  # row 4: the old code with the new commune chosen: accepted
        row("TN-D", "05467"),  # row 5: current Gia Sàng, once Cam Giá's: read as current, with a warning
    ]
    async with running_app(await registry_app_factory()) as client:
        refused = await _upload(client, "/imports/coops", "cu.csv", _csv(header, rows))
        assert refused.status_code == 422 and refused.json()["skipped_rows"] == [3]
        [split] = refused.json()["errors"]
        assert split["column"] == "Mã xã" and "Phường Gia Sàng" in split["message"]
        assert "05443 Phường Phan Đình Phùng, 05467 Phường Gia Sàng" in split["message"]
        assert (await client.get("/coops")).json()["total"] == 0  # nothing half-written

        english = await client.post(
            "/imports/coops",
            files={"file": ("cu.csv", _csv(header, rows))},
            params={"accept_valid_rows": "true"},
            headers={**bearer(), "Accept-Language": "en"},
        )
        assert english.status_code == 201 and english.json()["imported"] == 3
        assert (
            "divided between several new communes: 05443 Phường Phan Đình Phùng, 05467 Phường Gia Sàng"
            in (english.json()["errors"][0]["message"])
        )
        warnings = {w["row"]: w["message"] for w in english.json()["warnings"]}
        assert set(warnings) == {2, 5}  # row 4 gave its old code in the old-code column: nothing to warn about
        assert warnings[2] == (
            "Code 05491 is no longer in use since 1 July 2025: it is the old code of Xã Quyết Thắng, now part of "
            "Phường Quyết Thắng (05455). Recorded under Phường Quyết Thắng; the old code is kept with it."
        )
        assert "recorded as Phường Gia Sàng" in warnings[5]
        assert "Phường Cam Giá, now part of 05467 Phường Gia Sàng, 05500 Phường Tích Lương" in warnings[5]
        assert english.json()["message"] == (
            "Imported 3 organisations; skipped 1 row with errors: row 3. 1 row gave a pre-July-2025 commune code, "
            "recorded under today's commune: row 2; see the warnings."
        )
        coops = (await client.get("/coops", params={"sort": "registration_code"})).json()["items"]
        assert [(c["registration_code"], c["ward_code"], c["legacy_ward_code"]) for c in coops] == [
            ("TN-A", "05455", "05491"),
            ("TN-C", "05467", "05461"),
            ("TN-D", "05467", None),
        ]


async def test_old_communes_named_instead_of_coded(registry_app_factory):
    """An old sheet's commune names (with the old district where the name repeats) find the old code."""
    header = ["Tên HTX", "Mã số đăng ký", "Mã xã", "Tên xã cũ", "Huyện cũ", "Ngày thành lập"]
    rows = [
        ["HTX Phúc Xuân", "TN-N1", "", "Xã Phúc Xuân", "", "01/06/2015"],  # row 2: unique name: 05488
        ["HTX Tân Linh", "TN-N2", "", "tan linh", "Đại Từ", "01/06/2015"],  # row 3: without diacritics, in its district
        ["HTX Tân Thành", "TN-N3", "", "Xã Tân Thành", "", "01/06/2015"],  # row 4: a name of many: refused
        ["HTX Gia Sàng", "TN-N4", "05467", "Phường Gia Sàng", "Thái Nguyên", "01/06/2015"],  # row 5: divided, chosen
        ["HTX Không Có", "TN-N5", "", "Xã Không Có", "", "01/06/2015"],  # row 6: no such commune
        ["HTX Tân Thành 2", "TN-N6", "", "Tân Thành", "Phú Bình", "01/06/2015"],  # row 7: in its district
    ]
    async with running_app(await registry_app_factory()) as client:
        report = (
            await _upload(client, "/imports/coops", "cu.csv", _csv(header, rows), accept_valid_rows="true")
        ).json()
        errors = {error["row"]: error for error in report["errors"]}
        assert report["imported"] == 4 and set(errors) == {4, 6}
        assert errors[4]["column"] == "Tên xã cũ"
        assert "05923 Xã Tân Thành (Huyện Phú Bình, Tỉnh Thái Nguyên)" in errors[4]["message"]
        assert "Huyện cũ" in errors[4]["message"]
        assert "Xã Không Có" in errors[6]["message"]
        warnings = {w["row"]: w for w in report["warnings"]}
        assert set(warnings) == {2, 3, 5, 7} and warnings[3]["column"] == "Tên xã cũ"
        assert warnings[3]["message"] == (
            "Xã Tân Linh (Huyện Đại Từ, mã cũ 05788) nay thuộc Xã Phú Lạc (05788). Đã ghi theo Xã Phú Lạc; mã cũ được "
            "lưu kèm."
        )
        coops = (await client.get("/coops", params={"sort": "registration_code"})).json()["items"]
        assert [(c["registration_code"], c["ward_code"], c["legacy_ward_code"]) for c in coops] == [
            ("TN-N1", "05488", "05488"),
            ("TN-N2", "05788", "05788"),
            ("TN-N4", "05467", "05461"),
            ("TN-N6", "05923", "05923"),
        ]
        assert coops[1]["ward_name"] == "Xã Phú Lạc"
