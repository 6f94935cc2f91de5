"""`GET /wards`: communes by name without diacritics, in either scheme (the registry's app, both backends)."""

from __future__ import annotations

from tests.support import running_app


async def test_wards_are_found_without_diacritics_before_and_after_the_reform(registry_app_factory):
    async with running_app(await registry_app_factory()) as client:
        current = await client.get("/wards", params={"q": "dai phuc"})
        assert current.status_code == 200
        assert current.json() == [
            {
                "code": "05488",
                "name": "Xã Đại Phúc",
                "scheme": "current",
                "province": "Thái Nguyên",
                "former_district": None,
                "now_in": [],
            }
        ]
        assert [w["name"] for w in (await client.get("/wards", params={"q": "Phú Lạc"})).json()] == ["Xã Phú Lạc"]
        assert (await client.get("/wards", params={"q": "phu lac"})).json()[0]["code"] == "05788"

        old = (await client.get("/wards", params={"q": "phuc xuan", "scheme": "legacy"})).json()
        phuc_xuan = next(w for w in old if w["code"] == "05488")
        assert phuc_xuan["former_district"] == "Thành phố Thái Nguyên"
        assert phuc_xuan["now_in"] == [{"code": "05488", "name": "Xã Đại Phúc"}]
        by_date = (await client.get("/wards", params={"q": "gia sang", "on": "2024-05-01"})).json()
        assert [w["now_in"] for w in by_date if w["code"] == "05461"] == [
            [{"code": "05443", "name": "Phường Phan Đình Phùng"}, {"code": "05467", "name": "Phường Gia Sàng"}]
        ]
        assert [
            w["scheme"] for w in (await client.get("/wards", params={"q": "gia sang", "on": "2025-07-01"})).json()
        ] == ["current"]

        refused = await client.get("/wards", params={"q": "dai phuc", "scheme": "draft"})
        assert refused.status_code == 422
