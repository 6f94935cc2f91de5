"""Composition root of the supplychain service."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from services.supplychain.api import router
from services.supplychain.consumers import REGISTRY_HANDLERS, SUBSCRIPTION_HANDLERS
from services.supplychain.epcis.api import router as epcis_router
from services.supplychain.epcis.subscriptions import Deliverer
from services.supplychain.registry_client import registry_http_client
from shared.events import registry as registry_contracts
from shared.events import supplychain as contracts
from shared.revocation import consuming_revocations, install_token_checks
from shared.service import ServiceRuntime, create_service_app
from shared.settings import Settings

NAME = "supplychain"


def create_app(settings: Settings | None = None, *, registry_http: httpx.AsyncClient | None = None) -> FastAPI:
    """`registry_http` replaces the client of the registry's API (tests point it at an in-process app)."""
    settings = settings or Settings()
    runtime = ServiceRuntime.build(NAME, settings, publishes=contracts.STREAM)
    runtime.http_clients["registry"] = registry_http or registry_http_client(settings.registry_url)
    runtime.consume(registry_contracts.STREAM, consuming_revocations(REGISTRY_HANDLERS))
    # Its own stream, in its own group: what EPCIS webhook subscribers are owed, and the loop that sends it.
    runtime.consume(contracts.STREAM, SUBSCRIPTION_HANDLERS)
    webhooks = runtime.http_clients["webhooks"] = httpx.AsyncClient(timeout=30, follow_redirects=False)
    runtime.background.append(Deliverer(runtime.sessions, webhooks))
    runtime.document_publications(contracts.STREAM, contracts.PUBLISHED)
    app = create_service_app(
        runtime,
        [router, epcis_router],
        title="HTX Supply chain",
        description="Lots and what happens to them, from harvest to sale; public trace.",
    )
    install_token_checks(app, settings, runtime.read_engine)
    return app
