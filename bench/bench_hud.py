"""HUD benchmark: what the ops HUD costs while an answer streams, HUD shown vs hidden.

The same 200 tok/s stream from the simulator (its own process, on loopback)
is rendered by the real app three ways, interleaved run by run so drift on a
shared machine hits all alike:

* ``shown``: the HUD as users see it;
* ``hidden``: the HUD hidden (ctrl+b), the transcript taking the full width;
* ``same width``: the HUD hidden but the transcript kept as narrow as when it
  is shown. Narrower text wraps into more lines, and laying those out costs
  the transcript more; this run separates that from the HUD's own cost.

Measured per run:

* HUD CPU: CPU time (``time.thread_time``) inside ``refresh_hud`` (snapshot,
  formatting, widget updates) plus inside the HUD widgets' ``render_lines``
  (painting), per second of streaming, and as a share of the UI thread's CPU
  over the same stream;
* UI thread CPU per second of streaming (``time.thread_time`` of the event
  loop's thread, send → last token): everything the app does on the loop,
  including what the compositor spends on the HUD. The log writer's thread
  and the simulator's process are left out, so their noise is too;
* render lag at the end: the simulator's last byte → the first frame showing
  the whole answer (bench_stream's frame timing).

The HUD may add at most 10% to the UI thread's CPU and to the lag; the figures
are printed against each other with the differences in %.

Run: ``python bench/bench_hud.py [--runs 6] [--tokens 1000] [--tps 200]``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bench_stream import ms, painted_lag, simulator, tui_timeline

from tuichat.core.events import Event, TurnFinished
from tuichat.ui.app import TuichatApp
from tuichat.ui.widgets.hud import HudHeader
from tuichat.ui.widgets.hud_panel import HudPanel

LIMIT = 0.10
HUD_WIDGETS = (HudPanel, HudHeader)


@dataclass
class HudCost:
    """CPU seconds spent in the HUD during one run, by where."""

    refresh_s: float = 0.0
    refreshes: int = 0
    paint_s: float = 0.0

    @property
    def total_s(self) -> float:
        return self.refresh_s + self.paint_s


MODES = ("shown", "hidden", "same width")


@dataclass
class Run:
    """One streamed answer: lag, CPU and the HUD's part of it."""

    mode: str
    lag_s: float
    stream_s: float
    cpu_s: float
    """UI thread CPU seconds over the stream."""
    hud_cost: HudCost = field(default_factory=HudCost)

    @property
    def cpu_per_s(self) -> float:
        return self.cpu_s / self.stream_s

    @property
    def hud_per_s(self) -> float:
        return self.hud_cost.total_s / self.stream_s


@contextmanager
def timed_paint(cost: HudCost) -> Iterator[None]:
    """Count thread CPU time in the HUD widgets' ``render_lines`` while active."""
    originals = {cls: cls.render_lines for cls in HUD_WIDGETS}

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        def render_lines(self: Any, crop: Any) -> Any:
            start = time.thread_time()
            try:
                return original(self, crop)
            finally:
                cost.paint_s += time.thread_time() - start

        return render_lines

    for cls, original in originals.items():
        cls.render_lines = wrap(original)  # type: ignore[method-assign]
    try:
        yield
    finally:
        for cls, original in originals.items():
            cls.render_lines = original  # type: ignore[method-assign]


class Probe:
    """Prepares one app for a mode, times the HUD's refresh, stamps CPU at send and end."""

    def __init__(self, mode: str, cost: HudCost) -> None:
        self.mode, self.cost = mode, cost
        self.sent_at = self.sent_cpu = self.done_at = self.done_cpu = 0.0

    def __call__(self, app: TuichatApp) -> None:
        if self.mode != "shown":
            hud_width = app.hud.outer_size.width
            app.action_toggle_hud()
            if self.mode == "same width":
                transcript = app.query_one("#transcript")
                transcript.styles.width = app.size.width - hud_width
        refresh = app.refresh_hud

        def timed_refresh() -> None:
            start = time.thread_time()
            refresh()
            self.cost.refresh_s += time.thread_time() - start
            self.cost.refreshes += 1

        app.refresh_hud = timed_refresh  # type: ignore[method-assign]
        app.session.tap(self.observe)
        self.sent_at, self.sent_cpu = time.monotonic(), time.thread_time()

    def observe(self, event: Event) -> None:
        if isinstance(event, TurnFinished):
            self.done_at, self.done_cpu = time.monotonic(), time.thread_time()


async def one_run(base_url: str, model: str, mode: str) -> Run:
    cost = HudCost()
    probe = Probe(mode, cost)
    with timed_paint(cost):
        timeline = await tui_timeline(base_url, model, probe)
    return Run(
        mode=mode,
        lag_s=painted_lag(timeline),
        stream_s=probe.done_at - probe.sent_at,
        cpu_s=probe.done_cpu - probe.sent_cpu,
        hud_cost=cost,
    )


def median(values: list[float]) -> float:
    return statistics.median(values)


def verdict(added: float) -> str:
    return "ok" if added <= LIMIT else f"OVER the {LIMIT:.0%} limit"


def report(runs: dict[str, list[Run]]) -> None:
    shown = runs["shown"]
    hud_per_s = median([r.hud_per_s for r in shown])
    share = median([r.hud_cost.total_s / r.cpu_s for r in shown])
    refreshes = median([r.hud_cost.refreshes / r.stream_s for r in shown])
    paint = median([r.hud_cost.paint_s / r.stream_s for r in shown])
    print(f"\nHUD CPU per second of streaming (median of {len(shown)}):")
    print(f"  refresh + paint           {ms(hud_per_s)}   ({refreshes:.1f} refreshes/s)")
    print(f"    of which painting       {ms(paint)}")
    print(f"  share of UI thread CPU    {share:8.1%}   {verdict(share)}")
    compare("UI thread CPU per second of streaming", runs, lambda r: r.cpu_per_s)
    compare(
        "Render lag at the end (last byte -> frame with the whole answer)", runs, lambda r: r.lag_s
    )


def compare(title: str, runs: dict[str, list[Run]], value: Callable[[Run], float]) -> None:
    """Medians per mode, and the HUD shown against each way of not showing it.

    The difference is the median of each round's ratio (runs of one round are
    back to back), so slow drift on a shared machine cancels out.
    """
    shown = [value(r) for r in runs["shown"]]
    print(f"\n{title}:")
    print(f"  HUD shown                 {ms(median(shown))}")
    for mode in ("hidden", "same width"):
        other = [value(r) for r in runs[mode]]
        added = median([a / b for a, b in zip(shown, other, strict=True)]) - 1
        label = f"HUD {mode}" if mode == "hidden" else "hidden, same width"
        print(f"  {label:<25} {ms(median(other))}   shown {added:+.1%} ({verdict(added)})")


async def main_async(args: argparse.Namespace) -> None:
    model = f"sim?tokens={args.tokens}&tps={args.tps:g}&ttft_ms=0&content=prose"
    with simulator() as base_url:
        print(
            f"simulator: {base_url}  ({args.tokens} tokens at {args.tps:g} tok/s, "
            f"{args.runs} runs per mode, interleaved)"
        )
        await one_run(base_url, model, "shown")  # warm-up: imports, caches
        runs: dict[str, list[Run]] = {mode: [] for mode in MODES}
        for i in range(args.runs):
            for mode in MODES[i % 3 :] + MODES[: i % 3]:  # rotate the order
                run = await one_run(base_url, model, mode)
                runs[mode].append(run)
                print(
                    f"  run {i + 1} {mode:<10}: lag {ms(run.lag_s)}, "
                    f"CPU {ms(run.cpu_per_s)}/s, HUD {ms(run.hud_per_s)}/s",
                    flush=True,
                )
    report(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=6, help="runs per mode")
    parser.add_argument("--tokens", type=int, default=1000, help="answer length in tokens")
    parser.add_argument("--tps", type=float, default=200.0, help="tokens per second")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
