"""Schemathesis over every service's OpenAPI document, on both backends: no 5xx, and answers as documented.

The operations come from the documents themselves (each app's `openapi()`), so a new endpoint is
fuzzed the day it appears. See tests/fuzz/_campaign.py for what is generated and checked, and
tests/fuzz/_platform.py for the data behind it. `HTX_FUZZ_EXAMPLES` makes the run larger.
"""

from __future__ import annotations

import asyncio
import contextlib

import httpx
import pytest

from services.registry.app import create_app as registry_app
from services.reporting.app import create_app as reporting_app
from services.supplychain.app import create_app as supplychain_app
from shared.settings import Settings
from tests.fuzz._campaign import examples_per_operation, fuzz, load
from tests.fuzz._platform import Platform
from tests.integration._supplychain import all_published, group_caught_up
from tests.support import running_app, service_settings, wait_until

# Which group reads which stream: seeding is over when each has applied everything.
CONSUMED = (("registry.events", "supplychain"), ("registry.events", "reporting"), ("supplychain.events", "reporting"))


@pytest.fixture
async def platform(database_url_factory, redis, redis_url, stream_prefix):
    async def settings(service: str) -> Settings:
        # Refused tokens are most of what the fuzzer sends: the limit on them per client address would
        # otherwise answer 429 to every caller after the first twenty.
        url = await database_url_factory(service)
        return service_settings(
            database_url=url, redis_url=redis_url, stream_prefix=stream_prefix, auth_failure_limit=10**9
        )

    registry = registry_app(await settings("registry"))
    in_process = httpx.AsyncClient(transport=httpx.ASGITransport(app=registry), base_url="http://registry")
    apps = {
        "registry": registry,
        "supplychain": supplychain_app(await settings("supplychain"), registry_http=in_process),
        "reporting": reporting_app(await settings("reporting"), registry_http=in_process),
    }
    async with contextlib.AsyncExitStack() as stack:
        clients = {name: await stack.enter_async_context(running_app(app)) for name, app in apps.items()}
        platform = Platform(apps, clients, asyncio.get_running_loop())
        await asyncio.to_thread(platform.seed)
        for app in (apps["registry"], apps["supplychain"]):
            await wait_until(lambda app=app: all_published(app), message="outbox relayed")
        for stream, group in CONSUMED:
            await wait_until(
                lambda s=stream, g=group: group_caught_up(redis, f"{stream_prefix}{s}", g),
                message=f"{group} caught up with {stream}",
            )
        yield platform


@pytest.mark.parametrize("service", ["registry", "supplychain", "reporting"])
async def test_every_operation_answers_as_documented(platform, service):
    schema = load(platform.apps[service].openapi())
    campaign = await asyncio.to_thread(fuzz, service, schema, platform, examples_per_operation())
    print(campaign.summary())
    print("never 2xx:", campaign.never_succeeded())
    assert len(campaign.operations) >= 10 and campaign.requests >= len(campaign.operations)
    if campaign.findings:
        pytest.fail(campaign.report(), pytrace=False)
