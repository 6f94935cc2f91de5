"""What every chain command does around its own rules, so each command reads as its rules only.

- the co-op, member or partner it names: from the replica `consumers` keep, or from the
  registry's API (cached) when the stream is behind;
- new lot and batch codes, and quantities taken from lots (checked and locked);
- the fact itself: its outbox row (the integration event), its EPCIS events, its
  `chain_event` row and the lot events that change what lots hold, all in the caller's
  transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import NotRequired, TypedDict, TypeVar, Unpack

from sqlalchemy import ColumnElement, insert, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.supplychain import lots
from services.supplychain.epcis import chain_mapping as epcis
from services.supplychain.epcis.store import save_epcis_event, save_epcis_events
from services.supplychain.queries import chunks, find_lot, holdings, rows_in
from services.supplychain.registry_client import RegistryClient
from services.supplychain.schemas import LotTake
from services.supplychain.tables import ChainEvent, KnownCoop, KnownCoopStatus, KnownMember, KnownPartner, Lot, LotEvent
from shared.auth import Principal
from shared.clock import start_of_local_day, utcnow
from shared.db import insert_if_absent, table_of
from shared.errors import Conflict, NotFound, Unprocessable
from shared.events import supplychain as contracts
from shared.events.envelope import Event
from shared.i18n import Localized
from shared.messaging.outbox import PendingEvent, insert_outbox_rows, outbox_row

# A lot's unit as a reader sees it in a refusal.
UNITS = {"kg": Localized("kg", vi="kg", en="kg"), "pcs": Localized("pcs", vi="sản phẩm", en="pieces")}

# --- the registry replica, with the registry's API as fallback ---------------------------------
#
# The stream consumer may write the same replica row at the same moment (a co-op registered a
# second ago): the fallback inserts only if absent, so neither side fails the other.

Known = TypeVar("Known", KnownCoop, KnownMember, KnownPartner)


class Resolved:
    """What the commands of one transaction have looked up already: a `/batch` of 200 harvests
    reads each co-op, status history and member once, and locks each co-op's code sequence once.

    The ORM's identity map alone does not do it: it holds rows weakly, so a co-op is read again
    by the next command. Bound to the transaction (`resolved`): after a rollback nothing read
    before it is trusted. Single POSTs go through the same code with a cache of one command.
    """

    def __init__(self, transaction: object) -> None:
        self.transaction = transaction
        self.coops: dict[int, KnownCoop] = {}
        self.statuses: dict[int, list[tuple[date, str]]] = {}
        self.members: dict[int, KnownMember] = {}
        self.partners: dict[int, KnownPartner] = {}
        # The highest sequence of each generated lot-code prefix: the lot table's at the first
        # look (the co-op's row is locked from then on), or of a code this transaction handed out.
        self.lot_sequences: dict[str, int] = {}


def resolved(session: AsyncSession) -> Resolved:
    """The lookups of the session's current transaction."""
    transaction = session.sync_session.get_transaction()
    cache = session.info.get("htx.resolved")
    if isinstance(cache, Resolved) and cache.transaction is None:
        cache.transaction = transaction  # made before the session began: its first read began this one
    if not isinstance(cache, Resolved) or cache.transaction is not transaction:
        cache = session.info["htx.resolved"] = Resolved(transaction)
    return cache


async def prefetch(session: AsyncSession, commands: Sequence[object]) -> None:
    """Read the co-ops, members and partners a batch's commands name, one query per table, into
    the transaction's lookups; those the replica lacks are learnt one by one as before."""
    cache = resolved(session)
    tables: list[tuple[str, type[KnownCoop] | type[KnownMember] | type[KnownPartner], dict]] = [
        ("coop_id", KnownCoop, cache.coops),
        ("member_id", KnownMember, cache.members),
        ("partner_id", KnownPartner, cache.partners),
    ]
    for field, model, known in tables:
        keys = {key for command in commands if isinstance(key := getattr(command, field, None), int)}
        if missing := sorted(keys - known.keys()):
            known.update((row.id, row) for row in await rows_in(session, select(model), model.id, missing))
    # The status histories of those co-ops (`active_coop`), one query for them all too.
    if unread := sorted(cache.coops.keys() - cache.statuses.keys()):
        statement = select(KnownCoopStatus.coop_id, KnownCoopStatus.effective_on, KnownCoopStatus.status).order_by(
            col(KnownCoopStatus.effective_on), col(KnownCoopStatus.id)
        )
        histories: dict[int, list[tuple[date, str]]] = {coop_id: [] for coop_id in unread}
        for coop_id, effective_on, status in await rows_in(session, statement, KnownCoopStatus.coop_id, unread):
            histories[coop_id].append((effective_on, status))
        cache.statuses.update(histories)


async def known_coop(session: AsyncSession, registry: RegistryClient, coop_id: int) -> KnownCoop:
    """The co-op from the replica, or from the registry's API (cached) when the stream is behind."""
    cache = resolved(session)
    if (coop := cache.coops.get(coop_id)) is not None:
        return coop
    coop = await session.get(KnownCoop, coop_id)
    if coop is None:
        answer = await registry.coop(coop_id)
        if answer is None:
            raise NotFound("coop.not_found", coop_id=coop_id)
        await insert_if_absent(session, KnownCoop(**answer.model_dump(), learnt_from="registry_api"))
        coop = await _learnt(session, KnownCoop, coop_id)
    cache.coops[coop_id] = coop
    return coop


async def known_member(session: AsyncSession, registry: RegistryClient, coop_id: int, member_id: int) -> KnownMember:
    """The member from the replica, or from the registry's API (cached) when the stream is behind."""
    cache = resolved(session)
    member = cache.members.get(member_id) or await session.get(KnownMember, member_id)
    if member is None:
        answer = await registry.member(coop_id, member_id)
        if answer is None:
            raise NotFound("member.not_found", member_id=member_id, coop_id=coop_id)
        await insert_if_absent(session, KnownMember(**answer.model_dump(), learnt_from="registry_api"))
        member = await _learnt(session, KnownMember, member_id)
    cache.members[member_id] = member
    if member.coop_id != coop_id:
        raise NotFound("member.not_found", member_id=member_id, coop_id=coop_id)
    return member


async def known_partner(session: AsyncSession, registry: RegistryClient, partner_id: int) -> KnownPartner:
    """The partner from the replica, or from the registry's API (cached) when the stream is behind."""
    cache = resolved(session)
    if (partner := cache.partners.get(partner_id)) is not None:
        return partner
    partner = await session.get(KnownPartner, partner_id)
    if partner is None:
        answer = await registry.partner(partner_id)
        if answer is None:
            raise NotFound("shipment.unknown_partner", partner_id=partner_id)
        learnt = KnownPartner(
            id=answer.id, name=answer.name, kind=answer.kind, ward_code=answer.ward_code, learnt_from="registry_api"
        )
        await insert_if_absent(session, learnt)  # in the database at once: a later command of a batch finds it
        partner = await _learnt(session, KnownPartner, partner_id)
    cache.partners[partner_id] = partner
    return partner


async def _learnt(session: AsyncSession, model: type[Known], key: int) -> Known:
    """The replica row just learnt from the API, or the one the stream consumer wrote meanwhile."""
    row = await session.get(model, key)
    if row is None:  # not reached: the row was inserted, or already there, in this transaction
        raise LookupError(f"{model.__name__} {key} vanished from the replica")
    return row


async def active_coop(session: AsyncSession, registry: RegistryClient, coop_id: int, on: date) -> KnownCoop:
    """The co-op, which must be founded and active on the event date.

    The status history comes from registry.events; a co-op known only from the registry's API
    (the stream has not caught up) has no history yet, so its current status stands for all days.
    """
    coop = await known_coop(session, registry, coop_id)
    cache = resolved(session)
    history = cache.statuses.get(coop.id)
    if history is None:
        rows = await session.exec(
            select(KnownCoopStatus.effective_on, KnownCoopStatus.status)
            .where(KnownCoopStatus.coop_id == coop.id)
            .order_by(col(KnownCoopStatus.effective_on), col(KnownCoopStatus.id))
        )
        history = cache.statuses[coop.id] = [(effective_on, status) for effective_on, status in rows]
    status = (
        coop.status
        if not history
        else next((status for effective_on, status in reversed(history) if effective_on <= on), "not_founded")
    )
    if status != "active" or on < coop.founded_on:
        raise Conflict("coop.not_active", coop_id=coop.id, status=status if on >= coop.founded_on else "not_founded")
    return coop


# --- new codes, and quantities taken from lots --------------------------------------------------


def starting_with(column, prefix: str, dialect: str) -> ColumnElement[bool]:
    """`column` starts with `prefix` (a generated code's: no wildcard in it), as the code's
    unique index can answer: SQLite's GLOB is case-sensitive, so it searches the index, where
    `startswith` (LIKE ? || '%') reads the whole table; PostgreSQL's LIKE with the pattern as
    one value does too (in the C collation, as deployed, or with a pattern-ops index)."""
    column = col(column)
    return column.op("GLOB")(f"{prefix}*") if dialect == "sqlite" else column.like(f"{prefix}%")


async def lock_code_prefixes(session: AsyncSession, wanted: Iterable[tuple[int, date, str]]) -> None:
    """Take the next-number locks of these (co-op, day, step) lot codes at once: each co-op's
    replica row locked and the stored codes of every prefix read, two statements in all, so
    `generated_code` asks nothing more for them in this transaction (a run of harvests)."""
    cache = resolved(session)
    prefixes = {lots.generated_code_prefix(coop_id, day, step): coop_id for coop_id, day, step in wanted}
    prefixes = {prefix: coop_id for prefix, coop_id in prefixes.items() if prefix not in cache.lot_sequences}
    if not prefixes:
        return
    locked = set(
        await session.exec(
            select(KnownCoop.id)
            .where(col(KnownCoop.id).in_(sorted(set(prefixes.values()))))
            .order_by(col(KnownCoop.id))
            .with_for_update()
        )
    )
    # A co-op the replica lacks yet is learnt later (registry API) and locked when it generates.
    prefixes = {prefix: coop_id for prefix, coop_id in prefixes.items() if coop_id in locked}
    if not prefixes:
        return
    dialect = session.bind.dialect.name
    highest = dict.fromkeys(prefixes, 0)
    for part in chunks(sorted(prefixes)):
        codes = await session.exec(select(Lot.code).where(or_(*(starting_with(Lot.code, p, dialect) for p in part))))
        for code in codes:
            _note_code(highest, code)
    cache.lot_sequences.update(highest)


def _note_code(highest: dict[str, int], code: str) -> None:
    """Count `code` in the highest sequence of the generated prefix it has, if any."""
    for prefix, sequence in lots.generated_sequences(code):
        if prefix in highest:
            highest[prefix] = max(highest[prefix], sequence)


async def generated_code(
    session: AsyncSession, model, column, coop_id: int, day: date, step: str, taken: set[str]
) -> str:
    """The next free generated code of a step (`lots.lot_code`) in `column`, `taken` ones counted as used."""
    prefix = lots.generated_code_prefix(coop_id, day, step)
    cache = resolved(session)
    if model is Lot and prefix in cache.lot_sequences:  # the co-op is locked already, and every new lot noted
        after = max(cache.lot_sequences[prefix], lots.next_sequence(taken, coop_id, day, step) - 1)
        return lots.lot_code(coop_id, day, after + 1, step)
    # Two commands of one co-op must not both take the next number: the co-op's replica row is the
    # lock (FOR UPDATE on PostgreSQL; SQLite's write transactions are serialised already).
    await session.exec(select(KnownCoop.id).where(KnownCoop.id == coop_id).with_for_update())
    found = set(
        (await session.exec(select(column).where(starting_with(column, prefix, session.bind.dialect.name)))).all()
    )
    sequence = lots.next_sequence(found | taken, coop_id, day, step)
    if model is Lot:
        cache.lot_sequences[prefix] = lots.next_sequence(found, coop_id, day, step) - 1
    return lots.lot_code(coop_id, day, sequence, step)


async def new_lot_code(
    session: AsyncSession,
    code: str | None,
    coop_id: int,
    day: date,
    step: str,
    taken: set[str],
    *,
    looked_up: bool = False,
) -> str:
    """The caller's code for a new lot, or a generated one; refused if a lot (or `taken`) has it already.

    A generated code is free by construction (its prefix's lots were read under the co-op's
    lock, and the transaction's new ones noted). `looked_up`: `taken` holds every stored lot
    with the caller's code already (`existing_lot_codes`, one query for a run of harvests), so
    the table is not asked again, and the prefixes are locked (`lock_code_prefixes`), so every
    code of the run is noted there and generating need not read `taken`.
    """
    if code is None:
        code = await generated_code(session, Lot, Lot.code, coop_id, day, step, set() if looked_up else taken)
    elif code in taken or (
        not looked_up and (await session.exec(select(Lot.id).where(Lot.code == code))).first() is not None
    ):
        raise Conflict("lot.duplicate", lot_code=code)
    taken.add(code)
    # A later command of the transaction generating codes of that prefix counts this one as used.
    _note_code(resolved(session).lot_sequences, code)
    return code


async def existing_lot_codes(session: AsyncSession, codes: Iterable[str]) -> set[str]:
    """Those of `codes` that lots have already."""
    return set(await rows_in(session, select(Lot.code), Lot.code, codes))


async def take_from_lots(
    session: AsyncSession, coop_id: int, takes: Sequence[LotTake], on: date
) -> list[tuple[Lot, Decimal]]:
    """Check that a co-op may take these quantities from its lots on a day; the lots, locked."""
    wanted: dict[str, Decimal] = defaultdict(Decimal)
    units: dict[str, str] = {}
    for take in takes:
        wanted[take.lot_code] += take.quantity
        units[take.lot_code] = take.unit
    # Lock in code order, so two commands taking the same lots cannot deadlock on PostgreSQL.
    locked = {code: await find_lot(session, code, for_update=True) for code in sorted(wanted)}
    taken: list[tuple[Lot, Decimal]] = []
    for code, quantity in wanted.items():
        check_own_unit_date(locked[code], coop_id, units[code], quantity, on)
        taken.append((locked[code], quantity))
    held = await holdings(session, [lot.id for lot, _ in taken])
    for lot, quantity in taken:
        if quantity > held[lot.id]:
            raise Conflict(
                "lot.insufficient", lot_code=lot.code, available=held[lot.id], requested=quantity, unit=UNITS[lot.unit]
            )
    return taken


def check_own_unit_date(lot: Lot, coop_id: int, unit: str, quantity: Decimal, on: date) -> None:
    """The lot is the co-op's, counted in `unit` (whole pieces for packs), and existed on the day."""
    if lot.coop_id != coop_id:
        raise Conflict("lot.other_coop", lot_code=lot.code, coop_id=coop_id)
    if unit != lot.unit:
        raise Unprocessable("lot.unit_mismatch", lot_code=lot.code, unit=lot.unit, given=unit)
    if lot.unit == "pcs" and not lots.is_whole(quantity):
        raise Unprocessable("lot.whole_units", lot_code=lot.code, quantity=quantity)
    if on < lot.created_on:
        raise Unprocessable("lot.before_creation", on=on, lot_code=lot.code, created=lot.created_on)


# --- recording facts ---------------------------------------------------------------------------

LotChange = tuple[int, str, Decimal]  # lot id, lot event kind, quantity delta in the lot's unit


class Fact(TypedDict):
    """One fact of the chain, as the commands describe it (`Facts.add`)."""

    kind: str  # chain_event.kind: harvest, purchase, processing, ...
    coop: KnownCoop  # whose fact it is (the EPCIS events' owner)
    on: date  # the day it happened
    fact: Event  # the integration event
    epcis_events: Callable[[str], list[dict]]
    partner_id: NotRequired[int | None]
    lot_changes: NotRequired[Iterable[LotChange]]
    sale_id: NotRequired[int | None]


class Facts:
    """Facts recorded together, and written with one INSERT per table: the outbox rows (their
    integration events), their EPCIS events and those events' identifiers, the `chain_event` rows
    and the lot events.

    A run of harvests in a `/batch` records all its facts in one `Facts`; every other command
    records its own (`record_fact`, a `Facts` of one), so both paths write the same rows. Core
    INSERTs, not ORM objects: building an object per row cost more than the database did.
    """

    def __init__(self) -> None:
        self.outbox: list[dict] = []
        self.epcis: list[dict] = []
        self.owners: list[int] = []
        self.chain: list[dict] = []
        self.lot_events: list[dict] = []

    def add(self, principal: Principal, **fact: Unpack[Fact]) -> str:
        """Note one fact; returns its event id.

        `epcis_events(event_id)` builds the EPCIS events once the integration event's id is
        known, so both carry the same id. `lot_changes`: what the fact does to lots.
        """
        coop, on = fact["coop"], fact["on"]
        pending = PendingEvent(fact["fact"], occurred_at=start_of_local_day(on), actor=principal.actor)
        envelope, row = outbox_row(contracts.STREAM, pending)
        event_id = str(envelope.event_id)
        events = fact["epcis_events"](event_id)
        self.outbox.append(row)
        for event in events:
            self.epcis.append({k: v for k, v in event.items() if k != "@context"})
            self.owners.append(coop.id)
        recorded_at = utcnow()
        self.chain.append(
            {
                "event_id": event_id,
                "kind": fact["kind"],
                "coop_id": coop.id,
                "partner_id": fact.get("partner_id"),
                "occurred_on": on,
                "epcis_events": events,
                "actor": principal.actor,
                "recorded_at": recorded_at,
            }
        )
        changes = fact.get("lot_changes", ())
        self.lot_events += lot_event_rows(changes, on, event_id, principal, fact.get("sale_id"), recorded_at)
        return event_id

    async def write(self, session: AsyncSession) -> None:
        """Insert what was noted, once, in the caller's transaction.

        The chain's EPCIS events are not validated here: chain_mapping builds them valid, as
        tests check for every kind. Their "htx:" fields need our namespace in the context.
        """
        if self.outbox:
            await insert_outbox_rows(session, self.outbox)
        if self.epcis:
            await save_epcis_events(
                session, self.epcis, context={"htx": epcis.HTX_NAMESPACE}, owners=self.owners, validate=False
            )
        connection = await session.connection()
        if self.chain:
            await connection.execute(insert(table_of(ChainEvent)), self.chain)
        if self.lot_events:
            await connection.execute(insert(table_of(LotEvent)), self.lot_events)


async def record_fact(session: AsyncSession, principal: Principal, **fact: Unpack[Fact]) -> str:
    """Outbox row, EPCIS events, the chain-event row and the lot events of one fact, written now;
    returns its event id (see `Facts.add`)."""
    facts = Facts()
    event_id = facts.add(principal, **fact)
    await facts.write(session)
    return event_id


async def save_chain_epcis_event(session: AsyncSession, event: dict, coop_id: int) -> None:
    """Store one of the chain's own EPCIS events, as the co-op's (an error declaration: corrections)."""
    await save_epcis_event(
        session,
        {k: v for k, v in event.items() if k != "@context"},
        context={"htx": epcis.HTX_NAMESPACE},
        owner_coop_id=coop_id,
        validate=False,
    )


def lot_event_rows(
    changes: Iterable[LotChange],
    on: date,
    event_id: str,
    principal: Principal,
    sale_id: int | None = None,
    recorded_at: datetime | None = None,
) -> list[dict]:
    """`lot_event` rows of one fact."""
    recorded_at = recorded_at or utcnow()
    return [
        {
            "lot_id": lot_id,
            "kind": kind,
            "quantity_delta": delta,
            "occurred_on": on,
            "event_id": event_id,
            "sale_id": sale_id,
            "actor": principal.actor,
            "recorded_at": recorded_at,
        }
        for lot_id, kind, delta in changes
    ]


async def add_lot_events(
    session: AsyncSession, changes: Iterable[LotChange], on: date, event_id: str, principal: Principal
) -> None:
    """Lot events of a fact recorded otherwise (a correction's cancelling rows), written now."""
    if rows := lot_event_rows(changes, on, event_id, principal):
        await (await session.connection()).execute(insert(table_of(LotEvent)), rows)


def contract_quantity(lot: Lot, quantity: Decimal) -> contracts.LotQuantity:
    """A quantity of a lot as the integration events carry it: kilograms, and pieces for packs."""
    return contracts.LotQuantity(
        lot_code=lot.code,
        quantity_kg=lots.kg_of(quantity, lot.unit, lot.net_kg_per_unit),
        product=lot.product,
        grade=lot.grade,
        unit=lot.unit,
        quantity_units=int(quantity) if lot.unit == "pcs" else None,
    )
