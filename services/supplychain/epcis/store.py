"""The EPCIS event store: one way in for every event, whoever produced it.

`save_epcis_event` is called by the co-op chain commands (one event per fact, in the same
transaction as the fact) and by the capture interface (every event of a document);
`declare_epcis_error` records that a stored event was wrong (EPCIS error declaration; the
chain pairs it with a corrective event). Neither commits: the caller's unit of work does,
so an event is stored exactly when its fact is.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.supplychain import digital_link
from services.supplychain.epcis.tables import EpcisErrorDeclaration, EpcisEvent, EpcisEventIdentifier
from services.supplychain.epcis.validation import EPCIS_CONTEXTS, document_of, schema_errors
from services.supplychain.epcis.vocabulary import cbv_short, parse_timestamp

# Fields naming instance-level identifiers (EPCs), and the quantity lists naming classes.
INSTANCE_FIELDS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
CLASS_FIELDS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")


class InvalidEpcisEvent(ValueError):
    """An event the EPCIS 2.0 JSON Schema refuses; `errors` says where and why."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


class AlreadyDeclared(ValueError):
    """The event (row id in `args[0]`) already has an error declaration; EPCIS allows one."""


def new_event_id() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


async def save_epcis_event(
    session: AsyncSession,
    event: dict,
    *,
    context: Sequence[str | dict] | dict | None = None,
    capture_id: str | None = None,
    owner_coop_id: int | None = None,
    validate: bool = True,
) -> str:
    """Store one EPCIS 2.0 event (JSON-LD form) in the caller's transaction; return its eventID.

    - `eventID` is assigned (`urn:uuid:...`) when absent; `recordTime` is the repository's
      to set, so one given is replaced by the time of storing.
    - `context`: JSON-LD @context entries the event's extension fields need beyond EPCIS's
      own, e.g. `{"htx": "https://htx.thainguyen.gov.vn/epcis/"}` for `htx:harvestRound`;
      they are given back with the event on query.
    - an event with `errorDeclaration` whose eventID is already stored is the EPCIS error
      declaration of that event: the declaration is recorded (AlreadyDeclared if it has one),
      the stored event is left as it was. Otherwise the event is stored with its declaration.
    - `validate`: check the event against GS1's JSON Schema first (InvalidEpcisEvent if it
      fails). The capture interface validates whole documents itself and passes False, and
      so do the chain commands, whose events are valid by construction (checked by tests).
    A duplicate eventID fails at once (IntegrityError). Writes in the transaction, never commits.
    """
    [event_id] = await save_epcis_events(
        session, [event], context=context, capture_id=capture_id, owner_coop_id=owner_coop_id, validate=validate
    )
    return event_id


async def save_epcis_events(
    session: AsyncSession,
    events: Sequence[dict],
    *,
    context: Sequence[str | dict] | dict | None = None,
    capture_id: str | None = None,
    owner_coop_id: int | None = None,
    owners: Sequence[int | None] | None = None,
    validate: bool = True,
) -> list[str]:
    """`save_epcis_event` for many events at once, in order: one INSERT per table instead of
    one per event (what capture uses, and the chain's commands). `owners`, if given, is each
    event's owning co-op (a `/batch` writes several co-ops' events), instead of `owner_coop_id`
    for all. Returns the eventIDs."""
    bodies = [
        {key: value for key, value in event.items() if key not in ("recordTime", "errorDeclaration")}
        for event in events
    ]
    for body in bodies:
        body.setdefault("eventID", new_event_id())
    if validate:
        errors = schema_errors(
            document_of([{**event, "eventID": body["eventID"]} for event, body in zip(events, bodies)])
        )
        if errors:
            raise InvalidEpcisEvent(errors)
    # EPCIS 2.0 §7.4.1.4: an error declaration repeats the erroneous event (same eventID).
    repeated = [body["eventID"] for event, body in zip(events, bodies) if "errorDeclaration" in event]
    stored = await _stored_ids(session, repeated)
    context_json = _context_json(context)
    recorded_at = datetime.now(UTC)
    new: dict[str, int] = {}  # eventID -> position in `inserted`
    inserted: list[tuple[dict, dict | None]] = []
    declarations: list[tuple[str, dict]] = []
    owner_of = list(owners) if owners is not None else [owner_coop_id] * len(events)
    inserted_owners: list[int | None] = []
    for event, body, owner in zip(events, bodies, owner_of, strict=True):
        event_id = body["eventID"]
        if "errorDeclaration" in event and (event_id in stored or event_id in new):
            declarations.append((event_id, event["errorDeclaration"]))
            continue
        new[event_id] = len(inserted)
        inserted.append((body, event.get("errorDeclaration")))
        inserted_owners.append(owner)
    # Core INSERTs (one statement per table, ids back by RETURNING): building an ORM object
    # per event and identifier costs more than the database does. Ids are matched back by
    # eventID (unique): asking RETURNING for parameter order makes SQLite insert row by row.
    pks: list[int] = []
    if inserted:
        table = EpcisEvent.__table__
        result = await session.execute(
            insert(table).returning(table.c.event_id, table.c.id),
            [
                _row(body, context_json, capture_id, owner, recorded_at)
                for (body, _), owner in zip(inserted, inserted_owners, strict=True)
            ],
        )
        pk_of = dict(result.all())
        pks = [pk_of[body["eventID"]] for body, _ in inserted]
        index_rows = [
            {"event_pk": pk, "field": field, "value": value}
            for pk, (body, _) in zip(pks, inserted)
            for field, value in identifiers(body)
        ]
        if index_rows:
            await session.execute(insert(EpcisEventIdentifier.__table__), index_rows)
    for pk, (_, declaration) in zip(pks, inserted):
        if declaration is not None:
            _add_declaration(session, pk, declaration, capture_id)
    for event_id, declaration in declarations:
        pk = pks[new[event_id]] if event_id in new else stored[event_id]
        await _declare_once(session, pk, declaration, capture_id)
    if declarations or any(declaration for _, declaration in inserted):
        await session.flush()
    return [body["eventID"] for body in bodies]


def _row(
    body: dict, context_json: str | None, capture_id: str | None, owner_coop_id: int | None, recorded_at: datetime
) -> dict:
    return {
        "event_id": body["eventID"],
        "event_type": body["type"],
        "event_time": parse_timestamp(body["eventTime"]),
        "record_time": recorded_at,
        "action": body.get("action"),
        "biz_step": cbv_short("bizStep", body.get("bizStep")),
        "disposition": cbv_short("disposition", body.get("disposition")),
        "read_point": (body.get("readPoint") or {}).get("id"),
        "biz_location": (body.get("bizLocation") or {}).get("id"),
        "capture_id": capture_id,
        "owner_coop_id": owner_coop_id,
        "body": json.dumps(body, ensure_ascii=False),
        "context": context_json,
    }


async def _stored_ids(session: AsyncSession, event_ids: Sequence[str]) -> dict[str, int]:
    """eventID -> row id of those already stored."""
    found: dict[str, int] = {}
    unique_ids = list(dict.fromkeys(event_ids))
    for start in range(0, len(unique_ids), 500):
        rows = await session.exec(
            select(EpcisEvent.event_id, EpcisEvent.id).where(
                col(EpcisEvent.event_id).in_(unique_ids[start : start + 500])
            )
        )
        found.update(dict(rows.all()))
    return found


async def declare_epcis_error(
    session: AsyncSession,
    event_id: str,
    *,
    declaration_time: datetime,
    reason: str | None = None,
    corrective_event_ids: Sequence[str] = (),
    capture_id: str | None = None,
    extensions: dict | None = None,
) -> None:
    """Declare a stored event erroneous. The event stays as it was; queries return it with
    `errorDeclaration` {declarationTime, reason, correctiveEventIDs}.

    `reason`: a CBV error reason (`incorrect_data`, `did_not_occur`) or any URI.
    LookupError if no such event, AlreadyDeclared if it already has a declaration.
    """
    declaration: dict = {"declarationTime": declaration_time.isoformat()}
    if reason is not None:
        declaration["reason"] = reason
    if corrective_event_ids:
        declaration["correctiveEventIDs"] = list(corrective_event_ids)
    declaration.update(extensions or {})
    await attach_declaration(session, event_id, declaration, capture_id=capture_id)


async def attach_declaration(
    session: AsyncSession, event_id: str, declaration: dict, *, capture_id: str | None = None
) -> None:
    """Record an `errorDeclaration` object (EPCIS JSON form) for the stored event `event_id`."""
    event_pk = (await session.exec(select(EpcisEvent.id).where(EpcisEvent.event_id == event_id))).first()
    if event_pk is None:
        raise LookupError(event_id)
    await _declare_once(session, event_pk, declaration, capture_id)


async def _declare_once(session: AsyncSession, event_pk: int, declaration: dict, capture_id: str | None) -> None:
    declared = await session.exec(select(EpcisErrorDeclaration.id).where(EpcisErrorDeclaration.event_pk == event_pk))
    if declared.first() is not None:
        raise AlreadyDeclared(event_pk)
    _add_declaration(session, event_pk, declaration, capture_id)


def _add_declaration(session: AsyncSession, event_pk: int, declaration: dict, capture_id: str | None) -> None:
    session.add(
        EpcisErrorDeclaration(
            event_pk=event_pk,
            declaration_time=parse_timestamp(declaration["declarationTime"]),
            reason=cbv_short("errorReason", declaration.get("reason")),
            body=json.dumps(declaration, ensure_ascii=False),
            capture_id=capture_id,
        )
    )
    session.add_all(
        EpcisEventIdentifier(event_pk=event_pk, field="correctiveEventID", value=corrective)
        for corrective in dict.fromkeys(declaration.get("correctiveEventIDs") or ())
    )


def identifiers(event: dict) -> Iterable[tuple[str, str]]:
    """(field, value) for every identifier the query interface matches on, without repeats:
    EPCs (epcList, parentID, ...), EPC classes of the quantity lists, transformationID,
    persistent dispositions (CBV bare form) and the parties of source and destination lists.

    A GS1 key (SGTIN, LGTIN, SSCC) captured as a Digital Link also gets a row as its EPC URN
    (where the company prefix is known, else as its canonical Digital Link), so a query naming it
    in either form, on any domain, finds it, and EPC patterns (urn:epc:idpat:) match it
    (`digital_link.index_forms`)."""
    found: dict[tuple[str, str], None] = {}

    def add(field: str, value: object) -> None:
        if isinstance(value, str):
            found[(field, value)] = None

    def add_epc(field: str, value: object) -> None:
        add(field, value)
        if isinstance(value, str):
            for form in digital_link.index_forms(value):
                add(field, form)

    add_epc("parentID", event.get("parentID"))
    add("transformationID", event.get("transformationID"))
    for field in INSTANCE_FIELDS:
        for epc in event.get(field) or ():
            add_epc(field, epc)
    for field in CLASS_FIELDS:
        for element in event.get(field) or ():
            if isinstance(element, dict):
                add_epc(field, element.get("epcClass"))
    for field, key in (("source", "sourceList"), ("destination", "destinationList")):
        for element in event.get(key) or ():
            if isinstance(element, dict):
                add(field, element.get(field))  # who the goods came from and went to: reads are scoped on it
    persistent = event.get("persistentDisposition") or {}
    for which in ("set", "unset"):
        for disposition in persistent.get(which) or ():
            add(f"persistentDisposition.{which}", cbv_short("disposition", disposition))
    return list(found)


def _context_json(context: Sequence[str | dict] | dict | None) -> str | None:
    """The @context entries beyond EPCIS's own standard context, as a JSON list (None if none)."""
    if context is None:
        return None
    entries = [context] if isinstance(context, (str, dict)) else list(context)
    extra = [entry for entry in entries if entry not in EPCIS_CONTEXTS and entry != {}]
    return json.dumps(extra, ensure_ascii=False) if extra else None
