"""A lot's EPCIS document: every stored event that names the lot, its packed units or their
cartons, in eventTime order, as an EPCISDocument another repository can capture as is.

Reads the chain's tables (lot, co-op replica, packed units) only to learn the identifiers;
the URIs are the chain's own (`chain_mapping`).
"""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.supplychain.epcis import chain_mapping
from services.supplychain.epcis.query import epcis_document, events_naming
from services.supplychain.tables import KnownCoop, Lot, PackUnit


async def lot_identifiers(session: AsyncSession, code: str) -> list[str] | None:
    """The lot's URI, its units' and their cartons'; None if there is no such lot."""
    lot = (await session.exec(select(Lot).where(Lot.code == code))).first()
    if lot is None:
        return None
    coop = await session.get(KnownCoop, lot.coop_id)
    registration_code = coop.registration_code if coop else str(lot.coop_id)
    identifiers = [chain_mapping.lot_uri(registration_code, lot.code)]
    for unit in (await session.exec(select(PackUnit).where(PackUnit.lot_id == lot.id))).all():
        identifiers.append(chain_mapping.unit_uri(registration_code, unit.serial))
        if unit.carton_code:
            identifiers.append(chain_mapping.carton_uri(registration_code, unit.carton_code))
    return list(dict.fromkeys(identifiers))


async def lot_document(session: AsyncSession, code: str) -> dict | None:
    identifiers = await lot_identifiers(session, code)
    if identifiers is None:
        return None
    return epcis_document(await events_naming(session, identifiers), document_id=identifiers[0])
