"""Plots and certificates over HTTP, on SQLite and PostgreSQL: geometry rules, access,
certificate validity on a date, revocation, OCOP stars, and the events they publish."""

from __future__ import annotations

from tests.integration._registry_quality import (
    POINT,
    PROVINCE,
    SQUARE,
    events_of,
    new_coop,
    new_member,
)
from tests.support import bearer, running_app, wait_until

EN = {"Accept-Language": "en"}


async def test_coop_registers_its_plot_and_publishes_it(registry_app_factory, redis, stream_prefix):
    app = await registry_app_factory()
    async with running_app(app) as client:
        coop = await new_coop(client)
        member = await new_member(client, coop["id"])
        body = {
            "planting_area_code": "VN-TNDP-0001",
            "member_id": member["id"],
            "area_ha": "0.75",
            "crop": "Chè",
            "cultivar": "Trung du",
            "geometry": {"type": "Point", "coordinates": [105.74531249, 21.60123456]},
        }
        created = await client.post(f"/coops/{coop['id']}/plots", json=body, headers=bearer("coop", coop_id=coop["id"]))
        assert created.status_code == 201, created.text
        plot = created.json()
        assert plot["geometry"] == {"type": "Point", "coordinates": [105.745312, 21.601235]}
        assert plot["area_ha"] == "0.7500" and plot["cultivar"] == "Trung du" and plot["crop"] == "Chè"

        assert (await client.get(f"/plots/{plot['id']}")).json() == plot  # public read
        listed = (await client.get(f"/coops/{coop['id']}/plots", params={"member_id": member["id"]})).json()
        assert [p["planting_area_code"] for p in listed] == ["VN-TNDP-0001"]
        assert (await client.get("/plots", params={"planting_area_code": "VN-TNDP-0001"})).json() == [plot]
        assert (await client.get("/plots", params={"planting_area_code": "VN-TNDP-9999"})).json() == []

        published = await wait_until(
            lambda: events_of(redis, stream_prefix, "registry.plot_registered"), message="PlotRegistered"
        )
        assert published[0]["plot_id"] == plot["id"] and published[0]["member_id"] == member["id"]
        assert published[0]["geometry"]["coordinates"] == [105.745312, 21.601235]
        assert published[0]["planting_area_code"] == "VN-TNDP-0001"


async def test_plot_refusals_write_nothing(registry_app_factory, redis, stream_prefix):
    app = await registry_app_factory()
    async with running_app(app) as client:
        coop = await new_coop(client)
        other = await new_coop(client, name="HTX Chè Tân Cương", ward_code="05503")
        member = await new_member(client, coop["id"])
        stranger = await new_member(client, other["id"])
        url = f"/coops/{coop['id']}/plots"
        base = {"planting_area_code": "VN-TNDP-0002", "member_id": member["id"], "area_ha": "4", "geometry": POINT}

        big_point = await client.post(url, json=base, headers=PROVINCE)
        assert big_point.status_code == 422
        assert big_point.json()["detail"]["code"] == "plot.polygon_required"
        assert "Polygon" in big_point.json()["detail"]["message"] and "ha" in big_point.json()["detail"]["message"]
        english = await client.post(url, json=base, headers={**PROVINCE, **EN})
        assert english.json()["detail"]["message"].startswith("Plot of 4.0000 ha: from 4 ha up a Polygon")

        open_ring = {"type": "Polygon", "coordinates": [SQUARE["coordinates"][0][:-1] + [[105.8, 21.7]]]}
        refusals = {
            "plot.geometry_ring_open": {**base, "geometry": open_ring},
            "plot.geometry_out_of_range": {
                **base,
                "area_ha": "1",
                "geometry": {"type": "Point", "coordinates": [21.6, 105.7]},
            },
            "plot.geometry_type": {**base, "geometry": {"type": "MultiPoint", "coordinates": [[105.7, 21.6]]}},
        }
        for key, body in refusals.items():
            refused = await client.post(url, json=body, headers=PROVINCE)
            assert (refused.status_code, refused.json()["detail"]["code"]) == (422, key)

        assert (await client.post(url, json={**base, "member_id": stranger["id"]}, headers=PROVINCE)).status_code == 404
        assert (await client.post(url, json={**base, "area_ha": "0"}, headers=PROVINCE)).status_code == 422
        foreign = await client.post(url, json={**base, "geometry": SQUARE}, headers=bearer("coop", coop_id=other["id"]))
        assert foreign.status_code == 403
        assert (await client.post(url, json={**base, "geometry": SQUARE})).status_code == 401
        assert (await client.post(url, json=base, headers=bearer("buyer", partner_id=1))).status_code == 403

        polygon = await client.post(url, json={**base, "geometry": SQUARE}, headers=PROVINCE)
        assert polygon.status_code == 201, polygon.text
        assert polygon.json()["geometry"] == SQUARE
        duplicate = await client.post(url, json={**base, "area_ha": "1", "geometry": None}, headers=PROVINCE)
        assert (duplicate.status_code, duplicate.json()["detail"]["code"]) == (409, "plot.duplicate_code")

        assert len((await client.get(url)).json()) == 1
        await wait_until(lambda: events_of(redis, stream_prefix, "registry.plot_registered"), message="the one plot")
        assert len(await events_of(redis, stream_prefix, "registry.plot_registered")) == 1


VIETGAP = {
    "kind": "vietgap",
    "code": "VG-TN-2024-017",
    "issuer": "Trung tâm Chứng nhận Phù hợp QUACERT",
    "valid_from": "2024-03-01",
    "valid_to": "2027-02-28",
    "products": ["Chè búp khô"],
    "area_ha": "12.5",
}


async def _valid_ids(client, coop_id: int, day: str, *, nested: bool = False) -> list[int]:
    if nested:
        response = await client.get(f"/coops/{coop_id}/certificates", params={"valid_on": day})
    else:
        response = await client.get("/certificates", params={"coop_id": coop_id, "valid_on": day})
    assert response.status_code == 200, response.text
    return [c["id"] for c in response.json()["items"]]


async def test_certificate_valid_on_first_and_last_day_not_after_nor_once_revoked(
    registry_app_factory, redis, stream_prefix
):
    app = await registry_app_factory()
    async with running_app(app) as client:
        coop = await new_coop(client)
        member = await new_member(client, coop["id"])
        plot = (
            await client.post(
                f"/coops/{coop['id']}/plots",
                headers=PROVINCE,
                json={
                    "planting_area_code": "VN-TNDP-0003",
                    "member_id": member["id"],
                    "area_ha": "0.5",
                    "geometry": POINT,
                },
            )
        ).json()
        issued = await client.post(
            f"/coops/{coop['id']}/certificates", json={**VIETGAP, "plot_ids": [plot["id"]]}, headers=PROVINCE
        )
        assert issued.status_code == 201, issued.text
        certificate = issued.json()
        assert certificate["plot_ids"] == [plot["id"]] and certificate["products"] == ["Chè búp khô"]
        cid = certificate["id"]

        for nested in (False, True):
            assert await _valid_ids(client, coop["id"], "2024-02-29", nested=nested) == []
            assert await _valid_ids(client, coop["id"], "2024-03-01", nested=nested) == [cid]
            assert await _valid_ids(client, coop["id"], "2027-02-28", nested=nested) == [cid]
            assert await _valid_ids(client, coop["id"], "2027-03-01", nested=nested) == []

        revoked = await client.post(
            f"/certificates/{cid}/revocation",
            headers=PROVINCE,
            json={"revoked_on": "2025-06-10", "reason": "Vi phạm dư lượng thuốc BVTV"},
        )
        assert revoked.status_code == 200, revoked.text
        assert revoked.json()["revoked_on"] == "2025-06-10" and revoked.json()["status"] == "revoked"
        assert await _valid_ids(client, coop["id"], "2025-06-09") == [cid]
        assert await _valid_ids(client, coop["id"], "2025-06-10") == []
        assert await _valid_ids(client, coop["id"], "2026-01-01", nested=True) == []
        as_of = (await client.get(f"/certificates/{cid}", params={"valid_on": "2025-06-09"})).json()
        assert as_of["status"] == "valid" and as_of["status_on"] == "2025-06-09"

        again = await client.post(
            f"/certificates/{cid}/revocation", headers=PROVINCE, json={"revoked_on": "2025-07-01", "reason": "lần hai"}
        )
        assert (again.status_code, again.json()["detail"]["code"]) == (409, "certificate.already_revoked")

        published = await wait_until(
            lambda: events_of(redis, stream_prefix, "registry.certificate_revoked"), message="CertificateRevoked"
        )
        assert published == [
            {
                "certificate_id": cid,
                "coop_id": coop["id"],
                "revoked_on": "2025-06-10",
                "reason": "Vi phạm dư lượng thuốc BVTV",
            }
        ]
        issued_events = await events_of(redis, stream_prefix, "registry.certificate_issued")
        assert len(issued_events) == 1
        assert issued_events[0]["plot_ids"] == [plot["id"]] and issued_events[0]["valid_to"] == "2027-02-28"


async def test_certificate_access_and_refusals(registry_app_factory):
    app = await registry_app_factory()
    async with running_app(app) as client:
        coop = await new_coop(client)
        other = await new_coop(client, name="HTX Chè La Bằng")
        member = await new_member(client, other["id"])
        foreign_plot = (
            await client.post(
                f"/coops/{other['id']}/plots",
                headers=PROVINCE,
                json={"planting_area_code": "VN-TNLB-0001", "member_id": member["id"], "area_ha": "0.3"},
            )
        ).json()
        url = f"/coops/{coop['id']}/certificates"
        assert (await client.post(url, json=VIETGAP, headers=bearer("coop", coop_id=coop["id"]))).status_code == 403
        assert (await client.post(url, json=VIETGAP)).status_code == 401
        backwards = await client.post(url, json={**VIETGAP, "valid_to": "2024-02-29"}, headers=PROVINCE)
        assert backwards.json()["detail"]["code"] == "certificate.window"
        scope = await client.post(url, json={**VIETGAP, "plot_ids": [foreign_plot["id"]]}, headers=PROVINCE)
        assert (scope.status_code, scope.json()["detail"]["code"]) == (422, "plot.other_coop")
        assert (await client.post(url, json=VIETGAP, headers=PROVINCE)).status_code == 201
        duplicate = await client.post(url, json=VIETGAP, headers=PROVINCE)
        assert (duplicate.status_code, duplicate.json()["detail"]["code"]) == (409, "certificate.duplicate")
        future = await client.post(
            "/certificates/1/revocation", headers=PROVINCE, json={"revoked_on": "2099-01-01", "reason": "chưa xảy ra"}
        )
        assert future.json()["detail"]["code"] == "certificate.revoked_in_future"
        assert (await client.get("/certificates", params={"code": VIETGAP["code"]})).json()["total"] == 1
        assert (await client.get("/certificates/999")).status_code == 404
        assert (await client.get("/coops/999/certificates")).status_code == 404


async def test_ocop_stars_from_score_or_given(registry_app_factory, redis, stream_prefix):
    app = await registry_app_factory()
    async with running_app(app) as client:
        coop = await new_coop(client)
        url = f"/coops/{coop['id']}/certificates"
        ocop = {
            "kind": "ocop",
            "issuer": "UBND tỉnh Thái Nguyên",
            "valid_from": "2024-01-15",
            "valid_to": "2027-01-14",
            "products": ["Chè Tân Hương"],
        }
        expected = {"69": 3, "70": 4, "89": 4, "90": 5}
        for score, stars in expected.items():
            created = await client.post(
                url, json={**ocop, "code": f"OCOP-{score}", "ocop_score": int(score)}, headers=PROVINCE
            )
            assert created.status_code == 201, created.text
            assert (created.json()["ocop_stars"], created.json()["ocop_score"]) == (stars, int(score))
        given = await client.post(url, json={**ocop, "code": "OCOP-5S", "ocop_stars": 5}, headers=PROVINCE)
        assert given.json()["ocop_stars"] == 5 and given.json()["ocop_score"] is None

        refusals = [
            ({**ocop, "code": "X1", "ocop_score": 49}, "certificate.ocop_score_too_low"),
            ({**ocop, "code": "X2", "ocop_score": 75, "ocop_stars": 3}, "certificate.ocop_stars_mismatch"),
            ({**ocop, "code": "X3"}, "certificate.ocop_needs_stars"),
            ({**ocop, "code": "X4", "ocop_stars": 2}, "certificate.ocop_stars_range"),
            ({**VIETGAP, "code": "X5", "ocop_stars": 4}, "certificate.stars_not_ocop"),
        ]
        for body, key in refusals:
            refused = await client.post(url, json=body, headers={**PROVINCE, **EN})
            assert (refused.status_code, refused.json()["detail"]["code"]) == (422, key), refused.text
        listed = (await client.get("/certificates", params={"coop_id": coop["id"], "kind": "ocop"})).json()
        assert sorted(c["ocop_stars"] for c in listed["items"]) == [3, 4, 4, 5, 5]

        published = await wait_until(
            lambda: _count_at_least(redis, stream_prefix, "registry.certificate_issued", 5), message="5 issued"
        )
        assert sorted(e["ocop_stars"] for e in published) == [3, 4, 4, 5, 5]


async def _count_at_least(redis, stream_prefix, event_type, count):
    found = await events_of(redis, stream_prefix, event_type)
    return found if len(found) >= count else None
