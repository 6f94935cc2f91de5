#!/usr/bin/env python3
"""Bootstrap for a machine with only Python 3.11: make the venv, then hand over.

    python3 htxctl.py up --demo     # the whole platform with demo data
    python3 htxctl.py test          # the whole test suite (starts Redis/PostgreSQL if absent)
    python3 htxctl.py check         # lint (ruff), formatting and types (mypy), as CI runs them

Standard library only: it runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
STAMP = VENV / ".htx-installed"
LOCK = ROOT / "requirements.lock"


def ensure_environment() -> None:
    """Create .venv and (re)install the project whenever pyproject.toml or the lockfile changes."""
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"Python 3.11 is required; this is {sys.version.split()[0]}")
    if not PYTHON.exists():
        print("creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + LOCK.read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text() != wanted:
        print("installing the project and its dependencies into .venv ...", flush=True)
        subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
        # The lockfile pins every version the suite last passed with; pyproject.toml only gives ranges.
        install = [str(PYTHON), "-m", "pip", "install", "--quiet", "-c", str(LOCK), "-e", f"{ROOT}[test,dev]"]
        subprocess.run(install, check=True)
        STAMP.write_text(wanted)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("up", "test", "check", "htx"):
        print(__doc__)
        return 2
    ensure_environment()
    command, rest = argv[0], argv[1:]
    os.chdir(ROOT)
    # exec, not a child: Ctrl-C then reaches the runner alone, which stops things cleanly.
    if command == "test":
        os.execv(str(PYTHON), [str(PYTHON), "-m", "htx.testenv", *rest])
    if command == "check":
        os.execv(str(PYTHON), [str(PYTHON), "-m", "htx.checks", *rest])
    if command == "up":
        os.execv(str(BIN / "htx"), [str(BIN / "htx"), "up", *rest])
    os.execv(str(BIN / "htx"), [str(BIN / "htx"), *rest])
    return 0  # not reached


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
