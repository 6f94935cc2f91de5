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
        assert "99999" in by_row[5] and "danh mục" in by_row[5]  # Vietnamese, from the ward check itself
        assert "31/02/2020" in by_row[6] and "dd/mm/yyyy" in by_row[6]
        assert "dòng 2" in by_row[7]
        assert "Tổ hợp tác, Hợp tác xã" in by_row[8]
        assert "accept_valid_rows=true" in report["message"]
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

        partial = await _upload(client, "/imports/members", "tv.xlsx", _xlsx(header, rows), accept_valid_rows="true")
        assert partial.status_code == 201 and partial.json()["imported"] == 3
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
