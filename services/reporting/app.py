"""Composition root of the reporting service."""

from __future__ import annotations

import os

from fastapi import FastAPI

from services.reporting import consumers, kpis, wards
from services.reporting.api import router
from shared.events import registry, supplychain
from shared.service import ServiceRuntime, create_service_app
from shared.settings import Settings

NAME = "reporting"
assert NAME == consumers.GROUP  # the CLI's rebuild names the group without building the app

# A new plan period brings new targets: point this at another file instead of editing code.
TARGETS_ENV = "HTX_REPORTING_TARGETS"


def create_app(
    settings: Settings | None = None, plans: list[kpis.Plan] | None = None, ward_map: wards.WardMap | None = None
) -> FastAPI:
    runtime = ServiceRuntime.build(NAME, settings or Settings())  # publishes nothing
    runtime.consume(registry.STREAM, consumers.REGISTRY_HANDLERS)
    runtime.consume(supplychain.STREAM, consumers.SUPPLYCHAIN_HANDLERS)
    app = create_service_app(
        runtime,
        [router],
        title="HTX Reporting",
        description="Read models built from the registry and supply-chain streams: provincial KPIs, reports, "
        "exports and the public dashboard.",
    )
    app.state.plans = plans if plans is not None else kpis.load_plans(os.environ.get(TARGETS_ENV))
    app.state.wards = ward_map if ward_map is not None else wards.load_ward_map(os.environ.get(wards.LEGACY_WARDS_ENV))
    return app
