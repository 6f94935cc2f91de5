"""Inspections and compliance flags over HTTP, on SQLite and PostgreSQL: violations with
deadlines and their resolution, who may see what, and the province's follow-up list."""

from __future__ import annotations

from datetime import date, timedelta

from tests.integration._registry_quality import PROVINCE, events_of, new_coop, new_member
from tests.support import bearer, running_app, wait_until

INSPECTION = {
    "inspected_on": "2025-01-10",
    "body": "Sở Nông nghiệp và Môi trường Thái Nguyên",
    "kind": "periodic",
    "findings": "Sổ sách thành viên đầy đủ; kho chưa tách khu vực phân bón.",
    "violations": [
        {"description": "Kho chưa tách khu vực phân bón", "correction_deadline": "2025-03-31"},
        {"description": "Thiếu nhật ký sản xuất VietGAP", "correction_deadline": "2025-02-28"},
    ],
    # Three commendations in one inspection: the event says how many (v2), not only "commended".
    "commendations": [
        "Mô hình liên kết chuỗi chè sạch tiêu biểu",
        "Sổ sách thành viên minh bạch",
        "Thu mua chè của hộ thành viên đúng hợp đồng",
    ],
}


async def test_inspection_with_violations_resolution_and_access(registry_app_factory, redis, stream_prefix):
    app = await registry_app_factory()
    async with running_app(app) as client:
        coop = await new_coop(client)
        other = await new_coop(client, name="HTX Chè Khe Cốc")
        url = f"/coops/{coop['id']}/inspections"
        own = bearer("coop", coop_id=coop["id"])
        assert (await client.post(url, json=INSPECTION, headers=own)).status_code == 403
        future = await client.post(
            url, headers=PROVINCE, json={**INSPECTION, "inspected_on": str(date.today() + timedelta(days=2))}
        )
        assert future.json()["detail"]["code"] == "inspection.in_future"
        early = {**INSPECTION, "violations": [{"description": "Hạn sai", "correction_deadline": "2025-01-09"}]}
        assert (await client.post(url, json=early, headers=PROVINCE)).json()["detail"][
            "code"
        ] == "inspection.deadline_before"

        created = await client.post(url, json=INSPECTION, headers=PROVINCE)
        assert created.status_code == 201, created.text
        inspection = created.json()
        assert [v["status"] for v in inspection["violations"]] == ["open", "open"]
        assert inspection["commendations"] == INSPECTION["commendations"]
        first, second = (v["id"] for v in inspection["violations"])

        assert (await client.get(url, headers=own)).json() == [inspection]
        assert (await client.get(f"{url}/{inspection['id']}", headers=PROVINCE)).json() == inspection
        assert (await client.get(url, headers=bearer("coop", coop_id=other["id"]))).status_code == 403
        assert (await client.get(url)).status_code == 401
        assert (
            await client.get(f"/coops/{other['id']}/inspections/{inspection['id']}", headers=PROVINCE)
        ).status_code == 404

        resolve = f"{url}/{inspection['id']}/violations/{second}/resolution"
        assert (await client.post(resolve, json={"resolved_on": "2025-02-20"}, headers=own)).status_code == 403
        too_early = await client.post(resolve, json={"resolved_on": "2025-01-09"}, headers=PROVINCE)
        assert too_early.json()["detail"]["code"] == "violation.resolved_date"
        resolved = await client.post(
            resolve, json={"resolved_on": "2025-02-20", "note": "Đã lập nhật ký"}, headers=PROVINCE
        )
        assert resolved.status_code == 200, resolved.text
        assert [(v["id"], v["status"]) for v in resolved.json()["violations"]] == [
            (first, "open"),
            (second, "resolved"),
        ]
        again = await client.post(resolve, json={"resolved_on": "2025-02-21"}, headers=PROVINCE)
        assert (again.status_code, again.json()["detail"]["code"]) == (409, "violation.already_resolved")
        wrong = f"{url}/{inspection['id']}/violations/{second + 100}/resolution"
        assert (await client.post(wrong, json={"resolved_on": "2025-02-20"}, headers=PROVINCE)).status_code == 404

        resolved_events = await wait_until(
            lambda: events_of(redis, stream_prefix, "registry.violation_resolved"), message="ViolationResolved"
        )
        assert resolved_events == [
            {
                "inspection_id": inspection["id"],
                "violation_id": second,
                "coop_id": coop["id"],
                "resolved_on": "2025-02-20",
            }
        ]
        recorded = await events_of(redis, stream_prefix, "registry.inspection_recorded")
        assert len(recorded) == 1
        assert (recorded[0]["violations"], recorded[0]["commendations"], recorded[0]["kind"]) == (2, 3, "periodic")
        assert "commended" not in recorded[0]


AS_OF = "2025-06-01"


async def _flags(client, **params) -> set[tuple[str, int, str]]:
    response = await client.get("/compliance/flags", params={"as_of": AS_OF, **params}, headers=PROVINCE)
    assert response.status_code == 200, response.text
    assert response.json()["as_of"] == AS_OF
    return {(f["kind"], f["coop_id"], f["since"]) for f in response.json()["flags"]}


async def test_compliance_flags_with_since_and_filters(registry_app_factory):
    app = await registry_app_factory()
    async with running_app(app) as client:
        shrinking = await new_coop(client, name="HTX Chè Minh Lập", founded_on="2015-01-01")
        members = [
            await new_member(client, shrinking["id"], name=f"Hộ thứ {n}", joined_on="2015-01-01") for n in range(5)
        ]
        left = await client.post(
            f"/coops/{shrinking['id']}/members/{members[0]['id']}/leave",
            headers=PROVINCE,
            json={"left_on": "2024-04-01", "reason": "Chuyển nơi ở"},
        )
        assert left.status_code == 200, left.text
        await new_member(client, shrinking["id"], name="Hộ liên kết", membership="associate", joined_on="2024-05-01")

        healthy = await new_coop(client, name="HTX Chè Hảo Đạt", founded_on="2012-01-01")
        for n in range(5):
            await new_member(client, healthy["id"], name=f"Thành viên {n}", joined_on="2012-01-01")
        empty = await new_coop(client, name="HTX Chè Tân Cương", ward_code="05503", founded_on="2020-02-02")

        small_union = await new_coop(client, name="Liên hiệp HTX Chè A", form="lien_hiep", founded_on="2020-01-01")
        full_union = await new_coop(client, name="Liên hiệp HTX Chè B", form="lien_hiep", founded_on="2020-01-01")
        for union, coops in ((small_union, [shrinking, healthy]), (full_union, [shrinking, healthy, empty])):
            for coop in coops:
                joined = await client.post(
                    f"/unions/{union['id']}/members",
                    headers=PROVINCE,
                    json={"coop_id": coop["id"], "joined_on": "2020-06-01"},
                )
                assert joined.status_code == 201, joined.text

        certificates = f"/coops/{healthy['id']}/certificates"
        common = {"issuer": "QUACERT", "products": ["Chè búp khô"]}
        expired = {**common, "kind": "vietgap", "code": "VG-1", "valid_from": "2021-01-01", "valid_to": "2023-12-31"}
        for body in (
            expired,
            {**common, "kind": "organic", "code": "HC-1", "valid_from": "2021-01-01", "valid_to": "2023-12-31"},
            {
                **common,
                "kind": "organic",
                "code": "HC-2",
                "valid_from": "2024-01-01",
                "valid_to": "2026-12-31",
                "products": ["chè búp khô", "Chè xanh"],
            },
        ):
            assert (await client.post(certificates, json=body, headers=PROVINCE)).status_code == 201

        inspection = (
            await client.post(
                f"/coops/{healthy['id']}/inspections",
                headers=PROVINCE,
                json={
                    **INSPECTION,
                    "violations": [
                        {"description": "Kho chưa tách khu vực phân bón", "correction_deadline": "2025-03-31"},
                        {"description": "Thiếu nhật ký sản xuất", "correction_deadline": "2025-03-31"},
                        {"description": "Chưa cập nhật điều lệ", "correction_deadline": "2026-12-31"},
                    ],
                },
            )
        ).json()
        fixed = inspection["violations"][1]["id"]
        assert (
            await client.post(
                f"/coops/{healthy['id']}/inspections/{inspection['id']}/violations/{fixed}/resolution",
                json={"resolved_on": "2025-03-20"},
                headers=PROVINCE,
            )
        ).status_code == 200

        expected = {
            ("coop_below_min_members", shrinking["id"], "2024-04-01"),
            ("coop_below_min_members", empty["id"], "2020-02-02"),
            ("union_below_min_coops", small_union["id"], "2020-01-01"),
            ("certificate_expired_unreplaced", healthy["id"], "2024-01-01"),
            ("violation_overdue", healthy["id"], "2025-04-01"),
        }
        assert await _flags(client) == expected
        assert await _flags(client, ward="05503") == {("coop_below_min_members", empty["id"], "2020-02-02")}
        assert await _flags(client, coop_id=healthy["id"]) == {
            ("certificate_expired_unreplaced", healthy["id"], "2024-01-01"),
            ("violation_overdue", healthy["id"], "2025-04-01"),
        }

        # a day earlier the violation was not yet overdue and the member had not yet left
        earlier = await client.get("/compliance/flags", headers=PROVINCE, params={"as_of": "2024-03-31"})
        assert {(f["kind"], f["coop_id"]) for f in earlier.json()["flags"]} == {
            ("coop_below_min_members", empty["id"]),
            ("union_below_min_coops", small_union["id"]),
            ("certificate_expired_unreplaced", healthy["id"]),
        }

        english = await client.get(
            "/compliance/flags",
            headers={**PROVINCE, "Accept-Language": "en"},
            params={"as_of": AS_OF, "coop_id": shrinking["id"]},
        )
        flag = english.json()["flags"][0]
        assert flag["detail"] == "The co-op has 4 official members, below the minimum of 5."
        assert (flag["coop_name"], flag["ward_code"], flag["params"]["count"]) == ("HTX Chè Minh Lập", "05488", "4")
        overdue = next(
            f
            for f in (
                await client.get(
                    "/compliance/flags", headers=PROVINCE, params={"as_of": AS_OF, "coop_id": healthy["id"]}
                )
            ).json()["flags"]
            if f["kind"] == "violation_overdue"
        )
        assert "Kho chưa tách khu vực phân bón" in overdue["detail"] and "2025-03-31" in overdue["detail"]

        # renewing the VietGAP certificate for the same scope clears its flag
        renewed = {**expired, "code": "VG-2", "valid_from": "2024-02-01", "valid_to": "2026-01-31"}
        assert (await client.post(certificates, json=renewed, headers=PROVINCE)).status_code == 201
        assert ("certificate_expired_unreplaced", healthy["id"], "2024-01-01") not in await _flags(client)

        assert (await client.get("/compliance/flags", headers=bearer("coop", coop_id=healthy["id"]))).status_code == 403
        assert (await client.get("/compliance/flags")).status_code == 401
        assert (await client.get("/compliance/flags", params={"ward": "x"}, headers=PROVINCE)).status_code == 422
