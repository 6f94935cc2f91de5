"""Who still runs a rebuild job (`is_interrupted`), and how `htx reporting rebuild` follows one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from htx import operator
from services.reporting.rebuild import STALE_AFTER, is_interrupted
from services.reporting.tables import RebuildJob

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
ME = "reporting-host-4242"


def job(runner: str, *, heartbeat_age: timedelta = timedelta(seconds=1)) -> RebuildJob:
    return RebuildJob(
        id=7,
        state="running",
        requested_by="province:ops",
        runner=runner,
        requested_at=NOW - timedelta(hours=1),
        heartbeat_at=NOW - heartbeat_age,
        active=True,
    )


@pytest.mark.parametrize(
    ("runner", "running_here", "alive_pids", "heartbeat_age", "interrupted"),
    [
        (ME, 7, set(), timedelta(hours=2), False),  # ours, our task runs it (a slow page is no death)
        (ME, None, set(), timedelta(seconds=1), True),  # ours, no task: an earlier process with our pid
        (ME, 8, set(), timedelta(seconds=1), True),  # ours, our task runs another job
        ("reporting-host-17", None, set(), timedelta(seconds=1), True),  # this host, pid gone
        ("reporting-host-17", None, {17}, timedelta(seconds=1), False),  # this host, pid alive
        ("reporting-host-17", None, {17}, STALE_AFTER + timedelta(seconds=1), True),  # alive pid, no progress
        ("other-host-4242", None, set(), timedelta(seconds=1), False),  # another host: its heartbeat says
        ("other-host-4242", None, set(), STALE_AFTER + timedelta(seconds=1), True),
    ],
)
def test_a_job_is_interrupted_when_its_runner_is_gone(runner, running_here, alive_pids, heartbeat_age, interrupted):
    decided = is_interrupted(
        job(runner, heartbeat_age=heartbeat_age),
        me=ME,
        running_here=running_here,
        now=NOW,
        alive=lambda pid: pid in alive_pids,
    )
    assert decided is interrupted


def rebuild(state: str, phase: str | None, registry: int, supplychain: int) -> dict:
    return {
        "id": 3,
        "state": state,
        "phase": phase,
        "streams": {
            "registry.events": {"total": 18, "entries": registry},
            "supplychain.events": {"total": 9, "entries": supplychain},
        },
        "error": None,
    }


def test_the_cli_shows_a_job_on_one_line():
    assert operator.describe_rebuild(rebuild("running", "replaying", 18, 4)) == (
        "rebuild 3 running (replaying): registry.events 18/18, supplychain.events 4/9"
    )
    queued = {"id": 4, "state": "queued", "phase": None, "streams": {}}
    assert operator.describe_rebuild(queued) == "rebuild 4 queued"


def test_waiting_yields_each_change_until_the_end_and_rides_out_a_blip(monkeypatch):
    answers: list[dict | Exception] = [
        rebuild("running", "replaying", 5, 0),
        rebuild("running", "replaying", 5, 0),  # unchanged: not shown again
        httpx.ConnectError("service restarting"),
        rebuild("running", "swapping", 18, 9),
        rebuild("succeeded", None, 18, 9),
    ]
    tokens: list[int] = []

    def polled(url: str, job_id: int, token: str) -> dict:
        assert (url, job_id, token) == ("http://reporting", 3, f"token-{len(tokens)}")
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def token() -> str:
        tokens.append(1)
        return f"token-{len(tokens)}"

    monkeypatch.setattr(operator, "rebuild_job", polled)
    seen = list(operator.watch_rebuild("http://reporting", rebuild("queued", None, 0, 0), token, sleep=lambda _: None))
    assert [(job["state"], job["phase"]) for job in seen] == [
        ("running", "replaying"),
        ("running", "swapping"),
        ("succeeded", None),
    ]
    assert answers == [] and len(tokens) == 5  # a fresh token for every poll


def test_waiting_gives_up_after_the_service_stays_unreachable(monkeypatch):
    def unreachable(url: str, job_id: int, token: str) -> dict:
        raise httpx.ConnectError("connection refused")

    monkeypatch.setattr(operator, "rebuild_job", unreachable)
    with pytest.raises(httpx.ConnectError):
        list(
            operator.watch_rebuild(
                "http://reporting", rebuild("running", None, 0, 0), lambda: "t", sleep=lambda _: None
            )
        )
