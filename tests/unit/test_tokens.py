"""Token lifetime, ids and scope (issue 10, item 7) and the failed-authentication window (item 6), in process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from htx.cli import app as cli
from services.reporting.parameters import coop_scope
from shared.auth import (
    ALGORITHM,
    ISSUER,
    FailedAuthentications,
    Principal,
    TokenLifetimeTooLong,
    decode_token,
    issue_token,
    revocable_token,
    verify_token,
)
from shared.errors import Unauthorized
from shared.i18n import translate
from shared.messaging.consumer import EventHandlers
from shared.revocation import REVOCATION_HANDLERS, consuming_revocations
from shared.settings import Settings, TokenSettings
from tests.unit.test_redis_outage import Clock

SECRET = "unit-test-secret-0123456789abcdef0123456789"
HOUR = timedelta(hours=1)


def _signed(**claims: object) -> str:
    now = datetime.now(UTC)
    base: dict[str, object] = {"sub": "x", "iss": ISSUER, "iat": now, "exp": now + HOUR, "jti": "id-1"}
    return jwt.encode({k: v for k, v in {**base, **claims}.items() if v is not None}, SECRET, algorithm=ALGORITHM)


def _refusal(token: str, **kwargs: object) -> Unauthorized:
    with pytest.raises(Unauthorized) as refused:
        decode_token(SECRET, token, **kwargs)  # type: ignore[arg-type]
    return refused.value


# --- lifetime -------------------------------------------------------------------------------------


def test_issuing_refuses_a_lifetime_above_the_maximum():
    with pytest.raises(TokenLifetimeTooLong, match="at most 720 hours, not 1e\\+07"):
        issue_token(SECRET, subject="x", role="province", ttl=timedelta(hours=10_000_000))
    with pytest.raises(TokenLifetimeTooLong):
        issue_token(SECRET, subject="x", role="province", ttl=2 * HOUR, max_ttl=HOUR)
    issue_token(SECRET, subject="x", role="province", ttl=HOUR, max_ttl=HOUR)  # the maximum itself is allowed


def test_a_token_living_longer_than_the_maximum_is_refused_whoever_signed_it():
    forever = _signed(role="province", exp=datetime.now(UTC) + timedelta(days=365 * 100))
    refusal = _refusal(forever)
    assert refusal.key == "auth.too_long" and refusal.values == {"max_hours": "720"}
    assert "720" in refusal.message("vi") and "720 hours" in refusal.message("en")
    two_hours = issue_token(SECRET, subject="x", role="province", ttl=2 * HOUR)
    assert _refusal(two_hours, max_ttl=HOUR).key == "auth.too_long"
    assert decode_token(SECRET, two_hours, max_ttl=2 * HOUR).role == "province"


def test_a_token_without_issue_time_or_id_is_refused():
    assert _refusal(_signed(role="province", iat=None)).key == "auth.too_long"
    assert _refusal(_signed(role="province", jti=None)).key == "auth.no_id"
    assert _refusal(_signed(role="province", jti="")).key == "auth.no_id"


def test_every_token_has_its_own_random_id():
    ids = {verify_token(SECRET, issue_token(SECRET, subject="x", role="province")).token_id for _ in range(50)}
    assert len(ids) == 50
    assert all(len(token_id) >= 22 for token_id in ids)  # 128 bits, URL-safe base64


def test_revocable_token_reads_id_expiry_and_owner_even_when_expired():
    expired = issue_token(SECRET, subject="chu-nhiem", role="coop", coop_id=4, ttl=-HOUR)
    token_id, expires_at, actor = revocable_token(SECRET, expired)
    assert token_id == jwt.decode(expired, options={"verify_signature": False})["jti"]
    assert expires_at < datetime.now(UTC) and actor == "coop:4:chu-nhiem"
    with pytest.raises(ValueError, match="not a token"):
        revocable_token("another-secret-0123456789abcdef0123456789", expired)
    with pytest.raises(ValueError, match="no id"):
        revocable_token(SECRET, _signed(role="province", jti=None))


# --- scope ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role, claim", [("coop", "coop_id"), ("buyer", "partner_id")])
def test_a_scoped_role_without_its_scope_is_refused_at_decode(role, claim):
    refusal = _refusal(_signed(role=role))
    assert refusal.key == "auth.no_scope" and refusal.values == {"role": role, "claim": claim}
    assert (
        translate("auth.no_scope", "en", **refusal.values)
        == f"A {role} token must carry {claim}; ask for a new one with {claim}."
    )
    with pytest.raises(ValidationError):
        Principal(subject="x", role=role)


def test_reporting_never_reads_a_coop_without_a_coop_as_province_wide():
    unscoped = Principal.model_construct(subject="x", role="coop", coop_id=None, partner_id=None)
    with pytest.raises(Unauthorized) as refused:
        coop_scope(unscoped, None)
    assert refused.value.key == "auth.no_scope"
    assert coop_scope(Principal(subject="x", role="coop", coop_id=3), None) == 3
    assert coop_scope(Principal(subject="x", role="province"), None) is None


# --- settings -------------------------------------------------------------------------------------------


def test_default_lifetime_may_not_exceed_the_maximum():
    with pytest.raises(ValidationError, match="HTX_TOKEN_TTL_HOURS"):
        TokenSettings(_env_file=None, token_ttl_hours=48, token_max_ttl_hours=24)
    settings = Settings(_env_file=None, token_ttl_hours=12, token_max_ttl_hours=24)
    assert settings.token_max_ttl == timedelta(hours=24)


# --- the failed-authentication window ------------------------------------------------------------------


def test_a_client_is_blocked_after_n_failures_until_the_window_has_passed():
    clock = Clock()
    failures = FailedAuthentications(3, 60, clock=clock)
    for _ in range(3):
        assert failures.retry_after("10.0.0.1") is None
        failures.failed("10.0.0.1")
        clock.now += 1
    assert failures.retry_after("10.0.0.1") == pytest.approx(57)  # the first failure leaves the window at 60 s
    assert failures.retry_after("10.0.0.2") is None  # another address is not affected
    clock.now += 56.5
    assert failures.retry_after("10.0.0.1") == pytest.approx(0.5)
    clock.now += 0.5
    assert failures.retry_after("10.0.0.1") is None  # one failure left the window: one more try
    failures.failed("10.0.0.1")
    assert failures.retry_after("10.0.0.1") == pytest.approx(1)  # the second failure leaves next


def test_the_window_remembers_a_bounded_number_of_clients():
    failures = FailedAuthentications(1, 60, clock=Clock(), max_clients=2)
    for client in ("a", "b", "c"):
        failures.failed(client)
    assert failures.retry_after("a") is None  # forgotten: the oldest
    assert failures.retry_after("b") is not None and failures.retry_after("c") is not None


# --- wiring and the CLI ---------------------------------------------------------------------------------


def test_revocations_join_a_services_handlers_once():
    handlers = consuming_revocations(EventHandlers({}, after_each=None))
    assert all(handlers.handles(contract.event_type) for contract in REVOCATION_HANDLERS)
    with pytest.raises(ValueError, match="two handlers"):
        consuming_revocations(handlers)


def test_token_issue_refuses_a_lifetime_above_the_maximum_with_exit_2():
    env = {"HTX_SECRET_KEY": SECRET}
    refused = CliRunner().invoke(cli, ["token", "issue", "--role", "province", "--ttl-hours", "10000000"], env=env)
    assert refused.exit_code == 2
    assert "above the longest token lifetime, 720 hours (HTX_TOKEN_MAX_TTL_HOURS" in refused.output
    lowered = {**env, "HTX_TOKEN_MAX_TTL_HOURS": "24", "HTX_TOKEN_TTL_HOURS": "8"}
    refused = CliRunner().invoke(cli, ["token", "issue", "--role", "province", "--ttl-hours", "25"], env=lowered)
    assert refused.exit_code == 2 and "24 hours" in refused.output


def test_token_issue_lasts_htx_token_ttl_hours_by_default():
    env = {"HTX_SECRET_KEY": SECRET, "HTX_TOKEN_TTL_HOURS": "8"}
    issued = CliRunner().invoke(cli, ["token", "issue", "--role", "coop", "--coop-id", "3"], env=env)
    assert issued.exit_code == 0, issued.output
    claims = jwt.decode(issued.stdout.strip(), SECRET, algorithms=[ALGORITHM], issuer=ISSUER)
    assert claims["exp"] - claims["iat"] == 8 * 3600 and claims["jti"]
    broken = CliRunner().invoke(
        cli, ["token", "issue", "--role", "province"], env={**env, "HTX_TOKEN_TTL_HOURS": "9000"}
    )
    assert broken.exit_code == 2 and "HTX_TOKEN_TTL_HOURS" in broken.output
