"""A buyer's recall: from a lot shipped or sold to it, the chain it may see, on both backends.

Before, `recall.csv` answered 403 to every buyer token although the README promised buyers a recall.
Now a buyer recalls what reached it, back to the harvests, without another buyer's shipment or sale of
the same lot and with households as their co-op shows them to the public (initials by default).
"""

from __future__ import annotations

import csv
import io

import openpyxl

from tests.integration._supplychain import coop_registered, group_caught_up, member_joined, publish
from tests.integration.test_epcis_access import partner
from tests.support import bearer, running_app, wait_until

COOP = bearer("coop", coop_id=1)


async def _chain(client, redis, stream_prefix) -> None:
    """Two households' leaf made into dried lot K; 40 kg of K shipped to buyer 5, 30 kg to buyer 6 and
    invoiced to buyer 6; lot X of another harvest shipped to buyer 7."""
    for event in (
        coop_registered(1),
        member_joined(10, 1, name="Nguyễn Văn Hùng"),
        member_joined(11, 1, name="Trần Thị Lan"),
        partner(5),
        partner(6, name="Công ty CP Chè Hà Nội"),
        partner(7, name="Công ty Chè Đại Từ"),
    ):
        await publish(redis, stream_prefix, event)
    await wait_until(lambda: group_caught_up(redis, f"{stream_prefix}registry.events"), message="replica seeded")
    harvests = [
        {"type": "harvest", "coop_id": 1, "member_id": member, "lot_code": lot, "quantity_kg": "200"}
        | {"harvested_on": "2025-06-01", "harvest_round": 1, "plot_code": f"VT-{member}"}
        for member, lot in ((10, "H-10"), (11, "H-11"), (10, "X"))
    ]
    done = await client.post("/batch", json={"commands": harvests}, headers=COOP)
    assert done.status_code == 201, done.text
    processing = {
        "coop_id": 1,
        "batch_id": "ME-1",
        "process": "sao sấy",
        "transformed_on": "2025-06-02",
        "inputs": [{"lot_code": "H-10", "quantity": "200"}, {"lot_code": "H-11", "quantity": "200"}],
        "outputs": [{"lot_code": "K", "product": "chè khô", "quantity_kg": "88"}],
    }
    assert (await client.post("/processings", json=processing, headers=COOP)).status_code == 201
    for buyer, lot, quantity in ((5, "K", "40"), (6, "K", "30"), (7, "X", "50")):
        shipped = await client.post(
            "/shipments",
            json={
                "coop_id": 1,
                "partner_id": buyer,
                "document_number": f"PX-{buyer}",
                "shipped_on": "2025-06-03",
                "lines": [{"lot_code": lot, "quantity": quantity, "unit": "kg"}],
            },
            headers=COOP,
        )
        assert shipped.status_code == 201, shipped.text
        if buyer == 6:
            sale = {
                "coop_id": 1,
                "lot_code": "K",
                "buyer_partner_id": 6,
                "shipment_id": shipped.json()["id"],
                "quantity": "30",
                "buyer_name": "Công ty CP Chè Hà Nội",
                "unit_price_vnd": 400_000,
                "invoice_number": "HD-6",
                "sold_on": "2025-06-04",
            }
            sold = await client.post("/sales", json=sale, headers=COOP)
            assert sold.status_code == 201, sold.text


def _rows(answer) -> list[dict]:
    assert answer.status_code == 200, answer.text
    return list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))


async def test_a_buyer_recalls_what_reached_it_and_nothing_of_other_buyers(
    supplychain_app_factory, redis, stream_prefix
):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        await _chain(client, redis, stream_prefix)

        everything = _rows(await client.get("/lots/K/recall.csv", headers=COOP))
        assert {r["reference_document"] for r in everything if r["event_type"] == "shipment"} == {
            "delivery PX-5",
            "delivery PX-6",
        }

        mine = _rows(await client.get("/lots/K/recall.csv", headers=bearer("buyer", partner_id=5)))
        harvests = [r for r in mine if r["event_type"] == "harvest"]
        assert sorted((r["lot_code"], r["party"], r["location"].split(" / ")[0]) for r in harvests) == [
            ("H-10", "N. V. H.", "VT-10"),
            ("H-11", "T. T. L.", "VT-11"),
        ]
        assert {r["reference_document"] for r in mine if r["event_type"] == "shipment"} == {"delivery PX-5"}
        assert not [r for r in mine if r["event_type"] == "sale"]
        text = "\n".join(",".join(r.values()) for r in mine)
        assert "Nguyễn Văn Hùng" not in text and "Trần Thị Lan" not in text and "PX-6" not in text
        assert "X" not in {r["lot_code"] for r in mine}  # the household's other harvest went elsewhere

        theirs = _rows(await client.get("/lots/K/recall.csv", headers=bearer("buyer", partner_id=6)))
        assert {r["reference_document"] for r in theirs if r["event_type"] in ("shipment", "sale")} == {
            "delivery PX-6",
            "invoice HD-6",
        }
        assert "400000" not in "\n".join(",".join(r.values()) for r in theirs)  # no prices

        as_json = await client.get("/lots/K/recall", headers=bearer("buyer", partner_id=5))
        assert [(r["event_id"], r["party"]) for r in as_json.json()] == [(r["event_id"], r["party"]) for r in mine]
        received = await client.get("/partners/5/shipments", headers=bearer("buyer", partner_id=5))
        assert [s["coop_name"] for s in received.json()["shipments"]] == ["HTX Chè Tân Hương"]

        sheet = await client.get("/lots/K/recall.xlsx", headers=bearer("buyer", partner_id=5))
        assert openpyxl.load_workbook(io.BytesIO(sheet.content)).active.max_row == len(mine) + 1


async def test_a_buyer_cannot_recall_a_lot_that_never_reached_it(supplychain_app_factory, redis, stream_prefix):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        await _chain(client, redis, stream_prefix)
        buyer_7 = bearer("buyer", partner_id=7)
        refused = await client.get("/lots/K/recall.csv", headers=buyer_7)
        assert refused.status_code == 403
        assert refused.json()["detail"]["code"] == "recall.not_delivered"
        assert "chỉ thu hồi được những lô bạn đã nhận" in refused.json()["detail"]["message"]
        english = await client.get("/lots/K/recall.xlsx", headers=buyer_7 | {"Accept-Language": "en"})
        assert english.status_code == 403 and "only the lots you received" in english.json()["detail"]["message"]
        # An input of what reached buyer 5 is not a lot delivered to it: it recalls from what it received.
        assert (await client.get("/lots/H-10/recall.csv", headers=bearer("buyer", partner_id=5))).status_code == 403
        assert (await client.get("/lots/NONE/recall.csv", headers=buyer_7)).status_code == 404
        assert len(_rows(await client.get("/lots/X/recall.csv", headers=buyer_7))) >= 2
