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

Overhead per call is reported three ways: the difference of the medians of
per-call latency (what one call waits longer), of wall time per call over a
round (what the run takes longer, per call), and of this process's CPU time
per call (all threads: the log writer's too; the least disturbed by other
load on the machine). Target (issue #12): under 2 ms per call at concurrency 8.

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
from collections.abc import Awaitable

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


Round = tuple[float, float, list[float]]
"""Wall and CPU time of a round's calls (not its set-up), and each call's latency (s)."""


async def raw_round(base_url: str, calls: int, concurrency: int) -> Round:
    """The floor: a raw client's round."""
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

        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(one() for _ in range(calls)))
        return time.perf_counter() - started, time.process_time() - cpu, latencies


async def bench_round(base_url: str, calls: int, concurrency: int) -> Round:
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
            started, cpu = time.perf_counter(), time.process_time()
            results = await run.run(jobs, concurrency)
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        finally:
            await chat.aclose()
    assert all(r.status == "ok" for r in results), {r.error_type for r in results}
    return wall, cpu, [(r.latency_ms or 0.0) / 1000 for r in results]


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
    raw, bench = Side(), Side()
    for _ in range(rounds):
        await raw.measure(raw_round(base_url, calls, concurrency), calls)
        await bench.measure(bench_round(base_url, calls, concurrency), calls)
    return report(calls, concurrency, raw, bench)


class Side:
    """One side's rounds: wall and CPU time per call, and every call's latency (s)."""

    def __init__(self) -> None:
        self.walls: list[float] = []
        self.cpus: list[float] = []
        self.latencies: list[float] = []

    async def measure(self, round_: Awaitable[Round], calls: int) -> None:
        """Run one round; CPU is the whole process's (the log writer's thread included)."""
        wall, cpu, latencies = await round_
        self.cpus.append(cpu / calls)
        self.walls.append(wall / calls)
        self.latencies += latencies

    def line(self, name: str) -> str:
        """Medians: latency, wall per call, CPU per call."""
        return (
            f"  {name:<11} latency p50 {_ms(statistics.median(self.latencies))}"
            f"   wall/call {_ms(statistics.median(self.walls))}"
            f"   cpu/call {_ms(statistics.median(self.cpus))}"
        )


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:7.2f} ms"


def report(calls: int, concurrency: int, raw: Side, bench: Side) -> int:
    """Print both sides and the overhead; exit status 0 when under the target."""
    lat_over = statistics.median(bench.latencies) - statistics.median(raw.latencies)
    wall_over = statistics.median(bench.walls) - statistics.median(raw.walls)
    cpu_over = statistics.median(bench.cpus) - statistics.median(raw.cpus)
    print(f"{calls} calls x {len(raw.walls)} rounds, concurrency {concurrency}, {SIM_MODEL}")
    print(raw.line("raw httpx"))
    print(bench.line("bench"))
    print(f"  overhead    latency p50 {_ms(lat_over)}   wall/call {_ms(wall_over)}"
          f"   cpu/call {_ms(cpu_over)}   (target < {TARGET_MS:.0f} ms/call)")  # fmt: skip
    return 0 if lat_over * 1000 < TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
