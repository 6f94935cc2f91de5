"""Rebuilding reporting's read model as a job, while live consumption goes on (ADR 0013).

`POST /admin/rebuild` records a `RebuildJob` and this process runs it as a task; the job
goes through three phases, and its progress is saved as it goes (at most once a second):

1. replaying: both streams from id 0 (what a trim removed from the producer's archive,
   ADR 0020), up to their last entry at the start, into shadow
   copies of the read model and the inbox (PostgreSQL: the schema `reporting_rebuild`;
   SQLite: a file of its own beside the database, attached as `reporting_rebuild`, so the
   build never holds the live database's write lock), a page per transaction, through the
   very handlers and `apply_batch` the live consumer uses. Live consumers keep applying new
   events to the live tables meanwhile;
2. catching up: the entries added since, the same way, until a pass reads less than a page;
3. swapping: one transaction on the live database that first locks out live consumers
   (PostgreSQL: `LOCK TABLE inbox IN EXCLUSIVE MODE`, which every live effect meets at its
   inbox INSERT; SQLite: the write lock), then replays the entries added since the last
   pass, retries into the shadow any event the live inbox holds and the shadow does not (one
   the replay failed but live applied), copies the shadow read model over the live one, makes
   the live inbox the shadow's, and marks the job succeeded.

Exactly once: after the swap the inbox is the shadow's, and it lists every event whose
effect is in the swapped tables. An entry the live consumer applied before the lock is at or
before the stream end read under the lock, so the shadow has it too; an entry it applies
after the commit either meets its inbox row there (acknowledged, no effect) or was not
replayed and is applied once, to the new tables. A failed or interrupted job leaves the
live read model as it was.

A job's process may die: at start, and whenever a job is asked for, an active job whose
runner is gone (`is_interrupted`) is marked failed, so no job stays "running" forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis
from sqlalchemy import Table, event, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, async_sessionmaker
from sqlalchemy.schema import CreateTable
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.consumers import GROUP, HANDLERS
from services.reporting.schemas import ACTIVE_REBUILD_STATES, RebuildJobPublic, StreamProgress
from services.reporting.tables import READ_MODEL, RebuildJob
from shared.db import create_engine, is_sqlite, session_factory, table_of
from shared.events.envelope import EventEnvelope
from shared.messaging.archive import EventSource
from shared.messaging.connection import RawFields
from shared.messaging.consumer import EntryFailed, EventHandlers, InboxEntry, apply_batch
from shared.service import ServiceRuntime

log = logging.getLogger(__name__)

SHADOW_SCHEMA = "reporting_rebuild"
TO_SHADOW = {None: SHADOW_SCHEMA}  # SQLAlchemy's schema_translate_map: every table into the shadow
PAGE = 500
# Progress (and the heartbeat) is saved at most this often while replaying, not after every page:
# each save is a write transaction on the live database, where live consumers write too.
SAVE_EVERY_S = 1.0
CATCH_UP_PASSES = 10  # then swap anyway: the lock holds for one pass's worth of new entries at most
# A runner on another host that has not saved progress for this long has died.
STALE_AFTER = timedelta(minutes=10)
INTERRUPTED = "interrupted: the process running it stopped before it finished"

READ_MODEL_TABLES: list[Table] = [table_of(model) for model in READ_MODEL]
INBOX = table_of(InboxEntry)
SHADOWED = [*READ_MODEL_TABLES, INBOX]

# Awaited with (job id, step) at each step of a job: as it enters "replaying" and
# "catching_up"; with live consumers locked out, at "swapping" (before the last entries are
# replayed) and "replacing" (before the live tables are replaced). Tests pause a job there;
# nothing in production sets it.
StepHook = Callable[[int, str], Awaitable[None]]


def _now() -> datetime:
    return datetime.now(UTC)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def public(job: RebuildJob) -> RebuildJobPublic:
    return RebuildJobPublic.model_validate(job.model_dump() | {"streams": job.progress})


# ---- who is still running a job ---------------------------------------------------------


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def is_interrupted(
    job: RebuildJob, *, me: str, running_here: int | None, now: datetime, alive: Callable[[int], bool]
) -> bool:
    """Whether an active job has lost the process that runs it.

    `me` is this process's name (<host>-<pid>) and `running_here` the job its task runs. Our
    own name on a job we do not run is an earlier process with our pid (a restarted
    container); a runner on this host whose pid is gone has died; any other runner is judged
    by its heartbeat.
    """
    if job.runner == me:
        return job.id != running_here
    host, _, pid = job.runner.rpartition("-")
    if host == me.rpartition("-")[0] and pid.isdigit() and not alive(int(pid)):
        return True
    return now - job.heartbeat_at > STALE_AFTER


# ---- where a job builds -----------------------------------------------------------------


class Shadow:
    """The shadow tables a job builds into, addressed as `reporting_rebuild.<table>`."""

    sessions: async_sessionmaker[AsyncSession]  # sessions whose tables are the shadow's

    async def create(self) -> None:
        raise NotImplementedError

    async def drop(self) -> None:
        raise NotImplementedError

    def swap_transaction(self) -> contextlib.AbstractAsyncContextManager[AsyncConnection]:
        """A transaction on the live database with live consumers locked out, the shadow in sight."""
        raise NotImplementedError

    @staticmethod
    async def _create_tables(connection: AsyncConnection) -> None:
        await connection.execution_options(schema_translate_map=TO_SHADOW)
        for table in SHADOWED:  # primary keys only: a replay looks rows up by key, never by index
            await connection.execute(CreateTable(table))


class PostgresShadow(Shadow):
    """A schema of the live database: rows are written beside live ones, never locking them."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self.sessions = session_factory(engine.execution_options(schema_translate_map=TO_SHADOW))

    async def create(self) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(text(f"DROP SCHEMA IF EXISTS {SHADOW_SCHEMA} CASCADE"))
            await connection.execute(text(f"CREATE SCHEMA {SHADOW_SCHEMA}"))
            await self._create_tables(connection)

    async def drop(self) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(text(f"DROP SCHEMA IF EXISTS {SHADOW_SCHEMA} CASCADE"))

    @contextlib.asynccontextmanager
    async def swap_transaction(self) -> AsyncIterator[AsyncConnection]:
        async with self._engine.connect() as connection, connection.begin():
            # EXCLUSIVE blocks inserts (a live effect starts with its inbox row), not reads.
            await connection.execute(text(f"LOCK TABLE {INBOX.name} IN EXCLUSIVE MODE"))
            yield connection


def _attaching(engine: AsyncEngine, path: Path) -> AsyncEngine:
    """`engine` with the shadow file attached to each connection as `reporting_rebuild`."""

    @event.listens_for(engine.sync_engine, "connect")
    def _attach(dbapi_connection: Any, _record: Any) -> None:  # pragma: no cover - driver hook
        cursor = dbapi_connection.cursor()
        cursor.execute(f"ATTACH DATABASE ? AS {SHADOW_SCHEMA}", (str(path),))
        # Scratch rows, rebuilt from the streams if lost: no fsync, the rollback journal in memory
        # (savepoints still work, which a failing handler needs).
        cursor.execute(f"PRAGMA {SHADOW_SCHEMA}.journal_mode=MEMORY")
        cursor.execute(f"PRAGMA {SHADOW_SCHEMA}.synchronous=OFF")
        cursor.close()

    return engine


class SqliteShadow(Shadow):
    """A file beside the database: SQLite has one write lock per file, and the build must not hold the live one.

    The build writes through an in-memory database with the file attached; the swap attaches
    the file to a connection of the live database.
    """

    def __init__(self, database_url: str) -> None:
        database = make_url(database_url).database
        if not database or database == ":memory:":
            raise ValueError("a rebuild on SQLite needs a database file to put its shadow beside")
        live = Path(database)
        self.path = live.with_name(f"{live.stem}.rebuild{live.suffix or '.db'}")
        self._build_engine = _attaching(create_engine("sqlite+aiosqlite://"), self.path)
        self._swap_engine = _attaching(create_engine(database_url), self.path)
        self.sessions = session_factory(self._build_engine.execution_options(schema_translate_map=TO_SHADOW))

    def _remove_file(self) -> None:
        for leftover in (self.path, self.path.with_name(self.path.name + "-journal")):
            leftover.unlink(missing_ok=True)

    async def create(self) -> None:
        await self._build_engine.dispose()  # connections attached to an earlier file
        self._remove_file()
        async with self._build_engine.begin() as connection:
            await self._create_tables(connection)

    async def drop(self) -> None:
        await self._build_engine.dispose()
        await self._swap_engine.dispose()
        self._remove_file()

    @contextlib.asynccontextmanager
    async def swap_transaction(self) -> AsyncIterator[AsyncConnection]:
        async with self._swap_engine.connect() as connection, connection.begin():
            yield connection  # BEGIN IMMEDIATE (shared.db): the database's one write lock


def shadow_for(runtime: ServiceRuntime) -> Shadow:
    if is_sqlite(runtime.settings.database_url):
        return SqliteShadow(runtime.settings.database_url)
    return PostgresShadow(runtime.engine)


# ---- one run ----------------------------------------------------------------------------


@dataclass
class _Stream:
    source: EventSource  # the stream, and its producer's archive for what a trim removed
    handlers: EventHandlers
    progress: StreamProgress = field(default_factory=StreamProgress)
    last_read: str | None = None  # the id of the last entry replayed

    @property
    def name(self) -> str:
        return self.source.stream

    async def page(self, end: str, *, after: str | None = None) -> list[tuple[str, RawFields]]:
        """The next page after `after` (by default the last entry replayed), up to `end`."""
        return await self.source.read(after or self.last_read, end=end, count=PAGE)


class JobTakenAway(RuntimeError):
    """The job was marked failed (its runner judged dead) while it ran: its result is not swapped in."""


async def _replay_alone(
    session: AsyncSession, stream: _Stream, group: str, entry_id: str, envelope: EventEnvelope
) -> str:
    """One entry in a savepoint of its own, so a failing handler loses only its own effect
    (counted as "failed"); which `StreamProgress` outcome it had."""
    try:
        async with session.begin_nested():
            (applied,) = await apply_batch(session, group, stream.name, [(entry_id, envelope)], stream.handlers)
    except Exception as error:
        # The rolled-back savepoint expired what it touched; `advance_position` reads the
        # identity map directly, so start again from the database.
        session.expunge_all()
        log.warning("rebuild leaves out %s %s: %r", stream.name, entry_id, error.__cause__ or error)
        return "failed"
    return "applied" if applied else "duplicates"


async def _stream_end(redis: aioredis.Redis, stream: str) -> tuple[str | None, int]:
    """The stream's last entry id and its length, read together (MULTI)."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.xlen(stream)
        pipe.xrevrange(stream, count=1)
        length, last = await pipe.execute()
    return (_text(last[0][0]) if last else None), int(length)


def _quoted(connection: AsyncConnection, table: Table) -> tuple[str, str, str]:
    """(live name, shadow name, column list) of `table`, quoted for the connection's dialect."""
    quote = connection.dialect.identifier_preparer.quote
    columns = ", ".join(quote(column.name) for column in table.columns)
    return quote(table.name), f"{quote(SHADOW_SCHEMA)}.{quote(table.name)}", columns


class RebuildRun:
    """One job's work, from the first replayed entry to the swap."""

    def __init__(
        self,
        *,
        job_id: int,
        runner: str,
        sessions: async_sessionmaker[AsyncSession],
        redis: aioredis.Redis,
        streams: Sequence[tuple[EventSource, EventHandlers]],
        shadow: Shadow,
        group: str,
        on_step: StepHook | None,
    ) -> None:
        self.job_id = job_id
        self._runner = runner
        self._sessions = sessions  # the live database, for the job's own row
        self._redis = redis
        self._shadow = shadow
        self._group = group
        self._on_step = on_step
        self.streams = [_Stream(source, handlers) for source, handlers in streams]
        self._saved_at = time.monotonic()

    def progress(self) -> dict[str, dict[str, int]]:
        return {stream.name: stream.progress.model_dump() for stream in self.streams}

    async def execute(self) -> None:
        await self._shadow.create()
        await self._enter("replaying")
        for stream in self.streams:
            end, stream.progress.total = await _stream_end(self._redis, stream.name)
            if end is not None:
                await self._replay(stream, end)
        await self._enter("catching_up")
        for _ in range(CATCH_UP_PASSES):
            read = 0
            for stream in self.streams:
                read += await self._replay(stream, "+")
            if read < PAGE:
                break
        await self._enter("swapping")
        await self._swap()

    async def _enter(self, phase: str) -> None:
        await self._save(phase=phase)
        if phase != "swapping":  # that step comes inside the swap's lock
            await self._step(phase)

    async def _step(self, step: str) -> None:
        if self._on_step is not None:
            await self._on_step(self.job_id, step)

    async def _save(self, **values: Any) -> None:
        """Save progress (and `values`) on the job's row; it moves the heartbeat too."""
        self._saved_at = time.monotonic()
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(table_of(RebuildJob))
                .where(col(RebuildJob.id) == self.job_id, col(RebuildJob.state) == "running")
                .values(progress=self.progress(), heartbeat_at=_now(), **values)
            )
        if not result.rowcount:
            raise JobTakenAway(f"rebuild job {self.job_id} is no longer running")

    async def _replay(self, stream: _Stream, end: str) -> int:
        """Replay `stream` after its last replayed entry up to `end` (or "+"), a page per transaction."""
        read = 0
        page = await stream.page(end)
        while page:
            # The next page comes from Redis while this one is applied (a full page: there may be more).
            ahead = asyncio.ensure_future(stream.page(end, after=page[-1][0])) if len(page) == PAGE else None
            try:
                async with self._shadow.sessions() as session, session.begin():
                    await self._apply(session, stream, page, growing=end == "+")
                read += len(page)
                if time.monotonic() - self._saved_at >= SAVE_EVERY_S:
                    await self._save()
            except BaseException:
                if ahead is not None:
                    ahead.cancel()
                raise
            page = await ahead if ahead is not None else []
        return read

    async def _apply(
        self, session: AsyncSession, stream: _Stream, page: Sequence[tuple[str, RawFields]], *, growing: bool
    ) -> None:
        """A page exactly as the live consumer applies a batch (`apply_batch`), in one savepoint;
        should a handler fail, the page again, each entry in a savepoint of its own."""
        entries = list(page)
        outcomes: list[str] = []
        batch: list[tuple[int, str, EventEnvelope]] = []  # (index in the page, entry id, envelope)
        for entry_id, fields in entries:
            try:
                envelope = EventEnvelope.from_fields(fields)
            except Exception:
                outcomes.append("malformed")  # the live consumer dead-letters these
                continue
            if stream.handlers.handles(envelope.event_type):
                batch.append((len(outcomes), entry_id, envelope))
                outcomes.append("applied")  # or "duplicates"/"failed": apply_batch tells below
            else:
                outcomes.append("ignored")
        try:
            async with session.begin_nested():
                applied = await apply_batch(
                    session, self._group, stream.name, [(e, env) for _, e, env in batch], stream.handlers
                )
            for (index, _, _), fresh in zip(batch, applied, strict=True):
                outcomes[index] = "applied" if fresh else "duplicates"
        except EntryFailed:
            session.expunge_all()
            for index, entry_id, envelope in batch:
                outcomes[index] = await _replay_alone(session, stream, self._group, entry_id, envelope)
        progress = stream.progress
        for outcome in outcomes:
            setattr(progress, outcome, getattr(progress, outcome) + 1)
        progress.entries += len(entries)
        stream.last_read = entries[-1][0]
        if growing:  # entries added after the start: the total grows with them
            stream.progress.total += len(page)

    async def _swap(self) -> None:
        async with self._shadow.swap_transaction() as connection:
            await connection.execution_options(schema_translate_map=TO_SHADOW)
            async with AsyncSession(bind=connection) as session:
                await self._step("swapping")
                for stream in self.streams:
                    while page := await stream.page("+"):
                        await self._apply(session, stream, page, growing=True)
                await self._retry_missing(session, connection)
                await session.flush()
            await self._step("replacing")
            await connection.execution_options(schema_translate_map=None)  # live tables by name again
            await self._replace_live_tables(connection)
            now = _now()
            finished = await connection.execute(
                update(table_of(RebuildJob))
                .where(
                    col(RebuildJob.id) == self.job_id,
                    col(RebuildJob.state) == "running",
                    col(RebuildJob.runner) == self._runner,
                )
                .values(
                    state="succeeded",
                    phase=None,
                    progress=self.progress(),
                    finished_at=now,
                    heartbeat_at=now,
                    active=None,
                )
            )
            if finished.rowcount != 1:
                raise JobTakenAway(f"rebuild job {self.job_id} was marked failed while it ran; nothing swapped")

    async def _retry_missing(self, session: AsyncSession, connection: AsyncConnection) -> None:
        """Retry, into the shadow, each event the live inbox holds and the shadow's does not.

        Those are entries the replay failed while live applied them (a handler that failed
        once, say); an entry failing again stays out, as before.
        """
        live, shadow, _ = _quoted(connection, INBOX)
        missing = await connection.execute(
            text(
                f"SELECT live.stream, live.entry_id FROM {live} AS live WHERE live.consumer_group = :group "
                f"AND NOT EXISTS (SELECT 1 FROM {shadow} AS rebuilt "
                "WHERE rebuilt.consumer_group = live.consumer_group AND rebuilt.event_id = live.event_id)"
            ),
            {"group": self._group},
        )
        by_name = {stream.name: stream for stream in self.streams}
        for stream_name, entry_id in missing.all():
            stream = by_name.get(stream_name)
            if stream is None:
                continue  # a stream this rebuild does not replay (another prefix): its rows go
            fields = await stream.source.entry(entry_id)
            if fields is not None:
                envelope = EventEnvelope.from_fields(fields)  # the live consumer applied it: an envelope
                if await _replay_alone(session, stream, self._group, entry_id, envelope) == "applied":
                    stream.progress.failed -= 1
                    stream.progress.applied += 1

    async def _replace_live_tables(self, connection: AsyncConnection) -> None:
        """The shadow's rows in place of the live read model's; the live inbox made the shadow's."""
        for table in READ_MODEL_TABLES:
            live, shadow, columns = _quoted(connection, table)
            await connection.execute(text(f"DELETE FROM {live}"))  # not TRUNCATE: readers keep their snapshot
            await connection.execute(text(f"INSERT INTO {live} ({columns}) SELECT {columns} FROM {shadow}"))
        # The inbox differs from the shadow's by few rows: those only, not a copy of every event.
        live, shadow, columns = _quoted(connection, INBOX)
        same_event = "rebuilt.consumer_group = live.consumer_group AND rebuilt.event_id = live.event_id"
        await connection.execute(
            text(
                f"DELETE FROM {live} WHERE consumer_group = :group AND NOT EXISTS (SELECT 1 FROM {shadow} AS rebuilt "
                f"WHERE rebuilt.consumer_group = {live}.consumer_group AND rebuilt.event_id = {live}.event_id)"
            ),
            {"group": self._group},
        )
        await connection.execute(
            text(
                f"INSERT INTO {live} ({columns}) SELECT {columns} FROM {shadow} AS rebuilt "
                f"WHERE rebuilt.consumer_group = :group AND NOT EXISTS (SELECT 1 FROM {live} AS live WHERE {same_event})"
            ),
            {"group": self._group},
        )


# ---- this process's jobs ----------------------------------------------------------------


async def _active_job(session: AsyncSession) -> RebuildJob | None:
    result = await session.exec(select(RebuildJob).where(col(RebuildJob.active).is_(True)))
    return result.first()


async def find_job(session: AsyncSession, job_id: int | None = None) -> RebuildJob | None:
    """Job `job_id`, or the latest job when it is None."""
    if job_id is not None:
        return await session.get(RebuildJob, job_id)
    result = await session.exec(select(RebuildJob).order_by(col(RebuildJob.id).desc()).limit(1))
    return result.first()


class RebuildJobs:
    """This process's side of rebuild jobs: records one when asked, runs it as a task, stops it at shutdown."""

    def __init__(self, runtime: ServiceRuntime, *, group: str = GROUP) -> None:
        self._runtime = runtime
        self._group = group
        self.on_step: StepHook | None = None
        self._task: asyncio.Task[None] | None = None
        self._running: int | None = None  # the job this process runs, from its launch to its end

    @property
    def me(self) -> str:
        return self._runtime.settings.consumer_name

    async def settle_interrupted(self, session: AsyncSession) -> list[RebuildJob]:
        """Mark failed every active job whose runner is gone (`is_interrupted`); those jobs."""
        now = _now()
        result = await session.exec(select(RebuildJob).where(col(RebuildJob.active).is_(True)))
        interrupted = [
            job
            for job in result.all()
            if is_interrupted(job, me=self.me, running_here=self._running, now=now, alive=process_alive)
        ]
        for job in interrupted:
            job.sqlmodel_update(dict(state="failed", phase=None, error=INTERRUPTED, finished_at=now, active=None))
            session.add(job)
        if interrupted:
            await session.flush()
            log.warning("rebuild jobs %s were interrupted; marked failed", [job.id for job in interrupted])
        return interrupted

    async def settle_at_start(self) -> None:
        async with self._runtime.unit_of_work() as work:
            await self.settle_interrupted(work.session)

    async def request(self, session: AsyncSession, requested_by: str) -> tuple[RebuildJob, bool]:
        """The job already active, or a new queued one (True: `launch` it once committed)."""
        await self.settle_interrupted(session)
        active = await _active_job(session)
        if active is not None:
            return active, False
        now = _now()
        job = RebuildJob(
            state="queued",
            progress={},
            requested_by=requested_by,
            runner=self.me,
            requested_at=now,
            heartbeat_at=now,
            active=True,
        )
        try:
            async with session.begin_nested():
                session.add(job)
                await session.flush()  # the unique index on `active`: one job at a time
        except IntegrityError:
            active = await _active_job(session)  # PostgreSQL: another request's job committed first
            if active is None:
                raise
            return active, False
        return job, True

    async def job(self, job_id: int | None) -> RebuildJob | None:
        """A job as it stands; an active one whose runner is gone is first marked failed."""
        async with self._runtime.read_sessions() as session:
            job = await find_job(session, job_id)
        if job is None or not job.active:
            return job
        if not is_interrupted(job, me=self.me, running_here=self._running, now=_now(), alive=process_alive):
            return job
        async with self._runtime.unit_of_work() as work:
            await self.settle_interrupted(work.session)
            return await find_job(work.session, job.id)

    async def launch(self, job_id: int) -> None:
        """Run a committed queued job as a task of this process (async: Starlette runs a plain
        function's background task in a thread, where there is no event loop)."""
        self._running = job_id  # at once: a request arriving before the task starts must not judge it dead
        self._task = asyncio.create_task(self.run(job_id), name=f"reporting rebuild {job_id}")

    async def run(self, job_id: int) -> None:
        """Run a queued job to its end; it ends succeeded or failed, never raises but for cancellation."""
        self._running = job_id
        try:
            await self._run(job_id)
        finally:
            if self._running == job_id:  # not the next job, launched while this one dropped its shadow
                self._running = None

    async def _run(self, job_id: int) -> None:
        runtime = self._runtime
        async with runtime.unit_of_work() as work:
            started = await work.session.execute(
                update(table_of(RebuildJob))
                .where(col(RebuildJob.id) == job_id, col(RebuildJob.state) == "queued")
                .values(state="running", phase="replaying", started_at=_now(), heartbeat_at=_now())
            )
        if not started.rowcount:
            return  # settled as interrupted before it started
        run: RebuildRun | None = None
        shadow: Shadow | None = None
        try:
            shadow = shadow_for(runtime)
            run = RebuildRun(
                job_id=job_id,
                runner=self.me,
                sessions=runtime.sessions,
                redis=runtime.redis,
                streams=[
                    (EventSource(runtime.redis, runtime.settings.stream(name), runtime.archive_of(name)), handlers)
                    for name, handlers in HANDLERS.items()
                ],
                shadow=shadow,
                group=self._group,
                on_step=self.on_step,
            )
            await run.execute()
            log.info("reporting read model rebuilt (job %s): %s", job_id, run.progress())
        except asyncio.CancelledError:
            await self._fail(job_id, INTERRUPTED, run)
            raise
        except Exception as error:
            log.exception("rebuild job %s failed", job_id)
            await self._fail(job_id, f"{type(error).__name__}: {error}", run)
        finally:
            if shadow is not None:
                with contextlib.suppress(Exception):  # leftovers are dropped by the next job's create
                    await shadow.drop()

    async def _fail(self, job_id: int, error: str, run: RebuildRun | None) -> None:
        values: dict[str, Any] = dict(state="failed", phase=None, error=error[:2000], finished_at=_now(), active=None)
        if run is not None:
            values["progress"] = run.progress()
        async with self._runtime.unit_of_work() as work:
            await work.session.execute(
                update(table_of(RebuildJob))
                .where(col(RebuildJob.id) == job_id, col(RebuildJob.state).in_(ACTIVE_REBUILD_STATES))
                .values(**values)
            )

    async def run_now(self, requested_by: str) -> RebuildJob:
        """Start a job and wait for its end, in this task (benchmarks, a rebuild without the service)."""
        async with self._runtime.unit_of_work() as work:
            job, created = await self.request(work.session, requested_by)
        assert job.id is not None
        if created:
            await self.run(job.id)
        async with self._runtime.read_sessions() as session:
            finished = await session.get(RebuildJob, job.id)
        assert finished is not None
        return finished

    async def stop(self) -> None:
        """At shutdown: a running job is cancelled and marked failed (interrupted)."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
