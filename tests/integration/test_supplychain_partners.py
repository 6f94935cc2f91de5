"""Partners in the supplychain, on both backends: the replica, the buyer's view, the totals.

Shipments name a partner the registry knows: learnt from `registry.partner_registered`, or
asked of the registry's API (and cached) when the stream is behind; an unknown partner is
refused with nothing written. A buyer sees what was shipped to it, a co-op only its own
shipments; `/totals` sums harvests, purchases and sales by fact date, corrections applied.
"""

from __future__ import annotations

import json
from decimal import Decimal

import httpx

from services.registry.app import create_app as create_registry_app
from services.supplychain.tables import KnownPartner, Shipment
from shared.events import registry as registry_contracts
from shared.messaging.consumer import InboxEntry
from tests.integration._supplychain import (
    all_published,
    coop_registered,
    count,
    group_caught_up,
    member_joined,
    publish,
    row,
    table_counts,
)
from tests.support import bearer, running_app, service_settings, wait_until

COOP, OTHER_COOP, MEMBER, OTHER_MEMBER = 1, 2, 10, 20
BUYER, OTHER_BUYER = 501, 502
BUYER_NAME = "Công ty TNHH Trà Thái Nguyên"


async def _seed(redis, stream_prefix, *partners: registry_contracts.PartnerRegistered) -> None:
    await publish(redis, stream_prefix, coop_registered(COOP))
    await publish(redis, stream_prefix, member_joined(MEMBER, COOP))
    await publish(redis, stream_prefix, coop_registered(OTHER_COOP, name="HTX Chè La Bằng"))
    await publish(redis, stream_prefix, member_joined(OTHER_MEMBER, OTHER_COOP, name="Phạm Văn Đức"))
    for partner in partners:
        await publish(redis, stream_prefix, partner)
    await wait_until(lambda: group_caught_up(redis, f"{stream_prefix}registry.events"), message="replica seeded")


def partner(partner_id: int, name: str = BUYER_NAME) -> registry_contracts.PartnerRegistered:
    return registry_contracts.PartnerRegistered(partner_id=partner_id, name=name, kind="enterprise", ward_code="05488")


def harvest(code, kg, on, coop_id=COOP, member_id=MEMBER):
    return {
        "type": "harvest",
        "coop_id": coop_id,
        "member_id": member_id,
        "lot_code": code,
        "quantity_kg": kg,
        "harvested_on": on,
        "harvest_round": 1,
    }


def shipment(partner_id, document, on, lines, coop_id=COOP, **extra):
    return {
        "type": "shipment",
        "coop_id": coop_id,
        "partner_id": partner_id,
        "document_number": document,
        "shipped_on": on,
        "lines": [{"lot_code": c, "quantity": q, "unit": u} for c, q, u in lines],
        **extra,
    }


async def _published_shipments(redis, stream_prefix) -> list[dict]:
    entries = await redis.xrange(f"{stream_prefix}supplychain.events")
    return [
        json.loads(fields[b"payload"]) for _, fields in entries if fields[b"event_type"] == b"supplychain.lot_shipped"
    ]


# --- the replica -------------------------------------------------------------------------------


async def test_partner_learnt_from_the_stream_names_shipments(supplychain_app_factory, redis, stream_prefix):
    # The registry is unreachable here: the partner can only come from the stream.
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        registered = await publish(redis, stream_prefix, partner(BUYER))
        await _seed(redis, stream_prefix)
        learnt = await row(app, KnownPartner, BUYER)
        assert (learnt.name, learnt.kind, learnt.ward_code, learnt.learnt_from) == (
            BUYER_NAME,
            "enterprise",
            "05488",
            "event",
        )

        # Delivered again (a relay that died before marking its outbox row): applied once.
        inbox = await count(app, InboxEntry)
        await publish(redis, stream_prefix, None, envelope=registered)
        await wait_until(lambda: group_caught_up(redis, f"{stream_prefix}registry.events"), message="duplicate acked")
        assert await count(app, InboxEntry) == inbox
        assert (await row(app, KnownPartner, BUYER)).updated_at == learnt.updated_at

        coop = bearer("coop", coop_id=COOP)
        made = await client.post(
            "/batch",
            headers=coop,
            json={"commands": [harvest("A", "100", "2025-06-01"), harvest("B", "50", "2025-06-01")]},
        )
        assert made.status_code == 201, made.text
        # The caller's spelling of the name is accepted but the registry's name is stored and published.
        spelled = await client.post(
            "/shipments",
            headers=coop,
            json=shipment(BUYER, "PX-1", "2025-06-02", [("A", "40", "kg")], partner_name="cty tra thai nguyen"),
        )
        assert spelled.status_code == 201, spelled.text
        unnamed = await client.post(
            "/shipments", headers=coop, json=shipment(BUYER, "PX-2", "2025-06-02", [("B", "10", "kg")])
        )
        assert unnamed.status_code == 201, unnamed.text
        for answer in (spelled, unnamed):
            assert (await row(app, Shipment, answer.json()["id"])).partner_name == BUYER_NAME
        await wait_until(lambda: all_published(app), message="shipments relayed")
        published = await _published_shipments(redis, stream_prefix)
        assert [(p["partner_id"], p["partner_name"], p["document_number"]) for p in published] == [
            (BUYER, BUYER_NAME, "PX-1"),
            (BUYER, BUYER_NAME, "PX-2"),
        ]
        trace = (await client.get("/lots/A/trace", params={"direction": "forward"}, headers=bearer())).json()
        assert [s["partner_name"] for s in trace["shipments"]] == [BUYER_NAME]


async def test_registry_unreachable_and_partner_not_in_replica_is_503(supplychain_app_factory, redis, stream_prefix):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        await _seed(redis, stream_prefix)
        coop = bearer("coop", coop_id=COOP)
        assert (await client.post("/harvests", headers=coop, json=harvest("A", "100", "2025-06-01"))).status_code == 201
        before = await table_counts(app, redis, stream_prefix)
        refused = await client.post(
            "/shipments",
            headers={**coop, "Accept-Language": "en"},
            json=shipment(BUYER, "PX-1", "2025-06-02", [("A", "40", "kg")]),
        )
        assert refused.status_code == 503, refused.text
        assert refused.json()["detail"]["code"] == "registry.unavailable_partner"
        assert "partner" in refused.json()["detail"]["message"]
        assert await table_counts(app, redis, stream_prefix) == before


async def test_partner_unknown_to_the_replica_is_asked_of_the_registry(
    database_url_factory, redis_url, redis, stream_prefix, supplychain_app_factory
):
    registry_url = await database_url_factory("registry")
    # The registry publishes under another prefix: this supplychain never sees its partners' events.
    registry = create_registry_app(
        service_settings(database_url=registry_url, redis_url=redis_url, stream_prefix=f"{stream_prefix}elsewhere.")
    )
    async with running_app(registry) as registry_client:
        registered = []
        for name in ("Công ty Cổ phần Chè Hà Thái", "Hộ kinh doanh Đặng Thị Lụa"):
            answer = await registry_client.post("/partners", headers=bearer(), json={"name": name, "kind": "buyer"})
            assert answer.status_code == 201, answer.text
            registered.append(answer.json())
        first, second = registered
        unknown_id = max(p["id"] for p in registered) + 1000

        to_registry = httpx.AsyncClient(transport=httpx.ASGITransport(app=registry), base_url="http://registry")
        app = await supplychain_app_factory(registry_http=to_registry)
        async with running_app(app) as client:
            await _seed(redis, stream_prefix)
            coop = bearer("coop", coop_id=COOP)
            made = await client.post("/batch", headers=coop, json={"commands": [harvest("A", "100", "2025-06-01")]})
            assert made.status_code == 201, made.text
            assert await row(app, KnownPartner, first["id"]) is None

            shipped = await client.post(
                "/shipments",
                headers=coop,
                json=shipment(first["id"], "PX-1", "2025-06-02", [("A", "10", "kg")], partner_name="Chè Hà Thái"),
            )
            assert shipped.status_code == 201, shipped.text
            cached = await row(app, KnownPartner, first["id"])
            assert (cached.name, cached.kind, cached.learnt_from) == (first["name"], "buyer", "registry_api")
            assert (await row(app, Shipment, shipped.json()["id"])).partner_name == first["name"]

            # Two shipments of one batch to a partner the replica never saw: asked once, cached once.
            batch = await client.post(
                "/batch",
                headers=coop,
                json={
                    "commands": [
                        shipment(second["id"], "PX-2", "2025-06-03", [("A", "5", "kg")]),
                        shipment(second["id"], "PX-3", "2025-06-03", [("A", "5", "kg")]),
                    ]
                },
            )
            assert batch.status_code == 201, batch.text
            assert (await row(app, KnownPartner, second["id"])).name == "Hộ kinh doanh Đặng Thị Lụa"

            # A partner the registry does not know: 404, translated, nothing written, even in a batch.
            before = await table_counts(app, redis, stream_prefix)
            for language, path, body in [
                ("vi", "/shipments", shipment(unknown_id, "PX-9", "2025-06-04", [("A", "5", "kg")])),
                (
                    "en",
                    "/batch",
                    {
                        "commands": [
                            harvest("C", "20", "2025-06-04"),
                            shipment(unknown_id, "PX-9", "2025-06-04", [("C", "5", "kg")]),
                        ]
                    },
                ),
            ]:
                refused = await client.post(path, json=body, headers={**coop, "Accept-Language": language})
                assert refused.status_code == 404, refused.text
                detail = refused.json()["detail"]
                assert detail["code"] == "shipment.unknown_partner"
                assert str(unknown_id) in detail["message"]
                assert ("register" in detail["message"]) == (language == "en")
                assert ("đăng ký" in detail["message"]) == (language == "vi")
            assert detail["params"]["command"] == "1"
            assert await table_counts(app, redis, stream_prefix) == before
            assert await row(app, KnownPartner, unknown_id) is None


# --- the buyer's view ------------------------------------------------------------------------------


async def test_buyer_sees_its_shipments_with_documents_receipts_and_invoices(
    supplychain_app_factory, redis, stream_prefix
):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        await _seed(redis, stream_prefix, partner(BUYER), partner(OTHER_BUYER, "Công ty Chè Khác"))
        coop, other_coop = bearer("coop", coop_id=COOP), bearer("coop", coop_id=OTHER_COOP)
        made = await client.post(
            "/batch",
            headers=coop,
            json={
                "commands": [
                    harvest("A", "100", "2025-06-01"),
                    harvest("B", "60", "2025-06-01"),
                    {
                        "type": "packing",
                        "coop_id": COOP,
                        "transformed_on": "2025-06-02",
                        "lot_code": "HOP",
                        "inputs": [{"lot_code": "B", "quantity": "10"}],
                        "product": "chè hộp",
                        "units": 20,
                        "net_kg_per_unit": "0.25",
                    },
                    shipment(BUYER, "PX-1", "2025-06-03", [("A", "30.5", "kg"), ("HOP", "12", "pcs")]),
                    shipment(BUYER, "PX-2", "2025-06-05", [("A", "20", "kg")]),
                    shipment(BUYER, "PX-WRONG", "2025-06-05", [("A", "1", "kg")]),
                    shipment(OTHER_BUYER, "PX-3", "2025-06-05", [("B", "5", "kg")]),
                    shipment(BUYER, "PX-4", "2025-06-09", [("A", "5", "kg")]),
                ]
            },
        )
        assert made.status_code == 201, made.text
        results = made.json()["results"]
        px1, px2, wrong, px3 = (results[i]["id"] for i in (3, 4, 5, 6))
        other = await client.post(
            "/batch",
            headers=other_coop,
            json={
                "commands": [
                    harvest("L", "40", "2025-06-01", coop_id=OTHER_COOP, member_id=OTHER_MEMBER),
                    shipment(BUYER, "LB-1", "2025-06-04", [("L", "15", "kg")], coop_id=OTHER_COOP),
                ]
            },
        )
        assert other.status_code == 201, other.text
        lb1 = other.json()["results"][1]["id"]

        # The shipment sent by mistake is declared wrong: the buyer no longer sees it.
        assert (
            await client.post(
                "/corrections", headers=coop, json={"event_id": results[5]["event_id"], "reason": "did_not_occur"}
            )
        ).status_code == 201
        buyer = bearer("buyer", partner_id=BUYER)
        assert (
            await client.post("/receipts", headers=buyer, json={"shipment_id": px1, "received_on": "2025-06-04"})
        ).status_code == 201
        sales = []
        for lot, quantity, unit, invoice in [
            ("A", "20", "kg", "HD-1"),
            ("HOP", "12", "pcs", "HD-2"),
            ("A", "5", "kg", "HD-3"),
        ]:
            sold = await client.post(
                "/sales",
                headers=coop,
                json={
                    "coop_id": COOP,
                    "lot_code": lot,
                    "quantity_kg": quantity,
                    "unit": unit,
                    "shipment_id": px1,
                    "buyer_name": BUYER_NAME,
                    "price_per_kg_vnd": 200_000,
                    "sold_on": "2025-06-06",
                    "invoice_number": invoice,
                },
            )
            assert sold.status_code == 201, sold.text
            sales.append(sold.json())
        # HD-3 was a mistake: corrected, so it is no invoice of the shipment.
        assert (
            await client.post(
                "/corrections", headers=coop, json={"event_id": sales[2]["event_id"], "reason": "did_not_occur"}
            )
        ).status_code == 201

        window = {"from": "2025-06-03", "to": "2025-06-05"}
        seen = await client.get(f"/partners/{BUYER}/shipments", params=window, headers=buyer)
        assert seen.status_code == 200, seen.text
        body = seen.json()
        assert (body["partner_id"], body["partner_name"], body["from"], body["to"]) == (
            BUYER,
            BUYER_NAME,
            "2025-06-03",
            "2025-06-05",
        )
        assert [
            (
                s["shipment_id"],
                s["coop_id"],
                s["document_number"],
                s["shipped_on"],
                s["received_on"],
                s["invoice_numbers"],
            )
            for s in body["shipments"]
        ] == [
            (px1, COOP, "PX-1", "2025-06-03", "2025-06-04", ["HD-1", "HD-2"]),
            (lb1, OTHER_COOP, "LB-1", "2025-06-04", None, []),
            (px2, COOP, "PX-2", "2025-06-05", None, []),
        ]
        assert body["shipments"][0]["lines"] == [
            {
                "lot_code": "A",
                "product": "chè búp tươi",
                "grade": None,
                "quantity": "30.500",
                "unit": "kg",
                "quantity_kg": "30.500",
            },
            {
                "lot_code": "HOP",
                "product": "chè hộp",
                "grade": None,
                "quantity": "12.000",
                "unit": "pcs",
                "quantity_kg": f"{Decimal(12) * Decimal('0.25'):.3f}",
            },
        ]
        assert "price" not in seen.text and "amount" not in seen.text
        assert wrong not in [s["shipment_id"] for s in body["shipments"]]

        # The province sees the same; a co-op only its own shipments to that buyer.
        province = (await client.get(f"/partners/{BUYER}/shipments", params=window, headers=bearer())).json()
        assert province["shipments"] == body["shipments"]
        own = (await client.get(f"/partners/{BUYER}/shipments", params=window, headers=other_coop)).json()
        assert [s["shipment_id"] for s in own["shipments"]] == [lb1]
        # Without a range: every live shipment to the buyer, PX-4 too.
        everything = (await client.get(f"/partners/{BUYER}/shipments", headers=buyer)).json()
        assert [s["document_number"] for s in everything["shipments"]] == ["PX-1", "LB-1", "PX-2", "PX-4"]
        other_buyer = (
            await client.get(
                f"/partners/{OTHER_BUYER}/shipments", params=window, headers=bearer("buyer", partner_id=OTHER_BUYER)
            )
        ).json()
        assert [s["shipment_id"] for s in other_buyer["shipments"]] == [px3]

        # Another partner's buyer token is refused, translated; so is an upside-down range.
        refused = await client.get(
            f"/partners/{BUYER}/shipments",
            params=window,
            headers={**bearer("buyer", partner_id=OTHER_BUYER), "Accept-Language": "en"},
        )
        assert refused.status_code == 403 and refused.json()["detail"]["code"] == "partner.other_buyer"
        assert str(BUYER) in refused.json()["detail"]["message"]
        assert (await client.get(f"/partners/{BUYER}/shipments", params=window)).status_code == 401
        upside_down = await client.get(
            f"/partners/{BUYER}/shipments", headers=buyer, params={"from": "2025-06-05", "to": "2025-06-03"}
        )
        assert upside_down.status_code == 422 and upside_down.json()["detail"]["code"] == "dates.range"


# --- totals for reconciliation -----------------------------------------------------------------------


async def test_totals_by_fact_date_leave_corrected_facts_out(supplychain_app_factory, redis, stream_prefix):
    app = await supplychain_app_factory()
    async with running_app(app) as client:
        await _seed(redis, stream_prefix, partner(BUYER))
        coop = bearer("coop", coop_id=COOP)
        made = await client.post(
            "/batch",
            headers=coop,
            json={
                "commands": [
                    harvest("EARLY", "70", "2025-05-31"),  # 0: before the range
                    harvest("A", "100.5", "2025-06-01"),  # 1: first day, included
                    harvest("B", "80", "2025-06-02"),  # 2
                    harvest("WRONG", "50", "2025-06-03"),  # 3: did not occur
                    harvest("TYPO", "54", "2025-06-03"),  # 4: corrected to 45 kg below
                    {
                        "type": "purchase",
                        "coop_id": COOP,
                        "lot_code": "A",
                        "quantity_kg": "60.25",
                        "price_per_kg_vnd": 12_000,
                        "purchased_on": "2025-06-01",
                    },  # 5
                    {
                        "type": "purchase",
                        "coop_id": COOP,
                        "lot_code": "B",
                        "quantity_kg": "79.5",
                        "price_per_kg_vnd": 11_500,
                        "purchased_on": "2025-06-05",
                    },  # 6: last day, included
                    {
                        "type": "purchase",
                        "coop_id": COOP,
                        "lot_code": "EARLY",
                        "quantity_kg": "70",
                        "price_per_kg_vnd": 11_000,
                        "purchased_on": "2025-06-06",
                    },  # 7: after the range
                    {
                        "type": "purchase",
                        "coop_id": COOP,
                        "lot_code": "B",
                        "quantity_kg": "0.5",
                        "price_per_kg_vnd": 11_500,
                        "purchased_on": "2025-06-03",
                    },  # 8: declared wrong
                    {
                        "type": "packing",
                        "coop_id": COOP,
                        "transformed_on": "2025-06-02",
                        "lot_code": "HOP",
                        "inputs": [{"lot_code": "A", "quantity": "5"}],
                        "product": "chè hộp",
                        "units": 10,
                        "net_kg_per_unit": "0.5",
                    },
                    {
                        "type": "sale",
                        "coop_id": COOP,
                        "lot_code": "A",
                        "quantity_kg": "20.125",
                        "buyer_name": "Chợ Đán",
                        "price_per_kg_vnd": 50_000,
                        "sold_on": "2025-06-04",
                        "invoice_number": "HD-1",
                    },  # 10
                    {
                        "type": "sale",
                        "coop_id": COOP,
                        "lot_code": "HOP",
                        "quantity_kg": "4",
                        "unit": "pcs",
                        "buyer_name": "Chợ Đán",
                        "price_per_kg_vnd": 30_000,
                        "sold_on": "2025-06-05",
                        "invoice_number": "HD-2",
                    },  # 11: pieces
                    {
                        "type": "sale",
                        "coop_id": COOP,
                        "lot_code": "B",
                        "quantity_kg": "5",
                        "buyer_name": "Chợ Đán",
                        "price_per_kg_vnd": 40_000,
                        "sold_on": "2025-06-04",
                        "invoice_number": "HD-3",
                    },  # 12: corrected
                    {
                        "type": "sale",
                        "coop_id": COOP,
                        "lot_code": "B",
                        "quantity_kg": "3",
                        "buyer_name": "Chợ Đán",
                        "price_per_kg_vnd": 40_000,
                        "sold_on": "2025-06-06",
                        "invoice_number": "HD-4",
                    },  # 13: after
                    shipment(BUYER, "PX-1", "2025-06-04", [("B", "10", "kg")]),  # 14
                ]
            },
        )
        assert made.status_code == 201, made.text
        results = made.json()["results"]
        invoiced = await client.post(
            "/sales",
            headers=coop,
            json={
                "coop_id": COOP,
                "lot_code": "B",
                "quantity_kg": "10",
                "buyer_name": BUYER_NAME,
                "shipment_id": results[14]["id"],
                "price_per_kg_vnd": 45_000,
                "sold_on": "2025-06-05",
                "invoice_number": "HD-5",
            },
        )
        assert invoiced.status_code == 201, invoiced.text

        for index, corrective in [(3, None), (8, None), (12, None), (4, harvest("TYPO-2", "45", "2025-06-03"))]:
            corrected = await client.post(
                "/corrections",
                headers=coop,
                json={
                    "event_id": results[index]["event_id"],
                    "reason": "incorrect_data" if corrective else "did_not_occur",
                    **({"corrective": corrective} if corrective else {}),
                },
            )
            assert corrected.status_code == 201, (index, corrected.text)

        answer = await client.get("/totals", params={"from": "2025-06-01", "to": "2025-06-05"}, headers=bearer())
        assert answer.status_code == 200, answer.text
        # By hand: harvests A, B and the corrected TYPO (45 kg, not 54); WRONG and EARLY left out.
        # Purchases of A and of B on the last day (the 0.5 kg one was declared wrong). Sales: 20.125 kg of A,
        # 4 packs of 0.5 kg, and the invoice of the shipment; HD-3 was declared wrong, HD-4 is later.
        assert answer.json() == {
            "from": "2025-06-01",
            "to": "2025-06-05",
            "harvests": {"lots": 3, "kg": f"{Decimal('100.5') + 80 + 45:.3f}"},
            "purchases": {
                "count": 2,
                "kg": f"{Decimal('60.25') + Decimal('79.5'):.3f}",
                "amount_vnd": 60_250 * 12_000 // 1000 + 79_500 * 11_500 // 1000,
            },
            "sales": {
                "count": 3,
                "kg": f"{Decimal('20.125') + 4 * Decimal('0.5') + 10:.3f}",
                "amount_vnd": round(Decimal("20.125") * 50_000) + 4 * 30_000 + 10 * 45_000,
            },
            "payments": {"count": 0, "amount_vnd": 0},
        }
        one_day = (
            await client.get("/totals", params={"from": "2025-05-31", "to": "2025-05-31"}, headers=bearer())
        ).json()
        assert one_day == {
            "from": "2025-05-31",
            "to": "2025-05-31",
            "harvests": {"lots": 1, "kg": "70.000"},
            "purchases": {"count": 0, "kg": "0.000", "amount_vnd": 0},
            "sales": {"count": 0, "kg": "0.000", "amount_vnd": 0},
            "payments": {"count": 0, "amount_vnd": 0},
        }

        for headers, status, code in [(coop, 403, "auth.role"), (bearer("buyer", partner_id=BUYER), 403, "auth.role")]:
            refused = await client.get("/totals", params={"from": "2025-06-01", "to": "2025-06-05"}, headers=headers)
            assert refused.status_code == status and refused.json()["detail"]["code"] == code
        upside_down = await client.get("/totals", params={"from": "2025-06-05", "to": "2025-06-01"}, headers=bearer())
        assert upside_down.status_code == 422 and upside_down.json()["detail"]["code"] == "dates.range"
        assert (await client.get("/totals", params={"from": "2025-06-01"}, headers=bearer())).status_code == 422
