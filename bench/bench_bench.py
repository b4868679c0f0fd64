"""``tuichat bench`` overhead per call: the bench runner against a raw client, same simulator.

Both sides make the same calls at the same concurrency against one simulator
(``tuichat sim serve`` in its own process, so its timing is not disturbed by
the client's CPU), alternating rounds so load drift hits both:

* floor: a raw client — ``httpx.AsyncClient`` + ``httpx-sse`` — posting the
  same chat request, decoding each event's JSON and joining the text, as the
  smallest real client would, ``--concurrency`` requests in flight;
* bench: :class:`tuichat.headless.bench_run.BenchRun` on a chat from the
  factory — limiter, retry policy, breakers, cost meter, metrics, budgets and
  the SQLite log (in a temporary TUICHAT_HOME) all on, as ``tuichat bench``
  runs it.

Overhead per call is reported two ways: the difference of the medians of
per-call latency (what one call waits longer), and the difference of wall
time per call over a round (what the run takes longer, per call). Target
(issue #12): under 2 ms per call at concurrency 8.

Run: ``python bench/bench_bench.py [--calls 400] [--concurrency 8] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time

TARGET_MS = 2.0
SIM_MODEL = "sim?tokens=60&ttft_ms=20&tps=0"


def start_simulator() -> tuple[subprocess.Popen[str], str]:
    """``tuichat sim serve --port 0`` in a child process; its base URL."""
    child = subprocess.Popen(
        [sys.executable, "-m", "tuichat", "sim", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    return child, line.strip().rsplit(" ", 1)[-1]


async def raw_round(base_url: str, calls: int, concurrency: int) -> tuple[float, list[float]]:
    """The floor: wall time of the round and each call's latency (s)."""
    import json

    import httpx
    from httpx_sse import aconnect_sse

    body = {"model": SIM_MODEL, "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    latencies: list[float] = []
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:

        async def one() -> None:
            async with gate:
                started = time.perf_counter()
                text = []
                async with aconnect_sse(client, "POST", "/chat/completions", json=body) as source:
                    async for event in source.aiter_sse():
                        if event.data and event.data != "[DONE]":
                            for choice in json.loads(event.data).get("choices", []):
                                text.append(choice.get("delta", {}).get("content") or "")
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(calls)))
        return time.perf_counter() - started, latencies


async def bench_round(base_url: str, calls: int, concurrency: int) -> tuple[float, list[float]]:
    """``tuichat bench``'s runner on a factory-built chat, log on."""
    import io

    from tuichat.backends import Backends
    from tuichat.config import CliOverrides, resolve_settings
    from tuichat.core.clock import SystemClock
    from tuichat.factory import ChatWishes, start_chat
    from tuichat.headless.bench_progress import BenchProgress
    from tuichat.headless.bench_prompts import BenchPrompt
    from tuichat.headless.bench_run import BenchRun, jobs_for

    settings = resolve_settings(CliOverrides(model=SIM_MODEL, base_url=base_url, tag="bench"))
    with Backends() as backends:
        wishes = ChatWishes(label="bench", priority="background", cache=False)
        chat = await asyncio.to_thread(start_chat, settings, wishes, backends=backends)
        await chat.open_log()
        try:
            jobs = jobs_for([BenchPrompt(1, "hi")], [SIM_MODEL], calls)
            run = BenchRun({SIM_MODEL: chat}, BenchProgress(io.StringIO(), calls, SystemClock()))
            started = time.perf_counter()
            results = await run.run(jobs, concurrency)
            wall = time.perf_counter() - started
        finally:
            await chat.aclose()
    assert all(r.status == "ok" for r in results), {r.error_type for r in results}
    return wall, [(r.latency_ms or 0.0) / 1000 for r in results]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    os.environ["TUICHAT_HOME"] = tempfile.mkdtemp(prefix="bench-bench-")
    child, base_url = start_simulator()
    try:
        return asyncio.run(compare(base_url, args.calls, args.concurrency, args.rounds))
    finally:
        child.terminate()
        child.wait(timeout=10)


async def compare(base_url: str, calls: int, concurrency: int, rounds: int) -> int:
    await raw_round(base_url, 20, concurrency)  # warm both paths: imports, connections
    await bench_round(base_url, 20, concurrency)
    raw_walls, raw_lat, bench_walls, bench_lat = [], [], [], []
    for _ in range(rounds):
        wall, lat = await raw_round(base_url, calls, concurrency)
        raw_walls.append(wall / calls)
        raw_lat += lat
        wall, lat = await bench_round(base_url, calls, concurrency)
        bench_walls.append(wall / calls)
        bench_lat += lat
    return report(calls, concurrency, raw_walls, raw_lat, bench_walls, bench_lat)


def report(
    calls: int,
    concurrency: int,
    raw_walls: list[float],
    raw_lat: list[float],
    bench_walls: list[float],
    bench_lat: list[float],
) -> int:
    def ms(seconds: float) -> str:
        return f"{seconds * 1000:7.2f} ms"

    lat_over = statistics.median(bench_lat) - statistics.median(raw_lat)
    wall_over = statistics.median(bench_walls) - statistics.median(raw_walls)
    print(f"{calls} calls x {len(raw_walls)} rounds, concurrency {concurrency}, {SIM_MODEL}")
    print(f"  raw httpx   latency p50 {ms(statistics.median(raw_lat))}"
          f"   wall/call {ms(statistics.median(raw_walls))}")  # fmt: skip
    print(f"  bench       latency p50 {ms(statistics.median(bench_lat))}"
          f"   wall/call {ms(statistics.median(bench_walls))}")  # fmt: skip
    print(f"  overhead    latency p50 {ms(lat_over)}   wall/call {ms(wall_over)}"
          f"   (target < {TARGET_MS:.0f} ms/call)")  # fmt: skip
    return 0 if lat_over * 1000 < TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
