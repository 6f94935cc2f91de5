"""What regulators ask, on both backends: Circular 02/2024's ten items per lot (JSON and CSV with
Vietnamese headers) and the EUDR package of a shipment (GeoJSON of every origin plot, with a report of
what is missing), each only for those who may read the chain, with no household named."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

from services.supplychain.epcis.chain_mapping import partner_location
from shared.events import registry as registry_contracts
from tests.integration._supplychain import coop_registered, group_caught_up, member_joined, publish
from tests.integration.test_epcis_access import partner
from tests.support import bearer, running_app, wait_until

COOP = bearer("coop", coop_id=1)
BUYER = bearer("buyer", partner_id=5)
PRECISE_POINT = {"type": "Point", "coordinates": [105.801234, 21.602345]}
COARSE_POINT = {"type": "Point", "coordinates": [105.8, 21.6]}
POLYGON = {
    "type": "Polygon",
    "coordinates": [
        [[105.811111, 21.611111], [105.832222, 21.611113], [105.832224, 21.632225], [105.811111, 21.611111]]
    ],
}


def _plot(plot_id: int, member: int, code: str, area: str, geometry: dict | None, crop: str):
    return registry_contracts.PlotRegistered(
        plot_id=plot_id,
        coop_id=1,
        member_id=member,
        planting_area_code=code,
        area_ha=Decimal(area),
        crop=crop,
        geometry=geometry,
    )


async def _chain(client, redis, stream_prefix, *, crop: str, product: str) -> int:
    """Four households' harvests (three plots with geometry of varying quality, one harvest naming no plot)
    made into lot K; 40 kg of K shipped to buyer 5 (answered: the shipment's id) and 30 kg to buyer 6."""
    for event in (
        coop_registered(1),
        *(member_joined(m, 1, name=n) for m, n in ((10, "Nguyễn Văn Hùng"), (11, "Trần Thị Lan"), (12, "Lê Văn Tám"))),
        member_joined(13, 1, name="Đỗ Thị Ngọc Ánh"),
        _plot(100, 10, "VT-100", "0.8", PRECISE_POINT, crop),
        _plot(110, 11, "VT-110", "5.2", POLYGON, crop),
        _plot(120, 12, "VT-120", "0.5", COARSE_POINT, crop),
        registry_contracts.CertificateIssued(
            certificate_id=1,
            coop_id=1,
            kind="vietgap",
            code="VG-0001",
            issuer="Trung tâm Chứng nhận",
            valid_from=date(2024, 1, 1),
            valid_to=date(2026, 12, 31),
            plot_ids=[100, 110],
        ),
        partner(5),
        partner(6, name="Công ty CP Chè Hà Nội"),
    ):
        await publish(redis, stream_prefix, event)
    await wait_until(lambda: group_caught_up(redis, f"{stream_prefix}registry.events"), message="replica seeded")
    harvests = [
        {"type": "harvest", "coop_id": 1, "member_id": member, "lot_code": lot, "quantity_kg": "100"}
        | {"harvested_on": day, "harvest_round": 1}
        | ({"plot_code": plot} if plot else {})
        for member, lot, plot, day in (
            (10, "H-10", "VT-100", "2025-06-01"),
            (11, "H-11", "VT-110", "2025-06-01"),
            (11, "H-11b", "VT-110", "2025-06-03"),
            (12, "H-12", "VT-120", "2025-06-02"),
            (13, "H-13", None, "2025-06-02"),
        )
    ]
    done = await client.post("/batch", json={"commands": harvests}, headers=COOP)
    assert done.status_code == 201, done.text
    processing = {
        "coop_id": 1,
        "batch_id": "ME-1",
        "process": "sơ chế",
        "transformed_on": "2025-06-04",
        "inputs": [{"lot_code": code, "quantity": "100"} for code in ("H-10", "H-11", "H-11b", "H-12", "H-13")],
        "outputs": [{"lot_code": "K", "product": product, "quantity_kg": "90"}],
    }
    made = await client.post("/processings", json=processing, headers=COOP)
    assert made.status_code == 201, made.text
    ids = []
    for buyer, quantity in ((5, "40"), (6, "30")):
        shipped = await client.post(
            "/shipments",
            json={
                "coop_id": 1,
                "partner_id": buyer,
                "document_number": f"PX-{buyer}",
                "shipped_on": "2025-06-05",
                "lines": [{"lot_code": "K", "quantity": quantity, "unit": "kg"}],
            },
            headers=COOP,
        )
        assert shipped.status_code == 201, shipped.text
        ids.append(shipped.json()["id"])
    # What is left of K, processed afterwards for the co-op's other customers.
    rest = {
        "coop_id": 1,
        "batch_id": "ME-2",
        "process": "đóng gói",
        "transformed_on": "2025-06-06",
        "inputs": [{"lot_code": "K", "quantity": "20"}],
        "outputs": [{"lot_code": "K2", "product": product, "quantity_kg": "20"}],
    }
    assert (await client.post("/processings", json=rest, headers=COOP)).status_code == 201
    return ids[0]


async def test_an_eudr_package_names_every_origin_plot_and_what_is_missing(
    supplychain_app_factory, redis, stream_prefix
):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        shipment = await _chain(client, redis, stream_prefix, crop="cà phê", product="cà phê nhân")
        answer = await client.get(f"/shipments/{shipment}/eudr", headers=BUYER)
        assert answer.status_code == 200, answer.text
        package = answer.json()
        assert (package["applies"], package["commodity"], package["note"]) == (True, "coffee", None)
        assert package["supplier"]["name"] == "HTX Chè Tân Hương" and package["supplier"]["country"] == "VN"
        assert package["buyer"]["name"] == "Công ty TNHH Trà Thái Nguyên"
        assert package["shipment"]["lines"] == [
            {"lot_code": "K", "product": "cà phê nhân", "quantity": 40.0, "unit": "kg"}
        ]

        features = {f["properties"]["PlantingAreaCode"]: f for f in package["geojson"]["features"]}
        assert set(features) == {"VT-100", "VT-110", "VT-120", None}
        polygon = features["VT-110"]
        assert polygon["geometry"] == POLYGON
        assert polygon["properties"]["ProductionDateFrom"] == "2025-06-01"
        assert polygon["properties"]["HarvestDates"] == ["2025-06-01", "2025-06-03"]
        assert (polygon["properties"]["QuantityKg"], polygon["properties"]["Area"]) == (200.0, 5.2)
        assert polygon["properties"]["ProducerCountry"] == "VN"
        assert polygon["properties"]["ProductionPlace"] == "VT-110 – Xã Đại Phúc, Thái Nguyên"
        assert features["VT-100"]["geometry"] == PRECISE_POINT
        assert features[None]["geometry"] is None

        report = {entry["plot_code"]: [p["code"] for p in entry["problems"]] for entry in package["report"]["by_plot"]}
        assert report == {
            "VT-100": [],
            "VT-110": [],
            "VT-120": ["regulatory.eudr.decimals"],
            None: ["regulatory.eudr.no_plot"],
        }
        assert (package["report"]["complete"], package["report"]["problems"]) == (False, 2)
        coarse = next(e for e in package["report"]["by_plot"] if e["plot_code"] == "VT-120")
        assert coarse["problems"][0]["message"] == "Toạ độ chỉ có 1 chữ số thập phân; EUDR yêu cầu 6."

        text = json.dumps(package, ensure_ascii=False)
        assert not any(name in text for name in ("Nguyễn Văn Hùng", "Trần Thị Lan", "Lê Văn Tám", "member:"))
        assert "PX-6" not in text

        geojson = await client.get(f"/shipments/{shipment}/eudr.geojson", headers=COOP)
        assert geojson.headers["content-type"].startswith("application/geo+json")
        assert geojson.json() == package["geojson"]
        assert (
            await client.get(f"/shipments/{shipment}/eudr", headers=bearer("buyer", partner_id=6))
        ).status_code == 403
        assert (await client.get(f"/shipments/{shipment}/eudr", headers=bearer("coop", coop_id=2))).status_code == 403
        assert (await client.get("/shipments/99999/eudr", headers=COOP)).status_code == 404


async def test_a_tea_shipment_says_eudr_does_not_cover_it(supplychain_app_factory, redis, stream_prefix):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        shipment = await _chain(client, redis, stream_prefix, crop="chè", product="chè búp khô")
        package = (await client.get(f"/shipments/{shipment}/eudr", headers=COOP | {"Accept-Language": "en"})).json()
        assert (package["applies"], package["commodity"]) == (False, None)
        assert (
            package["note"] == "EUDR does not cover chè búp khô; the package is made anyway for the buyer's reference."
        )
        assert len(package["geojson"]["features"]) == 4


async def test_circular_02_gives_the_ten_items_and_its_stages(supplychain_app_factory, redis, stream_prefix):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        await _chain(client, redis, stream_prefix, crop="chè", product="chè búp khô")
        answer = await client.get("/lots/K/circular-02", headers=COOP)
        assert answer.status_code == 200, answer.text
        record = answer.json()
        items = record["items"]
        assert record["regulation"] == "Thông tư 02/2024/TT-BKHCN"
        assert list(items) == [
            "product_name",
            "product_image",
            "producer_name",
            "producer_address",
            "stages",
            "production_time",
            "traceability_code",
            "brand_serial",
            "expiry",
            "standards",
        ]
        assert (items["product_name"], items["producer_name"]) == ("chè búp khô", "HTX Chè Tân Hương")
        assert items["producer_address"] == "Xã Đại Phúc, Thái Nguyên"
        assert items["production_time"] == "2025-06-04"
        assert "/t/" in items["traceability_code"]
        assert items["standards"] == ["vietgap VG-0001"]
        kinds = [(s["stage"], s["event_time"]) for s in items["stages"]]
        assert kinds[:2] == [("harvest", "2025-06-01"), ("harvest", "2025-06-01")]
        assert ("processing", "2025-06-04") in kinds and kinds.count(("shipment", "2025-06-05")) == 2
        harvest = next(s for s in items["stages"] if s["product_trace_codes"] == ["urn:htx:TN-0001:lot:H-10"])
        assert harvest["location_trace_code"].endswith("VT-100")
        assert [m["item"] for m in record["missing"]] == ["product_image"]
        assert record["complete"] is False and record["not_recorded_if_any"] == ["brand_serial", "expiry"]

        # A buyer: its own shipment only, and in its language.
        mine = (await client.get("/lots/K/circular-02", headers=BUYER | {"Accept-Language": "en"})).json()
        shipped = [s["location_trace_code"] for s in mine["items"]["stages"] if s["stage"] == "shipment"]
        assert shipped == [partner_location(5)]
        made = [s["product_trace_codes"] for s in mine["items"]["stages"] if s["stage"] == "processing"]
        assert made == [["urn:htx:TN-0001:lot:K"]]  # not K2, made of the rest for others
        assert ["urn:htx:TN-0001:lot:K2"] in [s["product_trace_codes"] for s in items["stages"]]
        assert mine["missing"][0]["message"].startswith("No product image")
        assert (await client.get("/lots/H-10/circular-02", headers=BUYER)).status_code == 403

        sheet = await client.get("/lots/K/circular-02.csv", headers=COOP)
        assert sheet.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(sheet.content.decode("utf-8-sig"))))
        assert rows[0][:3] == ["Mã truy vết", "Tên sản phẩm", "Hình ảnh sản phẩm"]
        assert rows[0][-4:] == ["Công đoạn", "Mã truy vết sản phẩm", "Mã truy vết địa điểm", "Thời gian"]
        assert len(rows) - 1 == len(items["stages"])
        assert all(row[1] == "chè búp khô" for row in rows[1:])
        assert "Nguyễn Văn Hùng" not in sheet.content.decode("utf-8-sig")

        # A packed lot with a GTIN: its brand and serials, and its Digital Link as the traceability code.
        packing = {
            "coop_id": 1,
            "batch_id": "ME-DG",
            "transformed_on": "2025-06-07",
            "lot_code": "HOP",
            "product": "Chè búp hộp 100 g",
            "units": 20,
            "net_kg_per_unit": "0.1",
            "gtin": "08930000000019",
            "inputs": [{"lot_code": "K2", "quantity": "2"}],
        }
        packed = await client.post("/packings", json=packing, headers=COOP)
        assert packed.status_code == 201, packed.text
        boxed = (await client.get("/lots/HOP/circular-02", headers=COOP)).json()["items"]
        assert boxed["brand_serial"] == {"gtin": "08930000000019", "serials": ["HOP-0001", "HOP-0020"], "units": 20}
        assert "/01/08930000000019/10/HOP" in boxed["traceability_code"]
