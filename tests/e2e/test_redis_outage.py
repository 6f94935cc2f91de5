"""`htx up --demo`, then its embedded redis-server is SIGKILLed: the platform carries on.

The services stay up (none is restarted) and keep taking writes; `htx up` starts Redis again
on its port with its AOF and says so; a harvest recorded while Redis was down reaches
reporting's read model afterwards. A service killed in turn is restarted by `htx up`.
"""

from __future__ import annotations

import os
import re
import signal
import socket
from decimal import Decimal
from pathlib import Path

import httpx
import redis

from tests.e2e.test_readme import HtxUp
from tests.support import wait_until

CATCH_UP_SECONDS = 90.0  # reconnection (~5-15 s) on a loaded machine
# htx up polls its children twice a second, so a write made just after the kill almost always
# lands before Redis is back; if it did not, the outage is made again (each kill spends one of
# htx up's restarts of Redis, five a minute).
OUTAGE_ATTEMPTS = 3


def _redis_pid(stack: HtxUp) -> int | None:
    client = redis.Redis(port=stack.redis_port, socket_connect_timeout=1, socket_timeout=2)
    try:
        return int(client.info("server")["process_id"])
    except redis.RedisError:  # not (yet) back
        return None
    finally:
        client.close()


def _redis_refuses_connections(stack: HtxUp) -> bool:
    """Asked once (a client's retries could outlast the outage)."""
    try:
        socket.create_connection(("127.0.0.1", stack.redis_port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


def _service_pid(stack: HtxUp, service: str) -> int:
    """The pid uvicorn logged last for the service (the log is appended to across restarts)."""
    log = (Path(stack.env["HTX_DATA_DIR"]) / "logs" / f"{service}.log").read_text(encoding="utf-8")
    return int(re.findall(r"Started server process \[(\d+)\]", log)[-1])


def _lines(stack: HtxUp, pattern: str) -> list[str]:
    return [line for line in stack.runs[-1] if re.search(pattern, line)]


async def _harvest_figures(client: httpx.AsyncClient, stack: HtxUp) -> dict:
    return (await client.get(f"{stack.url('reporting')}/kpis", params={"year": 2026})).json()["harvest"]


async def test_redis_killed_under_htx_up_comes_back_and_the_outages_harvest_reaches_reporting(tmp_path):
    stack = HtxUp.prepare(tmp_path)
    stack.start()
    try:
        await stack.caught_up()
        auth = {"Authorization": f"Bearer {stack.token()}"}
        async with httpx.AsyncClient(timeout=30) as client:
            coop = (await client.get(f"{stack.url('registry')}/coops", params={"q": "tan huong"})).json()["items"][0]
            members = (await client.get(f"{stack.url('registry')}/coops/{coop['id']}/members", headers=auth)).json()
            member = next(m for m in members["items"] if m["kind"] == "household")
            before = await _harvest_figures(client, stack)
            service_pids = {service: _service_pid(stack, service) for service in stack.ports}

            async def record_harvest() -> None:
                response = await client.post(
                    f"{stack.url('supplychain')}/harvests",
                    headers=auth,
                    json={
                        "coop_id": coop["id"],
                        "member_id": member["id"],
                        "quantity_kg": "12.5",
                        "harvested_on": "2026-07-02",
                        "harvest_round": 3,
                    },
                )
                assert response.status_code == 201, response.text

            outages = 0
            while True:
                redis_pid = await wait_until(lambda: _async(_redis_pid(stack)), message="redis-server answering")
                os.kill(redis_pid, signal.SIGKILL)
                outages += 1
                await record_harvest()
                if _redis_refuses_connections(stack):  # the write was made while Redis was down
                    break
                assert outages < OUTAGE_ATTEMPTS, f"Redis was back before the write in each of {outages} outages"

            await wait_until(
                lambda: _async(len(_lines(stack, r"redis-server is back on port")) == outages),
                timeout=CATCH_UP_SECONDS,
                message="htx up restarting redis-server",
            )
            restarts = _lines(stack, rf"redis-server exited with code -9; restarting it on port {stack.redis_port}")
            assert len(restarts) == outages, stack.output

            async def harvest_in_reporting() -> bool:
                return (await _harvest_figures(client, stack))["lots"] == before["lots"] + outages

            await wait_until(harvest_in_reporting, timeout=CATCH_UP_SECONDS, message="the harvest in reporting")
            await stack.caught_up()
            assert stack.running
            assert not _lines(stack, r"^(registry|supplychain|reporting) exited"), stack.output
            assert {service: _service_pid(stack, service) for service in stack.ports} == service_pids

            # A crashed service is restarted too, and finds its place in the stream again.
            os.kill(service_pids["reporting"], signal.SIGKILL)
            await wait_until(
                lambda: _async(bool(_lines(stack, r"^reporting exited with code -9; restarting"))),
                timeout=CATCH_UP_SECONDS,
                message="htx up restarting reporting",
            )
            await stack.caught_up()
            assert _service_pid(stack, "reporting") != service_pids["reporting"]
            after = await _harvest_figures(client, stack)
            assert after["lots"] == before["lots"] + outages  # each harvest once, none lost
            assert Decimal(str(after["kg"])) == Decimal(str(before["kg"])) + outages * Decimal("12.5")
    finally:
        stack.assert_stopped_cleanly(stack.stop())


async def _async(value):
    return value
