"""Web routes: the app's pages and files, signing in, and `/api/<service>/...` forwarded.

Every route here is public in itself: the shell, the script and the service worker carry no
data, and the forwarded API calls are authorised by the service that answers them.
"""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from services.web import proxy, session, shell
from shared.i18n import page_language_of
from shared.settings import Settings

router = APIRouter(tags=["web"])


def _upstreams(request: Request) -> dict[str, httpx.AsyncClient]:
    return request.app.state.upstreams


def _settings(request: Request) -> Settings:
    return request.app.state.settings


UpstreamsDep = Annotated[dict[str, httpx.AsyncClient], Depends(_upstreams)]
SettingsDep = Annotated[Settings, Depends(_settings)]


@router.get("/", response_class=HTMLResponse, summary="The co-op app (anyone; it shows nothing until signed in)")
async def app_shell(request: Request, settings: SettingsDep) -> HTMLResponse:
    """The app's one page, Vietnamese by default, English with `?lang=en`; its script draws the screens
    from what it has on the phone, so it opens offline too. Its policy allows its own inline script and
    styles by their hashes and nothing from elsewhere."""
    return HTMLResponse(
        shell.page(page_language_of(request), settings.dashboard_url or settings.reporting_url),
        headers={"Cache-Control": "no-cache", "Content-Security-Policy": shell.page_policy()},
    )


@router.get("/sw.js", summary="The app's service worker (anyone)")
async def service_worker() -> Response:
    """Keeps the shell and its files on the phone; at the site's root so it serves every page."""
    return Response(shell.service_worker(), media_type="text/javascript", headers={"Cache-Control": "no-cache"})


@router.get("/manifest.webmanifest", summary="The app's manifest, for adding it to the home screen (anyone)")
async def manifest() -> Response:
    return Response(shell.manifest(), media_type="application/manifest+json")


@router.post("/session", summary="Sign in (anyone): the registry's login, its refresh token kept in a cookie")
async def sign_in(request: Request, upstreams: UpstreamsDep, settings: SettingsDep) -> Response:
    """Body as the registry's `/auth/login`. Shows the access token and the account; the refresh token
    goes into an HttpOnly cookie the page cannot read."""
    return await session.sign_in(upstreams["registry"], request, settings.public_base_url, settings.refresh_token_days)


@router.post("/session/refresh", summary="New access token from the refresh cookie (the app, signed in)")
async def refresh(request: Request, upstreams: UpstreamsDep, settings: SettingsDep) -> Response:
    """Needs the cookie `/session` set and the header `X-HTX-App: 1`. Shows a new access token."""
    return await session.refresh(upstreams["registry"], request, settings.public_base_url, settings.refresh_token_days)


@router.post("/session/logout", status_code=204, summary="Sign out (the app, signed in)")
async def sign_out(request: Request, upstreams: UpstreamsDep) -> Response:
    """Ends the registry session of the Bearer token and forgets the cookie. Shows nothing."""
    return await session.sign_out(upstreams["registry"], request)


@router.api_route(
    "/api/{service}/{path:path}",
    methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
    summary="Forwarded to the registry, supplychain or reporting API (as that route says)",
)
async def forward(service: str, path: str, request: Request, upstreams: UpstreamsDep) -> Response:
    """Who may call it and what it shows is the forwarded route's: the service checks the token."""
    return await proxy.forward(upstreams, service, path, request)


@router.get("/health", summary="Liveness (anyone)")
async def health() -> dict:
    return {"status": "ok", "service": "web"}
