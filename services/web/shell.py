"""The app shell: its one page, the service worker that keeps it on the phone, the manifest.

The service worker's cache is named after a digest of every file it keeps, so a new release
replaces the old files in one step (a new `sw.js` is a new worker) and never mixes the two.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.web.messages import app_texts
from shared.i18n import Language

HERE = Path(__file__).parent
STATIC = HERE / "static"

_templates = Environment(
    loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]), trim_blocks=True
)


@cache
def static_files() -> tuple[str, ...]:
    """The URL of every file under static/, as the page and its modules ask for them (read once, as
    `release()` is: the page, the worker and the digest must name the same files)."""
    return tuple(
        sorted(f"/static/{path.relative_to(STATIC).as_posix()}" for path in STATIC.rglob("*") if path.is_file())
    )


# What the first screens need (app.js, the sign-in, the weigh-in and what they import), as one script
# built from frontend/src by esbuild (frontend/build.mjs) and put into the page itself: on a slow link
# every further file is another round trip (2 s on slow 3G) before the clerk can type.
START_SCRIPT = HERE / "templates" / "start.js"
STYLES = HERE / "templates" / "app.css"


def _source_hash(text: str) -> str:
    """A CSP hash source: the page's inline script and styles are allowed by what they are."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@cache
def _inline() -> tuple[str, str]:
    script, styles = START_SCRIPT.read_text(encoding="utf-8"), STYLES.read_text(encoding="utf-8")
    # Either would end its element early and the rest would be read as markup.
    if "</script" in script.lower() or "</style" in styles.lower():
        raise ValueError("an inline script or style must not contain its own end tag")
    return script, styles


@cache
def page_policy() -> str:
    """The page's content security policy: its own inline script and styles by their hashes, every
    other script, call and worker from this origin only; no 'unsafe-inline'."""
    script, styles = _inline()
    return (
        f"default-src 'none'; script-src 'self' {_source_hash(script)}; style-src {_source_hash(styles)}; "
        "img-src 'self' data:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )


@cache
def release() -> str:
    """A digest of the shell's files and words: the service worker's cache name changes with it."""
    digest = hashlib.sha256()
    for path in sorted(
        [*STATIC.rglob("*"), *(HERE / "templates").rglob("*"), HERE / "messages.py", HERE / "sw-body.js"]
    ):
        if path.is_file():
            digest.update(path.as_posix().encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def page(language: Language, dashboard_url: str) -> str:
    return _templates.get_template("app.html").render(
        lang=language,
        texts=app_texts(language),
        texts_json=json.dumps(app_texts(language), ensure_ascii=False).replace("</", "<\\/"),
        release=release(),
        dashboard=dashboard_url.rstrip("/"),
        start_script=_inline()[0],
        styles=_inline()[1],
    )


def service_worker() -> str:
    keep = ["/", "/?lang=en", "/manifest.webmanifest", *static_files()]
    return f"const RELEASE = {json.dumps(release())};\nconst SHELL = {json.dumps(keep)};\n" + (
        HERE / "sw-body.js"
    ).read_text(encoding="utf-8")


def manifest() -> str:
    texts = app_texts("vi")
    return json.dumps(
        {
            "name": texts["app.title"],
            "short_name": "HTX",
            "lang": "vi",
            "start_url": "/",
            "scope": "/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#1f6f43",
            "icons": [{"src": "/static/icon.svg", "sizes": "any", "type": "image/svg+xml"}],
        },
        ensure_ascii=False,
    )
