"""Domain errors that become clear, translated 4xx answers."""

from __future__ import annotations

import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, StatementError
from starlette.requests import ClientDisconnect

from shared.i18n import MESSAGES, Language, language_of, translate
from shared.validation_messages import validation_message


class InvalidValue(ValueError):
    """A validator's refusal under a message key: the 422 tells it in the request's language."""

    def __init__(self, key: str, **values: Any) -> None:
        self.key = key
        self.values = {name: str(value) for name, value in values.items()}
        super().__init__(translate(key, "en", **self.values))


class DomainError(Exception):
    """A refusal a person can act on. `key` names a message in shared.i18n."""

    status_code = 400

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values

    def message(self, language: str) -> str:
        return translate(self.key, language, **self.values)  # type: ignore[arg-type]


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class Unprocessable(DomainError):
    status_code = 422


class Forbidden(DomainError):
    status_code = 403


class Unauthorized(DomainError):
    status_code = 401


class Unavailable(DomainError):
    status_code = 503


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain_error(request: Request, error: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if error.status_code == 401 else None
        return JSONResponse(
            status_code=error.status_code,
            content={
                "detail": {
                    "code": error.key,
                    "message": error.message(language_of(request)),
                    "params": {k: str(v) for k, v in error.values.items()},
                }
            },
            headers=headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        language = language_of(request)
        items = [{**item, "input": _echo(item.get("input"))} if "input" in item else item for item in error.errors()]
        return JSONResponse(
            status_code=422,
            content={"detail": jsonable_encoder([_translated(item, language) for item in items])},
        )

    # Input the validators let through but the database cannot hold (an integer beyond 64 bits in a
    # body) or Python cannot parse (JSON nested thousands deep): a 4xx, never a 500.
    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def _out_of_range(request: Request, error: Exception) -> JSONResponse:
        return await _domain_error(request, Unprocessable("request.value_out_of_range"))

    @app.exception_handler(StatementError)
    async def _statement_error(request: Request, error: StatementError) -> JSONResponse:
        # SQLite's one write lock held past the busy timeout (a long batch): nothing was written, and
        # the same request sent again later (its Idempotency-Key too) is the way on; the app's outbox
        # keeps a 503 queued. Said as busy, not as our bug.
        if database_busy(error.orig):
            answer = await _domain_error(request, Unavailable("db.busy", seconds=BUSY_RETRY_SECONDS))
            answer.headers["Retry-After"] = str(BUSY_RETRY_SECONDS)
            return answer
        # A value its column cannot hold (an id beyond PostgreSQL's INTEGER): SQLite's driver and asyncpg
        # refuse it while encoding (an OverflowError under the DBAPIError SQLAlchemy wraps), the server
        # as numeric_value_out_of_range (SQLSTATE 22003). Other data exceptions are our bugs: a 500.
        if _out_of_range_value(error.orig):
            return await _domain_error(request, Unprocessable("request.value_out_of_range"))
        raise error

    @app.exception_handler(RecursionError)
    async def _too_deep(request: Request, error: RecursionError) -> JSONResponse:
        return await _domain_error(request, DomainError("request.too_deep"))

    # The caller went away while its body was being read (a killed client, a dropped phone link):
    # nothing was done and no one is left to answer, so no 500 and no traceback in the log. A
    # retry under its Idempotency-Key starts afresh. 499 is nginx's code for it, for the access log.
    @app.exception_handler(ClientDisconnect)
    async def _caller_gone(request: Request, error: ClientDisconnect) -> Response:
        return Response(status_code=499)


BUSY_RETRY_SECONDS = 5


def database_busy(error: BaseException | None) -> bool:
    """SQLite's "database is locked": the write lock was not free within the busy timeout."""
    return type(error).__name__ == "OperationalError" and "database is locked" in str(error)


def _out_of_range_value(error: BaseException | None) -> bool:
    seen = 0
    while error is not None and seen < 10:  # the driver's chain of causes, bounded
        if isinstance(error, OverflowError) or str(getattr(error, "sqlstate", "")) == "22003":
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


ECHO_CHARACTERS = 200  # of a refused value echoed back: enough to find it, not a 20 MB field sent back


def _echo(value: Any, depth: int = 0) -> Any:
    """A refused input as a 422 may show it: strings cut short, NaN and Infinity (which JSON cannot
    carry) as text, large or deep containers summarised."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):
        return value if len(value) <= ECHO_CHARACTERS else value[:ECHO_CHARACTERS] + "…"
    if isinstance(value, dict | list):
        if depth >= 3 or len(value) > 50:
            return f"<{type(value).__name__} of {len(value)} items>"
        if isinstance(value, dict):
            return {str(key)[:ECHO_CHARACTERS]: _echo(item, depth + 1) for key, item in value.items()}
        return [_echo(item, depth + 1) for item in value]
    return value


def _translated(item: dict[str, Any], language: Language) -> dict[str, Any]:
    """FastAPI's 422 item told in the request's language: our own validators' refusals (a date in the
    future or before 1945) under their message key, pydantic's by its error type."""
    cause = (item.get("ctx") or {}).get("error")
    key = getattr(cause, "key", None)
    if key not in MESSAGES:
        return {**item, "msg": validation_message(item, language)}
    values = getattr(cause, "values", {})
    return {**item, "type": key, "msg": translate(key, language, **values), "ctx": {"values": values}}
