"""Webhook subscriptions to named queries (EPCIS 2.0 REST binding, stream subscriptions).

A subscriber names one of its organisation's named queries, a `dest` URL and optionally a
`signatureToken`. From then on:

- **Matching, driven by `supplychain.events`.** The service's own consumer group on its stream
  (`consumers.SUBSCRIPTION_HANDLERS`) takes each chain fact as it is published, finds the EPCIS
  events recorded with it, and for every stream subscription records a delivery of those of them
  its query selects **in the subscriber's read scope** (a buyer: what was shipped or sold to it and
  upstream of it, without households). The delivery row is written in the consumer's inbox
  transaction, so a fact redelivered by Redis adds nothing, and a crash loses nothing.
- **Sending (`Deliverer`).** A loop in the service POSTs each delivery as an EPCISQueryDocument to
  `dest`, signed (`GS1-Signature: sha256=<HMAC-SHA256 of the body under the token>`), and marks it
  delivered on a 2xx. Anything else (an error, a timeout, no answer) is retried with exponential
  backoff (1 s doubling to 10 min); a subscription's deliveries go in order, one at a time, so a
  subscriber sees events in the order they were recorded. At least once: a crash between the
  subscriber's 2xx and the mark sends that delivery again (its `GS1-Delivery-ID` header lets a
  receiver drop a repeat). Rows are the state, so a restart resumes where it stopped.

Only events recorded after the subscription was made (or after its `initialRecordTime`) are sent.
Events captured through `/epcis/capture` are not chain facts and are not on the stream: they are
not delivered yet. Scheduled subscriptions and the websocket binding are not built (501).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import ipaddress
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from services.supplychain.epcis import epc_format as epc_formats
from services.supplychain.epcis import ownership
from services.supplychain.epcis import query as querying
from services.supplychain.epcis.named_queries import NamedQueryError, parameters_of, principal_of
from services.supplychain.epcis.tables import EpcisDelivery, EpcisEvent, EpcisNamedQuery, EpcisSubscription
from services.supplychain.tables import ChainEvent
from shared.auth import Principal
from shared.clock import utcnow

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "GS1-Signature"
FIRST_RETRY = timedelta(seconds=1)
LAST_RETRY = timedelta(minutes=10)
CLAIM_LEASE = timedelta(seconds=60)  # longer than a send may take (the HTTP client's timeout)


def backoff(attempts: int) -> timedelta:
    """How long to wait after `attempts` failed sends in a row: 1 s, 2 s, 4 s, ... at most 10 min."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LAST_RETRY)


def signature(token: str, body: bytes) -> str:
    return "sha256=" + hmac.new(token.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Request:
    """A checked subscription request."""

    dest: str
    signature_token: str | None
    initial_record_time: datetime | None


def checked(body: object, *, private_destinations: bool = False) -> Request:
    """The binding's subscription body, or NamedQueryError (400) / NotImplementedError (501).
    `dest` may be a loopback, private or link-local address only if `private_destinations`."""
    if not isinstance(body, dict):
        raise NamedQueryError("epcis.subscription.body")
    dest = body.get("dest")
    if not isinstance(dest, str) or urlsplit(dest).scheme not in ("http", "https") or not urlsplit(dest).hostname:
        raise NamedQueryError("epcis.subscription.dest")
    if not private_destinations and _is_internal(urlsplit(dest).hostname or ""):
        raise NamedQueryError("epcis.subscription.dest_internal")
    token = body.get("signatureToken")
    if token is not None and (not isinstance(token, str) or not 0 < len(token) <= 500):
        raise NamedQueryError("epcis.subscription.token")
    if "schedule" in body or body.get("stream") is not True:
        if "schedule" in body:
            raise NotImplementedError("epcis.subscription.schedule")
        raise NamedQueryError("epcis.subscription.stream")
    initial = body.get("initialRecordTime")
    if initial is None:
        return Request(dest, token, None)
    try:
        return Request(dest, token, querying.parse_timestamp(initial))
    except (TypeError, ValueError):
        raise NamedQueryError("epcis.subscription.initial_record_time") from None


def _is_internal(host: str) -> bool:
    """A name or address of this machine or its private network. A public name that resolves to a
    private address is not caught here (the resolver is not asked at subscribe time)."""
    if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local or address.is_unspecified


def shown(subscription: EpcisSubscription) -> dict[str, Any]:
    """A subscription as the binding answers it: never its secret."""
    answer: dict[str, Any] = {
        "subscriptionID": subscription.id,
        "dest": subscription.dest,
        "stream": True,
        "createdAt": querying.timestamp(subscription.created_at),
        "epcFormat": subscription.epc_format,
    }
    if subscription.last_notified_at is not None:
        answer["lastNotifiedAt"] = querying.timestamp(subscription.last_notified_at)
    if subscription.initial_record_time is not None:
        answer["initialRecordTime"] = querying.timestamp(subscription.initial_record_time)
    return answer


async def subscribe(
    session: AsyncSession, principal: Principal, query_id: int, request: Request, epc_format: str
) -> EpcisSubscription:
    subscription = EpcisSubscription(
        id=str(uuid.uuid4()),
        query_id=query_id,
        dest=request.dest,
        signature_token=request.signature_token,
        epc_format=epc_format,
        initial_record_time=request.initial_record_time,
        created_by=principal.actor,
    )
    session.add(subscription)
    await session.flush()
    return subscription


async def of_query(session: AsyncSession, query_id: int) -> list[EpcisSubscription]:
    statement = (
        select(EpcisSubscription)
        .where(col(EpcisSubscription.query_id) == query_id)
        .order_by(col(EpcisSubscription.created_at))
    )
    return list((await session.execute(statement)).scalars().all())


async def unsubscribe(session: AsyncSession, query_id: int, subscription_id: str) -> bool:
    result = await session.execute(
        delete(EpcisSubscription).where(
            col(EpcisSubscription.query_id) == query_id, col(EpcisSubscription.id) == subscription_id
        )
    )
    return bool(result.rowcount)


# --- matching (run by the consumer of supplychain.events) -------------------------------------------


async def record_deliveries(session: AsyncSession, chain_event_ids: list[str]) -> int:
    """Deliveries owed for the EPCIS events recorded with these chain facts: one per subscription
    whose query, in its owner's scope, selects some of them. The deliveries recorded."""
    subscriptions = (
        await session.execute(
            select(EpcisSubscription, EpcisNamedQuery.owner, EpcisNamedQuery.query_json).join(
                EpcisNamedQuery, col(EpcisNamedQuery.id) == col(EpcisSubscription.query_id)
            )
        )
    ).all()
    if not subscriptions:  # the usual case: nothing to read
        return 0
    epcis_ids = [
        event["eventID"]
        for (events,) in (
            await session.execute(select(ChainEvent.epcis_events).where(col(ChainEvent.event_id).in_(chain_event_ids)))
        ).all()
        for event in events
    ]
    if not epcis_ids:
        return 0
    recorded = 0
    scopes: dict[str, list[Any]] = {}  # an owner's read scope, read once for all its subscriptions
    for subscription, owner, query_json in subscriptions:
        try:
            query = querying.EventQuery.from_parameters(parameters_of(json.loads(query_json)))
        except (querying.QueryParameterError, NamedQueryError):
            # Checked when saved; a parser that has since changed must not stop every subscriber's
            # batch (it would dead-letter the chain's facts for all of them): this one is skipped.
            log.error("subscription %s: its saved query no longer parses; nothing matched", subscription.id)
            continue
        since = subscription.initial_record_time or subscription.created_at
        if owner not in scopes:
            scopes[owner] = await ownership.read_scope(session, principal_of(owner))
        scope = scopes[owner]
        matched = (
            await session.execute(
                select(EpcisEvent.event_id)
                .where(
                    col(EpcisEvent.event_id).in_(epcis_ids),
                    col(EpcisEvent.record_time) >= since,
                    *query.conditions(),
                    *scope,
                )
                .order_by(col(EpcisEvent.id))
            )
        ).scalars()
        event_ids = list(matched)
        if event_ids:
            session.add(EpcisDelivery(subscription_id=subscription.id, event_ids=json.dumps(event_ids)))
            recorded += 1
    return recorded


# --- sending -------------------------------------------------------------------------------------------


class Deliverer:
    """Sends what subscriptions are owed, in order, retrying with backoff; resumable from its rows."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        http: httpx.AsyncClient,
        *,
        poll_seconds: float = 0.5,
        batch: int = 50,
    ) -> None:
        self._sessions = sessions
        self._http = http
        self._poll_seconds = poll_seconds
        self._batch = batch
        self._stopping = asyncio.Event()

    async def run_forever(self) -> None:
        while not self._stopping.is_set():
            try:
                sent = await self.send_due()
            except Exception:  # a database blip: the rows still say what is owed
                log.exception("webhook deliveries failed; retrying")
                sent = 0
            if not sent:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self._poll_seconds)

    def stop(self) -> None:
        """Stop after the sends in hand are answered and settled (a send cut off would be sent again)."""
        self._stopping.set()

    async def send_due(self) -> int:
        """Send the oldest undelivered delivery of each subscription whose retry time has come.

        Each is claimed first (its next attempt moved a lease ahead, if no one else moved it), so
        replicas never send one delivery at once; one that dies mid-send leaves it to the lease."""
        now = utcnow()
        async with self._sessions() as session, session.begin():
            heads = (
                select(func.min(EpcisDelivery.id))
                .where(col(EpcisDelivery.delivered_at).is_(None))
                .group_by(col(EpcisDelivery.subscription_id))
            )
            due = (
                await session.execute(
                    select(EpcisDelivery, EpcisSubscription, EpcisNamedQuery.owner)
                    .join(EpcisSubscription, col(EpcisSubscription.id) == col(EpcisDelivery.subscription_id))
                    .join(EpcisNamedQuery, col(EpcisNamedQuery.id) == col(EpcisSubscription.query_id))
                    .where(col(EpcisDelivery.id).in_(heads), col(EpcisDelivery.next_attempt_at) <= now)
                    .order_by(col(EpcisDelivery.id))
                    .limit(self._batch)
                )
            ).all()
            claimed = []
            for delivery, subscription, owner in due:
                taken = await session.execute(
                    update(EpcisDelivery)
                    .where(col(EpcisDelivery.id) == delivery.id, col(EpcisDelivery.next_attempt_at) <= now)
                    .values(next_attempt_at=now + CLAIM_LEASE)
                )
                if taken.rowcount:
                    claimed.append(
                        (delivery, subscription, await self._document(session, delivery, subscription, owner))
                    )
        results = await asyncio.gather(
            *(self._post(subscription, delivery, body) for delivery, subscription, body in claimed)
        )
        for (delivery, subscription, _), error in zip(claimed, results):
            await self._settle(delivery, subscription, error)
        return len(claimed)

    async def _document(
        self, session: AsyncSession, delivery: EpcisDelivery, subscription: EpcisSubscription, owner: str
    ) -> bytes:
        event_ids = json.loads(delivery.event_ids)
        rows = (await session.execute(select(EpcisEvent).where(col(EpcisEvent.event_id).in_(event_ids)))).scalars()
        by_id = {row.event_id: row for row in rows}
        events = await querying.as_json_ld(session, [by_id[i] for i in event_ids if i in by_id])
        reader = principal_of(owner)
        shown_events = [
            epc_formats.translated(ownership.for_reader(reader, event), subscription.epc_format) for event in events
        ]
        document = querying.query_document(shown_events)
        document["epcisBody"]["queryResults"]["subscriptionID"] = subscription.id
        return json.dumps(document, ensure_ascii=False).encode()

    async def _post(self, subscription: EpcisSubscription, delivery: EpcisDelivery, body: bytes) -> str | None:
        headers = {
            "Content-Type": "application/ld+json",
            "GS1-EPCIS-Version": "2.0.0",
            "GS1-Delivery-ID": str(delivery.id),
        }
        if subscription.signature_token:
            headers[SIGNATURE_HEADER] = signature(subscription.signature_token, body)
        try:
            answer = await self._http.post(subscription.dest, content=body, headers=headers)
        except httpx.HTTPError as error:
            return f"{type(error).__name__}: {error}"[:500]
        return None if answer.is_success else f"HTTP {answer.status_code}"

    async def _settle(self, delivery: EpcisDelivery, subscription: EpcisSubscription, error: str | None) -> None:
        now = utcnow()
        async with self._sessions() as session, session.begin():
            if error is None:
                await session.execute(
                    update(EpcisDelivery)
                    .where(col(EpcisDelivery.id) == delivery.id)
                    .values(delivered_at=now, attempts=delivery.attempts + 1, last_error=None)
                )
                await session.execute(
                    update(EpcisSubscription)
                    .where(col(EpcisSubscription.id) == subscription.id)
                    .values(last_notified_at=now)
                )
            else:
                log.info("webhook %s refused delivery %s: %s", subscription.dest, delivery.id, error)
                await session.execute(
                    update(EpcisDelivery)
                    .where(col(EpcisDelivery.id) == delivery.id)
                    .values(
                        attempts=delivery.attempts + 1,
                        next_attempt_at=now + backoff(delivery.attempts + 1),
                        last_error=error,
                    )
                )
