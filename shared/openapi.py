"""The refusals every route may answer, declared in its OpenAPI operation once for all services.

FastAPI documents a route's success and, when it has parameters, pydantic's 422. The other refusals
come from code every route goes through, so they are declared here from what the route is:

- 400: a malformed `Idempotency-Key`, a body that is not UTF-8, JSON nested too deep (writes, and
  routes that read a body);
- 401: no token, or one refused; 403: the caller's role or scope does not allow this; 429: too many
  refused tokens from the client's address (shared.auth) (routes that read the caller);
- 404: a row the path or the body names does not exist (routes with path parameters, and writes);
- 409: the write contradicts what is recorded (writes);
- 413: the body is over the route's limit (routes that read a body);
- 422: a value refused, pydantic's list of items or one of our keyed refusals; an integer beyond
  64 bits in the path or the query is refused before routing, so every route may answer it.

A refusal is `{"detail": {"code", "message", "params"}}` (shared.errors), the message in the
request's language. A route class may answer its own refusals in another format (EPCIS: RFC 7807
problem+json) by naming it in `error_content`, and pydantic's with another status in
`validation_status`; refusals that may come before its handler runs (`BEFORE_THE_ROUTE`) stay in ours.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from fastapi.security.http import HTTPBase
from pydantic import BaseModel, Field

from shared.auth import current_principal, optional_principal
from shared.idempotency import WRITE_METHODS

JSON = "application/json"
# Refusals that may come before a route's own handler runs, so in our format whatever the route's:
# the request limits' (413, 422), too many refused tokens (429), and a path its pattern cannot match
# after all (404 from the router, e.g. an EPCIS eventID with a line break).
BEFORE_THE_ROUTE = frozenset({404, 413, 422, 429})

DESCRIPTIONS = {
    400: "Malformed request (an invalid Idempotency-Key, a body that is not UTF-8, JSON nested too deep)",
    401: "No token, or a token that is invalid, expired or revoked",
    403: "The caller's role or scope does not allow this",
    404: "What the path or the body names does not exist",
    409: "Contradicts what is already recorded",
    413: "The body is larger than this route accepts",
    422: "A value was refused: the items pydantic found, or one keyed refusal",
    429: "Too many refused tokens from this address; retry after `Retry-After` seconds",
}


class ErrorDetail(BaseModel):
    code: str = Field(description="Message key, e.g. `coop.not_found`; stable, for programs")
    message: str = Field(description="For people, in the request's language (Accept-Language: vi, en)")
    params: dict[str, str] = Field(description="The values the message names")


class ErrorAnswer(BaseModel):
    """A refusal: what to fix, in the request's language."""

    detail: ErrorDetail


def file_answer(media_type: str) -> dict[int | str, dict[str, Any]]:
    """`responses=` of a route that answers a file (with `response_class=Response`), not JSON."""
    return {
        200: {"description": "The file", "content": {media_type: {"schema": {"type": "string", "format": "binary"}}}}
    }


def document_error_answers(app: FastAPI) -> None:
    """Declare each route's refusals (see the module docstring) in the app's OpenAPI document."""
    generate = app.openapi
    declared: list[dict[str, Any]] = []  # the document last declared in; FastAPI makes a new one when routes change

    def openapi() -> dict[str, Any]:
        document = generate()
        if not declared or declared[0] is not document:
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            answer = ErrorAnswer.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(answer.pop("$defs", {}))
            schemas[ErrorAnswer.__name__] = answer
            for route in iter_route_contexts(app.routes):  # the routes as included, with their prefixes
                if isinstance(route.original_route, APIRoute) and route.include_in_schema:
                    for method in route.methods or ():
                        operation = document["paths"][route.path_format][method.lower()]
                        _declare(route, operation["responses"], method, schemas)
                        operation["responses"] = dict(sorted(operation["responses"].items()))
            declared[:] = [document]
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _declare(route: RouteContext, responses: dict[str, Any], method: str, schemas: dict[str, Any]) -> None:
    ours = {"$ref": f"#/components/schemas/{ErrorAnswer.__name__}"}
    validation = {"$ref": "#/components/schemas/HTTPValidationError"} if "HTTPValidationError" in schemas else None
    route_content: dict[str, Any] | None = getattr(route.original_route, "error_content", None)
    # And a refusal the route itself declares (its own description, without a body schema).
    statuses = _statuses(route, method) | {
        int(code) for code in responses if code.isdigit() and int(code) in DESCRIPTIONS
    }
    for status in sorted(statuses):
        declared = responses.setdefault(str(status), {"description": DESCRIPTIONS[status]})
        content = declared.setdefault("content", {})
        if route_content is not None:
            content.update({media: dict(value) for media, value in route_content.items() if media not in content})
            if status not in BEFORE_THE_ROUTE:
                continue
        alternatives = [ours]
        existing = content.get(JSON, {}).get("schema")
        if existing is not None:
            alternatives.insert(0, existing)
        if status == 422 and validation is not None and validation not in alternatives:
            alternatives.append(validation)
        content[JSON] = {"schema": alternatives[0] if len(alternatives) == 1 else {"anyOf": alternatives}}


def _statuses(route: RouteContext, method: str) -> set[int]:
    calls = set(_calls(route.dependant))
    write = method in WRITE_METHODS
    body = route.body_field is not None or "requestBody" in (route.openapi_extra or {})
    # A route class that answers pydantic's refusals with another status names it (EPCIS: 400).
    statuses = {422, getattr(route.original_route, "validation_status", 422)}
    if write or body:
        statuses |= {400}
    if body:
        statuses |= {413}
    if write:
        statuses |= {404, 409}
    if "{" in (route.path_format or ""):
        statuses |= {404}
    if calls & {current_principal, optional_principal} or any(isinstance(call, HTTPBase) for call in calls):
        # A route that reads a bearer token (ours, or a service's own that also reads a cookie):
        # a public read may still refuse a signed-in caller what it asks.
        statuses |= {401, 403, 429}
    return statuses


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _calls(dependency)
