"""A lot's EPCIS document: every stored event that names the lot, its packed units or their
cartons, in eventTime order, as an EPCISDocument another repository can capture as is.

Reads the chain's tables (lot, co-op replica, packed units) only to learn the identifiers;
the URIs are the chain's own (`chain_mapping`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.supplychain.epcis import chain_mapping
from services.supplychain.epcis.query import epcis_document, events_naming
from services.supplychain.queries import rows_in
from services.supplychain.tables import KnownCoop, Lot, PackUnit


async def lot_identifiers(session: AsyncSession, code: str) -> list[str] | None:
    """The lot's URI, its units' and their cartons'; None if there is no such lot."""
    lot = (await session.exec(select(Lot).where(Lot.code == code))).first()
    return None if lot is None else await identifiers_of_lots(session, [lot])


async def identifiers_of_lots(session: AsyncSession, lots: Sequence[Lot]) -> list[str]:
    """The URIs of the lots, of their packed units and of those units' cartons."""
    coops = {lot.coop_id for lot in lots}
    codes = {coop.id: coop.registration_code for coop in await rows_in(session, select(KnownCoop), KnownCoop.id, coops)}
    identifiers = []
    for lot in lots:
        identifiers.append(chain_mapping.lot_uri(codes.get(lot.coop_id, str(lot.coop_id)), lot.code))
    by_id = {lot.id: lot for lot in lots}
    for unit in await rows_in(session, select(PackUnit), PackUnit.lot_id, list(by_id)):
        registration_code = codes.get(by_id[unit.lot_id].coop_id, str(by_id[unit.lot_id].coop_id))
        identifiers.append(chain_mapping.unit_uri(registration_code, unit.serial))
        if unit.carton_code:
            identifiers.append(chain_mapping.carton_uri(registration_code, unit.carton_code))
    return list(dict.fromkeys(identifiers))


async def lot_document(session: AsyncSession, code: str, scope: Sequence[Any] = ()) -> dict | None:
    identifiers = await lot_identifiers(session, code)
    if identifiers is None:
        return None
    return epcis_document(await events_naming(session, identifiers, scope), document_id=identifiers[0])
