"""`htx backup` / `htx restore` on real SQLite files, the real redis-server the runner uses, and PostgreSQL.

The backup is taken while a writer thread keeps committing rows: the restored database must
hold every row committed before the backup started, once, and be a snapshot of one moment
(exactly the first k rows the writer committed, nothing torn).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
import sqlite3
import tarfile
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from typer.testing import CliRunner

from htx import backup, operator
from htx.cli import app
from htx.runner import SERVICES, RedisServer, free_port, sqlite_url
from shared.migrations import upgrade
from tests.support import temporary_postgres_database, unique, wait_until

GROUP = "backup-test"
STREAM = "backup-test.events"
NO_EXTERNAL = {}  # an environment naming no database, no Redis and no secret: the embedded layout


@pytest.fixture(autouse=True)
def _embedded_layout(monkeypatch):
    """The CLI reads os.environ; make sure nothing in it points away from the data dir."""
    for service in SERVICES:
        monkeypatch.delenv(operator.database_env_var(service), raising=False)
    for name in ("HTX_REDIS_URL", "REDIS_URL", "HTX_SECRET_KEY", "HTX_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def migrated_template(tmp_path_factory) -> Path:
    """The three databases migrated once; each test copies them (migrations take seconds)."""
    template = tmp_path_factory.mktemp("template")
    for service in SERVICES:
        upgrade(service, sqlite_url(template / f"{service}.db"))
    return template


@pytest.fixture
def data_dir(tmp_path, migrated_template) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    for service in SERVICES:
        # The template is closed and idle: a file copy of it is safe, unlike one of a live database.
        (data / f"{service}.db").write_bytes((migrated_template / f"{service}.db").read_bytes())
    operator.load_or_create_secret(data, NO_EXTERNAL)
    return data


@pytest.fixture
def running_redis(data_dir):
    server = RedisServer(data_dir / "redis", free_port()).start()
    operator.RuntimeInfo(server.url, {}, os.getpid()).write(data_dir)
    yield server
    server.stop()


class Writer(threading.Thread):
    """Commits one inbox row per transaction into a service's database until stopped."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.committed: list[str] = []
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            connection = sqlite3.connect(self.path, timeout=30)
            connection.execute("PRAGMA journal_mode=WAL")
            while not self.stop.is_set():
                event_id = str(uuid.uuid4())
                with connection:
                    connection.execute(
                        "INSERT INTO inbox (consumer_group, event_id, stream, entry_id, event_type, processed_at)"
                        " VALUES (?, ?, ?, ?, ?, ?)",
                        (
                            GROUP,
                            event_id,
                            STREAM,
                            f"{len(self.committed)}-0",
                            "test.row",
                            datetime.now(UTC).isoformat(),
                        ),
                    )
                self.committed.append(event_id)
            connection.close()
        except BaseException as error:  # reported by the test
            self.error = error


def _rows(path: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(path) as connection:
        return connection.execute(
            "SELECT event_id, count(*) FROM inbox WHERE consumer_group = ? GROUP BY event_id ORDER BY rowid", (GROUP,)
        ).fetchall()


def _revision(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]


def _seed_redis(url: str) -> list[bytes]:
    client = redis.Redis.from_url(url)
    try:
        client.xgroup_create(STREAM, "reporting", id="0", mkstream=True)
        ids = [
            client.xadd(STREAM, {"event_id": unique("e"), "payload": '{"name": "HTX Chè Tân Hương"}'}) for _ in range(5)
        ]
        client.xreadgroup("reporting", "c1", {STREAM: ">"}, count=2)  # two stay pending
        return ids
    finally:
        client.close()


async def test_backup_during_writes_restores_a_consistent_snapshot(data_dir, running_redis, tmp_path):
    entry_ids = _seed_redis(running_redis.url)
    writer = Writer(data_dir / "registry.db")
    writer.start()
    try:
        await wait_until(lambda: _async(len(writer.committed) >= 50), message="the writer's first rows")
        before = list(writer.committed)
        result = await asyncio.to_thread(
            backup.create_backup, data_dir, tmp_path / "out" / "b.tar.gz", environ=NO_EXTERNAL
        )
        at_end = len(writer.committed)
        await wait_until(lambda: _async(len(writer.committed) > at_end), message="the writer still writing")
    finally:
        writer.stop.set()
        writer.join(timeout=30)
    assert writer.error is None
    assert result.notes == []
    names = {member["name"] for member in result.manifest["members"]}
    assert {f"databases/{s}.db" for s in SERVICES} | {"secret", "redis/appendonly.aof"} <= names

    restored = tmp_path / "restored"
    outcome = backup.restore_backup(result.path, restored, environ=NO_EXTERNAL)
    assert outcome.data_dir == restored.resolve()

    rows = _rows(restored / "registry.db")
    assert all(count == 1 for _, count in rows)
    restored_ids = [event_id for event_id, _ in rows]
    assert set(before) <= set(restored_ids)  # every row committed before the backup started
    assert restored_ids == writer.committed[: len(restored_ids)]  # one moment: a prefix, nothing torn
    for service in SERVICES:
        assert _revision(restored / f"{service}.db") == _revision(data_dir / f"{service}.db")
        member = next(m for m in result.manifest["members"] if m["name"] == f"databases/{service}.db")
        assert member["alembic_revision"] == _revision(data_dir / f"{service}.db")
    assert (restored / "secret").read_text() == (data_dir / "secret").read_text()
    assert (restored / "secret").stat().st_mode & 0o777 == 0o600

    server = RedisServer(restored / "redis", free_port()).start()
    try:
        client = redis.Redis.from_url(server.url)
        try:
            assert [entry_id for entry_id, _ in client.xrange(STREAM)] == entry_ids
            groups = client.xinfo_groups(STREAM)
            assert [(g["name"], g["pending"]) for g in groups] == [(b"reporting", 2)]
            # Rewound to just before the oldest pending entry: nothing applied after the databases' copy is skipped.
            rewound = backup._just_before(entry_ids[0].decode())
            assert result.manifest["redis_group_positions"] == {STREAM: {"reporting": rewound}}
            assert groups[0]["last-delivered-id"].decode() == rewound
        finally:
            client.close()
    finally:
        server.stop()


async def _async(value):
    return value


@pytest.mark.parametrize(
    ("entry_id", "before"), [("1700000000000-5", "1700000000000-4"), ("1700000000000-0", f"1699999999999-{2**64 - 1}")]
)
def test_just_before_an_entry_id(entry_id, before):
    assert backup._just_before(entry_id) == before


def test_manifest_checksums_match_the_members(data_dir, tmp_path):
    result = backup.create_backup(data_dir, tmp_path / "b.tar.gz", environ=NO_EXTERNAL)
    with tarfile.open(result.path, "r:gz") as archive:
        manifest = json.loads(archive.extractfile(backup.MANIFEST).read())
        assert manifest["created_at"] == result.manifest["created_at"]
        assert manifest["format"] == backup.FORMAT
        contents = {
            info.name: archive.extractfile(info).read() for info in archive.getmembers() if info.name != "manifest.json"
        }
    assert set(contents) == {member["name"] for member in manifest["members"]}
    for member in manifest["members"]:
        assert member["sha256"] == hashlib.sha256(contents[member["name"]]).hexdigest()
        assert member["size"] == len(contents[member["name"]])
    assert backup.read_verified_manifest(result.path) == manifest


def _rewrite(source: Path, target: Path, change) -> None:
    """A copy of an archive with one member's bytes changed and the manifest left as it was."""
    with tarfile.open(source, "r:gz") as old, tarfile.open(target, "w:gz") as new:
        for info in old.getmembers():
            data = old.extractfile(info).read()
            if info.name == "databases/registry.db":
                data = change(data)
                info.size = len(data)
            new.addfile(info, io.BytesIO(data))


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda data: data[:-1] + bytes([data[-1] ^ 1]), id="one-bit-flipped"),
        pytest.param(lambda data: data[:4096], id="truncated-member"),
    ],
)
def test_a_tampered_archive_is_refused_and_nothing_is_written(data_dir, tmp_path, change):
    good = backup.create_backup(data_dir, tmp_path / "good.tar.gz", environ=NO_EXTERNAL).path
    bad = tmp_path / "bad.tar.gz"
    _rewrite(good, bad, change)
    target = tmp_path / "new"
    with pytest.raises(backup.RestoreRefused, match="checksum"):
        backup.restore_backup(bad, target, environ=NO_EXTERNAL)
    assert not target.exists()

    outcome = CliRunner().invoke(app, ["restore", str(bad), "--data-dir", str(target)])
    assert outcome.exit_code == 2, outcome.output
    assert "checksum" in outcome.output
    assert not target.exists()


def test_a_truncated_archive_is_refused(data_dir, tmp_path):
    good = backup.create_backup(data_dir, tmp_path / "good.tar.gz", environ=NO_EXTERNAL).path
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(backup.RestoreRefused):
        backup.restore_backup(cut, tmp_path / "new", environ=NO_EXTERNAL)
    assert not (tmp_path / "new").exists()


def test_restore_refuses_a_non_empty_directory(data_dir, tmp_path):
    archive = backup.create_backup(data_dir, tmp_path / "b.tar.gz", environ=NO_EXTERNAL).path
    target = tmp_path / "busy"
    target.mkdir()
    (target / "registry.db").write_bytes(b"someone's data")
    outcome = CliRunner().invoke(app, ["restore", str(archive), "--data-dir", str(target)])
    assert outcome.exit_code == 2
    assert "not an empty directory" in outcome.output
    assert (target / "registry.db").read_bytes() == b"someone's data"


def test_cli_backup_with_redis_stopped_then_restore(data_dir, running_redis, tmp_path, monkeypatch):
    entry_ids = _seed_redis(running_redis.url)
    running_redis.stop()  # stopped Redis: its files are final and are copied as they are
    operator.RuntimeInfo.remove(data_dir)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    outcome = runner.invoke(app, ["backup", "--data-dir", str(data_dir)])
    assert outcome.exit_code == 0, outcome.output
    archives = list(tmp_path.glob("htx-backup-*.tar.gz"))
    assert len(archives) == 1
    assert "backup written" in outcome.output
    assert archives[0].stat().st_mode & 0o777 == 0o600  # it holds the secret

    target = tmp_path / "new"
    outcome = runner.invoke(app, ["restore", str(archives[0]), "--data-dir", str(target)])
    assert outcome.exit_code == 0, outcome.output
    assert f"htx up --data-dir {target.resolve()}" in outcome.output
    server = RedisServer(target / "redis", free_port()).start()
    try:
        client = redis.Redis.from_url(server.url)
        try:
            assert [entry_id for entry_id, _ in client.xrange(STREAM)] == entry_ids
        finally:
            client.close()
    finally:
        server.stop()


async def test_postgres_service_is_dumped_and_restored_into_the_url_given(data_dir, tmp_path):
    async with temporary_postgres_database() as source, temporary_postgres_database() as target:
        await asyncio.to_thread(upgrade, "registry", source)
        import asyncpg
        from sqlalchemy.engine import make_url

        def plain(url: str) -> str:
            return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)

        connection = await asyncpg.connect(plain(source))
        try:
            await connection.execute(
                "INSERT INTO inbox (consumer_group, event_id, stream, entry_id, event_type, processed_at)"
                " VALUES ($1, 'e-1', $2, '1-0', 'test.row', now())",
                GROUP,
                STREAM,
            )
        finally:
            await connection.close()
        environ = {operator.database_env_var("registry"): source}
        result = await asyncio.to_thread(backup.create_backup, data_dir, tmp_path / "pg.tar.gz", environ=environ)
        member = next(m for m in result.manifest["members"] if m["service"] == "registry" and m["kind"] == "pg_dump")
        assert member["alembic_revision"]

        restored = tmp_path / "restored"
        outcome = await asyncio.to_thread(
            backup.restore_backup, result.path, restored, environ={operator.database_env_var("registry"): target}
        )
        assert (restored / "postgres" / "registry.pgdump").is_file()
        assert any("restored into" in note for note in outcome.notes)
        connection = await asyncpg.connect(plain(target))
        try:
            assert await connection.fetchval("SELECT count(*) FROM inbox WHERE consumer_group = $1", GROUP) == 1
            assert await connection.fetchval("SELECT version_num FROM alembic_version") == member["alembic_revision"]
        finally:
            await connection.close()

        printed = backup.restore_backup(result.path, tmp_path / "printed", environ=NO_EXTERNAL)
        assert any("pg_restore --no-owner" in note for note in printed.notes)
