"""Reporting service: read models built only from `registry.events` and `supplychain.events`."""
