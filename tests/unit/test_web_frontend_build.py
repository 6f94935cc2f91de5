"""The co-op app's committed build is what its sources build to (services/web/frontend/build.mjs,
esbuild at the version package-lock.json pins): nobody edits the output, nobody forgets to build."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from services.web import shell

FRONTEND = shell.HERE / "frontend"


def _built_files(root: Path) -> dict[str, bytes]:
    static = {
        f"static/{p.relative_to(root / 'static').as_posix()}": p.read_bytes() for p in (root / "static").rglob("*.js")
    }
    return {**static, "templates/start.js": (root / "templates" / "start.js").read_bytes()}


def test_the_committed_bundle_is_what_the_sources_build_to(tmp_path):
    node, npm = shutil.which("node"), shutil.which("npm")
    assert node and npm, "the front-end build needs Node.js and npm (apt-get install nodejs npm)"
    if not (FRONTEND / "node_modules" / "esbuild").is_dir():  # a fresh clone: the pinned packages
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=FRONTEND, check=True, capture_output=True)
    subprocess.run([node, "build.mjs", str(tmp_path)], cwd=FRONTEND, check=True, capture_output=True)
    built, committed = _built_files(tmp_path), _built_files(shell.HERE)
    assert sorted(built) == sorted(committed), "run `npm ci && npm run build` in services/web/frontend"
    stale = [name for name in built if built[name] != committed[name]]
    assert not stale, f"{stale}: run `npm ci && npm run build` in services/web/frontend and commit the output"


def test_the_start_script_hands_its_modules_to_the_screens_loaded_later():
    """A screen loaded with import() uses the start's session, outbox and form state, not copies."""
    start = shell.START_SCRIPT.read_text(encoding="utf-8")
    assert "globalThis.htxStart=" in start
    today = (shell.STATIC / "screens" / "today.js").read_text(encoding="utf-8")
    assert 'globalThis.htxStart["session.js"]' in today and "/session/refresh" not in today
