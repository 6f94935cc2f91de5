"""The app shell: its one page, the service worker that keeps it on the phone, the manifest.

The service worker's cache is named after a digest of every file it keeps, so a new release
replaces the old files in one step (a new `sw.js` is a new worker) and never mixes the two.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
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


# A static `import ... from "./x.js"` (or `import "./x.js"`); `import("./x.js")` calls do not match.
_STATIC_IMPORT = re.compile(r"""^\s*import\s(?:[^"';]*?\sfrom\s)?["']([^"']+)["']""", re.MULTILINE)


# The screen a clerk's day opens on after signing in, and what the app-shell benchmark times.
FIRST_SCREEN = "/static/screens/delivery.js"


def _static_imports(root: str) -> set[str]:
    """`root` and what it imports statically, transitively."""
    found: set[str] = set()
    waiting = [root]
    while waiting:
        module = waiting.pop()
        if module in found:
            continue
        found.add(module)
        source = (STATIC / module.removeprefix("/static/")).read_text(encoding="utf-8")
        waiting += [
            posixpath.normpath(posixpath.join(posixpath.dirname(module), name))
            for name in _STATIC_IMPORT.findall(source)
        ]
    return found


@cache
def startup_modules() -> tuple[str, ...]:
    """The modules the page preloads, in the order the browser should fetch them (six at a time on
    HTTP/1.1): app.js and what it imports statically (all the sign-in needs), then the weigh-in
    screen's. Other screens, imported with `import()`, load when first opened (the service worker
    keeps them all)."""
    shell = sorted(_static_imports("/static/app.js"))
    return (*shell, *sorted(_static_imports(FIRST_SCREEN) - set(shell)))


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


def page(language: Language) -> str:
    return _templates.get_template("app.html").render(
        lang=language,
        texts=app_texts(language),
        texts_json=json.dumps(app_texts(language), ensure_ascii=False).replace("</", "<\\/"),
        release=release(),
        # Every module of the start asked for at once: without this the browser finds them one import
        # level at a time, a round trip each (2 s apiece on a slow 3G link).
        modules=startup_modules(),
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
