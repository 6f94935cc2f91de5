"""Domain errors that become clear, translated 4xx answers."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from shared.i18n import MESSAGES, Language, language_of, translate


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
        return JSONResponse(
            status_code=422,
            content={"detail": jsonable_encoder([_translated(item, language) for item in error.errors()])},
        )


def _translated(item: dict[str, Any], language: Language) -> dict[str, Any]:
    """FastAPI's 422 item, with our own validators' refusals (a date in the future or before 1945)
    told in the request's language under their message key; pydantic's other items unchanged."""
    cause = (item.get("ctx") or {}).get("error")
    key = getattr(cause, "key", None)
    if key not in MESSAGES:
        return item
    values = getattr(cause, "values", {})
    return {**item, "type": key, "msg": translate(key, language, **values), "ctx": {"values": values}}
