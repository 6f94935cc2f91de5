"""Composition root of the reporting service."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Callable
from datetime import date
from typing import Any

import httpx
from fastapi import FastAPI

from services.reporting import consumers, kpis, wards
from services.reporting.api import router, sign_in_router
from services.reporting.rebuild import RebuildJobs
from shared.clock import today_in_vietnam
from shared.events import registry, supplychain
from shared.revocation import consuming_revocations, install_token_checks
from shared.service import ServiceRuntime, create_service_app
from shared.settings import Settings

NAME = "reporting"
assert NAME == consumers.GROUP  # the rebuild names the group as the live consumers do

TARGETS_ENV = kpis.TARGETS_ENV


def create_app(
    settings: Settings | None = None,
    shipped_plans: list[kpis.Plan] | None = None,
    ward_map: wards.WardMap | None = None,
    today: Callable[[], date] = today_in_vietnam,
    registry_http: httpx.AsyncClient | None = None,
) -> FastAPI:
    """`today` is the clock of the scorecard's default year and "as of" day (a test fixes it);
    `registry_http` replaces the client of the registry's API (the dashboard's sign-in checks passwords there)."""
    runtime = ServiceRuntime.build(NAME, settings or Settings())  # publishes nothing
    runtime.http_clients["registry"] = registry_http or httpx.AsyncClient(
        base_url=runtime.settings.registry_url, timeout=10
    )
    # Revocations are not read model: the rebuild (consumers.HANDLERS) neither replays nor replaces them.
    runtime.consume(registry.STREAM, consuming_revocations(consumers.REGISTRY_HANDLERS))
    runtime.consume(supplychain.STREAM, consumers.SUPPLYCHAIN_HANDLERS)
    app = create_service_app(
        runtime,
        [router, sign_in_router],
        title="HTX Reporting",
        description="Read models built from the registry and supply-chain streams: provincial KPIs, reports, "
        "exports and the public dashboard.",
    )
    install_token_checks(app, runtime.settings, runtime.read_engine)
    app.state.rebuilds = rebuilds = RebuildJobs(runtime)
    service_lifespan = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[Any]:
        async with service_lifespan(app) as state:
            await rebuilds.settle_at_start()  # a job left "running" by a process that died
            try:
                yield state
            finally:
                await rebuilds.stop()  # before the service's engines close

    app.router.lifespan_context = lifespan
    app.state.shipped_plans = (
        shipped_plans if shipped_plans is not None else kpis.load_plans(os.environ.get(TARGETS_ENV))
    )
    app.state.today = today
    app.state.wards = ward_map if ward_map is not None else wards.load_ward_map(os.environ.get(wards.LEGACY_WARDS_ENV))
    return app
