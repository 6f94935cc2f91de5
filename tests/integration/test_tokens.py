"""Tokens across the three services (issue 10, items 6 and 7), on SQLite and PostgreSQL with real Redis:
revocation through the registry and its event, scope-less and over-long tokens, the failure limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from fastapi import FastAPI
from sqlmodel import col, func, select
from typer.testing import CliRunner

from htx.cli import app as cli
from services.registry.app import create_app as create_registry
from services.reporting.app import create_app as create_reporting
from services.supplychain.app import create_app as create_supplychain
from shared.auth import ALGORITHM, ISSUER, FailedAuthentications, issue_token, verify_token
from shared.messaging.outbox import OutboxMessage
from shared.revocation import TokenRevocation
from tests.fixtures.supplychain import UNREACHABLE_REGISTRY
from tests.integration.test_reporting_verify import served
from tests.support import TEST_SECRET, bearer, running_app, service_settings, wait_until
from tests.unit.test_redis_outage import Clock

REVOCATIONS = "/admin/tokens/revocations"
PROBE = "/admin/dead-letters"  # on every service, for the province: 200 with a good token


@dataclass
class Platform:
    apps: dict[str, FastAPI]
    clients: dict[str, httpx.AsyncClient]

    @property
    def registry(self) -> httpx.AsyncClient:
        return self.clients["registry"]

    async def statuses(self, token: str, path: str = PROBE) -> dict[str, int]:
        headers = {"Authorization": f"Bearer {token}"}
        return {name: (await client.get(path, headers=headers)).status_code for name, client in self.clients.items()}

    async def rows(self, service: str, model: type, *where: object) -> int:
        async with self.apps[service].state.runtime.read_sessions() as session:
            return (await session.exec(select(func.count()).select_from(model).where(*where))).one()


@contextlib.asynccontextmanager
async def platform(database_url_factory, redis_url, stream_prefix, **overrides: object) -> AsyncIterator[Platform]:
    """The three services on databases of their own, on this test's streams."""
    common = {"redis_url": redis_url, "stream_prefix": stream_prefix, **overrides}
    apps = {
        "registry": create_registry(service_settings(database_url=await database_url_factory("registry"), **common)),
        "supplychain": create_supplychain(
            service_settings(
                database_url=await database_url_factory("supplychain"), registry_url=UNREACHABLE_REGISTRY, **common
            )
        ),
        "reporting": create_reporting(service_settings(database_url=await database_url_factory("reporting"), **common)),
    }
    async with (
        running_app(apps["registry"]) as registry,
        running_app(apps["supplychain"]) as supplychain,
        running_app(apps["reporting"]) as reporting,
    ):
        yield Platform(apps, {"registry": registry, "supplychain": supplychain, "reporting": reporting})


def _token(**claims: object) -> str:
    """A token signed with the platform's secret, claims as given (None leaves a claim out)."""
    now = datetime.now(UTC)
    base: dict[str, object] = {"sub": "x", "iss": ISSUER, "iat": now, "exp": now + timedelta(hours=1), "jti": "j1"}
    return jwt.encode({k: v for k, v in {**base, **claims}.items() if v is not None}, TEST_SECRET, algorithm=ALGORITHM)


def _code(response: httpx.Response) -> str:
    return response.json()["detail"]["code"]


# --- revocation ---------------------------------------------------------------------------------------


async def test_a_revoked_token_is_refused_by_the_registry_at_once_and_by_the_others_once_its_event_arrives(
    database_url_factory, redis_url, stream_prefix
):
    lost = issue_token(TEST_SECRET, subject="lost-laptop", role="province")
    async with platform(database_url_factory, redis_url, stream_prefix) as chain:
        assert await chain.statuses(lost) == {"registry": 200, "supplychain": 200, "reporting": 200}

        revoked = await chain.registry.post(REVOCATIONS, json={"token": lost}, headers=bearer())
        assert revoked.status_code == 201, revoked.text
        body = revoked.json()
        verified = verify_token(TEST_SECRET, lost)
        assert body["jti"] == verified.token_id and body["already_revoked"] is False
        assert datetime.fromisoformat(body["expires_at"]) == verified.expires_at
        assert body["revoked_by"] == "province:test-province"

        refused = await chain.registry.get(PROBE, headers={"Authorization": f"Bearer {lost}", "Accept-Language": "en"})
        assert refused.status_code == 401 and _code(refused) == "auth.revoked"
        assert refused.json()["detail"]["message"] == "This token has been revoked; ask for a new one."
        assert refused.headers["WWW-Authenticate"] == "Bearer"

        async def refused_everywhere() -> bool:
            return set((await chain.statuses(lost)).values()) == {401}

        await wait_until(refused_everywhere, message="supplychain and reporting to apply the revocation")
        vietnamese = await chain.clients["reporting"].get(PROBE, headers={"Authorization": f"Bearer {lost}"})
        assert vietnamese.json()["detail"]["message"] == "Mã truy cập này đã bị thu hồi; hãy xin mã mới."
        other = bearer()["Authorization"].removeprefix("Bearer ")
        assert await chain.statuses(other) == {"registry": 200, "supplychain": 200, "reporting": 200}
        for service in ("supplychain", "reporting"):
            assert await chain.rows(service, TokenRevocation, col(TokenRevocation.token_id) == body["jti"]) == 1


async def test_revoking_again_or_replaying_the_event_changes_nothing(
    database_url_factory, redis_url, redis, stream_prefix
):
    token = issue_token(TEST_SECRET, subject="clerk", role="coop", coop_id=7)
    token_id = verify_token(TEST_SECRET, token).token_id
    async with platform(database_url_factory, redis_url, stream_prefix) as chain:
        first = await chain.registry.post(REVOCATIONS, json={"jti": token_id}, headers=bearer())
        assert first.status_code == 201, first.text
        kept = datetime.fromisoformat(first.json()["expires_at"]) - datetime.now(UTC)
        assert timedelta(hours=719) < kept <= timedelta(hours=720)  # its expiry unknown: the longest lifetime

        for body in ({"jti": token_id}, {"token": token}):
            again = await chain.registry.post(REVOCATIONS, json=body, headers=bearer())
            assert again.status_code == 200, again.text
            assert again.json() == {**first.json(), "already_revoked": True}
        revoked_event = col(OutboxMessage.event_type) == "registry.token_revoked"
        assert await chain.rows("registry", OutboxMessage, revoked_event) == 1

        async def copied() -> bool:
            return all([await chain.rows(name, TokenRevocation) == 1 for name in ("supplychain", "reporting")])

        await wait_until(copied, message="both consumers to copy the revocation")
        entries = await redis.xrange(stream_prefix + "registry.events")
        [(entry_id, fields)] = [(i, f) for i, f in entries if f[b"event_type"] == b"registry.token_revoked"]
        duplicate = {**fields, b"event_id": str(uuid.uuid4()).encode()}  # the same fact published twice
        for name in ("supplychain", "reporting"):
            consumer = chain.apps[name].state.runtime.consumer_for("registry.events")
            assert await consumer.apply(fields, entry_id.decode()) is False  # the inbox knows it
            assert await consumer.apply(duplicate, entry_id.decode()) is True  # applied, to no effect
            async with chain.apps[name].state.runtime.read_sessions() as session:
                rows = (await session.exec(select(TokenRevocation))).all()
            assert [(row.token_id, row.revoked_by) for row in rows] == [(token_id, "province:test-province")]
        assert set((await chain.statuses(token)).values()) == {401}  # not 403: refused as revoked


async def test_two_revocations_at_once_record_one(database_url_factory, redis_url, stream_prefix):
    token_id = verify_token(TEST_SECRET, issue_token(TEST_SECRET, subject="x", role="province")).token_id
    async with platform(database_url_factory, redis_url, stream_prefix) as chain:
        answers = await asyncio.gather(
            *[chain.registry.post(REVOCATIONS, json={"jti": token_id}, headers=bearer()) for _ in range(2)]
        )
        assert sorted(answer.status_code for answer in answers) == [200, 201], [a.text for a in answers]
        assert (
            await chain.rows("registry", OutboxMessage, col(OutboxMessage.event_type) == "registry.token_revoked") == 1
        )


async def test_revocation_is_the_provinces_and_refuses_what_it_cannot_revoke(
    database_url_factory, redis_url, stream_prefix
):
    async with platform(database_url_factory, redis_url, stream_prefix) as chain:
        registry = chain.registry
        coop = await registry.post(REVOCATIONS, json={"jti": "abc"}, headers=bearer("coop", coop_id=1))
        assert coop.status_code == 403 and _code(coop) == "auth.role"
        assert (await registry.post(REVOCATIONS, json={"jti": "abc"})).status_code == 401

        both = await registry.post(REVOCATIONS, json={"jti": "abc", "token": "a.b.c"}, headers=bearer())
        assert both.status_code == 422
        assert both.json()["detail"][0]["msg"].startswith("Gửi đúng một trong hai")
        neither = await registry.post(REVOCATIONS, json={}, headers={**bearer(), "Accept-Language": "en"})
        assert neither.status_code == 422
        assert neither.json()["detail"][0]["msg"] == "Send exactly one of token (the token itself) or jti (its id)."

        foreign = issue_token("another-secret-0123456789abcdef0123456789", subject="x", role="province")
        refused = await registry.post(REVOCATIONS, json={"token": foreign}, headers=bearer())
        assert refused.status_code == 422 and _code(refused) == "revocation.not_our_token"
        expired = issue_token(TEST_SECRET, subject="x", role="province", ttl=-timedelta(minutes=1))
        refused = await registry.post(
            REVOCATIONS, json={"token": expired}, headers={**bearer(), "Accept-Language": "en"}
        )
        assert refused.status_code == 422 and _code(refused) == "revocation.expired"
        assert "nothing to revoke" in refused.json()["detail"]["message"]

        assert await chain.rows("registry", TokenRevocation) == 0
        assert (
            await chain.rows("registry", OutboxMessage, col(OutboxMessage.event_type) == "registry.token_revoked") == 0
        )


async def test_htx_token_revoke_revokes_through_the_registry_and_says_what(
    database_url_factory, redis_url, stream_prefix, monkeypatch, tmp_path
):
    lost = issue_token(TEST_SECRET, subject="lost-phone", role="buyer", partner_id=5)
    token_id = verify_token(TEST_SECRET, lost).token_id
    monkeypatch.setenv("HTX_SECRET_KEY", TEST_SECRET)
    async with platform(database_url_factory, redis_url, stream_prefix) as chain:
        # the registry's lifespan already runs in `platform`: uvicorn only serves its routes
        async with served(chain.apps["registry"]) as registry_url:
            monkeypatch.setenv("HTX_REGISTRY_URL", registry_url)

            def revoke(value: str):
                return asyncio.to_thread(
                    CliRunner().invoke, cli, ["token", "revoke", value, "--data-dir", str(tmp_path)]
                )

            revoked = await revoke(lost)
            assert revoked.exit_code == 0, revoked.output
            assert f"revoked token {token_id} of buyer:5:lost-phone; refused until it expires at" in revoked.output
            again = await revoke(token_id)
            assert again.exit_code == 0, again.output
            assert (
                f"token {token_id} was already revoked at" in again.output
                and "by province:htx-operator" in again.output
            )
            garbage = await revoke("not.a.token")
            assert (
                garbage.exit_code == 1
                and "HTTP 422" in garbage.output
                and "not a token issued by this platform" in garbage.output
            )
        refused = await chain.registry.get("/partners/5", headers={"Authorization": f"Bearer {lost}"})
        assert refused.status_code == 401 and _code(refused) == "auth.revoked"


# --- what every service refuses at decode ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "claims, key",
    [
        ({"role": "coop"}, "auth.no_scope"),  # a coop token without coop_id: reporting read it as province-wide
        ({"role": "buyer"}, "auth.no_scope"),
        ({"role": "province", "exp": datetime.now(UTC) + timedelta(days=3650)}, "auth.too_long"),
        ({"role": "province", "iat": None}, "auth.too_long"),
        ({"role": "province", "jti": None}, "auth.no_id"),
    ],
    ids=["coop-without-coop-id", "buyer-without-partner-id", "ten-years", "no-iat", "no-jti"],
)
async def test_every_service_refuses_unscoped_unbounded_or_unnamed_tokens(
    claims, key, database_url_factory, redis_url, stream_prefix
):
    token = _token(**claims)
    async with platform(database_url_factory, redis_url, stream_prefix) as chain:
        for path in (PROBE, "/coops/1", "/reports/production?year=2024"):
            for name, client in chain.clients.items():
                answer = await client.get(path, headers={"Authorization": f"Bearer {token}"})
                if answer.status_code == 404 and path != PROBE:
                    continue  # not this service's route
                assert answer.status_code == 401, (name, path, answer.text)
                assert _code(answer) == key
        # the same co-op's report with its co-op: what the scope-less token used to read unscoped
        scoped = await chain.clients["reporting"].get(
            "/reports/production", params={"year": 2024}, headers=bearer("coop", coop_id=1)
        )
        assert scoped.status_code == 200, scoped.text


async def test_the_lifetime_bound_is_the_services_setting(database_url_factory, redis_url, stream_prefix):
    two_hours = issue_token(TEST_SECRET, subject="x", role="province", ttl=timedelta(hours=2))
    async with platform(
        database_url_factory, redis_url, stream_prefix, token_ttl_hours=1, token_max_ttl_hours=1
    ) as chain:
        assert set((await chain.statuses(two_hours)).values()) == {401}
        one_hour = issue_token(TEST_SECRET, subject="x", role="province", ttl=timedelta(hours=1))
        assert set((await chain.statuses(one_hour)).values()) == {200}


# --- failed authentication --------------------------------------------------------------------------------------


async def test_a_client_gets_429_after_n_failed_authentications_and_others_do_not(
    database_url_factory, redis_url, stream_prefix
):
    good = bearer()
    bad = {
        "Authorization": f"Bearer {issue_token('another-secret-0123456789abcdef0123456789', subject='x', role='province')}"
    }
    async with platform(database_url_factory, redis_url, stream_prefix, auth_failure_limit=3) as chain:
        for name, client in chain.clients.items():
            for _ in range(10):  # successes are not counted
                assert (await client.get(PROBE, headers=good)).status_code == 200
            for _ in range(3):
                assert (await client.get(PROBE, headers=bad)).status_code == 401
            blocked = await client.get(PROBE, headers=good)  # even a good token: guesses learn nothing
            assert blocked.status_code == 429, (name, blocked.text)
            assert 1 <= int(blocked.headers["Retry-After"]) <= 60
            assert blocked.json()["detail"]["code"] == "auth.too_many_failures"
            assert blocked.json()["detail"]["message"].startswith("Quá nhiều lần xác thực thất bại")
            english = await client.get(PROBE, headers={**bad, "Accept-Language": "en"})
            assert english.status_code == 429 and "try again in" in english.json()["detail"]["message"]
            assert (await client.get(PROBE)).status_code == 401  # no token: not limited, told to send one

            elsewhere = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=chain.apps[name], client=("10.0.0.9", 5000)), base_url="http://t"
            )
            async with elsewhere:
                assert (await elsewhere.get(PROBE, headers=good)).status_code == 200  # another address

            # The window passes: the service's clock moved on by a minute.
            checks = chain.apps[name].state.token_checks
            clock = Clock()
            checks.failures = FailedAuthentications(3, 60, clock=clock)
            for _ in range(3):
                await client.get(PROBE, headers=bad)
            assert (await client.get(PROBE, headers=good)).status_code == 429
            clock.now += 60
            assert (await client.get(PROBE, headers=good)).status_code == 200
