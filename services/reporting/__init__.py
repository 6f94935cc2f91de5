"""Reporting service: read models built only from `registry.events` and `supplychain.events`."""

# Registers the service's vi/en texts with shared.i18n before any of its modules can refuse.
from services.reporting import messages as _messages  # noqa: E402, F401
