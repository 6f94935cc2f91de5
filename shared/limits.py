"""Limits on what a request may carry, checked before any route, token or database sees it.

- Body size: FastAPI's own `max_body_size` (Starlette's body limit), `HTX_MAX_BODY_BYTES` (1 MiB) for
  the app, larger on the routes that take uploads (`UPLOAD_BODY_BYTES`) or EPCIS documents. FastAPI
  reads a body before it resolves the token, so a body over the limit is refused with 413 before the
  401; before this, a 98 MB body was read and parsed first. `install_body_limit_answer` tells that
  413 in the request's language.
- Integers in the path and the query must fit 64 bits (the databases' BIGINT): a larger one was a
  500 (SQLite's OverflowError) on every service, unauthenticated (`RequestLimits`).

And the headers browsers act on (`SecurityHeaders`): no sniffing, no framing, no referrer, and a
content security policy on our HTML pages.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY
from starlette.requests import Request
from starlette.responses import Response

from shared.errors import DomainError
from shared.i18n import language_of

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_INT64 = 2**63 - 1
UPLOAD_BODY_BYTES = 16 * 1024 * 1024  # a province's spreadsheet of organisations or members
_INTEGER = re.compile(r"-?\d+")


class NumberOutOfRange(DomainError):
    status_code = 422


class RequestLimits:
    """ASGI middleware, outermost: integers beyond 64 bits in the path or query are a 422, and
    Starlette's own 413 (plain text, sent when a declared Content-Length is over the limit) is told
    as our refusals are, with a key, in the request's language."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            _check_integers(scope)
        except DomainError as refusal:
            await _refuse(refusal, scope, receive, send)
            return
        await self.app(scope, receive, _translating_413(scope, receive, send))


def _translating_413(scope: Scope, receive: Receive, send: Send) -> Send:
    replaced = False

    async def translated(message: Message) -> None:
        nonlocal replaced
        if message["type"] == "http.response.start" and message["status"] == 413:
            content_type = dict(message.get("headers", [])).get(b"content-type", b"")
            if content_type.startswith(b"text/plain"):
                replaced = True
                limit = scope.get(MAX_BODY_SIZE_SCOPE_KEY, "?")
                await _refuse(DomainError("request.too_large", limit=limit), scope, receive, send, status=413)
                return
        if replaced and message["type"] == "http.response.body":
            return  # the plain-text body of the answer replaced above
        await send(message)

    return translated


def install_body_limit_answer(app: FastAPI) -> None:
    """A body found too large while a route reads it (no Content-Length) is told like the others, and so
    are FastAPI's and Starlette's own refusals, which say a bare English string: a body they cannot read
    (bytes that are not UTF-8), a path no route matches, a method the path does not take."""

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, error: StarletteHTTPException) -> Response:
        key = _FRAMEWORK_REFUSALS.get(error.status_code) if isinstance(error.detail, str) else None
        if error.status_code == 413:
            refusal = DomainError("request.too_large", limit=request.scope.get(MAX_BODY_SIZE_SCOPE_KEY, "?"))
        elif key is not None:  # ours are keyed, never a bare string
            refusal = DomainError(key, method=request.method)
        else:
            return await http_exception_handler(request, error)
        return JSONResponse(_body(refusal, request), status_code=error.status_code, headers=error.headers)


_FRAMEWORK_REFUSALS = {400: "request.body_unreadable", 404: "request.no_route", 405: "request.method_not_allowed"}


def _check_integers(scope: Scope) -> None:
    values = [segment for segment in scope["path"].split("/") if segment]
    values += [value for _, value in parse_qsl(scope.get("query_string", b"").decode("latin-1"))]
    for value in values:
        if _INTEGER.fullmatch(value) and abs(int(value)) > MAX_INT64:
            raise NumberOutOfRange("request.number_too_large", value=value[:30] + ("…" if len(value) > 30 else ""))


def _body(refusal: DomainError, request: Request) -> dict[str, Any]:
    return {"detail": {"code": refusal.key, "message": refusal.message(language_of(request)), "params": {}}}


async def _refuse(refusal: DomainError, scope: Scope, receive: Receive, send: Send, status: int | None = None) -> None:
    response = JSONResponse(_body(refusal, Request(scope, receive)), status_code=status or refusal.status_code)
    await response(scope, receive, send)


# Our own pages (trace page, dashboard) need nothing from elsewhere: inline styles, images from here.
# The documentation pages (shared.documentation) send a policy of their own, which is kept.
PAGE_POLICY = (
    "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
_EVERY_ANSWER = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),  # a trace page's address names a lot: never sent on
    (b"x-frame-options", b"DENY"),
]


class SecurityHeaders:
    """ASGI middleware: headers browsers act on, on every answer; a strict policy on HTML pages."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in _EVERY_ANSWER if name not in present]
                html = dict(headers).get(b"content-type", b"").startswith(b"text/html")
                if html and b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", PAGE_POLICY.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
