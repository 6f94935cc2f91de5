"""Rebuilding the reporting read model is a job: `POST /admin/rebuild` answers 202 at once, the
job replays both streams into shadow tables while live consumption goes on, and swaps the
result in; it gives what live consumption gave, and an event published at any moment of a
rebuild is counted exactly once after it.

A job is held at one of its steps by `RebuildJobs.on_step` (`Hold`), so "during the rebuild"
is a state the test is in, never a timing.
"""

from __future__ import annotations

import asyncio
import json
from datetime import date

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import select
from typer.testing import CliRunner

from htx import operator
from htx.cli import app as cli
from services.reporting.app import create_app
from services.reporting.rebuild import INTERRUPTED, SHADOW_SCHEMA, SqliteShadow
from services.reporting.tables import READ_MODEL, RebuildJob
from shared.db import create_engine, is_sqlite, session_factory, table_of
from shared.events.envelope import EventEnvelope
from shared.messaging.consumer import InboxEntry
from tests.integration.reporting_events import (
    EXPECTED_2024,
    REGISTRY,
    SUPPLYCHAIN,
    envelope,
    harvest,
    publish,
    registry_dataset,
    supplychain_dataset,
)
from tests.integration.test_reporting_projections import consumed, figures
from tests.support import TEST_SECRET, bearer, running_app, service_settings, wait_until

VOLATILE = {"updated_at", "processed_at"}  # wall-clock times of applying, not facts
DERIVED = [table_of(model) for model in READ_MODEL] + [table_of(InboxEntry)]  # what a rebuild rebuilds
FINISHED = ("succeeded", "failed")


async def snapshot(database_url: str) -> dict[str, list[dict]]:
    """Every row of the read model and the inbox, in key order, without apply-time stamps."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            result = {}
            for table in DERIVED:
                rows = await session.execute(select(table).order_by(*table.primary_key.columns))
                result[table.name] = [{k: v for k, v in row._mapping.items() if k not in VOLATILE} for row in rows]
            return result
    finally:
        await engine.dispose()


async def start_rebuild(client: httpx.AsyncClient) -> dict:
    response = await client.post("/admin/rebuild", headers=bearer())
    assert response.status_code == 202, response.text
    job = response.json()
    assert response.headers["location"] == f"/admin/rebuild/{job['id']}"
    return job


async def finished(client: httpx.AsyncClient, job_id: int) -> dict:
    async def done():
        job = (await client.get(f"/admin/rebuild/{job_id}", headers=bearer())).json()
        return job if job["state"] in FINISHED else None

    return await wait_until(done, timeout=60, message=f"rebuild job {job_id} to finish")


async def rebuilt(client: httpx.AsyncClient) -> dict:
    """Start a rebuild, wait for its end; the succeeded job."""
    job = await finished(client, (await start_rebuild(client))["id"])
    assert job["state"] == "succeeded", job
    return job


class Hold:
    """A rebuild job's step hook that stops the job at `step` until `release()`; `reached` is set there."""

    def __init__(self, step: str, *, fail: bool = False) -> None:
        self.step = step
        self.fail = fail
        self.reached = asyncio.Event()
        self._released = asyncio.Event()

    async def __call__(self, job_id: int, step: str) -> None:
        if step != self.step:
            return
        self.reached.set()
        await self._released.wait()
        if self.fail:
            raise RuntimeError("the disk is full")

    def release(self) -> None:
        self._released.set()

    async def wait(self) -> None:
        await asyncio.wait_for(self.reached.wait(), timeout=60)


async def publish_dataset(redis, stream_prefix: str) -> None:
    registry_before, registry_after = registry_dataset()
    supply_before, supply_after = supplychain_dataset()
    await publish(redis, stream_prefix + REGISTRY, *registry_before, *registry_after)
    await publish(redis, stream_prefix + SUPPLYCHAIN, *supply_before, *supply_after)
    # Another producer's business on the same stream: acknowledged, never applied.
    foreign = EventEnvelope(
        event_type="registry.partner_added",
        occurred_at=envelope(harvest("X", 1, 1, "1", date(2024, 1, 1), 1)).occurred_at,
        producer="registry",
        payload={"partner_id": 1},
    )
    await redis.xadd(stream_prefix + REGISTRY, foreign.to_fields())


async def publish_poison(redis, stream_prefix: str) -> None:
    """A harvest whose payload breaks its contract: live dead-letters it, rebuild leaves it out."""
    good = envelope(harvest("P1", 1, 1, "1", date(2024, 2, 2), 1))
    poison = EventEnvelope(
        event_type=good.event_type,
        occurred_at=good.occurred_at,
        producer="supplychain",
        payload={**good.payload, "quantity_kg": "nhiều lắm"},
    )
    await redis.xadd(stream_prefix + SUPPLYCHAIN, poison.to_fields())


def harvests(first: int, count: int) -> list[EventEnvelope]:
    """`count` 1 kg lots harvested in 2024, numbered from `first`."""
    return [envelope(harvest(f"R{number}", 1, 1, "1", date(2024, 7, 1), 4)) for number in range(first, first + count)]


async def publish_harvests(redis, stream_prefix: str, first: int, count: int) -> None:
    await publish(redis, stream_prefix + SUPPLYCHAIN, *harvests(first, count))


async def harvest_2024(client: httpx.AsyncClient) -> dict:
    return (await client.get("/kpis", params={"year": 2024})).json()["harvest"]


async def shadow_exists(database_url: str) -> bool:
    if is_sqlite(database_url):
        return SqliteShadow(database_url).path.exists()
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            found = await connection.execute(
                text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :name"), {"name": SHADOW_SCHEMA}
            )
            return found.first() is not None
    finally:
        await engine.dispose()


async def test_rebuild_job_answers_202_and_gives_what_live_gave(reporting_app, redis, stream_prefix):
    await publish_dataset(redis, stream_prefix)
    await publish_poison(redis, stream_prefix)
    live_url = reporting_app.state.settings.database_url
    streams = {stream_prefix + REGISTRY, stream_prefix + SUPPLYCHAIN}
    async with running_app(reporting_app) as client:
        await consumed(client, streams)
        live_kpis = [(await client.get("/kpis", params={"year": year})).json() for year in (2023, 2024, 2025)]
        assert figures(live_kpis[1]) == EXPECTED_2024
        assert await redis.xlen(stream_prefix + SUPPLYCHAIN + ".dlq") == 1  # the poison, after its retries
        live_rows = await snapshot(live_url)
        assert len(live_rows["inbox"]) == 16 + 7  # distinct applicable events with a handler here

        for method, path in (("POST", "/admin/rebuild"), ("GET", "/admin/rebuild"), ("GET", "/admin/rebuild/1")):
            assert (await client.request(method, path)).status_code == 401
            coop = await client.request(method, path, headers=bearer("coop", coop_id=1))
            assert coop.status_code == 403
        none_yet = await client.get("/admin/rebuild", headers=bearer())
        assert none_yet.status_code == 404 and none_yet.json()["detail"]["code"] == "rebuild.none"

        started = await start_rebuild(client)
        assert started["state"] == "queued" and started["requested_by"] == "province:test-province"
        job = await finished(client, started["id"])
        assert job["state"] == "succeeded", job
        assert job["error"] is None and job["phase"] is None
        assert job["started_at"] is not None and job["finished_at"] is not None
        assert job["streams"] == {
            stream_prefix + REGISTRY: {
                "total": 18,
                "entries": 18,
                "applied": 16,
                "duplicates": 1,
                "ignored": 1,
                "failed": 0,
                "malformed": 0,
            },
            stream_prefix + SUPPLYCHAIN: {
                "total": 9,
                "entries": 9,
                "applied": 7,
                "duplicates": 1,
                "ignored": 0,
                "failed": 1,
                "malformed": 0,
            },
        }
        assert await snapshot(live_url) == live_rows
        assert [(await client.get("/kpis", params={"year": year})).json() for year in (2023, 2024, 2025)] == live_kpis
        assert (await client.get("/admin/rebuild", headers=bearer())).json() == job  # the latest
        missing = await client.get("/admin/rebuild/999", headers=bearer())
        assert missing.status_code == 404 and missing.json()["detail"]["code"] == "rebuild.not_found"
        assert not await shadow_exists(live_url)

        # After it, live consumption applies new events to the swapped tables, once.
        await publish_harvests(redis, stream_prefix, 0, 2)
        await consumed(client, streams)
        assert await harvest_2024(client) == {"lots": 4, "kg": "21.750"}


async def test_into_a_database_that_never_consumed_live_gives_the_same_rows(
    reporting_app, database_url_factory, redis_url, redis, stream_prefix
):
    await publish_dataset(redis, stream_prefix)
    async with running_app(reporting_app) as client:
        await consumed(client, {stream_prefix + REGISTRY, stream_prefix + SUPPLYCHAIN})
    live_rows = await snapshot(reporting_app.state.settings.database_url)

    cold_url = await database_url_factory("reporting")
    cold = create_app(service_settings(database_url=cold_url, redis_url=redis_url, stream_prefix=stream_prefix))
    try:
        job = await cold.state.rebuilds.run_now("province:test")  # no consumer running at all
    finally:
        await cold.state.runtime.engine.dispose()
        await cold.state.runtime.read_engine.dispose()
        await cold.state.runtime.redis.aclose()
    assert job.state == "succeeded" and job.progress[stream_prefix + REGISTRY]["applied"] == 16
    assert await snapshot(cold_url) == live_rows


async def test_a_second_post_returns_the_running_job_and_live_consumption_goes_on(reporting_app, redis, stream_prefix):
    await publish_dataset(redis, stream_prefix)
    url = reporting_app.state.settings.database_url
    streams = {stream_prefix + REGISTRY, stream_prefix + SUPPLYCHAIN}
    hold = Hold("catching_up")  # both streams replayed into the shadow, nothing swapped yet
    reporting_app.state.rebuilds.on_step = hold
    async with running_app(reporting_app) as client:
        await consumed(client, streams)
        first = await start_rebuild(client)
        await hold.wait()
        again = await start_rebuild(client)
        assert again["id"] == first["id"]
        assert again["state"] == "running" and again["phase"] == "catching_up"
        assert again["streams"][stream_prefix + SUPPLYCHAIN]["entries"] == 8

        # A harvest published now is projected live, into the tables readers see, while the job runs.
        await publish_harvests(redis, stream_prefix, 0, 3)
        await wait_until(
            lambda: _harvested_lots(client, 2 + 3), message="the live consumer to project the new harvests"
        )
        running = (await client.get(f"/admin/rebuild/{first['id']}", headers=bearer())).json()
        assert running["state"] == "running"

        hold.release()
        job = await finished(client, first["id"])
        assert job["state"] == "succeeded", job
        # The catch-up read them into the shadow too; counted once after the swap.
        assert job["streams"][stream_prefix + SUPPLYCHAIN] == {
            "total": 8 + 3,
            "entries": 8 + 3,
            "applied": 7 + 3,
            "duplicates": 1,
            "ignored": 0,
            "failed": 0,
            "malformed": 0,
        }
        await consumed(client, streams)
        report = (await client.get("/kpis", params={"year": 2024})).json()
        assert report["harvest"] == {"lots": 2 + 3, "kg": "22.750"}
        assert figures(report) == EXPECTED_2024 | {"harvest": report["harvest"]}
        rows = await snapshot(url)
        assert len(rows["rpt_harvest"]) == 4 + 3 and len(rows["inbox"]) == 16 + 7 + 3

        # The job is over: the next POST starts a new one, which changes nothing.
        reporting_app.state.rebuilds.on_step = None
        assert (await rebuilt(client))["id"] == first["id"] + 1
        assert await snapshot(url) == rows


async def _harvested_lots(client: httpx.AsyncClient, lots: int) -> bool:
    return (await harvest_2024(client))["lots"] == lots


@pytest.mark.parametrize("step", ["swapping", "replacing"])
async def test_events_published_while_the_swap_locks_live_consumers_out_are_counted_once(
    reporting_app, redis, stream_prefix, step
):
    """`swapping`: the swap replays them and the waiting live consumer finds their inbox rows;
    `replacing`: the swap has read the streams already, so the live consumer applies them after it."""
    await publish_dataset(redis, stream_prefix)
    url = reporting_app.state.settings.database_url
    stream = stream_prefix + SUPPLYCHAIN
    hold = Hold(step)
    reporting_app.state.rebuilds.on_step = hold
    async with running_app(reporting_app) as client:
        await consumed(client, {stream_prefix + REGISTRY, stream})
        job = await start_rebuild(client)
        await hold.wait()
        async with redis.pipeline(transaction=True) as pipe:  # one MULTI: the live reader gets all three
            for harvested in harvests(0, 3):
                pipe.xadd(stream, harvested.to_fields())
            await pipe.execute()

        async def waiting_on_the_lock():  # read by the live consumer, not acknowledged: it waits
            return (await redis.xpending(stream, "reporting"))["pending"] >= 1

        await wait_until(waiting_on_the_lock, message="the live consumer to read the new harvests")
        hold.release()
        job = await finished(client, job["id"])
        assert job["state"] == "succeeded", job
        assert job["streams"][stream]["applied"] == 7 + (3 if step == "swapping" else 0)
        await consumed(client, {stream_prefix + REGISTRY, stream})
        assert await harvest_2024(client) == {"lots": 2 + 3, "kg": "22.750"}
        rows = await snapshot(url)
        assert len(rows["rpt_harvest"]) == 4 + 3 and len(rows["inbox"]) == 16 + 7 + 3
        assert await redis.xlen(stream + ".dlq") == 0


async def test_rebuilds_beside_a_publishing_producer_neither_double_count_nor_lose(reporting_app, redis, stream_prefix):
    await publish_dataset(redis, stream_prefix)
    url = reporting_app.state.settings.database_url
    streams = {stream_prefix + REGISTRY, stream_prefix + SUPPLYCHAIN}
    extra = 40  # published while rebuilds run, wherever they happen to be

    async with running_app(reporting_app) as client:

        async def keep_rebuilding() -> list[dict]:
            return [await rebuilt(client) for _ in range(3)]

        _, jobs = await asyncio.gather(publish_harvests(redis, stream_prefix, 0, extra), keep_rebuilding())
        assert all(job["streams"][stream_prefix + SUPPLYCHAIN]["failed"] == 0 for job in jobs)
        await consumed(client, streams)

        report = (await client.get("/kpis", params={"year": 2024})).json()
        assert report["harvest"] == {"lots": 2 + extra, "kg": f"{19.75 + extra:.3f}"}
        assert figures(report) == EXPECTED_2024 | {"harvest": report["harvest"]}
        rows = await snapshot(url)
        assert len(rows["rpt_harvest"]) == 4 + extra
        assert len(rows["inbox"]) == 16 + 7 + extra

        await rebuilt(client)
        assert await snapshot(url) == rows


async def job_row(database_url: str, job_id: int) -> RebuildJob:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            job = await session.get(RebuildJob, job_id)
            assert job is not None
            return job
    finally:
        await engine.dispose()


async def test_a_failed_job_leaves_the_read_model_as_it_was(reporting_app, redis, stream_prefix):
    await publish_dataset(redis, stream_prefix)
    url = reporting_app.state.settings.database_url
    hold = Hold("replacing", fail=True)  # the last moment: live tables about to be replaced
    reporting_app.state.rebuilds.on_step = hold
    async with running_app(reporting_app) as client:
        await consumed(client, {stream_prefix + REGISTRY, stream_prefix + SUPPLYCHAIN})
        before = await snapshot(url)
        job = await start_rebuild(client)
        await hold.wait()
        hold.release()
        job = await finished(client, job["id"])
        assert job["state"] == "failed" and job["error"] == "RuntimeError: the disk is full"
        assert await snapshot(url) == before
        assert not await shadow_exists(url)
        reporting_app.state.rebuilds.on_step = None
        assert (await rebuilt(client))["id"] == job["id"] + 1  # a failed job is no longer in the way


async def test_a_job_cut_short_by_a_stop_or_a_crash_is_marked_interrupted(reporting_app, redis, stream_prefix):
    await publish_dataset(redis, stream_prefix)
    settings = reporting_app.state.settings
    url = settings.database_url
    hold = Hold("catching_up")
    reporting_app.state.rebuilds.on_step = hold
    async with running_app(reporting_app) as client:
        await consumed(client, {stream_prefix + REGISTRY, stream_prefix + SUPPLYCHAIN})
        before = await snapshot(url)
        stopped = await start_rebuild(client)
        await hold.wait()
    # The service stopped mid-rebuild.
    job = await job_row(url, stopped["id"])
    assert (job.state, job.error, job.active) == ("failed", INTERRUPTED, None) and job.finished_at is not None
    assert await snapshot(url) == before
    assert not await shadow_exists(url)

    # A process that died without a word left its job "running"; the next process with that name
    # (a restarted container keeps its host name and pid) marks it interrupted as it starts.
    engine = create_engine(url)
    async with session_factory(engine)() as session, session.begin():
        now = job.requested_at
        crashed = RebuildJob(
            state="running",
            phase="replaying",
            requested_by="province:test",
            runner=settings.consumer_name,
            requested_at=now,
            started_at=now,
            heartbeat_at=now,
            active=True,
        )
        session.add(crashed)
        await session.flush()
        crashed_id = crashed.id
    await engine.dispose()
    restarted = create_app(settings)
    async with running_app(restarted) as client:
        job = (await client.get(f"/admin/rebuild/{crashed_id}", headers=bearer())).json()
        assert (job["state"], job["error"]) == ("failed", INTERRUPTED)
        assert (await rebuilt(client))["id"] == crashed_id + 1
        assert await snapshot(url) == before


async def test_reporting_verify_agrees_after_a_rebuild(
    reporting_app, database_url_factory, redis_url, redis, stream_prefix
):
    from services.reporting.verify import supplychain_client, verify
    from tests.integration.test_reporting_verify import FACTS, fed_reporting, supplychain_standin

    async with fed_reporting(reporting_app, database_url_factory, redis_url, redis, stream_prefix) as (
        _,
        registry_client,
        reporting,
        reporting_client,
        _,
    ):
        await rebuilt(reporting_client)
        async with supplychain_client(
            "http://supplychain", TEST_SECRET, transport=httpx.ASGITransport(supplychain_standin(FACTS))
        ) as supplychain:
            agreed = await verify(reporting.state.runtime.sessions, registry_client, supplychain)
        assert agreed.ok, agreed.render()
        assert agreed.compared["supplychain all time"]["harvests.lots"] == 3


async def test_cli_starts_the_job_shows_progress_waits_and_exits_1_when_it_failed(
    reporting_app, redis, stream_prefix, monkeypatch, tmp_path
):
    from tests.integration.test_reporting_verify import served

    await publish_dataset(redis, stream_prefix)
    monkeypatch.setenv("HTX_SECRET_KEY", TEST_SECRET)
    monkeypatch.setattr(operator, "REBUILD_POLL_SECONDS", 0.05)
    async with running_app(reporting_app) as client, served(reporting_app) as url:
        await consumed(client, {stream_prefix + REGISTRY, stream_prefix + SUPPLYCHAIN})
        monkeypatch.setenv("HTX_REPORTING_URL", url)

        async def run_cli(*args: str):
            return await asyncio.to_thread(
                CliRunner().invoke, cli, ["reporting", "rebuild", "--data-dir", str(tmp_path), *args]
            )

        waited = await run_cli()
        assert waited.exit_code == 0, waited.output
        assert "rebuild 1 queued" in waited.output  # progress lines, then the finished job as JSON
        printed = json.loads(waited.stdout[waited.stdout.index("{") :])
        assert printed["id"] == 1 and printed["state"] == "succeeded"
        assert printed["streams"][stream_prefix + SUPPLYCHAIN]["entries"] == 8

        hold = Hold("catching_up")
        reporting_app.state.rebuilds.on_step = hold
        returned = await run_cli("--no-wait")
        assert returned.exit_code == 0, returned.output
        assert json.loads(returned.stdout)["id"] == 2
        await hold.wait()  # the job runs on after the command returned
        hold.release()
        assert (await finished(client, 2))["state"] == "succeeded"

        reporting_app.state.rebuilds.on_step = hold = Hold("catching_up", fail=True)
        failing = asyncio.create_task(run_cli())
        await hold.wait()
        hold.release()
        failed = await failing
        assert failed.exit_code == 1, failed.output
        assert "rebuild 3 failed: RuntimeError: the disk is full" in failed.output
