"""The province's plan periods and their targets, as data (ADR 0022): versioned, each version a
`registry.plan_published` event that reporting's scorecard reads. The tables, shapes, writes,
reads and routes."""

from services.registry.plans.api import router
from services.registry.plans.tables import PLAN_TABLES

__all__ = ["PLAN_TABLES", "router"]
