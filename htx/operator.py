"""Where the operator's commands find things: secret, databases, Redis, service URLs.

Order of precedence, for every command: an environment variable, then what a running
`htx up` wrote into `<data-dir>/runtime.json`, then the defaults of the embedded mode.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from htx.runner import DEFAULT_PORTS, LOCALHOST, SERVICES, sqlite_url
from shared.auth import Role, issue_token
from shared.settings import TokenSettings

SECRET_FILE = "secret"
RUNTIME_FILE = "runtime.json"
STREAMS: tuple[str, ...] = ("registry.events", "supplychain.events")
OPERATOR_SUBJECT = "htx-operator"


def database_env_var(service: str) -> str:
    """`REGISTRY_DATABASE_URL` and so on: one database per service."""
    return f"{service.upper()}_DATABASE_URL"


def service_url_env_var(service: str) -> str:
    return f"HTX_{service.upper()}_URL"


def database_url(service: str, data_dir: Path, environ: Mapping[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    return environ.get(database_env_var(service)) or sqlite_url(Path(data_dir) / f"{service}.db")


def load_or_create_secret(data_dir: Path, environ: Mapping[str, str] | None = None) -> str:
    """`HTX_SECRET_KEY`, else a random secret kept in `<data-dir>/secret` so tokens survive restarts."""
    environ = os.environ if environ is None else environ
    if environ.get("HTX_SECRET_KEY"):
        return environ["HTX_SECRET_KEY"]
    path = Path(data_dir) / SECRET_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(secret + "\n")
    return secret


def read_secret(data_dir: Path, environ: Mapping[str, str] | None = None) -> str:
    """Like `load_or_create_secret`, but never invents one (a token signed with a new secret is useless)."""
    environ = os.environ if environ is None else environ
    if environ.get("HTX_SECRET_KEY"):
        return environ["HTX_SECRET_KEY"]
    path = Path(data_dir) / SECRET_FILE
    if not path.exists():
        raise FileNotFoundError(f"no HTX_SECRET_KEY and no {path}: run `htx up` once, or export HTX_SECRET_KEY")
    return path.read_text(encoding="utf-8").strip()


def province_token(secret: str, ttl: timedelta = timedelta(hours=12), subject: str = OPERATOR_SUBJECT) -> str:
    return issue_token(secret, subject=subject, role="province", ttl=ttl)


def make_token(
    secret: str,
    *,
    role: Role,
    subject: str,
    coop_id: int | None = None,
    partner_id: int | None = None,
    ttl_hours: float | None = None,
    settings: TokenSettings | None = None,
) -> str:
    """A token for `ttl_hours` (default HTX_TOKEN_TTL_HOURS); TokenLifetimeTooLong above HTX_TOKEN_MAX_TTL_HOURS."""
    settings = settings or TokenSettings()
    ttl = timedelta(hours=settings.token_ttl_hours if ttl_hours is None else ttl_hours)
    return issue_token(
        secret,
        subject=subject,
        role=role,
        coop_id=coop_id,
        partner_id=partner_id,
        ttl=ttl,
        max_ttl=settings.token_max_ttl,
    )


def _operator_headers(operator_token: str) -> dict[str, str]:
    """An operator's request: answered in English, the language of the command line."""
    return {"Authorization": f"Bearer {operator_token}", "Accept-Language": "en"}


def revoke_token(registry_url: str, token_or_id: str, operator_token: str) -> tuple[int, dict[str, Any]]:
    """POST /admin/tokens/revocations: the registry's status (201 revoked now, 200 before) and revocation."""
    value = token_or_id.strip()
    body = {"token": value} if value.count(".") == 2 else {"jti": value}  # a JWT is header.claims.signature
    response = httpx.post(
        f"{registry_url}/admin/tokens/revocations",
        json=body,
        headers=_operator_headers(operator_token),
        timeout=30.0,
    )
    return response.status_code, _admin_json(response)


def create_account(registry_url: str, body: dict[str, Any], operator_token: str) -> dict[str, Any]:
    """POST /accounts (ADR 0017): the account made; `AdminRefused` with the registry's reason otherwise."""
    response = httpx.post(
        f"{registry_url}/accounts",
        json=body,
        headers=_operator_headers(operator_token),
        timeout=30.0,
    )
    return _admin_json(response)


def put_plan(registry_url: str, key: str, body: dict[str, Any], operator_token: str) -> tuple[int, dict[str, Any]]:
    """PUT /plans/{key} (ADR 0022): the registry's status (201 a new version, 200 unchanged) and the version."""
    response = httpx.put(
        f"{registry_url}/plans/{key}",
        json=body,
        headers=_operator_headers(operator_token),
        timeout=30.0,
    )
    return response.status_code, _admin_json(response)


@dataclass
class RuntimeInfo:
    """What `htx up` is running, written to `<data-dir>/runtime.json` for the other commands."""

    redis_url: str
    service_urls: dict[str, str] = field(default_factory=dict)
    pid: int | None = None

    def write(self, data_dir: Path) -> None:
        path = Path(data_dir) / RUNTIME_FILE
        path.write_text(
            json.dumps({"redis_url": self.redis_url, "service_urls": self.service_urls, "pid": self.pid}, indent=2),
            encoding="utf-8",
        )

    @classmethod
    def read(cls, data_dir: Path) -> RuntimeInfo | None:
        path = Path(data_dir) / RUNTIME_FILE
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return cls(redis_url=raw.get("redis_url", ""), service_urls=raw.get("service_urls", {}), pid=raw.get("pid"))

    @staticmethod
    def remove(data_dir: Path) -> None:
        (Path(data_dir) / RUNTIME_FILE).unlink(missing_ok=True)


def redis_url(data_dir: Path, environ: Mapping[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    for name in ("HTX_REDIS_URL", "REDIS_URL"):
        if environ.get(name):
            return environ[name]
    runtime = RuntimeInfo.read(data_dir)
    if runtime and runtime.redis_url:
        return runtime.redis_url
    return "redis://127.0.0.1:6379/0"


def service_url(service: str, data_dir: Path, environ: Mapping[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    if environ.get(service_url_env_var(service)):
        return environ[service_url_env_var(service)].rstrip("/")
    runtime = RuntimeInfo.read(data_dir)
    if runtime and runtime.service_urls.get(service):
        return runtime.service_urls[service].rstrip("/")
    return f"http://{LOCALHOST}:{DEFAULT_PORTS[service]}"


def stream_prefix(environ: Mapping[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    return environ.get("HTX_STREAM_PREFIX", "")


# --- dead letters -------------------------------------------------------------------------


def list_dead_letters(redis_url_: str, streams: list[str], group: str | None, prefix: str = "") -> list[dict]:
    from shared.messaging.dead_letters import list_dead_letters as _list

    async def run() -> list[dict]:
        import redis.asyncio as aioredis

        client = aioredis.from_url(redis_url_)
        try:
            letters = []
            for stream in streams:
                letters += [letter.as_dict() for letter in await _list(client, prefix + stream, group)]
            return letters
        finally:
            await client.aclose()

    return asyncio.run(run())


def get_dead_letter(redis_url_: str, stream: str, dlq_id: str, prefix: str = "") -> dict | None:
    from shared.messaging.dead_letters import get_dead_letter as _get

    async def run() -> dict | None:
        import redis.asyncio as aioredis

        client = aioredis.from_url(redis_url_)
        try:
            letter = await _get(client, prefix + stream, dlq_id)
            return letter.as_dict() if letter else None
        finally:
            await client.aclose()

    return asyncio.run(run())


def post_admin(url: str, token: str, timeout: float = 60.0) -> httpx.Response:
    return httpx.post(url, headers={"Authorization": f"Bearer {token}"}, timeout=timeout)


def owning_service(letter: dict[str, Any]) -> str:
    """A dead letter belongs to the consumer group that failed it, named after its service."""
    group = letter.get("group", "")
    if group not in SERVICES:
        raise LookupError(f"dead letter {letter.get('dlq_id')} belongs to group {group!r}, not to a known service")
    return group


# --- reporting rebuild jobs ---------------------------------------------------------------

REBUILD_POLL_SECONDS = 1.0
# Polls that may fail in a row (the service restarting, a network blip) before waiting gives up.
REBUILD_POLL_FAILURES = 30
FINISHED_REBUILD_STATES = ("succeeded", "failed")


class AdminRefused(RuntimeError):
    """A service answered an admin request with an error status."""

    def __init__(self, response: httpx.Response) -> None:
        try:
            body = json.dumps(response.json(), ensure_ascii=False, indent=2)
        except ValueError:
            body = response.text
        super().__init__(f"{response.request.method} {response.request.url}: HTTP {response.status_code}\n{body}")


def _admin_json(response: httpx.Response) -> dict[str, Any]:
    if response.status_code >= 400:
        raise AdminRefused(response)
    body: dict[str, Any] = response.json()
    return body


def start_rebuild(reporting_url: str, token: str) -> dict[str, Any]:
    """POST /admin/rebuild: the new job, or the one already running."""
    return _admin_json(post_admin(f"{reporting_url}/admin/rebuild", token, timeout=30.0))


def rebuild_job(reporting_url: str, job_id: int, token: str) -> dict[str, Any]:
    response = httpx.get(
        f"{reporting_url}/admin/rebuild/{job_id}", headers={"Authorization": f"Bearer {token}"}, timeout=30.0
    )
    return _admin_json(response)


def watch_rebuild(
    reporting_url: str,
    job: dict[str, Any],
    token: Callable[[], str],
    *,
    poll_seconds: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[dict[str, Any]]:
    """Poll a rebuild job until it has finished; yields it whenever it changed, the finished job last.

    No overall deadline: a rebuild of a large history takes as long as it takes. `token` is
    called for every poll, so a long wait never outlives its token.
    """
    failures = 0
    while job["state"] not in FINISHED_REBUILD_STATES:
        sleep(REBUILD_POLL_SECONDS if poll_seconds is None else poll_seconds)
        try:
            polled = rebuild_job(reporting_url, job["id"], token())
        except httpx.TransportError:
            failures += 1
            if failures >= REBUILD_POLL_FAILURES:
                raise
            continue
        failures = 0
        if polled != job:
            job = polled
            yield job


def describe_rebuild(job: dict[str, Any]) -> str:
    """One line: `rebuild 3 running (replaying): registry.events 500/18000, supplychain.events 0/0`."""
    state = job["state"] + (f" ({job['phase']})" if job.get("phase") else "")
    streams = ", ".join(
        f"{name} {counts['entries']}/{counts['total']}" for name, counts in sorted(job.get("streams", {}).items())
    )
    return f"rebuild {job['id']} {state}" + (f": {streams}" if streams else "")
