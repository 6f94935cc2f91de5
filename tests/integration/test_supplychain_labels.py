"""The co-op app's supply-chain reads, on both backends: the QR label sheet of a packed lot (who may
print it, one label per unit, each QR decoding to that unit's own public page: under the lot's
public token, or its GS1 Digital Link when the lot has a GTIN), the co-op's open lots with what is
left of each, and the yield ranges processing is judged by."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import pypdfium2
import zxingcpp
from httpx import AsyncClient
from PIL import Image

from services.supplychain import public_page
from tests.integration._supplychain import not_found_registry, seed_replica
from tests.support import bearer, qr_texts, running_app

COOP, MEMBER = 1, 10
UNITS = 30


def _chain() -> dict:
    """A harvest, one bought in part, processed into CK, packed into 30 packs of 0.5 kg in cartons of 12."""
    return {
        "commands": [
            {
                "type": "harvest",
                "coop_id": COOP,
                "member_id": MEMBER,
                "lot_code": "TH-A",
                "quantity_kg": "100",
                "harvested_on": "2025-06-01",
                "harvest_round": 2,
            },
            {
                "type": "harvest",
                "coop_id": COOP,
                "member_id": MEMBER,
                "lot_code": "TH-B",
                "quantity_kg": "86.5",
                "harvested_on": "2025-06-02",
                "harvest_round": 2,
            },
            {
                "type": "purchase",
                "coop_id": COOP,
                "lot_code": "TH-B",
                "quantity_kg": "40",
                "price_per_kg_vnd": 12000,
                "purchased_on": "2025-06-02",
            },
            {
                "type": "processing",
                "coop_id": COOP,
                "transformed_on": "2025-06-03",
                "inputs": [{"lot_code": "TH-A", "quantity": "100"}],
                "outputs": [{"lot_code": "CK", "product": "chè khô", "quantity_kg": "21"}],
            },
            {
                "type": "packing",
                "coop_id": COOP,
                "transformed_on": "2025-06-04",
                "lot_code": "DG-1",
                "product": "Chè hộp Tân Cương",
                "units": UNITS,
                "net_kg_per_unit": "0.5",
                "units_per_carton": 12,
                "inputs": [{"lot_code": "CK", "quantity": "15"}],
            },
        ]
    }


def _pages(pdf: bytes) -> list[tuple[list[str], str]]:
    """Each page of a PDF: the texts of the QR codes on it (rendered at 300 dpi) and its words."""
    document = pypdfium2.PdfDocument(pdf)
    pages = []
    for page in document:
        image = page.render(scale=300 / 72).to_pil()
        text = " ".join(page.get_textpage().get_text_range().split())  # a label wraps long names
        pages.append((qr_texts(image), text))
    return pages


CLERK = bearer("coop", coop_id=COOP)


@asynccontextmanager
async def _recorded(supplychain_app_factory, redis, stream_prefix, chain: dict) -> AsyncIterator[AsyncClient]:
    """The supply chain running, its replica of the co-op seeded, and `chain` recorded by the co-op's clerk."""
    app = await supplychain_app_factory(registry_http=not_found_registry())
    async with running_app(app) as client:
        await seed_replica(redis, stream_prefix, COOP, MEMBER)
        made = await client.post("/batch", headers=CLERK, json=chain)
        assert made.status_code == 201, made.text
        yield client


async def _public_trace_url(client, token: str) -> str:
    """What the trace page's own QR code decodes to: the address every label must carry."""
    answer = await client.get(f"/t/{token}/qr.png")
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(answer.content)))
    return code.text


async def test_label_sheet_has_one_decodable_label_per_unit(supplychain_app_factory, redis, stream_prefix):
    app = await supplychain_app_factory(registry_http=not_found_registry())
    async with running_app(app) as client:
        await seed_replica(redis, stream_prefix, COOP, MEMBER)
        made = await client.post("/batch", headers=CLERK, json=_chain())
        assert made.status_code == 201, made.text
        token = (await client.get("/lots/DG-1", headers=CLERK)).json()["public_token"]
        trace_url = await _public_trace_url(client, token)
        assert trace_url.endswith(f"/t/{token}")
        unit_urls = [f"{trace_url}/DG-1-{n:04d}" for n in range(1, UNITS + 1)]

        sheet = await client.get("/lots/DG-1/labels.pdf", headers=CLERK)
        assert sheet.status_code == 200, sheet.text
        assert sheet.headers["content-type"] == "application/pdf"
        pages = _pages(sheet.content)
        # A4 holds 3 x 8 labels: 30 units are a full sheet and 6 on the next (counted by their printed
        # numbers; the QR reader may report one symbol twice, and every unit's text is its own).
        assert [len(re.findall(r"Số \d{4}", text)) for _, text in pages] == [24, 6]
        assert [len(set(codes)) for codes, _ in pages] == [24, 6]
        # Each label its own unit's page (a page's QR codes decode in reading order, not always in print order).
        assert sorted({code for codes, _ in pages for code in codes}) == unit_urls
        first = pages[0][1]
        for expected in (
            "Chè hộp Tân Cương",
            "Khối lượng tịnh: 0,5 kg",
            "Lô DG-1",
            "Số 0001 · Thùng C1",
            "HTX Chè Tân Hương",
        ):
            assert expected in first
        assert "Số 0030 · Thùng C3" in pages[1][1]
        assert "Nguyễn" not in first and "₫" not in first  # neither the household nor a price

        roll = await client.get("/lots/DG-1/labels.pdf", params={"size": "62x29", "lang": "en"}, headers=CLERK)
        assert roll.status_code == 200
        roll_pages = _pages(roll.content)
        assert [codes for codes, _ in roll_pages] == [[url] for url in unit_urls]
        assert "Net weight: 0.5 kg" in roll_pages[-1][1] and "No. 0030" in roll_pages[-1][1]
        width, height = pypdfium2.PdfDocument(roll.content)[0].get_size()
        assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (62, 29)


async def test_a_labels_qr_opens_its_units_page_and_nothing_else_does(supplychain_app_factory, redis, stream_prefix):
    async with _recorded(supplychain_app_factory, redis, stream_prefix, _chain()) as client:
        packed, dry = [
            (await client.get(f"/lots/{code}", headers=CLERK)).json()["public_token"] for code in ("DG-1", "CK")
        ]
        sheet = await client.get("/lots/DG-1/labels.pdf", params={"size": "62x29"}, headers=CLERK)
        [seventh] = _pages(sheet.content)[6][0]
        page = await client.get(urlsplit(seventh).path)  # what a buyer's phone opens, no sign-in
        assert page.status_code == 200, seventh
        assert "DG-1-0007" in page.text and "Chè hộp Tân Cương" in page.text
        # The page's own QR code is the unit's too, what its label carries.
        assert f'src="/t/{packed}/DG-1-0007/qr.svg"' in page.text
        unit_qr = await client.get(f"/t/{packed}/DG-1-0007/qr.svg")
        assert unit_qr.content == public_page.qr(seventh, "svg")
        assert (await client.get(f"/t/{dry}/DG-1-0007/qr.svg")).status_code == 404
        # A serial is counted: without its own lot's token it is the same 404 page as any unknown address.
        for wrong in (f"/t/{dry}/DG-1-0007", f"/t/{packed}/DG-1-0031", "/t/not-a-token/DG-1-0007"):
            missing = await client.get(wrong)
            assert (missing.status_code, missing.headers["content-type"].split(";")[0]) == (404, "text/html"), wrong
            assert "DG-1" not in missing.text


async def test_a_lot_with_a_gtin_labels_each_unit_with_its_digital_link(supplychain_app_factory, redis, stream_prefix):
    chain = _chain()
    chain["commands"][-1]["gtin"] = "08930000123459"
    async with _recorded(supplychain_app_factory, redis, stream_prefix, chain) as client:
        sheet = await client.get("/lots/DG-1/labels.pdf", params={"size": "62x29"}, headers=CLERK)
        codes = [codes for codes, _ in _pages(sheet.content)]
        assert codes[0][0].endswith("/01/08930000123459/21/DG-1-0001")
        assert codes[-1][0].endswith("/01/08930000123459/21/DG-1-0030")
        page = await client.get(urlsplit(codes[-1][0]).path)
        assert page.status_code == 200 and "DG-1-0030" in page.text


async def test_only_the_coops_own_staff_print_labels(supplychain_app_factory, redis, stream_prefix):
    async with _recorded(supplychain_app_factory, redis, stream_prefix, _chain()) as client:
        assert (await client.get("/lots/DG-1/labels.pdf")).status_code == 401
        for other, code in (
            (bearer("coop", coop_id=2), "auth.other_coop"),
            (bearer("province"), "auth.role"),
            (bearer("buyer", partner_id=501), "auth.role"),
        ):
            refused = await client.get("/lots/DG-1/labels.pdf", headers=other)
            assert (refused.status_code, refused.json()["detail"]["code"]) == (403, code)
        missing = await client.get("/lots/DG-404/labels.pdf", headers=CLERK)
        assert (missing.status_code, missing.json()["detail"]["code"]) == (404, "lot.not_found")
        loose = await client.get("/lots/CK/labels.pdf", headers={**CLERK, "Accept-Language": "vi"})
        assert (loose.status_code, loose.json()["detail"]["code"]) == (422, "labels.not_packed")
        assert "chưa đóng gói" in loose.json()["detail"]["message"]
        wrong_size = await client.get("/lots/DG-1/labels.pdf", params={"size": "a5"}, headers=CLERK)
        assert wrong_size.status_code == 422


async def test_open_lots_say_what_is_left_and_what_was_bought(supplychain_app_factory, redis, stream_prefix):
    async with _recorded(supplychain_app_factory, redis, stream_prefix, _chain()) as client:
        page = await client.get(f"/coops/{COOP}/lots", headers=CLERK)
        assert page.status_code == 200, page.text
        body = page.json()
        # TH-A went whole into processing, so it is not open; newest first.
        assert body["total"] == 3
        assert [(lot["code"], lot["unit"], lot["held"]) for lot in body["items"]] == [
            ("DG-1", "pcs", "30.000"),
            ("CK", "kg", "6.000"),
            ("TH-B", "kg", "86.500"),
        ]
        harvest = body["items"][2]
        assert (harvest["member_id"], harvest["harvest_round"], harvest["harvested_kg"], harvest["purchased_kg"]) == (
            MEMBER,
            2,
            "86.500",
            "40.000",
        )
        assert body["items"][1]["purchased_kg"] is None
        second = await client.get(f"/coops/{COOP}/lots", params={"limit": 2, "offset": 2}, headers=CLERK)
        assert [lot["code"] for lot in second.json()["items"]] == ["TH-B"] and second.json()["total"] == 3
        assert (await client.get(f"/coops/{COOP}/lots", headers=bearer("coop", coop_id=2))).status_code == 403
        assert (await client.get(f"/coops/{COOP}/lots", headers=bearer())).status_code == 200


async def test_yield_rules_list_defaults_and_the_provinces_own(supplychain_app_factory):
    app = await supplychain_app_factory(registry_http=not_found_registry())
    async with running_app(app) as client:
        assert (await client.get("/yield-rules")).status_code == 401
        rules = (await client.get("/yield-rules", headers=bearer("coop", coop_id=COOP))).json()
        assert rules == [{"output_product": "chè khô", "min_ratio": "0.18", "max_ratio": "0.25", "loses_mass": True}]
        changed = await client.put(
            "/yield-rules/chè khô", headers=bearer(), json={"min_ratio": "0.19", "max_ratio": "0.24"}
        )
        assert changed.status_code == 200
        rules = (await client.get("/yield-rules", headers=bearer("coop", coop_id=COOP))).json()
        assert [(r["min_ratio"], r["max_ratio"]) for r in rules] == [("0.1900", "0.2400")]
