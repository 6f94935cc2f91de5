"""Backup and restore of an installation's state: the services' databases, Redis's files, the secret.

`create_backup` writes one `.tar.gz` holding a consistent snapshot of each database (SQLite
through the online backup API, PostgreSQL through `pg_dump --format=custom`), Redis's AOF
(rewritten and fsynced by the running Redis first), the secret and a `manifest.json` with the
sha256 of every member. `restore_backup` checks every checksum before it writes anything.

The databases are snapshotted before Redis on purpose: an outbox row the snapshot still holds
as unpublished is published again after a restore (the consumers' inboxes drop the duplicate),
whereas an event in Redis's snapshot but missing from the producer's would be lost for good.
The other way round, an event a consumer applied and acknowledged between its database's
snapshot and Redis's would be acknowledged in the restored Redis yet missing from the
restored database; so before the databases are copied the backup records, per consumer
group, the position just before its oldest unacknowledged entry, and the restore rewinds the
groups there. What is delivered again the consumers' inboxes drop.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import IO, Any

from sqlalchemy.engine import URL, make_url

from htx import operator
from htx.runner import SERVICES
from shared.messaging.connection import entry_key

MANIFEST = "manifest.json"
FORMAT = 1
REDIS_FILES = ("appendonly.aof", "appendonlydir", "dump.rdb")  # Redis 6 writes the first, Redis 7 the second
REDIS_REWRITE_TIMEOUT = 120.0
Log = Callable[[str], None]


class BackupError(RuntimeError):
    """The backup could not be taken."""


class RestoreRefused(RuntimeError):
    """The archive is damaged, or the target is not an empty directory: nothing was written."""


@dataclass
class BackupResult:
    path: Path
    manifest: dict[str, Any]
    notes: list[str] = field(default_factory=list)


@dataclass
class RestoreResult:
    data_dir: Path
    manifest: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def default_archive_name(now: datetime | None = None) -> str:
    return f"htx-backup-{(now or datetime.now(UTC)):%Y%m%d-%H%M%S}.tar.gz"


def _sha256(file: IO[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: file.read(1 << 20), b""):
        digest.update(chunk)
    return digest.hexdigest()


def _libpq_url(url: URL) -> str:
    """The URL pg_dump and pg_restore understand: no SQLAlchemy driver, no password (that goes in PGPASSWORD)."""
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _pg_env(url: URL) -> dict[str, str]:
    return {**os.environ, **({"PGPASSWORD": str(url.password)} if url.password else {})}


# --- backup -------------------------------------------------------------------------------


def _snapshot_sqlite(source: Path, target: Path) -> str | None:
    """Copy a live SQLite database page by page under one read transaction; returns its alembic revision."""
    # One step (pages=-1): the copy is the state of a single moment, even while the services write.
    with contextlib.closing(sqlite3.connect(source, timeout=30)) as live:
        with contextlib.closing(sqlite3.connect(target)) as copy:
            live.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # a self-contained file; the services switch back to WAL
            return _alembic_revision_sqlite(copy)


def _alembic_revision_sqlite(connection: sqlite3.Connection) -> str | None:
    try:
        rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.DatabaseError:
        return None
    return ",".join(sorted(row[0] for row in rows)) or None


def _alembic_revision_postgres(url: URL) -> str | None:
    import asyncpg

    async def read() -> str | None:
        connection = await asyncpg.connect(_libpq_url(url), password=url.password)
        try:
            rows = await connection.fetch("SELECT version_num FROM alembic_version")
        except asyncpg.PostgresError:
            return None
        finally:
            await connection.close()
        return ",".join(sorted(row[0] for row in rows)) or None

    return asyncio.run(read())


def _dump_postgres(url: URL, target: Path) -> None:
    completed = subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={target}", _libpq_url(url)],
        env=_pg_env(url),
        capture_output=True,
        text=True,
    )
    if completed.returncode != 0:
        raise BackupError(f"pg_dump failed ({completed.returncode}): {completed.stderr.strip()}")


def _our_redis(data_dir: Path, redis_dir: Path) -> Any | None:
    """A client of the Redis `htx up` runs on this data dir, or None when none answers."""
    import redis

    runtime = operator.RuntimeInfo.read(data_dir)
    if runtime is None or not runtime.redis_url:
        return None
    client = redis.Redis.from_url(runtime.redis_url, socket_connect_timeout=2, socket_timeout=30, decode_responses=True)
    try:
        if Path(client.config_get("dir")["dir"]).resolve() == redis_dir.resolve():
            return client
    except (redis.RedisError, KeyError):
        pass
    client.close()
    return None


def _just_before(entry_id: str) -> str:
    milliseconds, sequence = entry_key(entry_id)
    if sequence:
        return f"{milliseconds}-{sequence - 1}"
    return f"{milliseconds - 1}-{2**64 - 1}" if milliseconds else "0-0"


def group_positions(client: Any) -> dict[str, dict[str, str]]:
    """Per stream and consumer group: where a restored group may resume without skipping an unapplied entry.

    That is the group's last delivered id, or just before its oldest pending entry if it has one
    (a pending entry may be applied and acknowledged while the databases are being copied).
    """
    positions: dict[str, dict[str, str]] = {}
    for stream in sorted(client.scan_iter(_type="stream")):
        for group in client.xinfo_groups(stream):
            position = group["last-delivered-id"]
            if group["pending"]:
                oldest = client.xpending(stream, group["name"])["min"]
                position = min(position, _just_before(oldest), key=entry_key)
            positions.setdefault(stream, {})[group["name"]] = position
    return positions


def _rewind_groups(redis_dir: Path, positions: Mapping[str, Mapping[str, str]]) -> None:
    """Start the restored Redis on a spare port, move each group back to its recorded position, stop it."""
    import redis

    from htx.runner import RedisServer, free_port

    with RedisServer(redis_dir, free_port()) as server:
        client = redis.Redis.from_url(server.url, decode_responses=True)
        try:
            for stream, groups in positions.items():
                for group, position in groups.items():
                    client.xgroup_setid(stream, group, position)
        finally:
            client.close()


def _rewrite_aof(client: Any, timeout: float = REDIS_REWRITE_TIMEOUT) -> str:
    """BGREWRITEAOF and wait until it is done: the AOF on disk then holds everything, fsynced. Returns the version."""
    import redis

    try:
        client.bgrewriteaof()
    except redis.ResponseError as error:  # one already running or scheduled will do as well
        if "in progress" not in str(error).lower():
            raise
    deadline = time.monotonic() + timeout
    while True:
        info = client.info("persistence")
        if not info.get("aof_rewrite_in_progress") and not info.get("aof_rewrite_scheduled"):
            if info.get("aof_last_bgrewrite_status", "ok") != "ok":
                raise BackupError("Redis's AOF rewrite failed; see redis.log")
            return str(client.info("server").get("redis_version", ""))
        if time.monotonic() > deadline:
            raise BackupError(f"Redis's AOF rewrite not done after {timeout}s")
        time.sleep(0.05)


def _copy_redis(redis_dir: Path, target: Path) -> None:
    target.mkdir(parents=True)
    for name in REDIS_FILES:
        source = redis_dir / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        elif source.is_file():
            shutil.copy2(source, target / name)


def create_backup(
    data_dir: Path,
    output: Path | None = None,
    *,
    services: tuple[str, ...] = SERVICES,
    environ: Mapping[str, str] | None = None,
    log: Log = lambda _message: None,
) -> BackupResult:
    """Snapshot the installation kept in (or configured for) `data_dir` into one archive."""
    environ = os.environ if environ is None else environ
    data_dir = Path(data_dir).resolve()
    if not data_dir.is_dir():
        raise BackupError(f"no data dir {data_dir}")
    output = Path(output) if output else Path.cwd() / default_archive_name()
    if output.exists():
        raise BackupError(f"{output} exists already; choose another --output")
    output.parent.mkdir(parents=True, exist_ok=True)
    created_at = datetime.now(UTC)
    notes: list[str] = []
    members: list[dict[str, Any]] = []
    redis_dir = data_dir / "redis"
    external_redis = bool(environ.get("HTX_REDIS_URL") or environ.get("REDIS_URL"))
    client = None if external_redis or not redis_dir.is_dir() else _our_redis(data_dir, redis_dir)
    try:
        positions = group_positions(client) if client is not None else {}  # before the databases: see the docstring
        with tempfile.TemporaryDirectory(prefix=".htx-backup-", dir=output.parent) as staging_name:
            staging = Path(staging_name)
            (staging / "databases").mkdir()
            for service in services:
                url = make_url(operator.database_url(service, data_dir, environ))
                if url.get_backend_name() == "sqlite":
                    source = Path(url.database or "")
                    if not source.is_file():
                        notes.append(f"{service}: no database at {source}, skipped")
                        continue
                    name = f"databases/{service}.db"
                    log(f"{service}: SQLite online backup of {source}")
                    revision = _snapshot_sqlite(source, staging / name)
                    members.append({"name": name, "kind": "sqlite", "service": service, "alembic_revision": revision})
                elif url.get_backend_name() == "postgresql":
                    if shutil.which("pg_dump") is None:
                        notes.append(f"{service}: PostgreSQL, but no pg_dump on PATH: NOT in this backup")
                        continue
                    name = f"databases/{service}.pgdump"
                    log(f"{service}: pg_dump of {url.render_as_string(hide_password=True)}")
                    _dump_postgres(url, staging / name)
                    members.append(
                        {
                            "name": name,
                            "kind": "pg_dump",
                            "service": service,
                            "alembic_revision": _alembic_revision_postgres(url),
                        }
                    )
                else:
                    notes.append(f"{service}: unsupported database {url.get_backend_name()}, skipped")

            redis_version = None
            if external_redis:
                notes.append("Redis is external (HTX_REDIS_URL/REDIS_URL): back it up with its own tooling")
            elif redis_dir.is_dir():
                if client is not None:
                    log("redis: BGREWRITEAOF on the running Redis, then a copy of its files")
                    redis_version = _rewrite_aof(client)
                else:
                    log(f"redis: not running, copying {redis_dir}")
                _copy_redis(redis_dir, staging / "redis")
                for path in sorted((staging / "redis").rglob("*")):
                    if path.is_file():
                        members.append({"name": path.relative_to(staging).as_posix(), "kind": "redis"})
            else:
                notes.append(f"no Redis files in {redis_dir}")

            secret = data_dir / operator.SECRET_FILE
            if secret.is_file():
                shutil.copy2(secret, staging / "secret")
                members.append({"name": "secret", "kind": "secret"})
            else:
                notes.append("no secret file (HTX_SECRET_KEY in use?): keep that secret safe yourself")

            for member in members:
                path = staging / member["name"]
                member["size"] = path.stat().st_size
                with open(path, "rb") as file:
                    member["sha256"] = _sha256(file)
            manifest = {
                "format": FORMAT,
                "created_at": created_at.isoformat(),
                "htx_version": _htx_version(),
                "sqlite_version": sqlite3.sqlite_version,
                "redis_version": redis_version,
                "redis_group_positions": positions,
                "source_data_dir": str(data_dir),
                "members": members,
                "notes": notes,
            }
            partial = output.with_name(output.name + ".partial")
            with tarfile.open(partial, "w:gz") as archive:
                payload = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(payload), int(created_at.timestamp()), 0o600
                archive.addfile(info, io.BytesIO(payload))
                for member in members:
                    archive.add(staging / member["name"], arcname=member["name"], recursive=False)
            os.chmod(partial, 0o600)  # it holds the secret
            partial.replace(output)  # a reader never sees half an archive under the final name
    finally:
        if client is not None:
            client.close()
    return BackupResult(output, manifest, notes)


def _htx_version() -> str:
    try:
        return metadata.version("htx-platform")
    except metadata.PackageNotFoundError:
        return "unknown"


# --- restore ------------------------------------------------------------------------------


def read_verified_manifest(archive_path: Path) -> dict[str, Any]:
    """The archive's manifest, after checking every member's size and sha256; RestoreRefused otherwise."""
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            try:
                manifest = json.loads(archive.extractfile(MANIFEST).read())
            except (KeyError, AttributeError, ValueError) as error:
                raise RestoreRefused(f"{archive_path}: no readable {MANIFEST}") from error
            expected = {member["name"]: member for member in manifest.get("members", [])}
            seen: set[str] = set()
            for info in archive.getmembers():
                if info.name == MANIFEST:
                    continue
                if info.name not in expected or not info.isfile():
                    raise RestoreRefused(f"{archive_path}: unexpected member {info.name!r}, not in the manifest")
                file = archive.extractfile(info)
                assert file is not None
                member = expected[info.name]
                if info.size != member["size"] or _sha256(file) != member["sha256"]:
                    raise RestoreRefused(f"{archive_path}: {info.name} does not match its checksum; archive damaged")
                seen.add(info.name)
    except (tarfile.TarError, EOFError, OSError) as error:
        raise RestoreRefused(f"{archive_path}: not a readable archive ({error})") from error
    missing = set(expected) - seen
    if missing:
        raise RestoreRefused(f"{archive_path}: members missing: {', '.join(sorted(missing))}")
    for name in expected:
        path = PurePosixPath(name)
        if path.is_absolute() or ".." in path.parts:
            raise RestoreRefused(f"{archive_path}: unsafe member name {name!r}")
    return manifest


def restore_backup(
    archive_path: Path,
    data_dir: Path,
    *,
    environ: Mapping[str, str] | None = None,
    log: Log = lambda _message: None,
) -> RestoreResult:
    """Unpack a verified archive into an empty `data_dir`, laid out as `htx up` expects it."""
    environ = os.environ if environ is None else environ
    data_dir = Path(data_dir).resolve()
    if data_dir.exists() and (not data_dir.is_dir() or any(data_dir.iterdir())):
        raise RestoreRefused(f"{data_dir} is not an empty directory; restore only into a new one")
    manifest = read_verified_manifest(Path(archive_path))
    data_dir.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    with tarfile.open(archive_path, "r:gz") as archive:
        for member in manifest["members"]:
            name, kind = member["name"], member["kind"]
            if kind == "sqlite":
                target = data_dir / f"{member['service']}.db"
            elif kind == "pg_dump":
                target = data_dir / "postgres" / f"{member['service']}.pgdump"
            elif kind == "redis":
                target = data_dir / name  # redis/...
            else:
                target = data_dir / operator.SECRET_FILE
            target.parent.mkdir(parents=True, exist_ok=True)
            source = archive.extractfile(name)
            assert source is not None
            with open(target, "wb") as file:
                shutil.copyfileobj(source, file)
            if kind == "secret":
                os.chmod(target, 0o600)
            log(f"restored {name} -> {target}")
            if kind == "pg_dump":
                notes.append(_restore_postgres(member["service"], target, environ, log))
            elif kind == "sqlite" and environ.get(operator.database_env_var(member["service"])):
                notes.append(
                    f"{member['service']}: {operator.database_env_var(member['service'])} is set, so `htx up` will "
                    f"not use the restored {target} unless you unset it"
                )
    positions = manifest.get("redis_group_positions") or {}
    if positions and (data_dir / "redis").is_dir():
        log("redis: rewinding the consumer groups to where the databases were copied")
        _rewind_groups(data_dir / "redis", positions)
    return RestoreResult(data_dir, manifest, notes)


def _restore_postgres(service: str, dump: Path, environ: Mapping[str, str], log: Log) -> str:
    variable = operator.database_env_var(service)
    command = f'pg_restore --no-owner --clean --if-exists --dbname "${variable}" {dump}'
    target = environ.get(variable)
    if not target or make_url(target).get_backend_name() != "postgresql":
        return f"{service}: PostgreSQL dump restored to {dump}; load it into an empty database with:\n  {command}"
    if shutil.which("pg_restore") is None:
        return f"{service}: no pg_restore on PATH; run:\n  {command}"
    url = make_url(target)
    log(f"{service}: pg_restore into {url.render_as_string(hide_password=True)}")
    completed = subprocess.run(
        ["pg_restore", "--no-owner", "--clean", "--if-exists", f"--dbname={_libpq_url(url)}", str(dump)],
        env=_pg_env(url),
        capture_output=True,
        text=True,
    )
    if completed.returncode != 0:
        raise BackupError(f"pg_restore of {service} failed ({completed.returncode}): {completed.stderr.strip()}")
    return f"{service}: restored into {url.render_as_string(hide_password=True)}"
