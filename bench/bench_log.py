"""What logging costs the event loop: the longest stall and the cost per turn.

Synthetic turns (the event grammar of a real turn: start, attempt, headers,
first token, ``--tokens`` text deltas each followed by a release, usage, cost,
end) are fed to a real :class:`LogWriter` on a real database file, from the
event loop, the way the core feeds its observers. Like the core, the bench
awaits ``writer.flush()`` before "showing" a turn's first text and its end.

Measured:

* **loop stall**: a ticker asks the loop for a 1 ms sleep over and over; how
  late it wakes is how long something held the loop (the writer's mapping,
  the hand-over to aiosqlite's thread, the observer calls, and, on a busy
  machine, the OS). The target is never over 5 ms. Printed twice: wall time
  (what a user would see, OS preemption included, so compare it with the run
  without a writer) and the loop thread's CPU time within the late wake-up
  (the work that held the loop, without the noise of other processes). The
  feeder yields after every event, so a stall is not the feeder's;
* **loop CPU per turn** (burst run): the loop thread's CPU time
  (``time.thread_time``) with the writer, minus a run without it, per turn:
  what logging adds to the thread that renders;
* **flush latency**: before the first text (milestones committed during the
  ``--ttft-ms`` wait: should cost nothing) and at the end (one commit).

Each figure is the median over ``--runs`` runs, with and without a writer
interleaved so drift on a shared machine hits both alike.

Two runs: ``burst`` (``--turns`` turns, text as fast as the loop allows) and
``paced`` (one turn at ``--tps`` tokens per second for ``--seconds``, the
growing answer row written every ``TEXT_FLUSH_INTERVAL_S``).

Each turn's ``AttemptStarted`` carries the request as a chat would send it:
the system prompt and the whole history so far (stored against the previous
request, so only the new messages are encoded). Every delta goes into the
attempt's chunk timeline (sample rate 1). ``--policy redact`` adds what a
user with keys and ``[log] redact`` patterns pays: two API keys (whole and
fragments) and two patterns (emails, card numbers) checked on every text.
The chunk timelines' size is printed from the database.

Run: ``python bench/bench_log.py [--turns 20] [--tokens 500] [--tps 200] [--seconds 3]
[--ttft-ms 20] [--runs 3] [--policy plain|redact]``.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from tuichat.core import events as ev
from tuichat.core.conversation import ChatMessage, ChatRequest
from tuichat.store import LogPolicy, LogWriter, open_database
from tuichat.store.writer import TEXT_FLUSH_INTERVAL_S

POLICIES = {
    "plain": LogPolicy(),
    "redact": LogPolicy(
        secrets=("sk-proj-4f3e2d1c0b9a8f7e6d5c4b3a29180706f5e4d3c2b1a09f8e", "sk-ant-api03-x9Y8z7"),
        patterns=(
            re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"),
            re.compile(r"\b(?:\d[ -]?){12,18}\d\b"),
        ),
    ),
}
STALL_LIMIT_MS = 5.0
MIN_TURNS_FOR_CPU = 10
TICK_S = 0.001


@dataclass
class Figures:
    """What one run measured."""

    stalls_ms: list[float] = field(default_factory=list)
    cpu_stalls_ms: list[float] = field(default_factory=list)
    first_flush_ms: list[float] = field(default_factory=list)
    end_flush_ms: list[float] = field(default_factory=list)
    loop_cpu_s: float = 0.0
    turns: int = 0
    commits: int = 0


Emit = Callable[[ev.Event], Awaitable[None]]


@dataclass(frozen=True)
class Shape:
    """How the synthetic turns stream, and what the log keeps."""

    turns: int
    tokens: int
    pace: float
    ttft: float
    policy: LogPolicy = POLICIES["plain"]


def history(n: int, tokens: int) -> ChatRequest:
    """The request of turn ``n``: the system prompt and every earlier prompt and answer."""
    answer = "".join(f" word{i}" for i in range(tokens))
    messages = [ChatMessage("system", "You are concise.")]
    for turn in range(n):
        messages += [ChatMessage("user", f"question {turn}"), ChatMessage("assistant", answer)]
    messages.append(ChatMessage("user", f"question {n}"))
    return ChatRequest(model="m", messages=tuple(messages), temperature=0.7)


async def one_turn(
    emit: Emit, flush: Callable[[], Awaitable[None]], n: int, shape: Shape
) -> tuple[float, float]:
    """Emit one turn's events; return the two flush latencies (s)."""
    trace, clock = f"t{n}", time.monotonic
    await emit(ev.TurnStarted(trace_id=trace, ts=clock(), session_id="s", prompt="p",
                              model="m", wall_time=time.time()))  # fmt: skip
    await emit(ev.AttemptStarted(trace_id=trace, ts=clock(), attempt=1, model="m",
                                 provider="sim", base_url_host="h",
                                 request=history(n, shape.tokens)))  # fmt: skip
    await emit(ev.HeadersReceived(trace_id=trace, ts=clock(), attempt=1, status_code=200))
    await asyncio.sleep(shape.ttft)
    await emit(ev.FirstToken(trace_id=trace, ts=clock(), attempt=1))
    first = end = 0.0
    tokens, pace = shape.tokens, shape.pace
    for i in range(tokens):
        piece = f" word{i}"
        await emit(ev.TextDelta(trace_id=trace, ts=clock(), attempt=1, text=piece))
        if i == 0:
            first = await timed(flush)
        await emit(ev.TextReleased(trace_id=trace, ts=clock(), text=piece))
        if pace:
            await asyncio.sleep(pace)
    await emit(ev.UsageReported(trace_id=trace, ts=clock(), attempt=1, input_tokens=10,
                                output_tokens=tokens))  # fmt: skip
    await emit(ev.AttemptEnded(trace_id=trace, ts=clock(), attempt=1, status="ok"))
    text = "".join(f" word{i}" for i in range(tokens))
    await emit(ev.TurnFinished(trace_id=trace, ts=clock(), text=text, finish_reason="stop",
                               model="m"))  # fmt: skip
    end = await timed(flush)
    return first, end


async def timed(action: Callable[[], Awaitable[None]]) -> float:
    begin = time.perf_counter()
    await action()
    return time.perf_counter() - begin


async def ticker(figures: Figures, stop: asyncio.Event) -> None:
    """Record how late each 1 ms sleep wakes, in wall and in loop-thread CPU time (ms)."""
    while not stop.is_set():
        begin, cpu = time.perf_counter(), time.thread_time()
        await asyncio.sleep(TICK_S)
        figures.stalls_ms.append((time.perf_counter() - begin - TICK_S) * 1000.0)
        figures.cpu_stalls_ms.append((time.thread_time() - cpu) * 1000.0)


async def run(path: Path | None, shape: Shape) -> Figures:
    """Feed the turns to a writer on ``path`` (None: no writer, the baseline)."""
    figures = Figures(turns=shape.turns)
    writer = None
    if path is not None:
        db = await open_database(path)
        writer = LogWriter(db, policy=shape.policy)
        await writer.start()
        statements: list[str] = []
        await db.set_trace_callback(statements.append)

    async def emit(event: ev.Event) -> None:
        if writer is not None:
            writer.observe(event)
        await asyncio.sleep(0)  # the core yields between stream parts

    async def flush() -> None:
        if writer is not None:
            await writer.flush()

    stop = asyncio.Event()
    tick = asyncio.create_task(ticker(figures, stop))
    cpu = time.thread_time()
    for n in range(shape.turns):
        first, end = await one_turn(emit, flush, n, shape)
        figures.first_flush_ms.append(first * 1000.0)
        figures.end_flush_ms.append(end * 1000.0)
    figures.loop_cpu_s = time.thread_time() - cpu
    stop.set()
    await tick
    if writer is not None:
        await writer.close()
        figures.commits = sum(s.upper().startswith("COMMIT") for s in statements)
        await db.close()
    return figures


def timeline_bytes(path: Path) -> str:
    """Average chunk timeline and request sizes of the attempts logged at ``path``."""
    conn = sqlite3.connect(path)
    timeline, request = conn.execute(
        "SELECT avg(length(timeline)), avg(length(request_json)) FROM attempts"
    ).fetchone()
    conn.close()
    return f"timeline {timeline or 0:.0f} B, request_json {request or 0:.0f} B per attempt"


def report(name: str, runs: list[tuple[Figures, Figures]], deltas: int) -> None:
    """Print the medians over the runs (with a writer vs the baseline without)."""
    logged = [pair[0] for pair in runs]
    median = statistics.median
    worst = median(max(f.stalls_ms) for f in logged)
    worst_base = median(max(pair[1].stalls_ms) for pair in runs)
    worst_cpu = median(max(f.cpu_stalls_ms) for f in logged)
    worst_cpu_base = median(max(pair[1].cpu_stalls_ms) for pair in runs)
    turns = logged[0].turns
    added = median(pair[0].loop_cpu_s - pair[1].loop_cpu_s for pair in runs) / turns
    verdict = "ok" if worst_cpu <= STALL_LIMIT_MS else f"OVER {STALL_LIMIT_MS} ms"
    print(f"{name}: {turns} turns, {deltas} deltas, {logged[0].commits} commits")
    print(f"  loop stall, wall: max {worst:.2f} ms (without a writer: {worst_base:.2f} ms)")
    print(
        f"  loop stall, loop CPU: max {worst_cpu:.2f} ms"
        f" (without a writer: {worst_cpu_base:.2f} ms) {verdict}"
    )
    if turns >= MIN_TURNS_FOR_CPU:  # one turn's cost drowns in the noise of a shared machine
        print(
            f"  loop CPU for logging: {added * 1000:.2f} ms per turn"
            f" ({added / max(1, deltas // turns) * 1e6:.1f} µs per delta)"
        )
    firsts = [ms for f in logged for ms in f.first_flush_ms]
    ends = [ms for f in logged for ms in f.end_flush_ms]
    print(f"  flush before first text: median {median(firsts):.3f} ms, max {max(firsts):.3f} ms")
    print(f"  flush at the end: median {median(ends):.2f} ms, max {max(ends):.2f} ms")


async def measure(folder: Path, shape: Shape, runs: int) -> list[tuple[Figures, Figures]]:
    """``runs`` pairs of (with a writer, without), interleaved."""
    pairs = []
    for n in range(runs):
        logged = await run(folder / f"log-{n}-{shape.pace}.db", shape)
        pairs.append((logged, await run(None, shape)))
    return pairs


async def main_async(args: argparse.Namespace) -> None:
    ttft, policy = args.ttft_ms / 1000.0, POLICIES[args.policy]
    print(f"policy: {args.policy}")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        burst = Shape(args.turns, args.tokens, 0.0, ttft, policy)
        report("burst", await measure(folder, burst, args.runs), args.turns * args.tokens)
        print(f"  {timeline_bytes(folder / f'log-0-{burst.pace}.db')}")
        paced = Shape(1, int(args.tps * args.seconds), 1.0 / args.tps, ttft, policy)
        report(f"paced ({args.tps:g} tok/s)", await measure(folder, paced, args.runs), paced.tokens)
        print(f"  {timeline_bytes(folder / f'log-0-{paced.pace}.db')}")
        print(f"  (the growing answer row is written every {TEXT_FLUSH_INTERVAL_S} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--tokens", type=int, default=500)
    parser.add_argument("--tps", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--ttft-ms", type=float, default=20.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--policy", choices=sorted(POLICIES), default="plain")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
