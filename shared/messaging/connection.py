"""Redis clients configured to survive a blip, and to wait out an outage.

FastStream gives redis-py zero retries; ours retry a command for about five seconds
(`RETRY_ATTEMPTS`, exponential backoff) and never wait on a dead socket longer than the
timeouts below. A longer outage is the business of the loops around them: FastStream's
subscribers retry a failed read every 5 s on their own, and the relay and the consumers'
housekeeping wait with `OutageBackoff`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any, cast

import redis.asyncio as aioredis
from faststream.redis import RedisBroker
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

RETRY_ATTEMPTS = 6
CONNECT_TIMEOUT_SECONDS = 2.0
# Above any blocking read of ours (FastStream's XREADGROUP blocks 100 ms), far below "hung".
SOCKET_TIMEOUT_SECONDS = 10.0


def _resilience() -> dict[str, Any]:
    return {
        "retry": Retry(ExponentialBackoff(cap=2.0, base=0.05), RETRY_ATTEMPTS),
        "retry_on_error": [RedisConnectionError, RedisTimeoutError],
        "health_check_interval": 15,
        "socket_keepalive": True,
        "socket_connect_timeout": CONNECT_TIMEOUT_SECONDS,
        "socket_timeout": SOCKET_TIMEOUT_SECONDS,
    }


def redis_client(url: str) -> aioredis.Redis:
    """A redis-py client for the relay, the claimer's bookkeeping and operators."""
    return aioredis.from_url(url, decode_responses=False, **_resilience())


# FastStream logs "Received"/"Processed" for every entry at the broker's `log_level` and sets its
# own logger to that level, so no level hid them (at WARNING they were every service's log). Its
# messages go to a logger of ours instead, kept at WARNING: fetch errors and handler failures show.
BROKER_LOG = logging.getLogger("htx.faststream")
BROKER_LOG.setLevel(logging.WARNING)


def redis_broker(url: str, *, description: str) -> RedisBroker:
    """The FastStream broker a service's lifespan starts."""
    return RedisBroker(url, description=description, logger=BROKER_LOG, log_level=logging.INFO, **_resilience())


async def ping_once(client: aioredis.Redis) -> None:
    """PING on a connection of its own, tried once: a health check wants today's answer, not retries."""
    shared = client.connection_pool
    once = aioredis.ConnectionPool(
        connection_class=shared.connection_class, **{**shared.connection_kwargs, "retry": Retry(NoBackoff(), 0)}
    )
    probe = aioredis.Redis.from_pool(once)
    try:
        await probe.ping()
    finally:
        await probe.aclose()


class OutageBackoff:
    """How long a background loop waits after a failed round, and what it logs about the outage.

    The delay doubles from `first` up to `cap` while rounds fail and starts again after a
    success. The first failure of an outage is logged with its traceback, the later ones
    only at DEBUG (an outage of minutes would otherwise fill the log), and the recovery
    with how long it lasted.
    """

    def __init__(self, log: logging.Logger, what: str, *, first: float = 0.5, cap: float = 5.0) -> None:
        self._log = log
        self._what = what
        self._delays = ExponentialBackoff(cap=cap, base=first / 2)
        self._failures = 0
        self._since: float | None = None

    @property
    def failing(self) -> bool:
        return self._failures > 0

    def failed(self, error: BaseException) -> float:
        """Note a failed round; the seconds to wait before the next one."""
        self._failures += 1
        if self._since is None:
            self._since = time.monotonic()
            self._log.warning("%s failed; trying again until it works", self._what, exc_info=error)
        else:
            self._log.debug("%s failed again (%d in a row): %r", self._what, self._failures, error)
        return float(self._delays.compute(self._failures))

    def succeeded(self) -> None:
        """Note a round that worked: the next failure starts a new outage."""
        if self._since is not None:
            self._log.info(
                "%s works again after %.1f s and %d failed rounds",
                self._what,
                time.monotonic() - self._since,
                self._failures,
            )
        self._failures, self._since = 0, None


async def ensure_group(client: aioredis.Redis, stream: str, group: str) -> None:
    """Create the consumer group at id 0 so nothing published before first start is skipped.

    FastStream would create a missing group at `$`, silently skipping history.
    """
    try:
        await client.xgroup_create(stream, group, id="0", mkstream=True)
    except ResponseError as error:
        if "BUSYGROUP" not in str(error):
            raise


# An entry's fields as redis-py returns them: bytes, or str with decode_responses, and str when
# a test builds them. Its stubs type them loosely; Mapping[Any, Any] says "either" honestly.
RawFields = Mapping[Any, Any]
StreamEntry = tuple[bytes | str, RawFields]


async def read_range(
    redis: aioredis.Redis, stream: str, *, min: str = "-", max: str = "+", count: int | None = None
) -> list[StreamEntry]:
    """XRANGE with the entry type redis-py does not state."""
    return cast(list[StreamEntry], await redis.xrange(stream, min=min, max=max, count=count))


def entry_key(entry_id: bytes | str) -> tuple[int, int]:
    """Stream order of a Redis entry id ("1700000000000-3"); string order is wrong ("9-0" > "10-0")."""
    millis, _, seq = (entry_id.decode() if isinstance(entry_id, bytes) else entry_id).partition("-")
    return int(millis), int(seq or 0)
