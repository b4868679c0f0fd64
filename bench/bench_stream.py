"""Streaming benchmark: tuichat against a raw httpx + httpx-sse floor, in one run.

The simulator runs as a separate process (``tuichat sim serve``) on loopback.
``time.monotonic`` is system-wide on Linux, so the simulator's record of when
it wrote the last byte compares directly with the client's clock.

Measured:

* TTFT overhead (p50): raw client's time to the first content token vs
  tuichat's time to the first *released* text (what the UI renders), for the
  same request, interleaved to cancel drift.
* Burst lag: a 3,000-token answer sent at once; time from the simulator's
  last byte to the last character being in the transcript (tuichat TUI,
  headless Textual) vs to the raw client having printed it. The first
  figure waits for Pilot to see the app idle and then for one more frame,
  so it carries ~100 ms of harness time even for a 3-token answer; the
  second is the frame itself: the first paint that shows the whole answer
  (``App._display`` is wrapped to timestamp every frame).
* Rate (``--rate``): 2,000 tokens at 200 tok/s. Lag at the end (last byte →
  the frame that shows the whole answer), the longest gap between frames and
  between frames that changed the answer while streaming, and how long text
  released by the core waits for a frame (early vs late in the answer: this
  must not grow with the answer's length). Against the raw client's lag and
  longest gap between reads, and the core's own longest gap between releases
  (the UI cannot update the answer more often than it gets text).

``--gc-freeze`` shows what the app would gain from ``gc.freeze()`` once it
has started: every TUI run then freezes the start-up heap first, so full
garbage collections (30-80 ms here, mid-stream) only walk what came after.

Run: ``python bench/bench_stream.py [--runs 40] [--markdown] [--rate] [--gc-freeze]``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import TYPE_CHECKING

import httpx
from httpx_sse import aconnect_sse

from tuichat.core.events import TextReleased, TurnFinished
from tuichat.core.turn.chat import ChatSession
from tuichat.providers.openai_compat import OpenAICompatProvider

if TYPE_CHECKING:
    from tuichat.ui.app import TuichatApp

BODY_PROMPT = [{"role": "user", "content": "benchmark"}]
GC_FREEZE = False  # --gc-freeze: freeze the heap once each app has started


@asynccontextmanager
async def frozen_heap() -> AsyncIterator[None]:
    """With ``--gc-freeze``: leave the heap so far out of full collections."""
    if GC_FREEZE:
        gc.collect()
        gc.freeze()
    try:
        yield
    finally:
        if GC_FREEZE:
            gc.unfreeze()


@contextmanager
def simulator() -> Iterator[str]:
    """Start ``tuichat sim serve`` in its own process; yield its base URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tuichat", "sim", "serve", "--port", "0", "--ttft-ms", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    try:
        yield line.strip().rsplit(" ", 1)[-1]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def last_record(client: httpx.AsyncClient, base_url: str) -> dict[str, object]:
    """The simulator's record of the most recent request."""
    response = await client.get(base_url.removesuffix("/v1") + "/_sim/requests")
    records: list[dict[str, object]] = response.json()
    return records[-1]


async def raw_first_token(client: httpx.AsyncClient, base_url: str, model: str) -> float:
    """Seconds from send to the first content token, raw httpx + httpx-sse."""
    body = {"model": model, "messages": BODY_PROMPT, "stream": True}
    start = time.monotonic()
    async with aconnect_sse(client, "POST", f"{base_url}/chat/completions", json=body) as src:
        async for sse in src.aiter_sse():
            if sse.data == "[DONE]":
                break
            choices = json.loads(sse.data).get("choices") or [{}]
            if choices[0].get("delta", {}).get("content"):
                elapsed = time.monotonic() - start
                break
    return elapsed


async def tuichat_first_token(session: ChatSession) -> float:
    """Seconds from send to the first text the UI would render."""
    start = time.monotonic()
    turn = session.start_turn("benchmark")
    elapsed = 0.0
    async for event in turn:
        if isinstance(event, TextReleased) and not elapsed:
            elapsed = time.monotonic() - start
    return elapsed


async def bench_ttft(base_url: str, runs: int) -> tuple[list[float], list[float]]:
    """Interleaved TTFT samples (seconds) for the raw client and tuichat."""
    model = "sim?tokens=3&ttft_ms=0&tps=0"
    provider = OpenAICompatProvider(base_url)
    session = ChatSession(provider, model)
    raw, ours = [], []
    async with httpx.AsyncClient() as client:
        for i in range(runs + 3):
            r = await raw_first_token(client, base_url, model)
            t = await tuichat_first_token(session)
            session.conversation.messages.clear()
            if i >= 3:  # warm-up: connection set-up, first imports
                raw.append(r)
                ours.append(t)
    await provider.aclose()
    return raw, ours


async def raw_stream(base_url: str, model: str) -> tuple[float, float]:
    """Raw floor: (last byte → last text written to /dev/null, longest gap between writes)."""
    body = {"model": model, "messages": BODY_PROMPT, "stream": True}
    writes: list[float] = []
    sink = os.open(os.devnull, os.O_WRONLY)  # unbuffered, like a flushed print
    try:
        async with httpx.AsyncClient() as client:
            url = f"{base_url}/chat/completions"
            async with aconnect_sse(client, "POST", url, json=body) as src:
                async for sse in src.aiter_sse():
                    if sse.data == "[DONE]":
                        break
                    for choice in json.loads(sse.data).get("choices") or []:
                        os.write(sink, (choice.get("delta", {}).get("content") or "").encode())
                        writes.append(time.monotonic())
            done = time.monotonic()
            record = await last_record(client, base_url)
    finally:
        os.close(sink)
    return done - float(record["last_byte_at"]), longest_gap(writes)  # type: ignore[arg-type]


async def raw_burst_lag(base_url: str, model: str) -> float:
    """Raw floor: last byte written by the server → last text written to /dev/null."""
    lag, _gap = await raw_stream(base_url, model)
    return lag


def longest_gap(times: list[float]) -> float:
    """The longest interval between consecutive timestamps."""
    return max((b - a for a, b in pairwise(times)), default=0.0)


async def poll(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait until ``predicate()`` holds (for app state that has no event)."""
    for _ in range(int(timeout / 0.001)):
        if predicate():
            return
        await asyncio.sleep(0.001)


@dataclass
class Timeline:
    """What one streamed turn looked like: releases by the core, frames painted."""

    releases: list[tuple[float, int]] = field(default_factory=list)  # (time, chars so far)
    frames: list[tuple[float, int]] = field(default_factory=list)  # (time, answer chars shown)
    complete_at: float | None = None  # first frame with the whole answer, final
    last_byte_at: float = 0.0

    def shown_at(self, chars: int) -> float | None:
        """When a frame first showed at least ``chars`` of the answer."""
        return next((t for t, shown in self.frames if shown >= chars), None)

    def waits(self) -> list[float]:
        """For each release: seconds until a frame showed it."""
        waits = []
        for released, chars in self.releases:
            shown = self.shown_at(chars)
            if shown is not None:
                waits.append(max(0.0, shown - released))
        return waits

    def streaming_frames(self) -> list[tuple[float, int]]:
        """Frames from the first one showing text to the one completing the answer."""
        end = self.complete_at if self.complete_at is not None else float("inf")
        return [(t, n) for t, n in self.frames if n > 0 and t <= end]

    def answer_updates(self) -> list[float]:
        """Times of frames that changed how much of the answer was shown."""
        times, last = [], -1
        for t, shown in self.streaming_frames():
            if shown != last:
                times.append(t)
                last = shown
        return times


def watch_frames(app: TuichatApp, timeline: Timeline, expected: Callable[[], str]) -> None:
    """Wrap ``App._display`` to timestamp every frame with the answer chars shown."""
    from tuichat.ui.widgets.messages import AssistantMessage

    display = app._display
    answers: list[AssistantMessage] = []  # found once, then kept: no DOM query per frame

    def timed_display(screen: object, renderable: object) -> None:
        display(screen, renderable)  # type: ignore[arg-type]
        if renderable is None or app._batch_count:
            return
        now = time.monotonic()
        if not answers:
            answers.extend(app.query(AssistantMessage))
        view = answers[-1].markdown if answers else None
        shown = sum(len(s.shown) for s in view.segments) if view is not None else 0
        timeline.frames.append((now, shown))
        full = expected()
        done = view is not None and bool(full) and not view.streaming and view.source == full
        if done and timeline.complete_at is None:
            timeline.complete_at = now

    app._display = timed_display  # type: ignore[method-assign]


def tui_app(base_url: str, model: str, home: Path) -> TuichatApp:
    """The real app, talking to the simulator, logging to a throw-away database."""
    from tuichat.config import ModelSpec
    from tuichat.ui.app import TuichatApp
    from tuichat.ui.chat_options import ChatOptions

    spec = ModelSpec("bench", "openai-compat", model, origin="bench", base_url=base_url)
    options = ChatOptions(model=spec, database=home / "bench.db")
    return TuichatApp(options.chat(OpenAICompatProvider(base_url)))


async def tui_burst_lag(base_url: str, model: str, hud: bool = True) -> float:
    """tuichat TUI: last byte → the whole answer in the transcript and painted.

    Measured through Pilot: it returns once the app is idle, then waits one
    more frame (harness time included).
    """
    from tuichat.ui.widgets.messages import AssistantMessage

    with TemporaryDirectory() as home:
        app = tui_app(base_url, model, Path(home))
        finished = asyncio.Event()
        async with app.run_test(size=(120, 40)) as pilot, frozen_heap():
            app.session.tap(lambda e: finished.set() if isinstance(e, TurnFinished) else None)
            app.query_one("#prompt").text = "benchmark"  # type: ignore[attr-defined]
            await pilot.press("enter")
            await finished.wait()
            await poll(lambda: not app.streaming)
            answer = app.query_one(AssistantMessage)
            await answer.finish()  # no-op if done; waits for pending markdown
            await pilot.pause()  # one frame: the text is painted
            done = time.monotonic()
            async with httpx.AsyncClient() as client:
                record = await last_record(client, base_url)
    return done - float(record["last_byte_at"])  # type: ignore[arg-type]


async def tui_timeline(
    base_url: str, model: str, prepare: Callable[[TuichatApp], None] | None = None
) -> Timeline:
    """tuichat TUI: one streamed turn, every frame timestamped.

    ``prepare`` runs on the started app just before the prompt is sent (e.g.
    to hide the HUD or to instrument it).
    """
    timeline = Timeline()
    with TemporaryDirectory() as home:
        app = tui_app(base_url, model, Path(home))
        finished = asyncio.Event()
        text: list[str] = []

        def observe(event: object) -> None:
            if isinstance(event, TextReleased):
                text.append(event.text)
                so_far = (timeline.releases[-1][1] if timeline.releases else 0) + len(event.text)
                timeline.releases.append((time.monotonic(), so_far))
            elif isinstance(event, TurnFinished):
                finished.set()

        async with app.run_test(size=(120, 40)) as pilot, frozen_heap():
            watch_frames(app, timeline, lambda: "".join(text) if finished.is_set() else "")
            app.session.tap(observe)
            if prepare is not None:
                prepare(app)
            app.query_one("#prompt").text = "benchmark"  # type: ignore[attr-defined]
            await pilot.press("enter")
            await finished.wait()
            await poll(lambda: timeline.complete_at is not None)
            async with httpx.AsyncClient() as client:
                record = await last_record(client, base_url)
    timeline.last_byte_at = float(record["last_byte_at"])  # type: ignore[arg-type]
    return timeline


def painted_lag(timeline: Timeline) -> float:
    """Last byte → the first frame showing the whole answer."""
    assert timeline.complete_at is not None, "the whole answer never reached the screen"
    return timeline.complete_at - timeline.last_byte_at


def p50(values: list[float]) -> float:
    return statistics.median(values)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f} ms"


async def main_async(args: argparse.Namespace) -> None:
    global GC_FREEZE
    GC_FREEZE = args.gc_freeze
    with simulator() as base_url:
        freeze = ", gc.freeze() after start-up" if GC_FREEZE else ""
        print(f"simulator: {base_url}  (runs={args.runs}{freeze})")
        raw, ours = await bench_ttft(base_url, args.runs)
        print("\nTime to first token (p50), same request, interleaved:")
        print(f"  raw httpx + httpx-sse     {ms(p50(raw))}")
        print(f"  tuichat (released text)   {ms(p50(ours))}")
        print(f"  overhead p50              {ms(p50(ours) - p50(raw))}   (target <= 5 ms)")
        kinds = [("prose", "3,000-token burst", 100)]
        if args.markdown:
            kinds.append(("markdown", "3,000-token markdown burst", 300))
        for content, label, target in kinds:
            await bench_burst(base_url, content, label, target, args.burst_runs)
        if args.rate:
            for content in ("prose", "markdown"):
                await bench_rate(base_url, content, args.rate_runs)


async def bench_burst(base_url: str, content: str, label: str, target: int, runs: int) -> None:
    """A 3,000-token answer sent at once: floor, Pilot-measured, and frame-measured."""
    model = f"sim?tokens=3000&tps=0&ttft_ms=0&content={content}"
    floor = [await raw_burst_lag(base_url, model) for _ in range(runs)]
    tui = [await tui_burst_lag(base_url, model) for _ in range(runs)]
    painted = [painted_lag(await tui_timeline(base_url, model)) for _ in range(runs)]
    print(f"\n{label}: last byte -> last character on screen (median of {runs}):")
    print(f"  raw client (floor)        {ms(p50(floor))}")
    print(f"  tuichat TUI               {ms(p50(tui))}")
    print(f"  difference                {ms(p50(tui) - p50(floor))}")
    print(f"  tuichat TUI, frame        {ms(p50(painted))}   (target <= {target} ms)")


async def bench_rate(base_url: str, content: str, runs: int) -> None:
    """2,000 tokens at 200 tok/s: lag at the end, gaps between frames, waits for a frame."""
    model = f"sim?tokens=2000&tps=200&ttft_ms=0&content={content}"
    floor = [await raw_stream(base_url, model) for _ in range(runs)]
    timelines = [await tui_timeline(base_url, model) for _ in range(runs)]
    frames = [longest_gap([t for t, _ in tl.streaming_frames()]) for tl in timelines]
    updates = [longest_gap(tl.answer_updates()) for tl in timelines]
    released = [longest_gap([t for t, _ in tl.releases]) for tl in timelines]
    waits = [tl.waits() or [0.0] for tl in timelines]
    early = [w[: max(1, len(w) // 4)] for w in waits]
    late = [w[-max(1, len(w) // 4) :] for w in waits]
    print(f"\n2,000 tokens at 200 tok/s, {content} (median of {runs}):")
    print(f"  raw client: lag at the end            {ms(p50([lag for lag, _ in floor]))}")
    print(f"  raw client: longest gap between reads {ms(p50([gap for _, gap in floor]))}")
    print(
        f"  tuichat: lag at the end (frame)       {ms(p50(list(map(painted_lag, timelines))))}"
        "   (target <= 50 ms)"
    )
    print(f"  tuichat: longest gap between frames   {ms(p50(frames))}   (target <= 100 ms)")
    print(f"  tuichat: longest gap, answer updates  {ms(p50(updates))}")
    print(f"  core: longest gap between releases    {ms(p50(released))}   (the UI's floor)")
    for label, part in (("first quarter", early), ("last quarter ", late)):
        typical, worst = p50([p50(w) for w in part]), p50([max(w) for w in part])
        print(f"  text waits for a frame, {label} {ms(typical)} median,{ms(worst)} max")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40, help="TTFT samples per client")
    parser.add_argument("--burst-runs", type=int, default=3, help="burst repetitions")
    parser.add_argument("--markdown", action="store_true", help="also a markdown-heavy burst")
    parser.add_argument("--rate", action="store_true", help="also 2,000 tokens at 200 tok/s")
    parser.add_argument("--rate-runs", type=int, default=1, help="rate repetitions (10 s each)")
    parser.add_argument(
        "--gc-freeze", action="store_true", help="freeze the heap after each app starts"
    )
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
