"""A service's documentation, served by the service itself: it works offline and loads nothing from elsewhere.

- `/docs` (Swagger UI) and `/redoc` (ReDoc) from the files the `fastapi-offline` package ships, `/asyncapi`
  from those of `asyncapi-viewer` (ADR 0015); all under `/docs/assets/`. FastAPI's and FastStream's own pages
  loaded them from public CDNs without integrity, so they were blank offline.
- Each page carries its own content security policy: scripts and styles from here only, plus Swagger UI's
  one inline script by its hash. ReDoc alone also needs inline styles (styled-components writes `<style>`
  elements without a nonce) and a worker from a `blob:` URL (its search index); no page runs inline script
  that is not hashed, nor script from elsewhere.
- `/asyncapi.json` without the Redis host and port (nor the database number, nor the consumers' host names):
  whoever may read the document learns the streams and their events, not where the broker listens.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from faststream.redis import RedisBroker
from faststream.specification import AsyncAPI

ASSET_PATH = "/docs/assets"
_ASSET_CACHE = "public, max-age=86400"  # the files change only with the packages that ship them

# Served name -> (package, file inside it, media type). Nothing else under ASSET_PATH answers.
ASSETS: dict[str, tuple[str, str, str]] = {
    "swagger-ui-bundle.js": ("fastapi_offline", "static/swagger-ui-bundle.js", "text/javascript"),
    "swagger-ui.css": ("fastapi_offline", "static/swagger-ui.css", "text/css"),
    "redoc.standalone.js": ("fastapi_offline", "static/redoc.standalone.js", "text/javascript"),
    "favicon.png": ("fastapi_offline", "static/favicon.png", "image/png"),
    # The classic-script build of the viewer (its ES-module build would work as well).
    "asyncapi-viewer.js": ("asyncapi_viewer", "static/asyncapi-viewer.iife.js", "text/javascript"),
    "asyncapi-theme.css": ("asyncapi_viewer", "static/asyncapi-theme.css", "text/css"),
}

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
# The host stands in for the installation's Redis in /asyncapi.json (AsyncAPI 3 server variable).
REDIS_HOST_VARIABLE = "redis"


def asset_file(name: str) -> Path:
    """Where the installed package keeps the asset served as `name`."""
    package, inside, _ = ASSETS[name]
    path = Path(str(resources.files(package).joinpath(inside)))
    if not path.is_file():  # a broken install would otherwise show blank pages
        raise FileNotFoundError(f"documentation asset {inside} is missing from the {package} package")
    return path


def page_policy(page: str, *, redoc: bool = False) -> str:
    """The content security policy of a documentation page: its inline scripts by their SHA-256 hash."""
    hashes = "".join(
        f" 'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(page)
    )
    allowances = "style-src 'self' 'unsafe-inline'; worker-src blob:" if redoc else "style-src 'self'"
    return (
        f"default-src 'none'; script-src 'self'{hashes}; {allowances}; img-src 'self' data:; "
        "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )


def _page(page: str, *, redoc: bool = False) -> HTMLResponse:
    return HTMLResponse(page, headers={"content-security-policy": page_policy(page, redoc=redoc)})


def asyncapi_document(broker: RedisBroker, *, title: str, version: str, description: str) -> dict[str, Any]:
    """The AsyncAPI 3 document of the broker's channels, without where they run: each server's address
    is a variable, and a consumer's name (this machine's host name and process id) is left out."""
    document: dict[str, Any] = (
        AsyncAPI(broker, title=title, version=version, description=description).to_specification().to_jsonable()
    )
    for server in document.get("servers", {}).values():
        server["host"] = "{" + REDIS_HOST_VARIABLE + "}"
        server.pop("pathname", None)
        server["variables"] = {
            REDIS_HOST_VARIABLE: {
                "description": "The installation's Redis (HTX_REDIS_URL); its address is not published."
            }
        }
    for channel in document.get("channels", {}).values():
        channel.get("bindings", {}).get("redis", {}).pop("consumerName", None)
    return document


def asyncapi_html(title: str, document_url: str, asset_url: str) -> str:
    """The AsyncAPI page: the viewer element reads the document itself, so the page has no inline script."""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} — AsyncAPI</title>
<link rel="icon" href="{asset_url}/favicon.png">
<link rel="stylesheet" href="{asset_url}/asyncapi-theme.css">
<script src="{asset_url}/asyncapi-viewer.js" defer></script>
</head>
<body>
<asyncapi-viewer src="{html.escape(document_url)}" sidebar></asyncapi-viewer>
</body>
</html>
"""


def documentation_router(broker: RedisBroker, *, title: str, version: str, description: str) -> APIRouter:
    """`/docs`, `/redoc`, `/asyncapi`, `/asyncapi.json` and the files they load."""
    router = APIRouter(tags=["documentation"])
    for name in ASSETS:  # each file is found now (`_asset_endpoint`), not when someone first opens a page
        router.add_api_route(f"{ASSET_PATH}/{name}", _asset_endpoint(name), methods=["GET"], include_in_schema=False)

    @router.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = _root(request)
        assets = root + ASSET_PATH
        page = get_swagger_ui_html(
            openapi_url=root + (request.app.openapi_url or "/openapi.json"),
            title=f"{title} — Swagger UI",
            swagger_js_url=f"{assets}/swagger-ui-bundle.js",
            swagger_css_url=f"{assets}/swagger-ui.css",
            swagger_favicon_url=f"{assets}/favicon.png",
            oauth2_redirect_url=None,  # bearer tokens are pasted into Authorize; no OAuth2 flow to return from
            swagger_ui_parameters={"validatorUrl": None},  # the default badge asks swagger.io about our spec
        )
        return _page(bytes(page.body).decode())

    @router.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        page = get_redoc_html(
            openapi_url=_root(request) + (request.app.openapi_url or "/openapi.json"),
            title=f"{title} — ReDoc",
            redoc_js_url=f"{_root(request)}{ASSET_PATH}/redoc.standalone.js",
            redoc_favicon_url=f"{_root(request)}{ASSET_PATH}/favicon.png",
            with_google_fonts=False,  # fonts from Google: the system's own fonts do
        )
        return _page(bytes(page.body).decode(), redoc=True)

    @router.get(
        "/asyncapi.json",
        summary="AsyncAPI 3 document of the streams this service uses",
        description=(
            "Anyone, without a token: the streams this service publishes to and reads, and the schema of "
            "each event. The Redis address is not shown (the server's host is the variable `{redis}`)."
        ),
    )
    async def asyncapi_json() -> JSONResponse:
        return JSONResponse(asyncapi_document(broker, title=title, version=version, description=description))

    @router.get("/asyncapi", include_in_schema=False)
    async def asyncapi_page(request: Request) -> HTMLResponse:
        root = _root(request)
        return _page(asyncapi_html(title, f"{root}/asyncapi.json", f"{root}{ASSET_PATH}"))

    return router


def _root(request: Request) -> str:
    """The prefix a proxy mounts the service under (ASGI root_path), so asset URLs stay on this host."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def _asset_endpoint(name: str) -> Any:
    path, media_type = asset_file(name), ASSETS[name][2]

    async def asset() -> FileResponse:
        return FileResponse(path, media_type=media_type, headers={"cache-control": _ASSET_CACHE})

    asset.__name__ = "documentation_asset_" + re.sub(r"\W", "_", name)
    return asset
