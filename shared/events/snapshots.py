"""The committed JSON Schema snapshots of the event contracts, and the script that writes them.

    python -m shared.events.snapshots            # (re)write every snapshot
    python -m shared.events.snapshots --check    # only report differences; exit 1 if any

Each contract `(event_type, version)` has `schemas/<event_type>.v<version>.json`, its
`model_json_schema()`. The contract tests compare the two, so a change to a contract is a
decision someone made, not an accident:
- a compatible addition (a new optional field) to the current version: rerun this script
  and commit the new snapshot with the change;
- anything a consumer of the published version could trip over (a field removed, renamed,
  retyped or made required): add a new `version` of the contract (plus an upcaster) and
  keep the old one and its snapshot.

A snapshot whose contract no longer exists is reported and kept: contracts only grow.
`--prune` deletes such files (for a contract that was never released).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from shared.events.envelope import Event, all_contracts

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
REGENERATE = "python -m shared.events.snapshots"


def contracts() -> list[type[Event]]:
    """Every contract of every producer (importing the catalog registers them all)."""
    import shared.events.catalog  # noqa: F401

    return all_contracts()


def snapshot_name(contract: type[Event]) -> str:
    return f"{contract.event_type}.v{contract.version}.json"


def render(contract: type[Event]) -> str:
    """The snapshot text: stable key order, Vietnamese kept readable, a final newline."""
    return json.dumps(contract.model_json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def orphans(directory: Path = SCHEMA_DIR) -> list[Path]:
    """Snapshot files that no current contract claims."""
    expected = {snapshot_name(contract) for contract in contracts()}
    return sorted(path for path in directory.glob("*.json") if path.name not in expected)


def write_snapshots(directory: Path = SCHEMA_DIR, *, check: bool = False) -> list[str]:
    """Write the snapshot of every contract whose file is missing or differs.

    Returns the names of those files (with `check=True`, nothing is written).
    """
    directory.mkdir(parents=True, exist_ok=True)
    changed = []
    for contract in contracts():
        path = directory / snapshot_name(contract)
        text = render(contract)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            changed.append(path.name)
            if not check:
                path.write_text(text, encoding="utf-8")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=REGENERATE, description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a snapshot differs")
    parser.add_argument("--prune", action="store_true", help="delete snapshots that no contract claims")
    parser.add_argument("--dir", type=Path, default=SCHEMA_DIR, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    changed = write_snapshots(args.dir, check=args.check)
    verb = "differs" if args.check else "written"
    for name in changed:
        print(f"{verb}: {args.dir / name}")
    stale = orphans(args.dir)
    for path in stale:
        if args.prune and not args.check:
            path.unlink()
            print(f"deleted (no contract): {path}")
        else:
            print(f"no contract claims {path} (contracts only grow; --prune deletes it)", file=sys.stderr)
    if not changed:
        print(f"all {len(contracts())} snapshots up to date in {args.dir}")
    return 1 if args.check and (changed or stale) else 0


if __name__ == "__main__":
    raise SystemExit(main())
