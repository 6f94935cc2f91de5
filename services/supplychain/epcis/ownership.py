"""Who may capture and read what in the EPCIS repository.

Capture: a co-op's captures are about its own things, and chain facts are corrected by `/corrections`.

The platform's identifiers (`chain_mapping`) say whose they are: `urn:htx:<registration code>:...`
names a co-op's lots, units, cartons, places, documents and batches; `urn:htx:party:coop:<code>` the
co-op itself; `urn:htx:party:member:<id>` one of its households. A co-op's capture may name only its
own such identifiers (partners' parties and identifiers outside our namespace, e.g. another system's
GS1 EPCs, are not ours to police); it may declare in error only events it captured itself. The
province may capture anything. No one declares a chain fact in error through capture: `/corrections`
cancels its lot events and records the corrective fact with the declaration, and capture would do
only the declaration, leaving the stock and the reports disagreeing with the trace.

Reads (`read_scope`): the province sees every event; a co-op the events it owns (its chain facts and
its captures); a buyer the events about the lots shipped or sold to it and the lots they were made
from, except events naming another partner or an unnamed buyer (someone else's shipment or sale of the
same lot), and with households left out (`for_reader`): a buyer needs the origin, not who the
household is. Anonymous callers see no EPCIS event; their view of a lot is its public trace.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import false, not_, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.supplychain.epcis.chain_mapping import coop_party, partner_location, partner_party
from services.supplychain.epcis.export import identifiers_of_lots
from services.supplychain.epcis.query import EPC_FIELDS, names_identifier
from services.supplychain.epcis.tables import EpcisEvent, EpcisEventIdentifier
from services.supplychain.queries import lots_delivered_to
from services.supplychain.tables import KnownCoop, KnownMember
from services.supplychain.trace import upstream_lots
from shared.auth import Principal
from shared.errors import Conflict, Forbidden

_COOP_THING = re.compile(r"urn:htx:(?!party:)([^:]+):")
_COOP_PARTY = re.compile(r"urn:htx:party:coop:([^:]+)$")
_MEMBER_PARTY = re.compile(r"urn:htx:party:member:(\d+)$")


def platform_identifiers(value: object) -> Iterator[str]:
    """Every `urn:htx:` string in an event, wherever it is (lists, quantity lists, parties, extensions)."""
    if isinstance(value, str):
        if value.startswith("urn:htx:"):
            yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from platform_identifiers(item)
    elif isinstance(value, list):
        for item in value:
            yield from platform_identifiers(item)


async def check_capture(session: AsyncSession, principal: Principal, events: Sequence[dict]) -> None:
    """Refuse the whole capture (nothing stored) if one of its events is not the caller's to record."""
    declared = [event["eventID"] for event in events if "errorDeclaration" in event and "eventID" in event]
    stored = await _stored(session, declared)
    for index, event in enumerate(events):
        known = stored.get(event.get("eventID", ""))
        if "errorDeclaration" in event and known is not None:
            capture_id, owner = known
            if capture_id is None:
                raise Conflict("epcis.chain_fact", event_id=event["eventID"], index=index)
            if principal.role != "province" and owner != principal.coop_id:
                raise Forbidden("epcis.not_own_event", event_id=event["eventID"], index=index)
    if principal.role == "province":
        return
    own_code = await _registration_code(session, principal.coop_id)
    members = await _members(session, principal.coop_id, events)
    for index, event in enumerate(events):
        for identifier in platform_identifiers(event):
            if not _is_own(identifier, own_code, members):
                raise Forbidden("epcis.not_own_identifier", identifier=identifier, index=index)


def _is_own(identifier: str, own_code: str | None, members: set[int]) -> bool:
    if (party := _MEMBER_PARTY.match(identifier)) is not None:
        return int(party.group(1)) in members
    if identifier.startswith("urn:htx:party:"):
        coop = _COOP_PARTY.match(identifier)
        return coop is None or (own_code is not None and identifier == coop_party(own_code))  # partners: anyone's
    thing = _COOP_THING.match(identifier)
    return thing is not None and own_code is not None and identifier.startswith(f"urn:htx:{_quoted(own_code)}:")


def _quoted(registration_code: str) -> str:
    # The registration code as chain_mapping writes it into URNs.
    return coop_party(registration_code).removeprefix("urn:htx:party:coop:")


async def _stored(session: AsyncSession, event_ids: Sequence[str]) -> dict[str, tuple[str | None, int | None]]:
    """eventID -> (capture_id, owner_coop_id) of those already in the repository."""
    found: dict[str, tuple[str | None, int | None]] = {}
    unique = list(dict.fromkeys(event_ids))
    for start in range(0, len(unique), 500):
        rows = await session.exec(
            select(EpcisEvent.event_id, EpcisEvent.capture_id, EpcisEvent.owner_coop_id).where(
                col(EpcisEvent.event_id).in_(unique[start : start + 500])
            )
        )
        found.update({event_id: (capture_id, owner) for event_id, capture_id, owner in rows})
    return found


async def _registration_code(session: AsyncSession, coop_id: int | None) -> str | None:
    coop = await session.get(KnownCoop, coop_id) if coop_id is not None else None
    return coop.registration_code if coop is not None else None


async def _members(session: AsyncSession, coop_id: int | None, events: Sequence[dict]) -> set[int]:
    """Which of the households the events name belong to the caller's co-op."""
    named = {
        int(match.group(1))
        for event in events
        for identifier in platform_identifiers(event)
        if (match := _MEMBER_PARTY.match(identifier)) is not None
    }
    if not named or coop_id is None:
        return set()
    rows = await session.exec(
        select(KnownMember.id).where(KnownMember.coop_id == coop_id, col(KnownMember.id).in_(sorted(named)))
    )
    return set(rows.all())


async def read_scope(session: AsyncSession, principal: Principal) -> list[Any]:
    """Conditions on `EpcisEvent` that limit a query to what the caller may read (none: everything)."""
    if principal.role == "province":
        return []
    if principal.role == "coop":
        return [col(EpcisEvent.owner_coop_id) == principal.coop_id] if principal.coop_id is not None else [false()]
    if principal.partner_id is None:
        return [false()]
    partner = principal.partner_id
    lot_ids = sorted(await lots_delivered_to(session, partner))
    if not lot_ids:
        return [false()]
    return buyer_scope(partner, await identifiers_of_lots(session, await upstream_lots(session, lot_ids)))


def buyer_scope(partner: int, identifiers: list[str]) -> list[Any]:
    """The buyer's part: events naming `identifiers` (its lots and upstream), except those naming
    another partner or an unnamed buyer."""
    someone_else = select(EpcisEventIdentifier.event_pk).where(
        col(EpcisEventIdentifier.field).in_(("source", "destination")),
        or_(
            col(EpcisEventIdentifier.value).startswith("urn:htx:party:partner:"),
            col(EpcisEventIdentifier.value).startswith("urn:htx:party:sale:"),
        ),
        col(EpcisEventIdentifier.value).notin_([partner_party(partner), partner_location(partner)]),
    )
    return [names_identifier(EPC_FIELDS, identifiers, False), not_(col(EpcisEvent.id).in_(someone_else))]


def for_reader(principal: Principal, event: dict) -> dict:
    """The event as the caller may see it: for a buyer, without the households it names."""
    if principal.role != "buyer":
        return event
    return _without_households(event)


def _without_households(value: Any) -> Any:
    if isinstance(value, dict):
        kept = {}
        for key, item in value.items():
            if _is_household(item):
                continue  # e.g. ilmd's "htx:household"
            redacted = _without_households(item)
            if isinstance(item, list) and item and not redacted:
                continue  # a source list that named only the household
            kept[key] = redacted
        return kept
    if isinstance(value, list):
        return [_without_households(item) for item in value if not _is_household_entry(item)]
    return value


def _is_household(value: Any) -> bool:
    return isinstance(value, str) and _MEMBER_PARTY.match(value) is not None


def _is_household_entry(value: Any) -> bool:
    """A list entry naming a household: the party itself, or {"type": ..., "source": <the party>}."""
    if isinstance(value, dict):
        return any(_is_household(item) for item in value.values())
    return _is_household(value)
