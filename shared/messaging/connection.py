"""Redis clients configured to survive a blip: FastStream gives redis-py zero retries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import redis.asyncio as aioredis
from faststream.redis import RedisBroker
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

RETRY_ATTEMPTS = 6


def _resilience() -> dict[str, Any]:
    return {
        "retry": Retry(ExponentialBackoff(cap=2.0, base=0.05), RETRY_ATTEMPTS),
        "retry_on_error": [RedisConnectionError, RedisTimeoutError],
        "health_check_interval": 15,
        "socket_keepalive": True,
    }


def redis_client(url: str) -> aioredis.Redis:
    """A redis-py client for the relay, the claimer's bookkeeping and operators."""
    return aioredis.from_url(url, decode_responses=False, **_resilience())


def redis_broker(url: str, *, description: str) -> RedisBroker:
    """The FastStream broker a service's lifespan starts."""
    return RedisBroker(url, description=description, log_level=30, **_resilience())


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
