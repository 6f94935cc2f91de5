"""Static checks, as CI runs them: ruff lint, ruff formatting, mypy.

    python -m htx.checks        # or: python3 htxctl.py check

Each runs even when an earlier one fails, so one run shows everything to fix; the exit code
is non-zero when any failed. Configuration lives in pyproject.toml.
"""

from __future__ import annotations

import subprocess
import sys

CHECKS = {
    "ruff lint": [sys.executable, "-m", "ruff", "check", "."],
    "ruff format": [sys.executable, "-m", "ruff", "format", "--check", "."],
    "mypy": [sys.executable, "-m", "mypy"],
}


def main() -> int:
    failed = []
    for name, command in CHECKS.items():
        print(f"--- {name}", flush=True)
        if subprocess.call(command) != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
