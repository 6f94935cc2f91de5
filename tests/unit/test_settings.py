"""Typed settings refuse unsafe secrets; nothing here reads the developer's environment or `.env`."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.settings import DEV_SECRET, Settings

REAL_SECRET = "a-real-secret-for-production-0123456789abcdef"


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch, tmp_path):
    """No HTX_* variable and no `.env` may decide these tests."""
    import os

    for name in list(os.environ):
        if name.startswith("HTX_") or name in {"DATABASE_URL", "REDIS_URL"}:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def settings(**values) -> Settings:
    return Settings(_env_file=None, **values)


def test_development_may_use_the_default_secret():
    assert settings().env == "dev"
    assert settings().secret_key == DEV_SECRET


@pytest.mark.parametrize("env", ["test", "prod"])
def test_default_secret_is_refused_outside_development(env):
    with pytest.raises(ValidationError, match="development default"):
        settings(env=env)


def test_default_secret_from_the_environment_is_refused_too(monkeypatch):
    monkeypatch.setenv("HTX_ENV", "prod")
    monkeypatch.setenv("HTX_SECRET_KEY", DEV_SECRET)
    with pytest.raises(ValidationError, match="development default"):
        settings()


@pytest.mark.parametrize("env", ["dev", "test", "prod"])
def test_short_secret_is_refused(env):
    with pytest.raises(ValidationError, match="at least 32 characters"):
        settings(env=env, secret_key="short-secret")
    with pytest.raises(ValidationError, match="at least 32 characters"):
        settings(env=env, secret_key="x" * 31)


def test_production_with_a_real_secret_is_accepted():
    prod = settings(env="prod", secret_key=REAL_SECRET)
    assert prod.secret_key == REAL_SECRET
    assert settings(env="prod", secret_key="x" * 32).secret_key == "x" * 32  # 32 is enough


def test_values_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("HTX_ENV", "prod")
    monkeypatch.setenv("HTX_SECRET_KEY", REAL_SECRET)
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://htx@db:5432/registry")
    monkeypatch.setenv("HTX_CLAIM_IDLE_MS", "2500")
    loaded = settings()
    assert (loaded.env, loaded.secret_key, loaded.claim_idle_ms) == ("prod", REAL_SECRET, 2500)
    assert loaded.database_url == "postgresql+asyncpg://htx@db:5432/registry"


def test_unknown_env_is_refused():
    with pytest.raises(ValidationError):
        settings(env="staging", secret_key=REAL_SECRET)


def test_stream_names_carry_the_installation_prefix():
    assert settings().stream("registry.events") == "registry.events"
    assert settings(stream_prefix="test.ab12.").stream("registry.events") == "test.ab12.registry.events"


def test_relay_lease_and_dead_consumer_timings_come_from_the_environment(monkeypatch):
    assert (settings().outbox_lease_ms, settings().dead_consumer_idle_ms) == (5_000, None)  # None: derived
    monkeypatch.setenv("HTX_OUTBOX_LEASE_MS", "8000")
    monkeypatch.setenv("HTX_DEAD_CONSUMER_IDLE_MS", "900000")
    monkeypatch.setenv("HTX_DEAD_CONSUMER_SWEEP_MS", "30000")
    loaded = settings()
    assert (loaded.outbox_lease_ms, loaded.dead_consumer_idle_ms, loaded.dead_consumer_sweep_ms) == (
        8000,
        900_000,
        30_000,
    )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"outbox_lease_ms": 999}, "HTX_OUTBOX_LEASE_MS must be at least 1000"),
        ({"claim_idle_ms": 10_000, "dead_consumer_idle_ms": 10_000}, "must be above HTX_CLAIM_IDLE_MS"),
        ({"dead_consumer_sweep_ms": 0}, "HTX_DEAD_CONSUMER_SWEEP_MS must be positive"),
    ],
)
def test_unworkable_messaging_timings_are_refused(values, message):
    with pytest.raises(ValidationError, match=message):
        settings(**values)
