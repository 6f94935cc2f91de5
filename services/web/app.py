"""Composition root of the web service: the co-op app and one origin for the three APIs."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware

import services.web.messages  # noqa: F401  (registers the texts before any refusal)
from services.web.api import router
from services.web.proxy import LARGEST_BODY_BYTES, UPSTREAMS
from services.web.shell import STATIC
from shared.errors import install_error_handlers
from shared.limits import RequestLimits, SecurityHeaders, install_body_limit_answer
from shared.settings import Settings

NAME = "web"
UPSTREAM_TIMEOUT = httpx.Timeout(30.0, connect=5.0)


def create_app(settings: Settings | None = None, *, upstreams: dict[str, httpx.AsyncClient] | None = None) -> FastAPI:
    """`upstreams` replaces the clients of the services' APIs (tests point them at in-process apps)."""
    settings = settings or Settings()
    clients = upstreams or {
        name: httpx.AsyncClient(base_url=getattr(settings, f"{name}_url"), timeout=UPSTREAM_TIMEOUT)
        for name in UPSTREAMS
    }

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            for client in clients.values():
                await client.aclose()

    app = FastAPI(
        title="HTX co-op app",
        description="The co-op's phone app and the one origin it reaches the platform's APIs through.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.upstreams = clients
    # The shell crosses slow mobile networks: compressed it is about a third of its size.
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(SecurityHeaders)  # no sniffing, framing or referrer; the page sends its own policy
    app.add_middleware(RequestLimits)  # outermost: Starlette's plain-text 413 told as our refusals are
    install_error_handlers(app)
    install_body_limit_answer(app)
    app.include_router(router, max_body_size=LARGEST_BODY_BYTES)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
