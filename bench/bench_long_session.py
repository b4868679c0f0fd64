"""Long-session benchmark: does a turn, or a keystroke, cost more as the history grows?

The real app (headless, 120x40, HUD shown, logging to a throw-away database)
talks to the simulator, which runs as its own process (``tuichat sim serve``)
so that neither its CPU nor its memory (it keeps every request body, and a
long conversation's bodies add up quadratically) is counted here. One
session sends N prompts; each answer is ``--tokens`` tokens, sent at once.

Per turn:

* keystroke CPU: the next prompt's 30 characters typed with ``pilot.press``
  into the prompt (the app idle), plus the debounced pre-send estimate that
  follows them (its worker thread included: process CPU);
* turn CPU: from Enter to the answer settled: streamed, finished, idle
  rendering done, older answers parked or folded, no answer worker left;
* RSS after the turn (``VmRSS``), and the widgets in the transcript.

CPU is shown twice: the UI thread's (``time.thread_time`` of the event loop's
thread, which Pilot shares) and the whole process's (adds the log writer and
the estimate's threads). Each row is the median of the ``--window`` turns
ending at the row's turn, so one garbage collection does not make a trend.

Run: ``python bench/bench_long_session.py [--turns 200] [--tokens 5000]``
(``--quick``: 12 turns of 2,000 tokens, a smoke run of a minute or so).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import TYPE_CHECKING

from bench_stream import simulator, tui_app

if TYPE_CHECKING:
    from textual.pilot import Pilot
    from textual.widget import Widget

    from tuichat.ui.app import TuichatApp

KEYS = "the quick brown fox jumps over"  # 30 characters, typed before each Enter
ESTIMATE_WAIT_S = 0.4  # after the last key: the debounce (0.15 s) and the count
SETTLE_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class TurnFigures:
    """What one turn cost, and what the process held after it."""

    turn: int
    turn_ui_s: float
    turn_cpu_s: float
    keys_ui_s: float
    keys_cpu_s: float
    rss_mb: float
    widgets: tuple[int, int]
    """Mounted in the transcript, and of those laid out."""


def rss_mb() -> float:
    """The process's resident set now (``VmRSS``), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class CpuWatch:
    """CPU seconds spent between ``start`` and ``stop``: UI thread and whole process."""

    def start(self) -> None:
        self._ui, self._cpu = time.thread_time(), time.process_time()

    def stop(self) -> tuple[float, float]:
        return time.thread_time() - self._ui, time.process_time() - self._cpu


async def poll(predicate: Callable[[], bool], timeout: float = SETTLE_TIMEOUT_S) -> None:
    """Wait until ``predicate()`` holds (a guard against hanging, not a timing)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not settle")
        await asyncio.sleep(0.02)


def settled(app: TuichatApp) -> bool:
    """The turn is over and no answer view has work left (rendering, parking).

    Reads the transcript's own children: a DOM query would walk every widget
    of the screen on each poll, a cost of the harness that grows with them.
    """
    from tuichat.ui.widgets.messages import AssistantMessage

    if app.turn is None or app.turn.running:
        return False
    return not any(
        message.markdown.busy
        for message in app.transcript.children
        if isinstance(message, AssistantMessage)
    )


async def type_keys(pilot: Pilot[None], watch: CpuWatch) -> tuple[float, float]:
    """Type the next prompt, wait for its estimate; CPU of both."""
    watch.start()
    await pilot.press(*KEYS)
    await asyncio.sleep(ESTIMATE_WAIT_S)  # sleeping costs no CPU
    return watch.stop()


async def send_and_settle(
    pilot: Pilot[None], app: TuichatApp, watch: CpuWatch
) -> tuple[float, float]:
    """Press Enter and wait until the answer is settled; CPU of all of it."""
    watch.start()
    await pilot.press("enter")
    await poll(lambda: settled(app))
    await pilot.pause()
    return watch.stop()


def transcript_widgets(app: TuichatApp) -> tuple[int, int]:
    """Widgets in the transcript: mounted, and laid out (not under a hidden one)."""

    def laid_out(widget: Widget) -> int:
        return sum(1 + laid_out(child) for child in widget.children if child.display)

    transcript = app.transcript
    return sum(1 for _ in transcript.walk_children()), laid_out(transcript)


async def session(
    base_url: str, args: argparse.Namespace, report: Callable[[TurnFigures], None]
) -> None:
    model = f"sim?tokens={args.tokens}&tps=0&ttft_ms=0&content={args.content}"
    watch = CpuWatch()
    with TemporaryDirectory() as home:
        app = tui_app(base_url, model, Path(home))
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(1.5)  # prices and encodings warm up after start-up
            for turn in range(1, args.turns + 1):
                keys_ui, keys_cpu = await type_keys(pilot, watch)
                turn_ui, turn_cpu = await send_and_settle(pilot, app, watch)
                report(
                    TurnFigures(
                        turn,
                        turn_ui,
                        turn_cpu,
                        keys_ui,
                        keys_cpu,
                        rss_mb(),
                        transcript_widgets(app),
                    )
                )


def median_row(rows: list[TurnFigures]) -> TurnFigures:
    """Medians of the CPU figures; RSS and widgets as of the last turn."""

    def med(get: Callable[[TurnFigures], float]) -> float:
        return statistics.median(get(r) for r in rows)

    last = rows[-1]
    return TurnFigures(
        last.turn,
        med(lambda r: r.turn_ui_s),
        med(lambda r: r.turn_cpu_s),
        med(lambda r: r.keys_ui_s),
        med(lambda r: r.keys_cpu_s),
        last.rss_mb,
        last.widgets,
    )


HEADER = (
    f"{'turn':>5} | {'turn CPU: UI / process':>22} | {'30 keys CPU: UI / process':>25} |"
    f" {'RSS':>8} | widgets: mounted / laid out"
)


def row_text(r: TurnFigures) -> str:
    mounted, laid_out = r.widgets
    return (
        f"{r.turn:>5} | {r.turn_ui_s:9.3f} s / {r.turn_cpu_s:6.3f} s |"
        f" {r.keys_ui_s:12.3f} s / {r.keys_cpu_s:6.3f} s | {r.rss_mb:5.0f} MB |"
        f" {mounted:>7} / {laid_out}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=200, help="prompts in the session")
    parser.add_argument("--tokens", type=int, default=5000, help="tokens per answer")
    parser.add_argument("--content", default="markdown", choices=["prose", "markdown"])
    parser.add_argument("--marks", default="1,50,200", help="turns to report (comma-separated)")
    parser.add_argument("--window", type=int, default=5, help="turns per median")
    parser.add_argument("--every", type=int, default=10, help="progress to stderr every N turns")
    parser.add_argument("--quick", action="store_true", help="smoke run: 12 turns of 2,000 tokens")
    args = parser.parse_args()
    if args.quick:
        args.turns, args.tokens, args.marks, args.window = 12, 2000, "1,6,12", 3
    marks = sorted({min(int(m), args.turns) for m in args.marks.split(",")})
    rows: list[TurnFigures] = []

    def report(figures: TurnFigures) -> None:
        rows.append(figures)
        if figures.turn % args.every == 0 or figures.turn == 1:
            print(f"  {row_text(figures)}", file=sys.stderr, flush=True)

    with simulator() as base_url:
        print(
            f"simulator: {base_url}  ({args.turns} turns of {args.tokens} {args.content} tokens,"
            f" burst; 30 keys typed before each)",
            file=sys.stderr,
            flush=True,
        )
        started = time.monotonic()
        asyncio.run(session(base_url, args, report))
    gc.collect()
    print(f"\n{args.turns} turns of {args.tokens}-token {args.content} answers"
          f" ({time.monotonic() - started:.0f} s); CPU: median of the {args.window} turns"
          " up to each row")  # fmt: skip
    print(HEADER)
    for mark in marks:
        window = [r for r in rows if mark - args.window < r.turn <= mark]
        print(row_text(median_row(window)))


if __name__ == "__main__":
    main()
