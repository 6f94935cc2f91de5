"""Benchmark: what the communes dataset costs a process (`shared.places`, ADR 0021).

    .venv/bin/python benchmarks/places.py [--runs 5]

Prints medians, each in a fresh interpreter for the loads:
- importing `shared.places` and reading both lists (`dataset()`), against importing the package
  `vietnamadminunits` itself (which the module avoids: its parser loads geopy and shapely);
- one code resolved (current, legacy, divided with the proposed default), after the load;
- a name searched without diacritics in the legacy list (10,035 communes).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shared import places  # noqa: E402

LOAD = "import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"


def fresh(code: str, runs: int) -> float:
    """Median seconds of `code` in a new interpreter each time (nothing cached)."""
    timings = [
        float(subprocess.check_output([sys.executable, "-c", LOAD.format(code=code)], cwd=ROOT, text=True))
        for _ in range(runs)
    ]
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    print(
        f"load shared.places + dataset():     {fresh('from shared import places; places.dataset()', runs) * 1000:7.1f} ms"
    )
    print(f"import vietnamadminunits (avoided): {fresh('import vietnamadminunits', runs) * 1000:7.1f} ms")
    places.dataset()
    for label, call in (
        ("current 05488", lambda: places.resolve_ward("05488")),
        ("legacy 05485", lambda: places.resolve_ward("05485")),
        ("divided 05461, default", lambda: places.resolve_ward(None, "05461", divided="default")),
    ):
        each = min(timeit.repeat(call, number=10_000, repeat=runs)) / 10_000
        print(f"resolve {label:<27} {each * 1e6:7.2f} µs")
    search = min(timeit.repeat(lambda: places.search_wards("phuc xuan", places.Scheme.LEGACY), number=20, repeat=runs))
    print(f"search 'phuc xuan' (legacy list):   {search / 20 * 1000:7.2f} ms")


if __name__ == "__main__":
    main()
