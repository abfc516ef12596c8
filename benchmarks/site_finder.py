"""Site-finder benchmark: a script, not a test (speed goals never live in unit tests).

    .venv/bin/python benchmarks/site_finder.py [--area 74] [--count 5] [--repeat 5]

Reads the bundled layers once, then times `find_sites` on the whole district --repeat times and
prints the median and worst wall time. Budget: 5 s for five 74 ha sites (exit 1 if missed).
"""

from __future__ import annotations

import argparse
import statistics
import time

from simulator.constraints import load_layers
from simulator.sites import find_sites

BUDGET_S = 5.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--area", type=float, default=74.0)
    parser.add_argument("--count", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    layers = load_layers()
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        sites = find_sites(layers, args.area, args.count)
        times.append(time.perf_counter() - start)
    median, worst = statistics.median(times), max(times)
    print(f"find_sites {args.area:g} ha × {args.count}: {len(sites)} sites, "
          f"median {median:.2f} s, worst {worst:.2f} s (budget {BUDGET_S:g} s)")
    return 0 if median < BUDGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
