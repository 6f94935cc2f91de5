"""Webhook subscriptions to named queries, on both backends (issue 14, item 4).

A buyer subscribes to its own shipments; a webhook receiver started by the test (a real uvicorn)
receives exactly the events of its subscription, once each, signed, in order, across a refusal
(retried with backoff) and a restart of the supplychain service.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from sqlmodel import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.supplychain.app import create_app
from services.supplychain.epcis.tables import EpcisDelivery, EpcisSubscription
from tests.integration._epcis import JSON_LD
from tests.integration._supplychain import count
from tests.integration.test_supplychain_partners import _seed, harvest, partner, shipment
from tests.support import bearer, running_app, served, wait_until

COOP, BUYER, OTHER_BUYER = 1, 501, 502
TOKEN = "bí-mật-của-người-mua-13df38d8"
SHIPMENTS = {"name": "Lô hàng của tôi", "query": {"EQ_bizStep": ["shipping"]}}


class Receiver:
    """A partner's webhook: keeps what it was sent; answers 500 to the first `refuse` posts."""

    def __init__(self, refuse: int = 0) -> None:
        self.received: list[dict] = []
        self.refused = 0
        self.refuse = refuse
        self.signatures_ok = True
        self.app = Starlette(routes=[Route("/epcis-hook", self.hook, methods=["POST"])])

    async def hook(self, request: Request) -> Response:
        body = await request.body()
        expected = "sha256=" + hmac.new(TOKEN.encode(), body, hashlib.sha256).hexdigest()
        self.signatures_ok &= hmac.compare_digest(request.headers.get("GS1-Signature", ""), expected)
        if self.refused < self.refuse:
            self.refused += 1
            return Response(status_code=500)
        self.received.append(json.loads(body))
        return Response(status_code=204)

    def event_documents(self) -> list[str]:
        """The despatch advice each received event names, in the order received."""
        names = []
        for document in self.received:
            for event in document["epcisBody"]["queryResults"]["resultsBody"]["eventList"]:
                names += [t["bizTransaction"].rsplit(":", 1)[-1] for t in event.get("bizTransactionList", [])]
        return names


async def _subscribe(client, dest: str) -> dict:
    buyer = {**bearer("buyer", partner_id=BUYER), **JSON_LD}
    assert (await client.post("/epcis/queries", json=SHIPMENTS, headers=buyer)).status_code == 201
    made = await client.post(
        "/epcis/queries/" + SHIPMENTS["name"] + "/subscriptions",
        json={"dest": dest, "signatureToken": TOKEN, "stream": True},
        headers=buyer,
    )
    assert made.status_code == 201, made.text
    assert "signatureToken" not in made.json() and TOKEN not in made.text  # the secret is never shown
    return made.json()


async def _ship(client, document: str, lot: str, partner_id: int = BUYER) -> None:
    answer = await client.post(
        "/shipments",
        headers=bearer("coop", coop_id=COOP),
        json=shipment(partner_id, document, "2025-06-02", [(lot, "10", "kg")]),
    )
    assert answer.status_code == 201, answer.text


async def test_a_buyer_receives_its_shipments_once_each_across_a_refusal_and_a_restart(
    supplychain_app_factory, redis, stream_prefix
):
    receiver = Receiver(refuse=1)
    app = await supplychain_app_factory()
    app.state.settings.webhook_private_destinations = True  # the receiver is on loopback
    async with served(receiver.app) as base:
        async with running_app(app) as client:
            await _seed(redis, stream_prefix, partner(BUYER), partner(OTHER_BUYER, name="Công ty CP Chè Việt"))
            lots = [harvest(code, "100", "2025-06-01") for code in ("A", "B", "C", "D")]
            made = await client.post("/batch", headers=bearer("coop", coop_id=COOP), json={"commands": lots})
            assert made.status_code == 201, made.text
            await _subscribe(client, f"{base}/epcis-hook")
            await _ship(client, "PX-1", "A")
            await _ship(client, "PX-2", "B", OTHER_BUYER)  # another buyer's: never sent to this one
            await _ship(client, "PX-3", "C")

            async def both_received() -> bool:
                return receiver.event_documents() == ["PX-1", "PX-3"]

            await wait_until(both_received, timeout=30, message=f"the webhook got PX-1, PX-3: {receiver.received}")
            assert receiver.refused == 1  # the first send was refused and sent again
        # The service stops; a shipment recorded after the restart is sent, nothing before it again.
        restarted = create_app(app.state.settings)
        async with running_app(restarted) as client:
            await _ship(client, "PX-4", "D")

            async def third_received() -> bool:
                return receiver.event_documents() == ["PX-1", "PX-3", "PX-4"]

            await wait_until(third_received, timeout=30, message=f"PX-4 after the restart: {receiver.received}")
            listed = await client.get(
                "/epcis/queries/" + SHIPMENTS["name"] + "/subscriptions", headers=bearer("buyer", partner_id=BUYER)
            )
            [subscription] = listed.json()
            assert "lastNotifiedAt" in subscription
    assert receiver.signatures_ok
    for document in receiver.received:  # a buyer's view: no household anywhere
        assert "urn:htx:party:member" not in json.dumps(document)
    # Each event owed once (a delivery may carry several: the consumer's batch).
    async with restarted.state.runtime.sessions() as session:
        owed = [json.loads(row.event_ids) for row in (await session.exec(select(EpcisDelivery))).all()]
    assert sum(len(ids) for ids in owed) == 3


async def test_subscriptions_are_the_owners_and_checked(supplychain_app_factory):
    app = await supplychain_app_factory()
    buyer, other = bearer("buyer", partner_id=BUYER), bearer("buyer", partner_id=OTHER_BUYER)
    path = "/epcis/queries/" + SHIPMENTS["name"] + "/subscriptions"
    async with running_app(app) as client:
        made = await _subscribe(client, "https://partner.example/hook")
        # Another buyer has no such query: its subscriptions are not found, nor can it subscribe.
        assert (await client.get(path, headers=other)).status_code == 404
        hook = {"dest": "https://x.example/h", "stream": True}
        assert (await client.post(path, json=hook, headers=other)).status_code == 404
        for body, status in (
            ({"dest": "ftp://x.example/h", "stream": True}, 400),
            ({"dest": "http://127.0.0.1:6379/", "stream": True}, 400),  # the platform's own network
            ({"dest": "http://localhost:8002/admin", "stream": True}, 400),
            ({"dest": "https://10.0.0.7/hook", "stream": True}, 400),
            ({"dest": "http://[::1]/hook", "stream": True}, 400),
            ({"dest": "https://x.example/h"}, 400),  # neither stream nor schedule
            ({"dest": "https://x.example/h", "stream": True, "initialRecordTime": "soon"}, 400),
            ({"dest": "https://x.example/h", "schedule": {"hour": "1"}}, 501),
        ):
            answer = await client.post(path, json=body, headers={**buyer, "Accept-Language": "en"})
            assert answer.status_code == status, (body, answer.text)
            assert answer.json()["title"]
        one = f"{path}/{made['subscriptionID']}"
        assert (await client.get(one, headers=buyer)).json()["dest"] == "https://partner.example/hook"
        assert (await client.delete(one, headers=buyer)).status_code == 204
        assert (await client.get(one, headers=buyer)).status_code == 404
        await _subscribe_again(client)
        # Deleting the query ends its subscriptions.
        assert (await client.delete("/epcis/queries/" + SHIPMENTS["name"], headers=buyer)).status_code == 204
    assert await count(app, EpcisSubscription) == 0


async def _subscribe_again(client) -> None:
    made = await client.post(
        "/epcis/queries/" + SHIPMENTS["name"] + "/subscriptions",
        json={"dest": "https://partner.example/hook2", "stream": True},
        headers={**bearer("buyer", partner_id=BUYER), **JSON_LD},
    )
    assert made.status_code == 201, made.text
