"""Shared limits benchmark: what an admission costs when the buckets live in ``limits.sqlite3``.

Each figure is printed next to a floor measured in the same run, and the
issue's target (an admission under 1 ms):

* admission: ``RateLimiter.acquire`` + ``Ticket.settle`` for one request on a
  model with requests/minute, tokens/minute and requests/day limits (three
  buckets drawn from in one transaction, then the token bucket corrected):
  with the buckets in this process (the floor), and shared through the file;
* the same with a second process hammering the same buckets meanwhile
  (lock contention between writers);
* a breaker step (``allow`` + ``record_success``) in memory and shared;
* the HUD's read of a shared breaker board (``BreakerBoard.snapshot``).

Run: ``python bench/bench_shared_state.py [--runs 2000]``. Exits 1 when a
shared admission's p50 exceeds the 1 ms target.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tuichat.core.clock import SystemClock
from tuichat.core.health.breaker import BreakerBoard
from tuichat.core.limits.buckets import LimitSpec
from tuichat.core.limits.limiter import RateLimiter
from tuichat.core.limits.shared_buckets import SharedBuckets
from tuichat.store.shared_state import open_shared_state

TARGET_MS = 1.0
SPEC = LimitSpec(requests_per_minute=10**9, tokens_per_minute=10**12, requests_per_day=10**12)


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p95 in milliseconds."""
    ordered = sorted(samples)
    return statistics.median(ordered) * 1e3, ordered[int(len(ordered) * 0.95)] * 1e3


async def admissions(shared: SharedBuckets | None, runs: int) -> list[float]:
    """Seconds per acquire + settle."""
    limiter = RateLimiter(SystemClock(), shared=shared)
    limiter.configure(model="m", spec=SPEC)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        ticket = await limiter.acquire("m", "default", 500)
        ticket.settle(420)
        samples.append(time.perf_counter() - start)
    return samples


def breaker_steps(board: BreakerBoard, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        board.get("sim@127.0.0.1").allow()
        board.get("sim@127.0.0.1").record_success()
        samples.append(time.perf_counter() - start)
    return samples


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def hammer(path: str, stop: multiprocessing.synchronize.Event) -> None:
    """Another process admitting requests on the same buckets until told to stop."""
    store = open_shared_state(Path(path))

    async def loop() -> None:
        limiter = RateLimiter(SystemClock(), shared=store)
        limiter.configure(model="m", spec=SPEC)
        while not stop.is_set():
            (await limiter.acquire("m", "default", 500)).settle(420)

    asyncio.run(loop())


def row(name: str, samples: list[float], floor: list[float] | None = None) -> None:
    p50, p95 = percentiles(samples)
    ratio = ""
    if floor is not None:
        floor50 = percentiles(floor)[0]
        ratio = f"  floor p50 {floor50:.3f} ms  ×{p50 / floor50:.1f}"
    print(f"{name:<44} p50 {p50:.3f} ms  p95 {p95:.3f} ms{ratio}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "limits.sqlite3"
        store = open_shared_state(path)
        local = asyncio.run(admissions(None, runs))
        shared = asyncio.run(admissions(store, runs))
        row("admission (3 buckets), in process [floor]", local)
        row("admission (3 buckets), shared file", shared, local)
        stop = multiprocessing.get_context("spawn").Event()
        other = multiprocessing.get_context("spawn").Process(target=hammer, args=(str(path), stop))
        other.start()
        time.sleep(1.0)
        contended = asyncio.run(admissions(store, runs))
        stop.set()
        other.join(10)
        row("admission, shared, another process admitting", contended, local)
        mem_board = BreakerBoard(SystemClock())
        shared_board = BreakerBoard(SystemClock(), records=store)
        row("breaker allow + success, in process [floor]", breaker_steps(mem_board, runs))
        shared_steps = breaker_steps(shared_board, runs)
        row("breaker allow + success, shared", shared_steps, breaker_steps(mem_board, runs))
        row("HUD: breaker board snapshot, shared", timed(shared_board.snapshot, runs))
        store.close()
    worst = max(percentiles(shared)[0], percentiles(contended)[0])
    print(f"target: admission p50 < {TARGET_MS} ms → {'ok' if worst < TARGET_MS else 'MISSED'}")
    return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
