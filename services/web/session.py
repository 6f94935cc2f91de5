"""Signing in from the app: the refresh token lives in a cookie the page's script cannot read.

The registry's `/auth/login` and `/auth/refresh` answer both tokens in JSON (ADR 0017). A refresh
token kept in the page's storage would be one script injection away from a thirty-day session, so
the web service moves it into an HttpOnly cookie scoped to `/session` and hands the page only the
fifteen-minute access token. The cookie is SameSite=Strict, and `/session/refresh` also wants the
`X-HTX-App` header, which no cross-site form can send, so another site cannot use it.
"""

from __future__ import annotations

import json

import httpx
from fastapi import Request, Response

from services.web.proxy import answer_of, forwarded_headers
from shared.errors import Forbidden, Unauthorized, Unavailable

COOKIE = "htx_refresh"
COOKIE_PATH = "/session"
APP_HEADER = "X-HTX-App"


def _secure(request: Request, public_base_url: str | None) -> bool:
    return (public_base_url or str(request.base_url)).startswith("https://")


async def _registry(registry: httpx.AsyncClient, path: str, request: Request, **kwargs: object) -> httpx.Response:
    try:
        return await registry.post(path, headers=forwarded_headers(request), **kwargs)
    except httpx.TransportError as error:
        raise Unavailable("web.upstream_down", service="registry") from error


def _tokens_answer(upstream: httpx.Response, request: Request, public_base_url: str | None, days: float) -> Response:
    """The registry's tokens without the refresh token, which goes into the cookie."""
    if upstream.status_code != 200:
        return answer_of(upstream)
    tokens = upstream.json()
    refresh_token = tokens.pop("refresh_token")
    response = Response(json.dumps(tokens), media_type="application/json", headers={"Cache-Control": "no-store"})
    response.set_cookie(
        COOKIE,
        refresh_token,
        max_age=int(days * 86400),
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=_secure(request, public_base_url),
    )
    return response


async def sign_in(registry: httpx.AsyncClient, request: Request, public_base_url: str | None, days: float) -> Response:
    upstream = await _registry(registry, "/auth/login", request, content=await request.body())
    return _tokens_answer(upstream, request, public_base_url, days)


async def refresh(registry: httpx.AsyncClient, request: Request, public_base_url: str | None, days: float) -> Response:
    if request.headers.get(APP_HEADER) != "1":
        raise Forbidden("web.app_header")
    refresh_token = request.cookies.get(COOKIE)
    if not refresh_token:
        raise Unauthorized("web.signed_out")
    upstream = await _registry(registry, "/auth/refresh", request, json={"refresh_token": refresh_token})
    response = _tokens_answer(upstream, request, public_base_url, days)
    if upstream.status_code == 401:  # used up or ended: the cookie is worth nothing now
        response.delete_cookie(COOKIE, path=COOKIE_PATH)
    return response


async def sign_out(registry: httpx.AsyncClient, request: Request) -> Response:
    """Ends the session at the registry (which revokes the access token) and forgets the cookie."""
    response = Response(status_code=204)
    if request.headers.get("authorization"):
        upstream = await _registry(registry, "/auth/logout", request)
        if upstream.status_code not in (204, 401):
            return answer_of(upstream)
    response.delete_cookie(COOKIE, path=COOKIE_PATH)
    return response
