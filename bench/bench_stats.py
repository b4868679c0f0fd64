"""Whole-process time of ``tuichat stats --json`` over a log made by ``make_log.py``.

Run: ``python bench/make_log.py --attempts 1000000 --home DIR`` once, then
``python bench/bench_stats.py --home DIR [--runs 7] [--since 30d] [-- extra args]``.
Each run is a fresh ``tuichat`` process (interpreter start, imports, queries,
JSON) with ``TUICHAT_HOME=DIR``; the first run is a warm-up (it also builds
the stats indexes on a log that predates them). Prints the median and best
wall time and the median CPU time (user + sys) — on a loaded machine CPU is
the steadier figure — and the load average, so quiet and loaded runs can be
told apart.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path


def one_run(home: Path, args: list[str]) -> tuple[float, float, int]:
    """``(wall s, cpu s, requests)`` of one ``tuichat stats --json`` process."""
    env = {**os.environ, "TUICHAT_HOME": str(home)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "tuichat", "stats", "--json", *args],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, int(json.loads(done.stdout)["requests"])


def main() -> None:
    """Time ``--runs`` processes after one warm-up."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--since", default="30d")
    parser.add_argument("extra", nargs="*", help="more stats options, after --")
    args = parser.parse_args()
    stats_args = ["--since", args.since, *args.extra]
    one_run(args.home, stats_args)
    runs = [one_run(args.home, stats_args) for _ in range(args.runs)]
    walls, cpus = [r[0] for r in runs], [r[1] for r in runs]
    load = os.getloadavg()[0]
    print(
        f"stats --json {' '.join(stats_args)}: {runs[0][2]:,} requests;"
        f" wall median {statistics.median(walls):.3f} s (best {min(walls):.3f} s),"
        f" cpu median {statistics.median(cpus):.3f} s; load average {load:.1f}"
    )


if __name__ == "__main__":
    main()
