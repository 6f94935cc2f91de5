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
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import TypeVar

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.supplychain import lots
from services.supplychain.epcis import chain_mapping as epcis
from services.supplychain.epcis.store import save_epcis_event
from services.supplychain.queries import find_lot, holdings, rows_in
from services.supplychain.registry_client import RegistryClient
from services.supplychain.schemas import LotTake
from services.supplychain.tables import ChainEvent, KnownCoop, KnownCoopStatus, KnownMember, KnownPartner, Lot, LotEvent
from shared.auth import Principal
from shared.clock import start_of_local_day
from shared.db import insert_if_absent
from shared.errors import Conflict, NotFound, Unprocessable
from shared.events import supplychain as contracts
from shared.events.envelope import Event
from shared.i18n import Localized
from shared.messaging.outbox import record_event

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
        # Generated lot codes per prefix: the lot table's at the first look (the co-op's row is
        # locked from then on), plus every lot code this transaction has handed out since.
        self.lot_codes: dict[str, set[str]] = {}


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


async def generated_code(
    session: AsyncSession, model, column, coop_id: int, day: date, step: str, taken: set[str]
) -> str:
    """The next free generated code of a step (`lots.lot_code`) in `column`, `taken` ones counted as used."""
    prefix = lots.generated_code_prefix(coop_id, day, step)
    cache = resolved(session)
    if model is Lot and prefix in cache.lot_codes:  # the co-op is locked already, and every new lot noted
        return lots.lot_code(
            coop_id, day, lots.next_sequence(cache.lot_codes[prefix] | taken, coop_id, day, step), step
        )
    # Two commands of one co-op must not both take the next number: the co-op's replica row is the
    # lock (FOR UPDATE on PostgreSQL; SQLite's write transactions are serialised already).
    await session.exec(select(KnownCoop.id).where(KnownCoop.id == coop_id).with_for_update())
    found = set((await session.exec(select(column).where(col(column).startswith(prefix)))).all())
    if model is Lot:
        cache.lot_codes[prefix] = found
    return lots.lot_code(coop_id, day, lots.next_sequence(found | taken, coop_id, day, step), step)


async def new_lot_code(
    session: AsyncSession, code: str | None, coop_id: int, day: date, step: str, taken: set[str]
) -> str:
    """The caller's code for a new lot, or a generated one; refused if a lot (or `taken`) has it already."""
    code = code or await generated_code(session, Lot, Lot.code, coop_id, day, step, taken)
    if code in taken or (await session.exec(select(Lot.id).where(Lot.code == code))).first() is not None:
        raise Conflict("lot.duplicate", lot_code=code)
    taken.add(code)
    # A later command of the transaction generating codes of that prefix counts this one as used.
    for prefix, codes in resolved(session).lot_codes.items():
        if code.startswith(prefix):
            codes.add(code)
    return code


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


# --- recording a fact --------------------------------------------------------------------------


async def record_fact(
    session: AsyncSession,
    principal: Principal,
    *,
    kind: str,
    coop: KnownCoop,
    on: date,
    fact: Event,
    epcis_events,
    partner_id: int | None = None,
) -> str:
    """Outbox row, EPCIS events and the chain-event row of one fact; returns its event id.

    `epcis_events(event_id)` builds the EPCIS events once the integration event's id is known,
    so both carry the same id.
    """
    envelope = record_event(session, contracts.STREAM, fact, occurred_at=start_of_local_day(on), actor=principal.actor)
    event_id = str(envelope.event_id)
    events = epcis_events(event_id)
    for event in events:
        await save_chain_epcis_event(session, event, coop.id)
    session.add(
        ChainEvent(
            event_id=event_id,
            kind=kind,
            coop_id=coop.id,
            partner_id=partner_id,
            occurred_on=on,
            epcis_events=events,
            actor=principal.actor,
        )
    )
    return event_id


async def save_chain_epcis_event(session: AsyncSession, event: dict, coop_id: int) -> None:
    """Store one of the chain's own EPCIS events, as the co-op's; its "htx:" fields need our namespace.

    Not validated here: chain_mapping builds them valid, as tests check for every kind.
    """
    await save_epcis_event(
        session,
        {k: v for k, v in event.items() if k != "@context"},
        context={"htx": epcis.HTX_NAMESPACE},
        owner_coop_id=coop_id,
        validate=False,
    )


def add_lot_events(
    session: AsyncSession,
    rows: Iterable[tuple[int, str, Decimal]],
    on: date,
    event_id: str,
    principal: Principal,
    sale_id: int | None = None,
) -> None:
    session.add_all(
        LotEvent(
            lot_id=lot_id,
            kind=kind,
            quantity_delta=delta,
            occurred_on=on,
            event_id=event_id,
            sale_id=sale_id,
            actor=principal.actor,
        )
        for lot_id, kind, delta in rows
    )


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
