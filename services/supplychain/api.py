"""Supplychain HTTP routes: turn a request into a handler call, and the result into JSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from shared.auth import PrincipalDep
from shared.service import RuntimeDep, SessionDep, UnitOfWorkDep
from services.supplychain import handlers
from services.supplychain.models import HarvestCreate, LotPublic, LotTrace, SaleCreate, SalePrivate
from services.supplychain.registry_client import RegistryClient

router = APIRouter(tags=["supplychain"])


def _registry(runtime: RuntimeDep) -> RegistryClient:
    return RegistryClient(runtime.http_clients["registry"])


RegistryDep = Annotated[RegistryClient, Depends(_registry)]


@router.post("/harvests", status_code=status.HTTP_201_CREATED, response_model=LotPublic,
             summary="Record a household's harvest as a new lot (province, or the co-op itself)")
async def record_harvest(data: HarvestCreate, uow: UnitOfWorkDep, principal: PrincipalDep,
                         registry: RegistryDep) -> LotPublic:
    """The co-op must be active and the household its member on the harvest date.

    Without `lot_code` the lot gets `TH-<coop id>-<yyyymmdd>-<n>`.
    """
    lot = await handlers.record_harvest(uow.session, registry, data, principal)
    await uow.commit()
    return await handlers.get_lot(uow.session, lot.code)


@router.post("/sales", status_code=status.HTTP_201_CREATED, response_model=SalePrivate,
             summary="Record the sale of (part of) a lot (province, or the co-op itself)")
async def record_sale(data: SaleCreate, uow: UnitOfWorkDep, principal: PrincipalDep) -> SalePrivate:
    """Amount is quantity x price rounded half up to whole VND."""
    sale = await handlers.record_sale(uow.session, data, principal)
    await uow.commit()
    return handlers.sale_private(sale, data.lot_code)


@router.get("/lots/{code}", response_model=LotPublic, summary="A lot, what it holds now, and its events")
async def get_lot(code: str, session: SessionDep) -> LotPublic:
    """Public; shows quantities and dates, never prices."""
    return await handlers.get_lot(session, code)


@router.get("/lots/{code}/trace", response_model=LotTrace, summary="Where a lot came from and where it went")
async def trace_lot(code: str, session: SessionDep) -> LotTrace:
    """Public (what the QR code opens): co-op, household, plot, harvest, buyers. No prices or personal data."""
    return await handlers.trace_lot(session, code)
