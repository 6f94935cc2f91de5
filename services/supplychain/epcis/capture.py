"""Capture: an EPCIS document in; all its events stored, or none.

The REST binding's capture is asynchronous (202 + a capture job). This repository does the
work within the request, so the job it answers with is already finished, and its outcome
(`success`, `errors`) is final when the client first reads it.

- Schema violations are refused before any job exists (400 ValidationException): nothing
  is stored.
- `GS1-Capture-Error-Behaviour: rollback` (the default): an event that cannot be stored (an
  eventID already in the repository, or twice in the document) fails the whole job, nothing
  is stored. `proceed`: the other events are stored, the job lists the failures.
- An event with `errorDeclaration` whose eventID is already stored is the EPCIS error
  declaration of that event (§7.4.1.4): the declaration is recorded, the event stays.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.supplychain.epcis.store import save_epcis_events
from services.supplychain.epcis.tables import EpcisCapture, EpcisErrorDeclaration, EpcisEvent
from shared.i18n import Language, translate

ErrorBehaviour = Literal["rollback", "proceed"]
CAPTURE_LIMIT = 10_000  # events per document (GS1-EPCIS-Capture-Limit)
CAPTURE_FILE_SIZE_LIMIT = 32 * 1024 * 1024  # bytes (GS1-EPCIS-Capture-File-Size-Limit)
_LOOKUP_CHUNK = 500  # eventIDs per IN (...) when looking for ones already stored


def events_of(document: dict) -> list[dict]:
    """The events of a schema-valid EPCISDocument or EPCISQueryDocument."""
    body = document["epcisBody"]
    if document["type"] == "EPCISQueryDocument":
        return body["queryResults"]["resultsBody"]["eventList"]
    return body["eventList"]


async def capture_document(
    session: AsyncSession,
    document: dict,
    *,
    actor: str,
    owner_coop_id: int | None = None,
    error_behaviour: ErrorBehaviour = "rollback",
    language: Language = "vi",
) -> EpcisCapture:
    """Store the events of a schema-valid document and add its capture job; no commit."""
    created_at = datetime.now(UTC)
    capture_id = str(uuid.uuid4())
    events = events_of(document)
    failures = await _failures(session, events, language)
    stored = 0
    if not failures or error_behaviour == "proceed":
        accepted = [event for index, event in enumerate(events) if index not in failures]
        await save_epcis_events(
            session,
            accepted,
            context=document.get("@context"),
            capture_id=capture_id,
            owner_coop_id=owner_coop_id,
            validate=False,
        )
        stored = len(accepted)
    job = EpcisCapture(
        id=capture_id,
        success=not failures,
        error_behaviour=error_behaviour,
        event_count=stored,
        actor=actor,
        errors=json.dumps(list(failures.values()), ensure_ascii=False) if failures else None,
        created_at=created_at,  # not the object's default: that would come after finished_at
        finished_at=datetime.now(UTC),
    )
    session.add(job)
    return job


def failed_job(actor: str, problem: dict, error_behaviour: ErrorBehaviour) -> EpcisCapture:
    """The job of a capture that failed as a whole while storing (e.g. a concurrent duplicate)."""
    now = datetime.now(UTC)
    return EpcisCapture(
        id=str(uuid.uuid4()),
        success=False,
        error_behaviour=error_behaviour,
        event_count=0,
        actor=actor,
        errors=json.dumps([problem], ensure_ascii=False),
        created_at=now,
        finished_at=now,
    )


def capture_problem(key: str, language: Language, **values: object) -> dict:
    """One entry of a capture job's `errors` (RFC 7807, as the binding's CaptureJob says)."""
    return {
        "type": "epcisException:ValidationException",
        "title": translate(key, language, **values),
        "status": 409 if key.startswith("epcis.duplicate") else 400,
    }


async def _failures(session: AsyncSession, events: list[dict], language: Language) -> dict[int, dict]:
    """Position -> problem for each event that cannot be stored, walking the document in order."""
    state = await _stored_state(session, [e["eventID"] for e in events if "eventID" in e])
    failures: dict[int, dict] = {}
    for index, event in enumerate(events):
        event_id = event.get("eventID")
        if event_id is None:
            continue
        declares = "errorDeclaration" in event
        known = state.get(event_id)
        if known is None:
            state[event_id] = "declared" if declares else "stored"
        elif known == "stored" and declares:
            state[event_id] = "declared"
        elif known == "declared" and declares:
            failures[index] = capture_problem("epcis.already_declared", language, event_id=event_id, index=index)
        else:
            failures[index] = capture_problem("epcis.duplicate_event", language, event_id=event_id, index=index)
    return failures


async def _stored_state(session: AsyncSession, event_ids: Sequence[str]) -> dict[str, str]:
    """eventID -> "stored" or "declared" for those already in the repository."""
    state: dict[str, str] = {}
    unique_ids = list(dict.fromkeys(event_ids))
    for start in range(0, len(unique_ids), _LOOKUP_CHUNK):
        chunk = unique_ids[start : start + _LOOKUP_CHUNK]
        rows = await session.exec(
            select(EpcisEvent.event_id, EpcisErrorDeclaration.id)
            .join(EpcisErrorDeclaration, EpcisErrorDeclaration.event_pk == EpcisEvent.id, isouter=True)
            .where(col(EpcisEvent.event_id).in_(chunk))
        )
        for event_id, declaration_id in rows:
            state[event_id] = "stored" if declaration_id is None else "declared"
    return state
