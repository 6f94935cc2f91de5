"""`htx reporting verify` is thin: it prints what services.reporting.verify found and exits 1 on a difference."""

from __future__ import annotations

from typer.testing import CliRunner

from htx.cli import app
from services.reporting import verify
from services.reporting.verify import Difference, Verification


def _run(monkeypatch, result: Verification, *args: str):
    calls = []

    async def fake_run(database_url, registry_url, supplychain_url, secret):
        calls.append((database_url, registry_url, supplychain_url, secret))
        return result

    monkeypatch.setattr(verify, "run", fake_run)
    monkeypatch.setenv("HTX_REGISTRY_URL", "http://registry.test:8001")
    monkeypatch.setenv("HTX_SUPPLYCHAIN_URL", "http://supplychain.test:8002")
    monkeypatch.setenv("REPORTING_DATABASE_URL", "sqlite+aiosqlite:////tmp/nowhere.db")
    monkeypatch.setenv("HTX_SECRET_KEY", "the-platform-secret")
    outcome = CliRunner().invoke(app, ["reporting", "verify", *args])
    return outcome, calls


def test_verify_exits_1_and_prints_each_difference(monkeypatch):
    result = Verification(compared={"registry": {"total": 3}}, differences=[Difference("registry", "total", 3, 4)])
    outcome, calls = _run(monkeypatch, result)
    assert outcome.exit_code == 1
    assert "DIFFERENCE registry total: producer 3, read model 4" in outcome.output
    assert calls == [
        (
            "sqlite+aiosqlite:////tmp/nowhere.db",
            "http://registry.test:8001",
            "http://supplychain.test:8002",
            "the-platform-secret",
        )
    ]


def test_verify_exits_0_when_all_agree_and_can_skip_supplychain(monkeypatch):
    outcome, calls = _run(monkeypatch, Verification(compared={"registry": {"total": 3}}), "--skip-supplychain")
    assert outcome.exit_code == 0, outcome.output
    assert "no difference" in outcome.output and "total=3" in outcome.output
    assert calls[0][2] is None and calls[0][3] is None
