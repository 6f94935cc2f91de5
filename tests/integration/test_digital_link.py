"""GS1 Digital Link for lots whose co-op gave the product a GTIN (issue 14, item 1).

Before: QR codes named only the private `/t/<token>`, even for a product with a GTIN, and a
scanner reading a GS1 Digital Link (`/01/<gtin>/10/<lot>`) on the pack got nothing.
"""

from __future__ import annotations

from services.supplychain import public_page
from services.supplychain.app import create_app
from tests.integration._supplychain import seed_replica
from tests.support import bearer, running_app, service_settings

BASE = "https://truyxuat.example.vn"
GTIN_13 = "8930000123459"  # a Vietnamese (893) GTIN-13 with its check digit
GTIN = "0" + GTIN_13
COOP = bearer("coop", coop_id=1)


def _packing(lot_code: str, gtin: str | None, take_from: str) -> dict:
    body = {
        "coop_id": 1,
        "transformed_on": "2025-06-03",
        "lot_code": lot_code,
        "product": "Chè tôm nõn hộp 0,1 kg",
        "units": 3,
        "net_kg_per_unit": "0.1",
        "inputs": [{"lot_code": take_from, "quantity": "0.3"}],
    }
    return body | ({"gtin": gtin} if gtin else {})


async def _app(database_url_factory, redis_url, stream_prefix):
    settings = service_settings(
        database_url=await database_url_factory("supplychain"),
        redis_url=redis_url,
        stream_prefix=stream_prefix,
        public_base_url=BASE,
    )
    return create_app(settings)


async def _packed(client) -> None:
    harvest = {"coop_id": 1, "member_id": 10, "quantity_kg": "5", "harvested_on": "2025-06-01", "harvest_round": 1}
    assert (await client.post("/harvests", json={**harvest, "lot_code": "TH-GT"}, headers=COOP)).status_code == 201
    for lot_code, gtin in (("HOP-GT", GTIN_13), ("HOP-NO", None)):
        answer = await client.post("/packings", json=_packing(lot_code, gtin, "TH-GT"), headers=COOP)
        assert answer.status_code == 201, answer.text


async def test_a_lot_with_a_gtin_prints_and_resolves_its_digital_link(
    database_url_factory, redis_url, redis, stream_prefix
):
    async with running_app(await _app(database_url_factory, redis_url, stream_prefix)) as client:
        await seed_replica(redis, stream_prefix)
        await _packed(client)
        lot = (await client.get("/lots/HOP-GT", headers=COOP)).json()
        assert lot["gtin"] == GTIN  # kept as 14 digits

        # The QR codes: the lot's Digital Link, a unit's with its serial; a lot without a GTIN keeps /t/<token>.
        qr = await client.get(f"/t/{lot['public_token']}/qr.png")
        assert qr.content == public_page.qr(f"{BASE}/01/{GTIN}/10/HOP-GT", "png")
        unit = await client.get("/t/HOP-GT-0002/qr.svg", headers=COOP)
        assert unit.content == public_page.qr(f"{BASE}/01/{GTIN}/21/HOP-GT-0002", "svg")
        plain = (await client.get("/lots/HOP-NO", headers=COOP)).json()
        assert plain["gtin"] is None
        qr = await client.get(f"/t/{plain['public_token']}/qr.svg")
        assert qr.content == public_page.qr(f"{BASE}/t/{plain['public_token']}", "svg")

        # Every Digital Link form of the lot renders its page for anyone; a unit's names its serial.
        by_token = (await client.get(f"/t/{lot['public_token']}")).text
        for path in (f"/01/{GTIN}/10/HOP-GT", f"/01/{GTIN_13}/10/HOP-GT"):
            page = await client.get(path)
            assert page.status_code == 200 and page.text == by_token, path
            assert page.headers["vary"] == "Accept-Language"
        for path in (f"/01/{GTIN}/21/HOP-GT-0002", f"/01/{GTIN}/10/HOP-GT/21/HOP-GT-0002"):
            page = await client.get(path)
            assert page.status_code == 200 and "Sản phẩm số HOP-GT-0002 · Lô HOP-GT" in page.text, path
        english = await client.get(f"/01/{GTIN}/10/HOP-GT", headers={"Accept-Language": "en"})
        assert '<html lang="en">' in english.text and "Lot HOP-GT" in english.text

        # Anything that is not this GTIN's lot or unit: the not-found page, the same for each.
        not_found = (await client.get("/t/AAAAAAAAAAAAAAAAAAAAAA")).text
        wrong_check_digit = GTIN[:-1] + str((int(GTIN[-1]) + 1) % 10)
        for path in (
            f"/01/{GTIN}/10/HOP-NO",  # a lot without a GTIN is not public by its code
            f"/01/{GTIN}/10/TH-GT",
            f"/01/{GTIN}/21/HOP-NO-0001",
            f"/01/{GTIN}/10/HOP-GT/21/HOP-NO-0001",  # lot and serial disagree
            f"/01/{wrong_check_digit}/10/HOP-GT",
            "/01/08930000123466/10/HOP-GT",  # another GTIN
            f"/01/{GTIN}",  # the trade item alone names no lot
            f"/01/{GTIN}/21/HOP-GT-0002/10/HOP-GT",  # not an order GS1 allows
        ):
            page = await client.get(path)
            assert page.status_code == 404 and page.text == not_found, path


async def test_a_gtin_with_a_wrong_check_digit_is_refused_in_the_request_language(
    database_url_factory, redis_url, redis, stream_prefix
):
    async with running_app(await _app(database_url_factory, redis_url, stream_prefix)) as client:
        await seed_replica(redis, stream_prefix)
        harvest = {"coop_id": 1, "member_id": 10, "quantity_kg": "5", "harvested_on": "2025-06-01", "harvest_round": 1}
        assert (await client.post("/harvests", json={**harvest, "lot_code": "TH-GT"}, headers=COOP)).status_code == 201
        for gtin, words in (("8930000123453", "check digit"), ("89300001234", "8, 12, 13 or 14 digits")):
            refused = await client.post(
                "/packings", json=_packing("HOP-BAD", gtin, "TH-GT"), headers={**COOP, "Accept-Language": "en"}
            )
            assert refused.status_code == 422 and words in refused.text, refused.text
        vietnamese = await client.post("/packings", json=_packing("HOP-BAD", "8930000123453", "TH-GT"), headers=COOP)
        assert vietnamese.status_code == 422 and "sai số kiểm tra" in vietnamese.text
        assert (await client.get("/lots/HOP-BAD", headers=COOP)).status_code == 404  # nothing half-written
        processing = {
            "coop_id": 1,
            "transformed_on": "2025-06-02",
            "inputs": [{"lot_code": "TH-GT", "quantity": "2"}],
            "outputs": [{"lot_code": "CK-GT", "product": "chè khô", "quantity_kg": "0.5", "gtin": "08930000123459"}],
        }
        assert (await client.post("/processings", json=processing, headers=COOP)).status_code == 201
        assert (await client.get("/lots/CK-GT", headers=COOP)).json()["gtin"] == GTIN
