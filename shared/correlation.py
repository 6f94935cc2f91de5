"""The correlation id of the request being served, carried into every event it records."""

from __future__ import annotations

import uuid
from contextvars import ContextVar

current_correlation_id: ContextVar[str] = ContextVar("correlation_id", default="")

HEADER = "X-Correlation-ID"


def new_correlation_id(incoming: str | None) -> str:
    """Keep a caller's id when it is sane ASCII (it goes into stream fields), else make one."""
    if incoming and len(incoming) <= 100 and incoming.isascii() and incoming.isprintable():
        return incoming
    return str(uuid.uuid4())
