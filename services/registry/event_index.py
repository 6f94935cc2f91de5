"""The history indexes, kept by the registry's sessions: every registry event added to the outbox
is indexed in `coop_event` by the organisations it names (`coop_id`, `union_id`) and in
`partner_event` by the partner it names (`partner_id`), whichever command recorded it. A union is
an organisation, so `GET /coops/{union_id}/history` is the union's history.

The bulk import inserts outbox rows with Core, past this hook, and writes its index rows itself.
"""

from __future__ import annotations

import json

from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import Session

from services.registry.tables import CoopEvent, PartnerEvent
from shared.events import registry as contracts
from shared.messaging.outbox import OutboxMessage


class RegistrySession(Session):
    """The registry's sessions index every event they add to the outbox by the organisations it
    names (`coop_id`, `union_id`) and by the partner it names (`partner_id`), so each
    organisation's and partner's history view finds its events whichever command recorded them."""


@sa_event.listens_for(RegistrySession, "before_flush")
def _index_outbox_events(session: Session, _context, _instances) -> None:
    for row in list(session.new):
        if isinstance(row, OutboxMessage) and row.stream == contracts.STREAM:
            payload = json.loads(json.loads(row.fields_json)["payload"])
            for coop_id in event_subjects(payload):
                session.add(CoopEvent(event_id=row.event_id, coop_id=coop_id))
            if isinstance(payload.get("partner_id"), int):
                session.add(PartnerEvent(event_id=row.event_id, partner_id=payload["partner_id"]))


def event_subjects(payload: dict) -> list[int]:
    """The organisations an event is about."""
    return [payload[key] for key in ("coop_id", "union_id") if isinstance(payload.get(key), int)]


def use_registry_sessions(sessions: async_sessionmaker) -> None:
    """Make a service's session factory produce `RegistrySession`s (called by the composition root)."""
    sessions.configure(sync_session_class=RegistrySession)
