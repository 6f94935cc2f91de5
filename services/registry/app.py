"""Composition root of the registry service."""

from __future__ import annotations

from fastapi import FastAPI

from services.registry.api import router
from services.registry.quality.api import QUALITY_EVENTS
from services.registry.quality.api import router as quality_router
from shared.events import registry as contracts
from shared.service import ServiceRuntime, create_service_app
from shared.settings import Settings

NAME = "registry"


def create_app(settings: Settings | None = None) -> FastAPI:
    runtime = ServiceRuntime.build(NAME, settings or Settings(), publishes=contracts.STREAM)
    runtime.document_publications(
        contracts.STREAM,
        [
            contracts.CoopRegistered,
            contracts.CoopStatusChanged,
            contracts.MemberJoined,
            contracts.MemberLeft,
            contracts.CoopDetailsChanged,
            contracts.UnionMemberAdded,
            contracts.UnionMemberRemoved,
            contracts.PartnerRegistered,
            contracts.ChainContractSigned,
        ],
    )
    runtime.document_publications(contracts.STREAM, QUALITY_EVENTS)
    return create_service_app(
        runtime,
        [router, quality_router],
        title="HTX Registry",
        description="Co-ops, unions, groups, members, partners, plots, certificates, gradings, inspections.",
    )
