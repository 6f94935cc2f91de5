"""A fault campaign: concurrent clerks write to the platform while its processes are SIGKILLed.

`run_campaign(plan, work_dir)` starts a private platform with `htx.runner`: a redis-server with
AOF and the three services on free ports, their databases SQLite files under `work_dir` or fresh
PostgreSQL databases. It registers a co-op and its member households through the registry's API,
then a few clerks record harvests, purchases, sales and `/batch` requests (harvest, purchase and
sale of one lot). Each write carries its own `Idempotency-Key` and is sent again with that key
after a connection error, a timeout or a 5xx until it gets a definite answer, as a clerk's phone
on a rural network does; the clerks keep a ledger of what was acknowledged.

Some first answers are never read (the clerk stops waiting a millisecond after sending, as
when a phone's connection drops): the service did the write, and the retry must be answered
with it, not do it again. Meanwhile a seeded RNG (the seed is printed) picks after how many
acknowledged writes supplychain, reporting and redis-server are SIGKILLed, and for reporting
and Redis how many writes go by before they start again on the same port and files
(supplychain comes back at once: nobody can write while it is away). Once the load is done and
everything has caught up (the outboxes relayed, no consumer group lagging or holding pending
entries; polled, with a deadline), the ledger must equal the supply chain's `/totals` and every
lot's history, reporting's `/kpis` and the figures `htx reporting verify` prints; verify must
pass and the dead-letter streams must be empty. Figures are compared in grams and whole VND.

Used by tests/e2e/test_fault_campaign.py (small) and benchmarks/fault_campaign.py (large).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import secrets
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import httpx
import redis.asyncio as aioredis
from sqlalchemy import func, text
from sqlalchemy.engine import make_url
from sqlmodel import col, select

from htx.runner import SERVICES, RedisServer, ServiceProcess, free_port, log_tail, service_env, sqlite_url
from shared.auth import issue_token
from shared.db import create_engine, session_factory
from shared.messaging.dead_letters import list_dead_letters
from shared.messaging.outbox import OutboxMessage
from shared.migrations import upgrade_async
from tests.support import temporary_postgres_database, wait_until

REPO = Path(__file__).resolve().parents[2]
FAULT_KINDS: tuple[str, ...] = ("supplychain", "reporting", "redis")
STREAMS = ("registry.events", "supplychain.events")
YEAR = 2025  # every fact is dated in it, so `/kpis?year=` and `/totals` cover the whole ledger
FIRST_DAY, LAST_DAY = date(YEAR, 3, 1), date(YEAR, 12, 31)
BUYER = "Công ty TNHH Trà Thái Nguyên"
REPLAYED = "Idempotent-Replayed"
# Quick claiming and relaying, so catching up after a kill takes seconds, not the defaults' tens.
SERVICE_TUNING = {"HTX_CLAIM_IDLE_MS": "1000", "HTX_OUTBOX_POLL_MS": "200", "HTX_OUTBOX_LEASE_MS": "2000"}
# Log lines of every request and every consumed message, left out of the logs a failure shows.
ROUTINE_LOG_LINE = re.compile(r'^INFO: +[\d.:]+ - "|\.events \| [\w-]+ - (Received|Processed)$')
# What the clerks do, by weight, while they hold lots to buy or sell from.
OPERATIONS = {"harvest": 3, "purchase": 3, "sale": 3, "batch": 1}


class CampaignError(RuntimeError):
    """The campaign could not run to its end: a write refused, a process that does not come back."""


# --- the plan ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    # Write requests, a /batch counting as one. At least: the clerks go on until every fault is done,
    # so that each one strikes under load however long the restarts before it took.
    writes: int = 300
    clients: int = 4
    faults: Mapping[str, int] = field(default_factory=lambda: dict.fromkeys(FAULT_KINDS, 2))
    seed: int = field(default_factory=lambda: random.SystemRandom().randrange(2**32))
    backend: Literal["sqlite", "postgresql"] = "sqlite"
    members: int = 8
    write_timeout_s: float = 15.0  # one attempt
    # Writes whose first answer the clerk never reads (it stops waiting a millisecond after sending,
    # as a phone whose connection drops): the service does the write, the retry must get its answer.
    lost_answer_rate: float = 0.1
    write_deadline_s: float = 90.0  # all attempts of one write
    outage_deadline_s: float = 30.0  # longest a reporting or Redis outage waits for its writes
    catch_up_s: float = 120.0


@dataclass(frozen=True)
class ScheduledFault:
    kind: str
    after_writes: int  # killed once this many writes were acknowledged
    outage_writes: int  # reporting and Redis: restarted after this many more (or the outage deadline)


def fault_schedule(plan: Plan) -> list[ScheduledFault]:
    """The kills, in order: kinds shuffled, at distinct points between 5% and 75% of the writes.

    Faults come one after the other, so one may strike later than planned, by the outages and
    restarts before it; the clerks write on until the last one is over.
    """
    rng = random.Random(f"faults-{plan.seed}")
    kinds = [kind for kind in FAULT_KINDS for _ in range(plan.faults.get(kind, 0))]
    rng.shuffle(kinds)
    first, last = max(1, plan.writes // 20), max(2, plan.writes * 3 // 4)
    if len(kinds) > last - first:
        raise ValueError(f"{len(kinds)} faults do not fit in {plan.writes} writes")
    points = sorted(rng.sample(range(first, last), len(kinds)))
    shortest, longest = max(2, plan.writes // 100), max(5, plan.writes // 50)
    return [ScheduledFault(kind, at, rng.randint(shortest, longest)) for kind, at in zip(kinds, points)]


# --- what the clerks were told ---------------------------------------------------------------


@dataclass
class LotRecord:
    code: str
    harvested_g: int
    harvested_on: date
    purchases_g: list[int] = field(default_factory=list)
    sales_g: list[int] = field(default_factory=list)

    @property
    def unbought_g(self) -> int:
        return self.harvested_g - sum(self.purchases_g)

    @property
    def unsold_g(self) -> int:
        return self.harvested_g - sum(self.sales_g)


@dataclass
class Ledger:
    """Every acknowledged write, as the clerks recorded it from their own requests."""

    lots: dict[str, LotRecord] = field(default_factory=dict)
    purchase_vnd: int = 0
    sale_vnd: int = 0

    def figures(self) -> dict[str, int]:
        records = self.lots.values()
        return {
            "harvests.lots": len(self.lots),
            "harvests.grams": sum(r.harvested_g for r in records),
            "purchases.count": sum(len(r.purchases_g) for r in records),
            "purchases.grams": sum(sum(r.purchases_g) for r in records),
            "purchases.amount_vnd": self.purchase_vnd,
            "sales.count": sum(len(r.sales_g) for r in records),
            "sales.grams": sum(sum(r.sales_g) for r in records),
            "sales.amount_vnd": self.sale_vnd,
        }


def grams(kg: object) -> int:
    return int(Decimal(str(kg)) * 1000)


def kg_text(grams_: int) -> str:
    return f"{Decimal(grams_) / 1000:.3f}"


def amount_vnd(grams_: int, price_per_kg: int) -> int:
    """Exact: quantities are in tenths of a kilogram and prices in hundreds of đồng."""
    return grams_ * price_per_kg // 1000


@dataclass
class WriteStats:
    writes: int = 0
    facts: Counter[str] = field(default_factory=Counter)
    attempts: int = 0
    retries: Counter[str] = field(default_factory=Counter)  # why an attempt was sent again
    replays: int = 0  # answers with Idempotent-Replayed: the first attempt was done, its answer lost


class Progress:
    """Acknowledged writes, which the fault injector waits on."""

    def __init__(self) -> None:
        self.acked = 0
        self.finished = False
        self._changed = asyncio.Condition()

    async def ack(self) -> None:
        async with self._changed:
            self.acked += 1
            self._changed.notify_all()

    async def finish(self) -> None:
        async with self._changed:
            self.finished = True
            self._changed.notify_all()

    async def reached(self, count: int, timeout: float | None = None) -> bool:
        """True once `count` writes are acknowledged or the load is over; False after `timeout`."""
        async with self._changed:
            waiting = self._changed.wait_for(lambda: self.acked >= count or self.finished)
            try:
                await asyncio.wait_for(waiting, timeout)
            except TimeoutError:
                return False
        return True


# --- the platform ------------------------------------------------------------------------------


class Stack:
    """Redis and the three services of one campaign; killed and restarted on the same ports and files."""

    def __init__(self, data_dir: Path, database_urls: Mapping[str, str], secret: str) -> None:
        self.data_dir = data_dir
        self.database_urls = dict(database_urls)
        self.secret = secret
        self.redis = RedisServer(data_dir / "redis", free_port())
        ports = {name: free_port() for name in SERVICES}
        self.urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        self.processes = {
            name: ServiceProcess(
                name,
                ports[name],
                service_env(
                    name,
                    database_url=self.database_urls[name],
                    redis_url=self.redis.url,
                    secret_key=secret,
                    env="test",
                    registry_url=self.urls["registry"],
                    supplychain_url=self.urls["supplychain"],
                    reporting_url=self.urls["reporting"],
                    extra=SERVICE_TUNING,
                ),
                data_dir / "logs" / f"{name}.log",
                cwd=REPO,
            )
            for name in SERVICES
        }

    def province_token(self) -> str:
        return issue_token(self.secret, subject="fault-campaign", role="province", ttl=timedelta(hours=2))

    def coop_token(self, coop_id: int, clerk: int) -> str:
        return issue_token(self.secret, subject=f"clerk-{clerk}", role="coop", coop_id=coop_id, ttl=timedelta(hours=2))

    async def start(self) -> None:
        await asyncio.to_thread(self.redis.start)
        for process in self.processes.values():
            process.start()
        for process in self.processes.values():
            await asyncio.to_thread(process.wait_healthy, 90.0)

    async def kill(self, kind: str) -> None:
        if kind == "redis":
            self.redis.kill()
        else:
            self.processes[kind].kill()

    async def restart(self, kind: str) -> None:
        if kind == "redis":
            await asyncio.to_thread(self.redis.start)
        else:
            await asyncio.to_thread(self.processes[kind].start().wait_healthy, 90.0)

    def stop(self) -> None:
        for process in reversed(list(self.processes.values())):
            process.terminate()
        self.redis.stop()

    def exited(self) -> list[str]:
        """Processes that are down although no fault holds them down."""
        down = [name for name, process in self.processes.items() if not process.running]
        return down + ([] if self.redis.running else ["redis"])

    def log_lines(self, name: str) -> list[str]:
        path = self.processes[name].log_path
        return path.read_text(encoding="utf-8", errors="replace").splitlines() if path and path.exists() else []

    def logs(self, lines: int = 30) -> str:
        """The last lines of each log worth reading: not the access log, not FastStream's line per message."""
        parts = []
        for name, process in self.processes.items():
            kept = [line for line in self.log_lines(name) if not ROUTINE_LOG_LINE.search(line)]
            parts.append(f"--- {name} ({process.log_path}):\n" + "\n".join(kept[-lines:]))
        parts.append(f"--- redis ({self.redis.log_path}):\n{log_tail(self.redis.log_path, 10)}")
        return "\n".join(parts)

    def cli_env(self) -> dict[str, str]:
        """What an operator's shell exports to run `htx` against this stack."""
        env = {
            name: value
            for name, value in os.environ.items()
            if not (name.startswith("HTX_") or name.endswith("DATABASE_URL") or name == "REDIS_URL")
        }
        env.update(
            {f"{name.upper()}_DATABASE_URL": url for name, url in self.database_urls.items()},
            **{f"HTX_{name.upper()}_URL": url for name, url in self.urls.items()},
            HTX_DATA_DIR=str(self.data_dir),
            HTX_REDIS_URL=self.redis.url,
            HTX_SECRET_KEY=self.secret,
            PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        )
        return env


@contextlib.asynccontextmanager
async def running_stack(
    plan: Plan, work_dir: Path, database_urls: Mapping[str, str] | None = None
) -> AsyncIterator[Stack]:
    """The processes on `database_urls` (migrated), else on new databases of the plan's backend
    (migrated here; PostgreSQL ones dropped after)."""
    async with contextlib.AsyncExitStack() as resources:
        if database_urls is not None:
            urls = dict(database_urls)
        else:
            if plan.backend == "postgresql":
                urls = {name: await resources.enter_async_context(temporary_postgres_database()) for name in SERVICES}
            else:
                urls = {name: sqlite_url(work_dir / f"{name}.db") for name in SERVICES}
            for name, url in urls.items():
                await upgrade_async(name, url)
        stack = Stack(work_dir, urls, secrets.token_urlsafe(32))
        try:
            await stack.start()
            yield stack
        finally:
            stack.stop()


# --- the clerks --------------------------------------------------------------------------------


@dataclass
class Registered:
    """The co-op the clerks work for and its member households."""

    coop_id: int
    member_ids: list[int]


class Clerk:
    """One client: its own lots, one write at a time, each retried under its key until answered."""

    def __init__(
        self,
        index: int,
        plan: Plan,
        http: httpx.AsyncClient,
        registered: Registered,
        ledger: Ledger,
        stats: WriteStats,
        progress: Progress,
        budget: list[int],
        faults_done: asyncio.Event,
    ) -> None:
        self.index = index
        self.plan = plan
        self.http = http
        self.registered = registered
        self.ledger = ledger
        self.stats = stats
        self.progress = progress
        self.budget = budget  # writes left to start, shared by the clerks
        self.faults_done = faults_done
        self.rng = random.Random(f"clerk-{plan.seed}-{index}")
        self.lots: list[LotRecord] = []
        self.serial = 0

    async def run(self) -> None:
        while self.budget[0] > 0 or not self.faults_done.is_set():
            self.budget[0] -= 1
            operation = self._choose()
            await getattr(self, operation)()

    def _choose(self) -> str:
        choices = dict(OPERATIONS)
        if not any(lot.unbought_g for lot in self.lots):
            choices.pop("purchase")
        if not any(lot.unsold_g for lot in self.lots):
            choices.pop("sale")
        return self.rng.choices(list(choices), weights=list(choices.values()))[0]

    def _next(self) -> int:
        self.serial += 1
        return self.serial

    def _harvest_body(self, lot_code: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": "harvest",
            "coop_id": self.registered.coop_id,
            "member_id": self.rng.choice(self.registered.member_ids),
            "quantity_kg": kg_text(self.rng.randint(50, 2000) * 100),
            "harvested_on": (FIRST_DAY + timedelta(days=self.rng.randrange(240))).isoformat(),
            "harvest_round": self.rng.randint(1, 4),
        }
        if lot_code is not None:
            body["lot_code"] = lot_code
        return body

    def _part_of(self, available_g: int) -> int:
        """All of it, or some tenths of a kilogram of it."""
        return available_g if self.rng.random() < 0.4 else self.rng.randint(1, available_g // 100) * 100

    def _day_after(self, lot: LotRecord) -> str:
        return min(LAST_DAY, lot.harvested_on + timedelta(days=self.rng.randint(0, 5))).isoformat()

    def _purchase_body(self, lot: LotRecord, grams_: int) -> tuple[dict[str, Any], int]:
        price = self.rng.randint(110, 140) * 100
        body = {
            "type": "purchase",
            "coop_id": self.registered.coop_id,
            "lot_code": lot.code,
            "quantity_kg": kg_text(grams_),
            "price_per_kg_vnd": price,
            "purchased_on": self._day_after(lot),
        }
        return body, amount_vnd(grams_, price)

    def _sale_body(self, lot: LotRecord, grams_: int) -> tuple[dict[str, Any], int]:
        price = self.rng.randint(140, 160) * 100
        body = {
            "type": "sale",
            "coop_id": self.registered.coop_id,
            "lot_code": lot.code,
            "buyer_name": BUYER,
            "quantity": kg_text(grams_),
            "unit_price_vnd": price,
            "sold_on": self._day_after(lot),
            "invoice_number": f"FC{self.plan.seed:08x}-{self.index}-{self._next()}",
        }
        return body, amount_vnd(grams_, price)

    def _new_lot(self, code: str, body: dict[str, Any]) -> LotRecord:
        if code in self.ledger.lots:
            raise CampaignError(f"harvest {body} answered lot {code}, which an earlier harvest was given")
        lot = LotRecord(code, grams(body["quantity_kg"]), date.fromisoformat(body["harvested_on"]))
        self.ledger.lots[code] = lot
        self.lots.append(lot)
        return lot

    async def harvest(self) -> None:
        body = self._harvest_body()
        answer = await self.write("/harvests", body)
        self._new_lot(answer["code"], body)
        self.stats.facts["harvest"] += 1

    async def purchase(self) -> None:
        lot = self.rng.choice([lot for lot in self.lots if lot.unbought_g])
        grams_ = self._part_of(lot.unbought_g)
        body, amount = self._purchase_body(lot, grams_)
        await self.write("/purchases", body)
        lot.purchases_g.append(grams_)
        self.ledger.purchase_vnd += amount
        self.stats.facts["purchase"] += 1

    async def sale(self) -> None:
        lot = self.rng.choice([lot for lot in self.lots if lot.unsold_g])
        grams_ = self._part_of(lot.unsold_g)
        body, amount = self._sale_body(lot, grams_)
        await self.write("/sales", body)
        lot.sales_g.append(grams_)
        self.ledger.sale_vnd += amount
        self.stats.facts["sale"] += 1

    async def batch(self) -> None:
        """Harvest, buy all of it and sell part of it, in one request: a lot code of our own names it."""
        harvest = self._harvest_body(f"FC{self.plan.seed:08x}-{self.index}-{self._next()}")
        planned = LotRecord(
            harvest["lot_code"], grams(harvest["quantity_kg"]), date.fromisoformat(harvest["harvested_on"])
        )
        purchase, purchase_vnd = self._purchase_body(planned, planned.harvested_g)
        sold_g = self._part_of(planned.harvested_g)
        sale, sale_vnd = self._sale_body(planned, sold_g)
        await self.write("/batch", {"commands": [harvest, purchase, sale]})
        lot = self._new_lot(planned.code, harvest)
        lot.purchases_g.append(planned.harvested_g)
        lot.sales_g.append(sold_g)
        self.ledger.purchase_vnd += purchase_vnd
        self.ledger.sale_vnd += sale_vnd
        self.stats.facts.update(["harvest", "purchase", "sale"])

    async def write(self, path: str, body: dict[str, Any]) -> Any:
        """POST under one fresh key until a definite answer; anything but a 2xx ends the campaign."""
        key = str(uuid.uuid4())
        deadline = time.monotonic() + self.plan.write_deadline_s
        delay = 0.05
        answer_lost = self.rng.random() < self.plan.lost_answer_rate
        while True:
            self.stats.attempts += 1
            timeout = httpx.Timeout(self.plan.write_timeout_s, read=0.001 if answer_lost else self.plan.write_timeout_s)
            try:
                response = await self.http.post(path, json=body, headers={"Idempotency-Key": key}, timeout=timeout)
            except httpx.TransportError as error:
                lost = answer_lost and isinstance(error, httpx.ReadTimeout)
                failure = "answer lost" if lost else type(error).__name__
            else:
                if response.status_code < 500:
                    break
                failure = f"HTTP {response.status_code}"
            answer_lost = False
            if time.monotonic() > deadline:
                raise CampaignError(
                    f"POST {path} (Idempotency-Key {key}) had no answer in {self.plan.write_deadline_s:g} s; "
                    f"last attempt: {failure}"
                )
            self.stats.retries[failure] += 1
            await asyncio.sleep(delay)  # back off as a client does; the service may be restarting
            delay = min(delay * 2, 1.0)
        if response.status_code not in (200, 201):
            raise CampaignError(
                f"POST {path} (Idempotency-Key {key}) refused with {response.status_code}: {response.text[:500]}\n"
                f"body: {body}"
            )
        if response.headers.get(REPLAYED) == "true":
            self.stats.replays += 1
        self.stats.writes += 1
        await self.progress.ack()
        return response.json()


async def register(stack: Stack, plan: Plan) -> Registered:
    """The co-op and its households, through the registry's API (registry is never killed)."""
    headers = {"Authorization": f"Bearer {stack.province_token()}"}
    async with httpx.AsyncClient(base_url=stack.urls["registry"], headers=headers, timeout=30) as http:
        coop = await http.post(
            "/coops",
            json={
                "name": "HTX Chè Phúc Xuân",
                "registration_code": f"FC-{plan.seed:08x}",
                "ward_code": "05488",
                "founded_on": "2010-04-15",
            },
        )
        if coop.status_code != 201:
            raise CampaignError(f"registering the co-op: {coop.status_code} {coop.text}")
        coop_id = coop.json()["id"]
        member_ids = []
        for number in range(plan.members):
            member = await http.post(
                f"/coops/{coop_id}/members", json={"name": f"Hộ Nguyễn Văn {number + 1}", "joined_on": "2015-01-01"}
            )
            if member.status_code != 201:
                raise CampaignError(f"adding a member: {member.status_code} {member.text}")
            member_ids.append(member.json()["id"])
    return Registered(coop_id, member_ids)


# --- the faults --------------------------------------------------------------------------------


@dataclass
class InjectedFault:
    kind: str
    after_writes: int
    writes_during: int  # acknowledged while the process was down (and restarting)
    down_s: float


async def inject_faults(
    stack: Stack,
    schedule: list[ScheduledFault],
    progress: Progress,
    plan: Plan,
    done_event: asyncio.Event,
    log: Callable[[str], None],
) -> list[InjectedFault]:
    """One fault after the other (a service never starts while Redis is down: it needs Redis to start)."""
    done: list[InjectedFault] = []
    try:
        for fault in schedule:
            await progress.reached(fault.after_writes)
            at, started = progress.acked, time.monotonic()
            await stack.kill(fault.kind)
            if fault.kind != "supplychain":  # supplychain: back at once, the clerks wait for it
                await progress.reached(at + fault.outage_writes, plan.outage_deadline_s)
            await stack.restart(fault.kind)
            done.append(InjectedFault(fault.kind, at, progress.acked - at, time.monotonic() - started))
            log(
                f"  killed {fault.kind} after {at} writes; {done[-1].writes_during} writes while down, "
                f"back after {done[-1].down_s:.1f} s"
            )
    finally:
        done_event.set()
    return done


# --- catching up and comparing -------------------------------------------------------------------


async def unpublished_events(database_url: str) -> int:
    engine = create_engine(database_url, writes=False)
    try:
        async with session_factory(engine)() as session:
            query = select(func.count()).select_from(OutboxMessage).where(col(OutboxMessage.published_at).is_(None))
            return int((await session.exec(query)).one())
    finally:
        await engine.dispose()


async def backlog(stack: Stack, http: httpx.AsyncClient) -> dict[str, Any]:
    """What is still on its way: unpublished outbox rows, services not `ok`, groups with lag or pending entries."""
    outbox = {name: await unpublished_events(stack.database_urls[name]) for name in ("registry", "supplychain")}
    status, consumers = {}, {}
    for name in ("supplychain", "reporting"):
        try:
            health = (await http.get(f"{stack.urls[name]}/health")).json()
        except (httpx.HTTPError, ValueError) as error:
            status[name] = f"no answer: {error!r}"
            continue
        status[name] = health.get("status")
        for row in health.get("consumers", []):
            consumers[f"{row['group']} on {row['stream']}"] = {k: row.get(k) for k in ("lag", "pending", "reading")}
    return {
        "outbox": {name: count for name, count in outbox.items() if count},
        "status": {name: value for name, value in status.items() if value != "ok"},
        "consumers": {name: row for name, row in consumers.items() if row != {"lag": 0, "pending": 0, "reading": True}},
    }


@dataclass
class Comparison:
    mismatches: list[str] = field(default_factory=list)
    lost: int = 0
    duplicated: int = 0

    def figures(self, where: str, expected: Mapping[str, int], found: Mapping[str, int]) -> None:
        for name, value in found.items():
            if expected[name] != value:
                self.mismatches.append(f"{where} {name}: ledger {expected[name]}, found {value}")

    def count(self, where: str, expected: int, found: int) -> None:
        """A count of acknowledged writes seen somewhere: short of the ledger is lost, over it doubled."""
        self.lost += max(0, expected - found)
        self.duplicated += max(0, found - expected)
        if expected != found:
            self.mismatches.append(f"{where}: ledger {expected}, found {found}")


def totals_figures(body: Mapping[str, Any]) -> dict[str, int]:
    return {
        "harvests.lots": int(body["harvests"]["lots"]),
        "harvests.grams": grams(body["harvests"]["kg"]),
        **{f"{part}.count": int(body[part]["count"]) for part in ("purchases", "sales")},
        **{f"{part}.grams": grams(body[part]["kg"]) for part in ("purchases", "sales")},
        **{f"{part}.amount_vnd": int(body[part]["amount_vnd"]) for part in ("purchases", "sales")},
    }


def kpi_figures(kpis: Mapping[str, Any]) -> dict[str, int]:
    """The scorecard's figures of the ledger's: member income is what the co-op paid for its purchases."""
    return {
        "harvests.lots": int(kpis["harvest"]["lots"]),
        "harvests.grams": grams(kpis["harvest"]["kg"]),
        "purchases.amount_vnd": int(kpis["member_income"]["total_vnd"]),
        "sales.count": int(kpis["sales"]["count"]),
        "sales.grams": grams(kpis["sales"]["kg"]),
        "sales.amount_vnd": int(kpis["sales"]["amount_vnd"]),
    }


def verify_figures(output: str, period: str = str(YEAR)) -> dict[str, int] | None:
    """The supply chain's figures for `period` as `htx reporting verify` printed them."""
    line = re.search(rf"^supplychain {re.escape(period)}: (.+)$", output, flags=re.M)
    if line is None:
        return None
    printed = dict(re.findall(r"([\w.]+)=([^,\s]+)", line[1]))
    return {
        name.replace(".kg", ".grams"): grams(v) if name.endswith(".kg") else int(v)
        for name, v in printed.items()
        if not name.startswith("payments.")  # the campaign pays no household: its ledger has no payments
    }


async def compare_lots(http: httpx.AsyncClient, ledger: Ledger, comparison: Comparison) -> int:
    """Each acknowledged lot's history, once: its harvest, one purchase and one sale event per write. Returns lots found."""
    gate = asyncio.Semaphore(8)

    async def one(lot: LotRecord) -> bool:
        async with gate:
            response = await http.get(f"/lots/{lot.code}")
        if response.status_code == 404:
            comparison.count(f"supplychain lot {lot.code}", 1, 0)
            return False
        response.raise_for_status()
        body = response.json()
        kinds = Counter(event["kind"] for event in body["events"])
        sold = sorted(-grams(e["quantity_delta"]) for e in body["events"] if e["kind"] == "sold")
        comparison.count(f"supplychain lot {lot.code} harvested events", 1, kinds["harvested"])
        comparison.count(f"supplychain lot {lot.code} purchased events", len(lot.purchases_g), kinds["purchased"])
        comparison.count(f"supplychain lot {lot.code} sold events", len(lot.sales_g), kinds["sold"])
        if grams(body["harvested_quantity_kg"]) != lot.harvested_g or sold != sorted(lot.sales_g):
            comparison.mismatches.append(
                f"supplychain lot {lot.code}: harvested {body['harvested_quantity_kg']} kg and sold {sold} g, "
                f"ledger {lot.harvested_g} g and {sorted(lot.sales_g)} g"
            )
        return True

    found = await asyncio.gather(*(one(lot) for lot in ledger.lots.values()))
    return sum(found)


@dataclass
class CampaignResult:
    plan: Plan
    faults: list[InjectedFault]
    stats: WriteStats
    ledger: dict[str, int]
    comparison: Comparison
    verify_code: int
    verify_output: str
    dead_letters: list[dict[str, Any]]
    load_s: float
    catch_up_s: float
    total_s: float

    @property
    def verify_ok(self) -> bool:
        return self.verify_code == 0

    @property
    def ok(self) -> bool:
        return not self.comparison.mismatches and self.verify_ok and not self.dead_letters

    @property
    def writes_per_s(self) -> float:
        return self.stats.writes / self.load_s if self.load_s else 0.0

    def faults_by_kind(self) -> dict[str, int]:
        counted = Counter(fault.kind for fault in self.faults)
        return {kind: counted[kind] for kind in FAULT_KINDS}

    def report(self) -> str:
        """Everything a failed assertion needs to show."""
        lines = [
            f"fault campaign seed={self.plan.seed} backend={self.plan.backend} writes={self.stats.writes} "
            f"facts={dict(self.stats.facts)} attempts={self.stats.attempts} retries={dict(self.stats.retries)} "
            f"replays={self.stats.replays}; load {self.load_s:.1f} s, catch-up {self.catch_up_s:.1f} s, "
            f"in all {self.total_s:.1f} s",
            f"faults: {[(f.kind, f.after_writes, f.writes_during) for f in self.faults]}",
            f"ledger: {self.ledger}",
            f"lost={self.comparison.lost} duplicated={self.comparison.duplicated}",
            *[f"MISMATCH {m}" for m in self.comparison.mismatches[:50]],
            f"dead letters: {self.dead_letters[:5]}",
            f"htx reporting verify (exit {self.verify_code}):\n{self.verify_output}",
        ]
        return "\n".join(lines)


async def run_campaign(
    plan: Plan,
    work_dir: Path,
    *,
    database_urls: Mapping[str, str] | None = None,
    log: Callable[[str], None] = print,
) -> CampaignResult:
    """Start a platform in `work_dir` (on `database_urls`, migrated and of the plan's backend, if given),
    run the plan's load and faults, wait for it to catch up, compare; the processes are stopped after."""
    log(f"fault campaign: seed={plan.seed} backend={plan.backend} writes={plan.writes} faults={dict(plan.faults)}")
    schedule = fault_schedule(plan)
    began = time.monotonic()
    async with running_stack(plan, work_dir, database_urls) as stack:
        try:
            registered = await register(stack, plan)
            ledger, stats = Ledger(), WriteStats()
            load_began = time.monotonic()
            faults = await drive(stack, plan, schedule, registered, ledger, stats, log)
            load_s = time.monotonic() - load_began
            if stack.exited():
                raise CampaignError(f"down after the load although no fault holds them down: {stack.exited()}")
            catch_up_began = time.monotonic()
            await catch_up(stack, plan)
            catch_up_s = time.monotonic() - catch_up_began
            comparison, verify = await compare(stack, ledger)
            letters = await dead_letters(stack)
        except CampaignError as error:
            raise CampaignError(f"{error}\nseed={plan.seed}\n{stack.logs()}") from error
    return CampaignResult(
        plan=plan,
        faults=faults,
        stats=stats,
        ledger=ledger.figures(),
        comparison=comparison,
        verify_code=verify.returncode,
        verify_output=(verify.stdout + verify.stderr).strip(),
        dead_letters=letters,
        load_s=load_s,
        catch_up_s=catch_up_s,
        total_s=time.monotonic() - began,
    )


async def drive(
    stack: Stack,
    plan: Plan,
    schedule: list[ScheduledFault],
    registered: Registered,
    ledger: Ledger,
    stats: WriteStats,
    log: Callable[[str], None],
) -> list[InjectedFault]:
    """The clerks' load and the faults, together; the first error stops both."""
    progress, budget, faults_done = Progress(), [plan.writes], asyncio.Event()
    async with contextlib.AsyncExitStack() as clients:
        clerks = []
        for index in range(plan.clients):
            http = await clients.enter_async_context(
                httpx.AsyncClient(
                    base_url=stack.urls["supplychain"],
                    headers={"Authorization": f"Bearer {stack.coop_token(registered.coop_id, index)}"},
                    timeout=plan.write_timeout_s,
                )
            )
            clerks.append(Clerk(index, plan, http, registered, ledger, stats, progress, budget, faults_done))

        async def load() -> None:
            try:
                await asyncio.gather(*(clerk.run() for clerk in clerks))
            finally:
                await progress.finish()

        loading = asyncio.create_task(load())
        injecting = asyncio.create_task(inject_faults(stack, schedule, progress, plan, faults_done, log))
        try:
            await asyncio.gather(loading, injecting)
        except BaseException:
            for task in (loading, injecting):
                task.cancel()
            await asyncio.gather(loading, injecting, return_exceptions=True)
            raise
        return injecting.result()


async def catch_up(stack: Stack, plan: Plan) -> None:
    """Poll until nothing is on its way any more, or fail after `plan.catch_up_s` saying what still is."""
    last: dict[str, Any] = {}
    async with httpx.AsyncClient(timeout=10) as http:

        async def nothing_on_its_way() -> bool:
            last.update(await backlog(stack, http))
            return not any(last.values())

        try:
            await wait_until(
                nothing_on_its_way, timeout=plan.catch_up_s, interval=0.2, message="the platform to catch up"
            )
        except AssertionError as error:
            raise CampaignError(f"{error}; still on its way: {last}\n{await stuck(stack)}") from error


async def stuck(stack: Stack) -> str:
    """What may hold things up: the relays' and consumers' warnings, and on PostgreSQL the sessions that wait."""
    lines = []
    for name in stack.processes:
        lines += [
            f"{name}: {line}"
            for line in stack.log_lines(name)
            if re.search(r"relay|WARNING|ERROR|Error:", line) and not ROUTINE_LOG_LINE.search(line)
        ]
    client = aioredis.from_url(stack.redis.url)
    try:
        for key in await client.keys("*outbox-relay-lock*"):
            lines.append(f"redis {key!r} = {await client.get(key)!r}, expires in {await client.pttl(key)} ms")
        lines += [f"redis client {c}" for c in await client.client_list() if c.get("cmd") != "client|list"]
    finally:
        await client.aclose()
    for name, url in stack.database_urls.items():
        if make_url(url).get_backend_name() != "postgresql":
            continue
        engine = create_engine(url, writes=False)
        try:
            async with engine.connect() as connection:
                rows = await connection.execute(
                    text(
                        "SELECT pid, state, wait_event_type, wait_event, now() - xact_start AS open_for, "
                        "now() - state_change AS in_state_for, left(query, 120) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
                lines += [f"{name} database session: {tuple(row)}" for row in rows]
                outbox = await connection.execute(
                    text(
                        "SELECT min(id) FILTER (WHERE published_at IS NULL), max(id) FILTER (WHERE published_at "
                        "IS NOT NULL), max(published_at), min(created_at) FILTER (WHERE published_at IS NULL) "
                        "FROM outbox"
                    )
                )
                lines.append(
                    f"{name} outbox (first unpublished id, last published id, at, first unpublished made): {tuple(outbox.one())}"
                )
        finally:
            await engine.dispose()
    return "\n".join(lines[-80:])


async def compare(stack: Stack, ledger: Ledger) -> tuple[Comparison, subprocess.CompletedProcess[str]]:
    """The ledger against the supply chain, reporting's scorecard and `htx reporting verify`."""
    comparison = Comparison()
    expected = ledger.figures()
    province = {"Authorization": f"Bearer {stack.province_token()}"}
    async with httpx.AsyncClient(base_url=stack.urls["supplychain"], headers=province, timeout=30) as http:
        totals = (await http.get("/totals", params={"from": f"{YEAR}-01-01", "to": f"{YEAR}-12-31"})).json()
        found = totals_figures(totals)
        found_lots = await compare_lots(http, ledger, comparison)
    comparison.figures("supplychain /totals", expected, found)
    # Lots nobody was told of: a write done twice under one key.
    comparison.count("supplychain lots not in the ledger", 0, found["harvests.lots"] - found_lots)

    async with httpx.AsyncClient(base_url=stack.urls["reporting"], timeout=30) as http:
        kpis = kpi_figures((await http.get("/kpis", params={"year": YEAR})).json())
    comparison.count("reporting /kpis harvest lots", expected["harvests.lots"], kpis["harvests.lots"])
    comparison.count("reporting /kpis sales", expected["sales.count"], kpis["sales.count"])
    comparison.figures("reporting /kpis", expected, kpis)

    verify = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "htx", "reporting", "verify"],
        cwd=REPO,
        env=stack.cli_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    verified = verify_figures(verify.stdout)
    if verified is None:
        comparison.mismatches.append(f"htx reporting verify printed no figures for {YEAR}")
    else:
        comparison.figures("htx reporting verify", expected, verified)
    return comparison, verify


async def dead_letters(stack: Stack) -> list[dict[str, Any]]:
    client = aioredis.from_url(stack.redis.url)
    try:
        return [letter.as_dict() for stream in STREAMS for letter in await list_dead_letters(client, stream)]
    finally:
        await client.aclose()
