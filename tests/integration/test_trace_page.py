"""The public trace page `/t/{token}` as a person reads it (issue 14).

Before: an unknown code answered the raw JSON `{"detail": ...}` of the API, a page a shopper
cannot act on; a lot of one household said "1 households" in English at places, and the page
did not say what the product was or in which province it was grown.
"""

from __future__ import annotations

from datetime import date, timedelta

from services.supplychain.public_page import LABELS
from shared import formats
from shared.clock import today_in_vietnam
from shared.events import registry as registry_contracts
from tests.integration._supplychain import group_caught_up, publish, seed_replica
from tests.support import bearer, running_app, wait_until


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


async def _post(client, path: str, body: dict) -> dict:
    answer = await client.post(path, json=body, headers=bearer("coop", coop_id=1))
    assert answer.status_code == 201, answer.text
    return answer.json()


def _sale(lot_code: str, buyer: str, quantity: str, sold_on: str) -> dict:
    return {
        "coop_id": 1,
        "lot_code": lot_code,
        "buyer_name": buyer,
        "quantity": quantity,
        "unit_price_vnd": 15_000,
        "sold_on": sold_on,
        "invoice_number": f"HD-{lot_code}",
    }


async def _leaf_sold_and_processed(client) -> tuple[str, str]:
    """100 kg of leaf: 60 kg sold as it is to one buyer, 40 kg dried into 7.4 kg of chè khô, 5 kg of
    which went to another buyer. The public tokens of the leaf lot and of the dried lot."""
    harvest = {"coop_id": 1, "member_id": 10, "quantity_kg": "100", "harvested_on": "2025-06-01", "harvest_round": 1}
    leaf = await _post(client, "/harvests", {**harvest, "lot_code": "TH-LA"})
    await _post(client, "/sales", _sale("TH-LA", "Công ty Lá Tươi Phú Lương", "60", "2025-06-01"))
    processing = {
        "coop_id": 1,
        "transformed_on": "2025-06-02",
        "process": "sao sấy",
        "inputs": [{"lot_code": "TH-LA", "quantity": "40"}],
        "outputs": [{"lot_code": "CK-LA", "product": "chè khô", "quantity_kg": "7.4"}],
    }
    await _post(client, "/processings", processing)
    await _post(client, "/sales", _sale("CK-LA", "Công ty TNHH Trà Thái Nguyên", "5", "2025-06-05"))
    dried = (await client.get("/lots/CK-LA", headers=bearer())).json()
    return leaf["public_token"], dried["public_token"]


async def test_a_processed_lot_shows_its_own_sale_not_its_inputs(supplychain_app_factory, redis, stream_prefix):
    """Before: the 7.4 kg lot's page said "Bán cho Công ty Lá Tươi … 60 kg", the leaf lot's sale, and
    named no lot. Now each line names its lot, and a sale of an input is not on its products' pages."""
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        await seed_replica(redis, stream_prefix)
        leaf_token, dried_token = await _leaf_sold_and_processed(client)

        dried = (await client.get(f"/t/{dried_token}")).text
        assert "Công ty Lá Tươi Phú Lương" not in dried and "60 kg" not in dried
        assert "Công ty TNHH Trà Thái Nguyên</strong> · Lô CK-LA: 5 kg" in dried
        assert "<strong>TH-LA</strong> · " in dried  # the harvest behind it, by its lot
        assert "<strong>CK-LA</strong> (7,4 kg, lô này)" in dried  # the batch's output that is this lot
        assert "Đầu vào: 1 lô, 40 kg" in dried  # what the batch took of the leaf, not the 100 kg harvested

        # The leaf lot's own page shows its sale, and where the rest of it went.
        leaf = (await client.get(f"/t/{leaf_token}", params={"lang": "en"})).text
        assert "Công ty Lá Tươi Phú Lương</strong> · Lot TH-LA: 60 kg" in leaf
        assert "Công ty TNHH Trà Thái Nguyên</strong> · Lot CK-LA: 5 kg" in leaf
        assert "CK-LA (7.4 kg)" in leaf

        # The JSON trace tells the same: no input's sale on a product's trace.
        both = (await client.get(f"/lots/{dried_token}/trace")).json()
        assert [(s["lot_code"], s["buyer_name"]) for s in both["sales"]] == [("CK-LA", "Công ty TNHH Trà Thái Nguyên")]


async def test_the_page_follows_the_browser_language_unless_the_link_chose(supplychain_app_factory):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        unknown = "/t/AAAAAAAAAAAAAAAAAAAAAA"
        cases = [
            ({}, {}, "vi"),
            ({"Accept-Language": "en-US,en;q=0.9,vi;q=0.8"}, {}, "en"),
            ({"Accept-Language": "vi;q=0.4, en-GB;q=0.8"}, {}, "en"),
            ({"Accept-Language": "fr-FR, de"}, {}, "vi"),  # neither offered: Vietnamese
            ({"Accept-Language": "en;q=0, vi"}, {}, "vi"),
            ({"Accept-Language": "en-US"}, {"lang": "vi"}, "vi"),  # the page's own link wins
            ({"Accept-Language": "vi"}, {"lang": "en"}, "en"),
        ]
        for headers, params, language in cases:
            page = await client.get(unknown, headers=headers, params=params)
            assert page.status_code == 404
            assert f'<html lang="{language}">' in page.text, (headers, params)
            assert page.headers["vary"] == "Accept-Language"


async def test_certificates_are_those_valid_on_the_harvest_day_and_say_when_they_ended(
    supplychain_app_factory, redis, stream_prefix
):
    """Before: a certificate valid on the harvest day but expired since read "Chứng nhận còn hiệu lực"
    (still valid). Now the page says valid on the harvest day, and when one expired or was revoked."""
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        await seed_replica(redis, stream_prefix)
        today = today_in_vietnam()
        certificates = [
            (1, "VG-OLD", date(2020, 1, 1), date(2024, 12, 31)),  # ended before the harvest: not shown
            (2, "VG-LAPSED", date(2025, 1, 1), today - timedelta(days=1)),  # valid then, expired since
            (3, "HC-REVOKED", date(2025, 1, 1), today + timedelta(days=365)),  # valid then, revoked since
            (4, "OCOP-NOW", date(2025, 1, 1), today + timedelta(days=365)),  # valid then and now
            (5, "VG-LATER", date(2025, 7, 1), today + timedelta(days=365)),  # not yet valid on the day
        ]
        for certificate_id, code, valid_from, valid_to in certificates:
            await publish(
                redis,
                stream_prefix,
                registry_contracts.CertificateIssued(
                    certificate_id=certificate_id,
                    coop_id=1,
                    kind="ocop" if code.startswith("OCOP") else "organic" if code.startswith("HC") else "vietgap",
                    code=code,
                    issuer="Trung tâm Chứng nhận",
                    valid_from=valid_from,
                    valid_to=valid_to,
                ),
            )
        revoked_on = date(2025, 9, 1)
        await publish(
            redis,
            stream_prefix,
            registry_contracts.CertificateRevoked(certificate_id=3, coop_id=1, revoked_on=revoked_on, reason="vi phạm"),
        )
        await wait_until(lambda: group_caught_up(redis, f"{stream_prefix}registry.events"), message="certificates")
        harvest = {"coop_id": 1, "member_id": 10, "quantity_kg": "10", "harvested_on": "2025-06-01", "harvest_round": 1}
        token = (await _post(client, "/harvests", harvest))["public_token"]
        page = (await client.get(f"/t/{token}")).text
        assert "Chứng nhận có hiệu lực ngày thu hoạch" in page and "còn hiệu lực" not in page
        assert "VG-OLD" not in page and "VG-LATER" not in page
        assert f"VG-LAPSED (01/01/2025–{formats.day(today - timedelta(days=1), 'vi')}, nay đã hết hạn)" in page
        assert f"HC-REVOKED (01/01/2025–{formats.day(today + timedelta(days=365), 'vi')}, đã bị thu hồi ngày" in page
        assert f"OCOP-NOW (01/01/2025–{formats.day(today + timedelta(days=365), 'vi')})" in page
        english = (await client.get(f"/t/{token}", params={"lang": "en"})).text
        assert "Certificates valid on the harvest day" in english and "since expired)" in english
