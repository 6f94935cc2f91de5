"""Forwarding `/api/<service>/<path>` to a service: the app's one origin for three APIs.

The proxy decides nothing: the service behind it checks the token and answers. Only the headers
a write or a read needs go through (hop-by-hop headers and cookies never do: the refresh cookie
is the web service's own), and the caller's address goes on in X-Forwarded-For, which a service
believes only when HTX_TRUSTED_PROXIES names this one.
"""

from __future__ import annotations

import httpx
from fastapi import Request, Response

from shared.correlation import HEADER as CORRELATION_HEADER
from shared.errors import NotFound, Unavailable
from shared.idempotency import HEADER as IDEMPOTENCY_HEADER
from shared.idempotency import REPLAYED_HEADER

UPSTREAMS = ("registry", "supplychain", "reporting")
# The proxy reads a body before forwarding it: bounded by the largest any service takes (EPCIS
# capture's documented 32 MB); each service then applies its own, smaller, limit per route.
LARGEST_BODY_BYTES = 32 * 1024 * 1024

REQUEST_HEADERS = (
    "authorization",
    "content-type",
    "accept",
    "accept-language",
    IDEMPOTENCY_HEADER.lower(),
    CORRELATION_HEADER.lower(),
)
ANSWER_HEADERS = (
    "content-type",
    "content-disposition",
    "retry-after",
    "www-authenticate",
    "location",
    REPLAYED_HEADER.lower(),
    CORRELATION_HEADER.lower(),
)


def forwarded_headers(request: Request, names: tuple[str, ...] = REQUEST_HEADERS) -> dict[str, str]:
    headers = {name: value for name in names if (value := request.headers.get(name)) is not None}
    if request.client is not None:
        earlier = request.headers.get("x-forwarded-for")
        headers["x-forwarded-for"] = f"{earlier}, {request.client.host}" if earlier else request.client.host
    return headers


def answer_of(upstream: httpx.Response) -> Response:
    headers = {name: value for name in ANSWER_HEADERS if (value := upstream.headers.get(name)) is not None}
    headers.pop("content-type", None)
    return Response(
        content=upstream.content,
        status_code=upstream.status_code,
        headers=headers,
        media_type=upstream.headers.get("content-type"),
    )


async def forward(clients: dict[str, httpx.AsyncClient], service: str, path: str, request: Request) -> Response:
    client = clients.get(service)
    if client is None:
        raise NotFound("web.no_service", service=service, services=", ".join(UPSTREAMS))
    try:
        upstream = await client.request(
            request.method,
            "/" + path,
            params=list(request.query_params.multi_items()),
            content=await request.body(),
            headers=forwarded_headers(request),
        )
    except httpx.TransportError as error:
        # 503, not 502: the app keeps a queued write and sends it again later, as when offline.
        raise Unavailable("web.upstream_down", service=service) from error
    return answer_of(upstream)
