"""OpenTelemetry's cost on the event loop, per turn: on (exporting to a loopback collector) vs off.

A turn's events (one attempt, ``--chunks`` text deltas each followed by its
released text, usage, cost, end) are fed to the consumer the factory taps
onto a session, as the turn's task would: ``off`` is a tap that does
nothing (the floor), ``on`` is :class:`tuichat.telemetry.LiveTelemetry`
with its export thread running and sending every batch over OTLP/HTTP to a
small receiver on 127.0.0.1 (so the thread competes for the GIL as it would
live). Reported: the loop's time per turn (median and p99 over ``--turns``),
and the difference. Target (issue 12): OTel on adds < 1 ms per turn.

Run: ``python bench/bench_otel.py [--turns 2000] [--chunks 300]``.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tuichat.core.events import (
    AttemptEnded,
    AttemptStarted,
    CostReported,
    Event,
    FirstToken,
    HeadersReceived,
    TextDelta,
    TextReleased,
    TurnFinished,
    TurnStarted,
    UsageReported,
)
from tuichat.telemetry import LiveTelemetry, TelemetryTarget


def turn_events(n: int, chunks: int) -> list[Event]:
    """One streamed turn's events, as the core emits them."""
    trace, t = f"{n + 1:032x}", float(n)
    events: list[Event] = [
        TurnStarted(trace_id=trace, ts=t, session_id="s-bench", prompt="hi", model="m",
                    wall_time=1.7e9 + t),
        AttemptStarted(trace_id=trace, ts=t, attempt=1, model="m", provider="openai",
                       base_url_host="127.0.0.1"),
        HeadersReceived(trace_id=trace, ts=t + 0.01, attempt=1, status_code=200),
        FirstToken(trace_id=trace, ts=t + 0.02, attempt=1),
    ]  # fmt: skip
    for i in range(chunks):
        at = t + 0.02 + i * 0.001
        events.append(TextDelta(trace_id=trace, ts=at, attempt=1, text="word "))
        events.append(TextReleased(trace_id=trace, ts=at, text="word "))
    end = t + 0.5
    events += [
        UsageReported(trace_id=trace, ts=end, attempt=1, input_tokens=10, output_tokens=chunks),
        CostReported(trace_id=trace, ts=end, attempt=1, model="m", cost_usd=0.001,
                     input_cost_usd=0.0, output_cost_usd=0.001, input_tokens=10,
                     output_tokens=chunks, cached_input_tokens=0, price_source="bench",
                     estimated=False),
        AttemptEnded(trace_id=trace, ts=end, attempt=1, status="ok", finish_reason="stop"),
        TurnFinished(trace_id=trace, ts=end, text="word " * chunks, finish_reason="stop",
                     model="m"),
    ]  # fmt: skip
    return events


def per_turn(observe: Callable[[Event], None], turns: list[list[Event]]) -> list[float]:
    """Seconds the loop spends handing each turn's events to ``observe``."""
    costs = []
    for events in turns:
        start = time.perf_counter()
        for event in events:
            observe(event)
        costs.append(time.perf_counter() - start)
        time.sleep(0)  # let the export thread run between turns, as a live chat would
    return costs


class _Ok(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=2000)
    parser.add_argument("--chunks", type=int, default=300)
    opts = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    turns = [turn_events(n, opts.chunks) for n in range(opts.turns)]
    off = per_turn(lambda event: None, turns)
    live = LiveTelemetry(TelemetryTarget(endpoint=endpoint, source="bench"),
                         queue_turns=opts.turns + 1)  # fmt: skip
    live.start()
    time.sleep(2.0)  # the SDK loads on the thread first
    on = per_turn(live.observe, turns)
    live.close(timeout_s=30.0)
    server.shutdown()
    _report(off, on, live, opts)


def _report(
    off: list[float], on: list[float], live: LiveTelemetry, opts: argparse.Namespace
) -> None:
    def ms(values: list[float], q: float) -> float:
        return sorted(values)[min(len(values) - 1, int(q * len(values)))] * 1000

    print(f"{opts.turns} turns of {opts.chunks} chunks ({2 * opts.chunks + 8} events each)")
    for name, values in (("off (no-op tap)", off), ("on (OTel)", on)):
        print(f"  {name:<16} median {statistics.median(values) * 1000:.3f} ms  "
              f"p99 {ms(values, 0.99):.3f} ms per turn")  # fmt: skip
    added = (statistics.median(on) - statistics.median(off)) * 1000
    print(f"  added by OTel: {added:.3f} ms per turn (median); target < 1 ms")
    print(f"  {live.stats.line()}")


if __name__ == "__main__":
    main()
