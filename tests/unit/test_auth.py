"""Bearer tokens: issue and decode, expiry, wrong secret or algorithm, and what each role may write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from fastapi import FastAPI

from shared.auth import ALGORITHM, ISSUER, Principal, PrincipalDep, decode_token, issue_token, public_actor
from shared.errors import Forbidden, Unauthorized, install_error_handlers

SECRET = "unit-test-secret-0123456789abcdef0123456789"
OTHER_SECRET = "another-secret-0123456789abcdef0123456789ab"


def test_province_token_round_trips():
    principal = decode_token(SECRET, issue_token(SECRET, subject="so-nn", role="province"))
    assert principal == Principal(subject="so-nn", role="province")
    assert principal.actor == "province:so-nn"


def test_coop_and_buyer_tokens_carry_their_scope():
    coop = decode_token(SECRET, issue_token(SECRET, subject="chu-nhiem", role="coop", coop_id=12))
    assert (coop.role, coop.coop_id, coop.partner_id) == ("coop", 12, None)
    assert coop.actor == "coop:12:chu-nhiem"
    buyer = decode_token(SECRET, issue_token(SECRET, subject="thu-mua", role="buyer", partner_id=5))
    assert (buyer.role, buyer.partner_id, buyer.coop_id) == ("buyer", 5, None)
    assert buyer.actor == "buyer:5:thu-mua"


def test_token_states_issuer_algorithm_and_expiry():
    token = issue_token(SECRET, subject="so-nn", role="province", ttl=timedelta(hours=2))
    assert jwt.get_unverified_header(token)["alg"] == ALGORITHM == "HS256"
    claims = jwt.decode(token, SECRET, algorithms=[ALGORITHM], issuer=ISSUER)
    assert claims["exp"] - claims["iat"] == 2 * 3600


def test_scoped_roles_need_their_scope():
    with pytest.raises(ValueError, match="coop_id"):
        issue_token(SECRET, subject="x", role="coop")
    with pytest.raises(ValueError, match="partner_id"):
        issue_token(SECRET, subject="x", role="buyer")


def test_expired_token_is_refused():
    token = issue_token(SECRET, subject="so-nn", role="province", ttl=timedelta(seconds=-1))
    with pytest.raises(Unauthorized) as refused:
        decode_token(SECRET, token)
    assert refused.value.key == "auth.invalid"
    assert isinstance(refused.value.__cause__, jwt.ExpiredSignatureError)


def test_token_signed_with_another_secret_is_refused():
    token = issue_token(OTHER_SECRET, subject="so-nn", role="province")
    with pytest.raises(Unauthorized):
        decode_token(SECRET, token)


def test_tampered_token_is_refused():
    header, payload, signature = issue_token(SECRET, subject="x", role="coop", coop_id=1).split(".")
    forged_claims = jwt.encode(
        {"sub": "x", "role": "province", "iss": ISSUER, "exp": datetime.now(UTC) + timedelta(hours=1)},
        OTHER_SECRET,
        algorithm=ALGORITHM,
    ).split(".")[1]
    with pytest.raises(Unauthorized):
        decode_token(SECRET, f"{header}.{forged_claims}.{signature}")


def _in_an_hour() -> datetime:
    return datetime.now(UTC) + timedelta(hours=1)


@pytest.mark.parametrize(
    "claims, algorithm, key",
    [
        ({"sub": "x", "role": "province", "iss": ISSUER}, ALGORITHM, SECRET),
        ({"sub": "x", "role": "province", "iss": "someone-else", "exp": _in_an_hour()}, ALGORITHM, SECRET),
        ({"sub": "x", "role": "admin", "iss": ISSUER, "exp": _in_an_hour()}, ALGORITHM, SECRET),
        ({"sub": "x", "iss": ISSUER, "exp": _in_an_hour()}, ALGORITHM, SECRET),
        ({"sub": "x", "role": "province", "iss": ISSUER, "exp": _in_an_hour()}, "none", None),
        ({"sub": "x", "role": "province", "iss": ISSUER, "exp": _in_an_hour()}, "HS512", SECRET),
    ],
    ids=["no-expiry", "foreign-issuer", "unknown-role", "no-role", "unsigned-alg-none", "other-algorithm"],
)
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")  # HS512 with a 43-byte key
def test_malformed_or_unsigned_tokens_are_refused(claims, algorithm, key):
    token = jwt.encode(claims, key, algorithm=algorithm)
    with pytest.raises(Unauthorized):
        decode_token(SECRET, token)


def test_garbage_is_refused():
    with pytest.raises(Unauthorized):
        decode_token(SECRET, "not-a-token")


# --- what a principal may write -----------------------------------------------------------------


def test_province_may_write_any_coop():
    Principal(subject="so-nn", role="province").require_coop_write(1)
    Principal(subject="so-nn", role="province").require_coop_write(99)


def test_coop_may_write_only_its_own_coop():
    coop = Principal(subject="chu-nhiem", role="coop", coop_id=12)
    coop.require_coop_write(12)
    with pytest.raises(Forbidden) as refused:
        coop.require_coop_write(13)
    assert refused.value.key == "auth.other_coop"
    assert refused.value.values == {"own": 12, "target": 13}


def test_buyer_may_write_no_coop_data():
    with pytest.raises(Forbidden) as refused:
        Principal(subject="thu-mua", role="buyer", partner_id=5).require_coop_write(5)
    assert refused.value.key == "auth.role"


def test_require_role():
    Principal(subject="so-nn", role="province").require_role("province")
    with pytest.raises(Forbidden):
        Principal(subject="c", role="coop", coop_id=1).require_role("province", "buyer")


# --- the FastAPI dependency (in process, no network) -----------------------------------------------


class _Settings:
    secret_key = SECRET


def _app() -> FastAPI:
    app = FastAPI()
    app.state.settings = _Settings()
    install_error_handlers(app)

    @app.get("/me")
    async def me(principal: PrincipalDep) -> dict:
        return {"actor": principal.actor}

    return app


@pytest.mark.parametrize(
    "headers, status",
    [
        ({}, 401),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, 401),
        ({"Authorization": f"Bearer {issue_token(OTHER_SECRET, subject='x', role='province')}"}, 401),
        ({"Authorization": f"Bearer {issue_token(SECRET, subject='x', role='coop', coop_id=3)}"}, 200),
    ],
    ids=["no-token", "not-bearer", "wrong-secret", "valid"],
)
async def test_dependency_answers_401_with_challenge_or_the_principal(headers, status):
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://unit") as client:
        response = await client.get("/me", headers=headers)
    assert response.status_code == status, response.text
    if status == 401:
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert response.json()["detail"]["code"] in {"auth.missing", "auth.invalid"}
    else:
        assert response.json() == {"actor": "coop:3:x"}


@pytest.mark.parametrize(
    "actor, shown",
    [
        ("province:so-nong-nghiep", "province"),
        ("coop:12:nguyen.van.a", "coop:12"),
        ("buyer:7:tra-thai-nguyen", "buyer:7"),
        ("", ""),
    ],
)
def test_public_views_show_role_and_scope_not_the_login(actor, shown):
    assert public_actor(actor) == shown
