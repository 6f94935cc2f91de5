"""Typed settings, read from the environment (and `.env`).

Every service reads the same class; what differs between services is the values the
runner (or docker-compose) hands each process.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from datetime import timedelta
from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-secret-change-me-0123456789abcdef"


class TokenSettings(BaseSettings):
    """How long tokens live and how failed authentication is limited: read by the services, and by
    `htx token issue` without the rest (it has no database or secret to validate)."""

    model_config = SettingsConfigDict(env_prefix="HTX_", env_file=".env", extra="ignore")

    # What `htx token issue` gives when no --ttl-hours is asked for.
    token_ttl_hours: float = Field(24 * 30, gt=0)
    # No token lives longer, however it was made: issuing refuses more, and every service refuses a
    # token whose exp - iat exceeds it. A month: a clerk's phone is re-tokened at the monthly meeting.
    token_max_ttl_hours: float = Field(24 * 30, gt=0)
    # After this many failed authentications from one client address within the window, its requests
    # that carry a token are answered 429 until the window has passed (per service process).
    auth_failure_limit: int = Field(20, ge=1)
    auth_failure_window_seconds: float = Field(60, gt=0)

    @model_validator(mode="after")
    def _default_lifetime_within_the_maximum(self) -> TokenSettings:
        if self.token_ttl_hours > self.token_max_ttl_hours:
            raise ValueError(
                f"HTX_TOKEN_TTL_HOURS ({self.token_ttl_hours:g}) is above HTX_TOKEN_MAX_TTL_HOURS "
                f"({self.token_max_ttl_hours:g}): the default lifetime must be allowed"
            )
        return self

    @property
    def token_max_ttl(self) -> timedelta:
        return timedelta(hours=self.token_max_ttl_hours)


class Settings(TokenSettings):
    """Settings of one service process."""

    model_config = SettingsConfigDict(env_prefix="HTX_", env_file=".env", extra="ignore")

    env: Literal["dev", "test", "prod"] = "dev"
    secret_key: str = DEV_SECRET
    # How long a write's Idempotency-Key is remembered: a phone that queued writes offline for
    # weeks still retries them safely.
    idempotency_retention_hours: int = 24 * 30

    # Accounts (ADR 0017): a login's access token is short-lived, its refresh token long; a login
    # name (or a client address, for many names) that fails this often in the window waits (429).
    access_token_minutes: float = Field(15, gt=0)
    refresh_token_days: float = Field(30, gt=0)
    login_failure_limit: int = Field(5, ge=1)
    login_address_failure_limit: int = Field(30, ge=1)  # an office behind one address has many clerks
    login_failure_window_seconds: float = Field(15 * 60, gt=0)

    database_url: str = Field(
        "sqlite+aiosqlite:///./data/service.db",
        validation_alias=AliasChoices("HTX_DATABASE_URL", "DATABASE_URL"),
    )
    redis_url: str = Field(
        "redis://127.0.0.1:6379/0",
        validation_alias=AliasChoices("HTX_REDIS_URL", "REDIS_URL"),
    )
    # Prefix on every stream name, so tests (or two installations) can share one Redis.
    stream_prefix: str = ""
    # SQLite: how long a write waits for the database's one write lock before answering 503
    # `db.busy` with Retry-After (a long batch holds it; PostgreSQL writers do not queue this way).
    sqlite_busy_timeout_seconds: float = Field(30, gt=0)

    # Where the public reaches the platform (e.g. https://truyxuat.thainguyen.gov.vn): QR codes and
    # links are built on it, never on the request's Host header, which any client can set.
    public_base_url: str | None = None
    # Largest request body of an ordinary write; uploads and EPCIS capture have their own (shared.limits).
    max_body_bytes: int = Field(1024 * 1024, ge=1024)
    # The reverse proxies whose X-Forwarded-For (the client's address: logs, the failed-sign-in
    # limit) and X-Forwarded-Proto are believed: comma-separated addresses or networks, e.g.
    # "10.0.0.5" or "172.16.0.0/12". Empty: nobody's, the client is whoever connected. Replaces
    # uvicorn's FORWARDED_ALLOW_IPS, which trusts loopback unless told otherwise.
    trusted_proxies: str = ""
    # EPCIS queries: values per list parameter, EPC patterns (urn:epc:idpat:) per query; beyond,
    # 413 QueryTooComplexException. Far above what a partner asks; they bound the SQL of one request.
    epcis_max_values_per_parameter: int = Field(500, ge=1)
    epcis_max_patterns_per_query: int = Field(100, ge=1)

    registry_url: str = "http://127.0.0.1:8001"
    supplychain_url: str = "http://127.0.0.1:8002"
    reporting_url: str = "http://127.0.0.1:8003"
    # Where a browser reaches the reporting service's dashboard, when not at `reporting_url` (which
    # may be an address inside the deployment): the co-op app links to the co-op's own page there.
    dashboard_url: str | None = None

    # Consumer tuning: entries idle this long in another consumer's pending list are
    # reclaimed; after `max_deliveries` attempts an entry goes to `<stream>.dlq`.
    claim_idle_ms: int = 10_000
    claim_interval_ms: int = 1_000
    max_deliveries: int = 5
    read_batch: int = Field(500, ge=1, le=1000)  # entries a consumer reads and applies per transaction
    outbox_poll_ms: int = 500
    # One relay per producer publishes at a time, under a Redis lease its holder renews every
    # third of this; a killed relay's events flow again from another process once it lapses.
    outbox_lease_ms: int = 5_000
    # /health says `degraded` once an event has waited this long in the outbox while Redis answers:
    # its relay is stuck, and nothing downstream hears of the writes.
    outbox_stale_ms: int = 60_000
    # A producer's stream keeps entries this long after every group has acknowledged them; older
    # ones live on in the producer's archive (ADR 0020). Its relay trims every
    # `stream_trim_interval_seconds`. Redis holds about this many days of events, whatever the history.
    stream_retention_days: float = Field(7, ge=0)
    stream_trim_interval_seconds: float = Field(300, gt=0)
    # EPCIS webhook subscriptions may name a loopback, private or link-local address as `dest` only
    # when this is set (a test's receiver, a partner inside the same network): otherwise a subscriber
    # could make the service POST to the platform's own internal endpoints.
    webhook_private_destinations: bool = False
    # A consumer name idle this long with nothing pending is a dead process's (names are
    # host-pid): it leaves the group at start and at every sweep. Unset: the larger of
    # 10 x claim_idle_ms and 5 minutes.
    dead_consumer_idle_ms: int | None = None
    dead_consumer_sweep_ms: int = 60_000

    consumer_name: str = Field(default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}")

    @model_validator(mode="after")
    def _refuse_default_secret_outside_dev(self) -> Settings:
        if self.env != "dev" and self.secret_key == DEV_SECRET:
            raise ValueError(
                f"HTX_SECRET_KEY is the development default; set a real secret when HTX_ENV is {self.env!r}"
            )
        if len(self.secret_key) < 32:
            raise ValueError("HTX_SECRET_KEY must be at least 32 characters")
        return self

    @model_validator(mode="after")
    def _refuse_unworkable_messaging_timings(self) -> Settings:
        if self.outbox_lease_ms < 1_000:
            # Renewed every third of it: below a second a slow round trip loses it mid-batch.
            raise ValueError(f"HTX_OUTBOX_LEASE_MS must be at least 1000 (got {self.outbox_lease_ms})")
        if self.dead_consumer_idle_ms is not None and self.dead_consumer_idle_ms <= self.claim_idle_ms:
            raise ValueError(
                f"HTX_DEAD_CONSUMER_IDLE_MS ({self.dead_consumer_idle_ms}) must be above HTX_CLAIM_IDLE_MS "
                f"({self.claim_idle_ms}): a consumer is dead long after its entries could be claimed"
            )
        if self.dead_consumer_sweep_ms <= 0:
            raise ValueError(f"HTX_DEAD_CONSUMER_SWEEP_MS must be positive (got {self.dead_consumer_sweep_ms})")
        return self

    @model_validator(mode="after")
    def _refuse_unreadable_trusted_proxies(self) -> Settings:
        self.forwarded_allow_ips()
        return self

    def forwarded_allow_ips(self) -> list[str]:
        """HTX_TRUSTED_PROXIES as uvicorn's `forwarded_allow_ips`. Each entry must be an address or a
        network: uvicorn would take anything else (`*`, a host name, 10.0.0.1/8) silently."""
        entries = [entry.strip() for entry in self.trusted_proxies.split(",") if entry.strip()]
        for entry in entries:
            try:
                ipaddress.ip_network(entry)  # strict, as uvicorn reads it
            except ValueError:
                raise ValueError(
                    f"HTX_TRUSTED_PROXIES: {entry!r} is not an IP address or network; list the proxies' "
                    "addresses, e.g. 10.0.0.5,172.16.0.0/12"
                ) from None
        return entries

    def stream(self, name: str) -> str:
        """The full name of a stream, with this installation's prefix."""
        return f"{self.stream_prefix}{name}"
