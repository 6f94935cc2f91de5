"""Architecture rules that code review would otherwise have to remember."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SERVICES = Path(__file__).resolve().parents[2] / "services"
NAMES = ("registry", "supplychain", "reporting")


def _lines(folder: Path):
    for path in sorted(folder.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            yield path, number, line


def test_registry_records_events_only_through_publish():
    """`publishing.publish` is what indexes an event for the history views; a direct outbox write is missed."""
    direct = [
        f"{path.name}:{number}"
        for path, number, line in _lines(SERVICES / "registry")
        if path.name != "publishing.py" and re.search(r"\b(record_event|record_events|OutboxMessage)\(", line)
    ]
    assert direct == []


@pytest.mark.parametrize("service", (*NAMES, "web"))
def test_a_service_never_imports_another_service(service):
    """Services share only `shared/`; another service is reached through its stream or its HTTP API
    (the web service, which has no database, only through their HTTP APIs)."""
    others = "|".join(name for name in (*NAMES, "web") if name != service)
    crossing = [
        f"{path.relative_to(SERVICES)}:{number}"
        for path, number, line in _lines(SERVICES / service)
        if re.match(rf"\s*(from|import) services\.({others})\b", line)
    ]
    assert crossing == []


@pytest.mark.parametrize("service", NAMES)
def test_every_service_has_the_same_shape(service):
    present = {path.name for path in (SERVICES / service).glob("*.py")}
    assert {"app.py", "api.py", "queries.py", "schemas.py", "tables.py", "messages.py"} <= present
    assert not present & {"handlers.py", "models.py", "utils.py", "projections.py"}


@pytest.mark.parametrize("service", NAMES)
def test_routes_never_commit_or_open_sessions_of_their_own(service):
    """A write's effect and its Idempotency-Key record commit together in the route's unit of work
    (docs/adr/0011); a commit or a session of the route's own would split them."""
    splitting = [
        f"{path.relative_to(SERVICES)}:{number}"
        for path, number, line in _lines(SERVICES / service)
        if path.name == "api.py" and re.search(r"\.commit\(\)|runtime\.sessions\(|unit_of_work\(\)", line)
    ]
    assert splitting == []
