"""Idempotent writes: a retried POST/PUT/PATCH with the same `Idempotency-Key` is answered, not redone.

The semantics of the IETF draft (draft-ietf-httpapi-idempotency-key-header):

- a key belongs to its caller (the token's role, scope and subject): two co-ops may use the same key;
- the request's fingerprint (method, path and query, body) is stored with the key and the answer,
  in the transaction of the write itself, so a key is recorded if and only if its effect is;
- the same key again with the same request: the stored status and body, with `Idempotent-Replayed: true`;
- the same key with another request: 422 `idempotency.key_reused`, nothing done;
- two requests with one key at once: SQLite's write lock serialises them (the second finds the record);
  on PostgreSQL the second waits on the key's unique index, rolls back and answers the replay;
- only successes (2xx) are stored. A refused write changed nothing, so it is safe to run again (a sale
  refused for want of stock may pass after a harvest is recorded);
- records are kept for `idempotency_retention_hours` and purged when the service starts.

A clerk on a rural network whose connection drops after sending a harvest retries with the same key
and gets the lot that was made, never a second lot.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response
from fastapi.routing import APIRoute
from sqlalchemy import Column, LargeBinary, Text, delete, inspect
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, SQLModel, col
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import UploadFile

from shared.auth import TokenChecks, decode_token
from shared.clock import as_utc, utcnow
from shared.db import UnitOfWork
from shared.errors import DomainError, Unprocessable

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The draft's key is a structured-field string; we take printable ASCII, as clients' UUIDs and ULIDs are.
_KEY = re.compile(r"[\x21-\x7e]{1,255}")
# Answer headers that belong to the answer itself, not to one transmission of it.
_KEPT_HEADERS = ("content-type", "location")


class IdempotencyRecord(SQLModel, table=True):
    """A write done under an `Idempotency-Key`: what was asked (its fingerprint) and what was answered."""

    __tablename__ = "idempotency_record"

    caller: str = Field(primary_key=True, max_length=300)
    key: str = Field(primary_key=True, max_length=255)
    fingerprint: str = Field(max_length=64)
    status_code: int
    headers_json: str = Field(sa_column=Column(Text, nullable=False))
    body: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, index=True)


class BadIdempotencyKey(DomainError):
    status_code = 400


def idempotency_key_header(
    key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            max_length=255,
            pattern=f"^{_KEY.pattern}$",  # documented; IdempotentRoute refuses others (400) before validation
            description=(
                "Optional. A unique value per intended write (e.g. a UUID made when the clerk taps Save). "
                "Retrying with the same key and body answers the first result again "
                f"(`{REPLAYED_HEADER}: true`) instead of writing twice; the same key with another body is 422."
            ),
        ),
    ] = None,
) -> None:
    """Declares the header in OpenAPI; `IdempotentRoute` does the work before the route runs."""


class IdempotentRoute(APIRoute):
    """A route class for a service's routers: writes honour `Idempotency-Key` (see the module docstring).

    The route's `UnitOfWorkDep` is the transaction opened here, so the effect and the record of its key
    commit together.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        methods = {method.upper() for method in kwargs.get("methods") or ()}
        self.honours_key = bool(methods & WRITE_METHODS)
        if self.honours_key:
            kwargs["dependencies"] = [*(kwargs.get("dependencies") or []), Depends(idempotency_key_header)]
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if not self.honours_key:
            return handler

        async def idempotent_handler(request: Request) -> Response:
            key = request.headers.get(HEADER)
            caller = _caller(request) if key is not None else None
            if key is None or caller is None:  # no key, or no valid token: the route answers (401) as ever
                return await handler(request)
            key = key.strip()
            if len(key) > 1 and key[0] == key[-1] == '"':  # the draft's form is a quoted string
                key = key[1:-1]
            if not _KEY.fullmatch(key):
                raise BadIdempotencyKey("idempotency.key_invalid")
            return await answer_once(request, handler, caller, key, await fingerprint(request))

        return idempotent_handler


async def answer_once(
    request: Request, handler: Callable[[Request], Awaitable[Response]], caller: str, key: str, print_: str
) -> Response:
    """Run `handler` in a transaction that also stores its answer under (caller, key), or replay that answer.

    The key's row goes in first, before the route runs: a concurrent request with the same key then
    waits on it (PostgreSQL's unique index; SQLite's write lock) instead of racing the first one to
    the effect, where it would meet the first one's lot code or invoice and answer 409.
    """
    runtime = request.app.state.runtime
    try:
        async with runtime.unit_of_work() as work:
            stored = await work.session.get(IdempotencyRecord, (caller, key))
            if stored is not None and not _expired(stored, request):
                return _replay(stored, print_)
            if stored is not None:
                await work.session.delete(stored)
                await work.session.flush()
            record = IdempotencyRecord(
                caller=caller, key=key, fingerprint=print_, status_code=0, headers_json="{}", body=b""
            )
            work.session.add(record)
            await work.session.flush()  # a concurrent request with this key waits here until we end
            response = await _run_in(work, request, handler)
            if 200 <= response.status_code < 300:
                _keep_answer(record, response)
            elif inspect(record).persistent:  # refused without raising (an import's 422 report): not kept
                await work.session.delete(record)
            return response
    except IntegrityError:
        # PostgreSQL: another request with this key committed while we waited (or the write itself conflicted).
        async with runtime.read_sessions() as session:
            stored = await session.get(IdempotencyRecord, (caller, key))
        if stored is None:
            raise
        return _replay(stored, print_)


# In the request's scope, not `request.state`: that may be the lifespan's state, shared by every request.
ROUTE_UNIT_OF_WORK = "htx.unit_of_work"


async def _run_in(work: UnitOfWork, request: Request, handler: Callable[[Request], Awaitable[Response]]) -> Response:
    request.scope[ROUTE_UNIT_OF_WORK] = work
    try:
        return await handler(request)
    finally:
        del request.scope[ROUTE_UNIT_OF_WORK]


async def fingerprint(request: Request) -> str:
    """What makes two requests the same write: method, path with query, and the body's content.

    JSON is compared by value (key order and spacing do not matter); a multipart upload by its fields
    and files' bytes, since a retry gets a new boundary. An HMAC under the platform's secret, not a
    bare hash: bodies carry passwords (accounts), and the stored digest of a body whose other fields
    are known must not be a fast way to guess them.
    """
    secret = request.app.state.settings.secret_key.encode()
    digest = hmac.new(secret, f"{request.method} {request.url.path}?{request.url.query}\n".encode(), hashlib.sha256)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type.startswith("multipart/"):
        form = await request.form()
        for name, value in sorted(form.multi_items(), key=lambda item: item[0]):
            digest.update(name.encode() + b"=")
            if isinstance(value, UploadFile):
                digest.update(f"{value.filename}:".encode() + await value.read())
                await value.seek(0)
            else:
                digest.update(value.encode())
            digest.update(b"\n")
        return digest.hexdigest()
    body = await request.body()
    if content_type.endswith("json"):
        try:
            body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
        except (ValueError, UnicodeDecodeError):
            pass  # not JSON after all: the raw bytes, and the route will refuse it
    digest.update(body)
    return digest.hexdigest()


async def purge_expired(session: AsyncSession, retention: timedelta) -> int:
    """Forget keys older than `retention`; a retry that late is a new write."""
    result = await session.exec(
        delete(IdempotencyRecord).where(col(IdempotencyRecord.created_at) < utcnow() - retention)
    )
    return int(result.rowcount or 0)


def _caller(request: Request) -> str | None:
    """Whose key it is: the token's actor, or None when the request carries no valid token."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        max_ttl = TokenChecks.of(request).max_ttl  # the service's, not the default
        return decode_token(request.app.state.settings.secret_key, token.strip(), max_ttl=max_ttl).actor
    except DomainError:
        return None


def _expired(record: IdempotencyRecord, request: Request) -> bool:
    retention = timedelta(hours=request.app.state.settings.idempotency_retention_hours)
    created = as_utc(record.created_at)
    return created < utcnow() - retention


def _keep_answer(record: IdempotencyRecord, response: Response) -> None:
    headers = {name: response.headers[name] for name in _KEPT_HEADERS if name in response.headers}
    record.status_code = response.status_code
    record.headers_json = json.dumps(headers)
    record.body = bytes(response.body)


def _replay(record: IdempotencyRecord, print_: str) -> Response:
    if record.fingerprint != print_:
        raise Unprocessable("idempotency.key_reused", idempotency_key=record.key)
    headers = {**json.loads(record.headers_json), REPLAYED_HEADER: "true"}
    return Response(content=record.body, status_code=record.status_code, headers=headers)
