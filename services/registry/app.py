"""Composition root of the registry service."""

from __future__ import annotations

from fastapi import FastAPI

from services.registry.accounts import auth_router
from services.registry.accounts import router as accounts_router
from services.registry.api import router
from services.registry.plans import router as plans_router
from services.registry.quality.api import QUALITY_EVENTS
from services.registry.quality.api import router as quality_router
from services.registry.tokens import router as tokens_router
from shared.events import registry as contracts
from shared.revocation import install_token_checks
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
            contracts.TokenRevoked,
            contracts.PlanPublished,
        ],
    )
    runtime.document_publications(contracts.STREAM, QUALITY_EVENTS)
    app = create_service_app(
        runtime,
        [router, quality_router, tokens_router, auth_router, accounts_router, plans_router],
        title="HTX Registry",
        description="Co-ops, unions, groups, members, partners, plots, certificates, gradings, inspections, "
        "the province's plans and targets.",
    )
    install_token_checks(app, runtime.settings, runtime.read_engine)  # its own revocations: at once
    return app
