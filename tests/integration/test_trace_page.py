"""The public trace page `/t/{token}` as a person reads it (issue 14).

Before: an unknown code answered the raw JSON `{"detail": ...}` of the API, a page a shopper
cannot act on; a lot of one household said "1 households" in English at places, and the page
did not say what the product was or in which province it was grown.
"""

from __future__ import annotations

from services.supplychain.public_page import LABELS
from tests.integration._supplychain import seed_replica
from tests.support import bearer, running_app


async def test_an_unknown_code_gets_a_page_saying_what_to_check(supplychain_app_factory):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        vietnamese = await client.get("/t/AAAAAAAAAAAAAAAAAAAAAA")
        assert vietnamese.status_code == 404 and vietnamese.headers["content-type"].startswith("text/html")
        assert '<html lang="vi">' in vietnamese.text
        assert LABELS["vi"]["not_found_title"] in vietnamese.text and "mã in trên nhãn" in vietnamese.text
        assert "detail" not in vietnamese.text and "trace.not_found" not in vietnamese.text
        english = await client.get("/t/AAAAAAAAAAAAAAAAAAAAAA", params={"lang": "en"})
        assert english.status_code == 404 and '<html lang="en">' in english.text
        assert "Trace code not found" in english.text and "code printed on the product label" in english.text
        assert "Không tìm thấy" not in english.text
        # A signed-in caller naming a code that is not there reads the same page.
        staff = await client.get("/t/TH-1-20250601-9", headers=bearer())
        assert staff.status_code == 404 and staff.text == vietnamese.text


async def test_the_page_names_the_product_the_province_and_counts_in_english(
    supplychain_app_factory, redis, stream_prefix
):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        await seed_replica(redis, stream_prefix)
        harvest = {
            "coop_id": 1,
            "member_id": 10,
            "quantity_kg": "12.5",
            "harvested_on": "2025-06-01",
            "harvest_round": 1,
        }
        created = await client.post("/harvests", json=harvest, headers=bearer())
        assert created.status_code == 201, created.text
        token = created.json()["public_token"]
        product = created.json()["product"]
        page = (await client.get(f"/t/{token}")).text
        assert "HTX Chè Tân Hương" in page and "Xã Đại Phúc, Thái Nguyên" in page and "Xuất xứ: Thái Nguyên" in page
        assert f"<h2>{product}</h2>" in page and "1 hộ thành viên" in page
        assert "Quét để xem lại" not in page and "gửi cho người mua" not in page
        english = (await client.get(f"/t/{token}", params={"lang": "en"})).text
        assert "1 member household ·" in english and "1 member households" not in english
        assert "Origin: Thái Nguyên" in english
