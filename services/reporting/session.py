"""Signing in to the dashboard from a browser (ADR 0024).

A link or a form sends no Authorization header, so the dashboard's signed-in pages read the
platform's access token from an HttpOnly, SameSite=Strict cookie. The sign-in form's name and
password go to the registry's `/auth/login` (ADR 0017), the one place passwords are checked; the
access token it answers becomes the cookie, living as long as the token (15 minutes). The refresh
token is not kept: a dashboard is read for minutes, and a thirty-day credential in a reporting
cookie is not worth the convenience; signing out ends the registry's session (`/auth/logout`).
"""

from __future__ import annotations

import httpx
from fastapi import Request, Response

from services.reporting.parameters import SESSION_COOKIE
from shared.errors import Unavailable


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


async def _registry(request: Request, path: str, headers: dict[str, str], body: object = None) -> httpx.Response:
    registry: httpx.AsyncClient = request.app.state.runtime.http_clients["registry"]
    try:
        return await registry.post(path, headers=headers, json=body)
    except httpx.TransportError as error:
        raise Unavailable("dashboard.registry_down") from error


async def sign_in(request: Request, login: str, password: str, language: str) -> tuple[str | None, str | None]:
    """(the access token, None) for a right password, else (None, the registry's refusal in `language`)."""
    answer = await _registry(
        request, "/auth/login", {"accept-language": language}, {"login": login, "password": password}
    )
    if answer.status_code == 200:
        return str(answer.json()["access_token"]), None
    try:
        message = str(answer.json()["detail"]["message"])
    except (ValueError, KeyError, TypeError):
        message = answer.text
    return None, message


def keep(response: Response, request: Request, token: str, seconds: int) -> None:
    response.set_cookie(
        SESSION_COOKIE, token, max_age=seconds, path="/", httponly=True, samesite="strict", secure=_secure(request)
    )


async def sign_out(request: Request, response: Response) -> None:
    """Ends the registry's session of the cookie's token (which revokes it) and forgets the cookie."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await _registry(request, "/auth/logout", {"authorization": f"Bearer {token}"})
    response.delete_cookie(SESSION_COOKIE, path="/")
