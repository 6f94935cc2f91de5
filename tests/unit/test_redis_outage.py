"""The policies behind surviving a Redis outage, without I/O: restart budgets, `htx up`'s
supervisor, the background loops' backoff, and the settings that reach the relay and the
consumers. The outage itself, against real processes: tests/integration and tests/e2e."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from htx import cli
from htx.runner import ProcessFailed, RestartBudget
from shared.messaging.connection import OutageBackoff
from shared.messaging.consumer import EventHandlers
from shared.service import ServiceRuntime
from tests.support import service_settings


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_restart_budget_is_per_child_and_per_minute():
    clock = Clock()
    budget = RestartBudget(2, clock=clock)
    assert [budget.spend("redis"), budget.spend("redis"), budget.spend("redis")] == [True, True, False]
    assert budget.spend("registry")  # another child has its own budget
    clock.now += 59.9
    assert not budget.spend("redis")
    clock.now += 0.2  # the first two restarts are more than a minute old
    assert budget.spend("redis")


class FakeRedis:
    """A RedisServer that died; `start()` brings it back, or fails as the real one does when the
    new server exits before it answers (`stays_dead`)."""

    def __init__(self, stop: threading.Event, *, stays_dead: bool = False) -> None:
        self.stop, self.stays_dead = stop, stays_dead
        self.port, self.data_dir, self.log_path = 6390, Path("/srv/htx/data/redis"), None
        self.running, self.returncode, self.starts = False, -9, 0

    def start(self) -> FakeRedis:
        self.starts += 1
        if self.stays_dead:
            raise ProcessFailed(f"redis-server exited with code 1 on port {self.port}")
        self.running = True
        self.stop.set()  # back: the test has seen what it came for
        return self


class FakePlatform:
    def __init__(self, redis: FakeRedis) -> None:
        self.redis = redis

    def failed(self) -> list:
        return []

    def record_pids(self) -> None:
        self.recorded = True


@pytest.fixture(autouse=True)
def _quick_supervisor(monkeypatch):
    monkeypatch.setattr(cli, "SUPERVISE_INTERVAL_SECONDS", 0.001)


def test_supervisor_restarts_a_dead_redis_on_its_port_and_says_so(capsys):
    stop = threading.Event()
    redis = FakeRedis(stop)
    cli._supervise(FakePlatform(redis), stop)  # type: ignore[arg-type]
    assert redis.starts == 1 and redis.running
    err = capsys.readouterr().err
    assert "redis-server exited with code -9; restarting it on port 6390 with its data in /srv/htx/data/redis" in err
    assert "redis-server is back on port 6390" in err


def test_supervisor_gives_up_on_a_redis_that_keeps_exiting(capsys):
    stop = threading.Event()
    redis = FakeRedis(stop, stays_dead=True)
    with pytest.raises(ProcessFailed, match="redis-server keeps exiting"):
        cli._supervise(FakePlatform(redis), stop)  # type: ignore[arg-type]
    assert redis.starts == cli.RESTARTS_PER_MINUTE
    err = capsys.readouterr().err
    assert err.count("redis-server did not come back: redis-server exited with code 1") == cli.RESTARTS_PER_MINUTE
    assert "is back" not in err


def test_outage_backoff_doubles_to_its_cap_and_logs_an_outage_once(caplog):
    log = logging.getLogger("tests.outage")
    caplog.set_level(logging.DEBUG, logger="tests.outage")
    backoff = OutageBackoff(log, "the relay", first=0.5, cap=5.0)
    delays = [backoff.failed(ConnectionError("refused")) for _ in range(6)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]
    assert backoff.failing
    backoff.succeeded()
    assert not backoff.failing
    assert backoff.failed(ConnectionError("refused")) == 0.5  # a new outage starts again from the first delay

    by_level = [(record.levelno, record.getMessage()) for record in caplog.records if record.levelno > logging.DEBUG]
    assert [level for level, _ in by_level] == [logging.WARNING, logging.INFO, logging.WARNING]
    assert by_level[0][1] == "the relay failed; trying again until it works"
    assert by_level[1][1].startswith("the relay works again after ") and "6 failed rounds" in by_level[1][1]
    assert caplog.records[0].exc_info is not None  # the first failure keeps its traceback


def test_the_relay_lease_and_the_dead_consumer_threshold_come_from_settings(tmp_path):
    settings = service_settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/unused.db", outbox_lease_ms=8_000, dead_consumer_idle_ms=900_000
    )
    runtime = ServiceRuntime.build("registry", settings, publishes="registry.events")
    assert runtime.relay is not None and runtime.relay.lease_seconds == 8.0
    assert runtime.consume("registry.events", EventHandlers({})).dead_consumer_idle_ms == 900_000

    derived = ServiceRuntime.build("reporting", service_settings(claim_idle_ms=60_000))
    assert derived.consume("registry.events", EventHandlers({})).dead_consumer_idle_ms == 600_000
