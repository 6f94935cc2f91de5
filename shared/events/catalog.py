"""Imports every contract module so the wire-name registry is complete."""

from shared.events import registry, supplychain  # noqa: F401

STREAMS = {"registry": registry.STREAM, "supplychain": supplychain.STREAM}
