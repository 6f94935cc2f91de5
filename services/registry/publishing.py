"""The registry's one way to record an event: the outbox row plus its history index rows.

Every registry event is indexed in `coop_event` by the organisations it names (`coop_id`,
`union_id`) and in `partner_event` by the partner it names (`partner_id`), so each
organisation's and partner's history view finds it whichever command recorded it. A union is
an organisation, so `GET /coops/{union_id}/history` is the union's history. The index rows are
written in the same transaction as the outbox row, from the typed event.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.tables import CoopEvent, PartnerEvent
from shared.db import table_of
from shared.events import registry as contracts
from shared.events.envelope import Event, EventEnvelope
from shared.messaging.outbox import PendingEvent, record_event, record_events


def event_subjects(event: Event) -> list[int]:
    """The organisations an event is about."""
    return [value for key in ("coop_id", "union_id") if isinstance(value := getattr(event, key, None), int)]


def _index_rows(event: Event, envelope: EventEnvelope) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    event_id = str(envelope.event_id)
    coops = [{"event_id": event_id, "coop_id": coop_id} for coop_id in event_subjects(event)]
    partner_id = getattr(event, "partner_id", None)
    partners = [{"event_id": event_id, "partner_id": partner_id}] if isinstance(partner_id, int) else []
    return coops, partners


def publish(
    session: AsyncSession, event: Event, *, occurred_at: datetime | None = None, actor: str = ""
) -> EventEnvelope:
    """Record `event` for publication after commit, indexed for the history views."""
    envelope = record_event(session, contracts.STREAM, event, occurred_at=occurred_at, actor=actor)
    coops, partners = _index_rows(event, envelope)
    session.add_all([CoopEvent(**row) for row in coops] + [PartnerEvent(**row) for row in partners])
    return envelope


async def publish_many(session: AsyncSession, events: Sequence[PendingEvent]) -> list[EventEnvelope]:
    """`publish` for a bulk import: the same rows, as multi-row INSERTs."""
    envelopes = await record_events(session, contracts.STREAM, events)
    coops: list[dict[str, Any]] = []
    partners: list[dict[str, Any]] = []
    for pending, envelope in zip(events, envelopes):
        coop_rows, partner_rows = _index_rows(pending.event, envelope)
        coops += coop_rows
        partners += partner_rows
    connection = await session.connection()
    for table, rows in ((table_of(CoopEvent), coops), (table_of(PartnerEvent), partners)):
        if rows:
            await connection.execute(insert(table), rows)
    return envelopes
