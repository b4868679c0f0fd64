"""A long session's metrics hold bounded state: as much after 1,200 turns as after 600."""

from __future__ import annotations

import gc
from types import FunctionType, ModuleType

from tests.helpers.hud_events import cost, limits, streamed_turn
from tuichat.core.clock import ManualClock
from tuichat.core.health.breaker import BreakerBoard
from tuichat.core.metrics.session_metrics import SessionMetrics
from tuichat.core.metrics.session_stats import TTFT_SAMPLES


def reachable(root: object) -> int:
    """Objects reachable from ``root`` (types, modules and functions aside)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, type | ModuleType | FunctionType):
            continue
        seen.add(id(obj))
        stack.extend(gc.get_referents(obj))
    return len(seen)


def play(metrics: SessionMetrics, turns: range) -> None:
    """Long turns (2,000 tokens each), priced, with rate-limit readings."""
    for turn in turns:
        start = turn * 100.0
        for event in streamed_turn(start, tokens=2000, interval=0.005):
            metrics.observe(event)
        metrics.observe(cost(start + 20, 0.001))
        metrics.observe(limits(start + 20, remaining=90, limit=100, reset_in=30))


def test_metrics_state_does_not_grow_with_the_turns() -> None:
    metrics = SessionMetrics()
    play(metrics, range(TTFT_SAMPLES + 100))  # the TTFT samples are full from here on
    full = reachable(metrics)
    play(metrics, range(TTFT_SAMPLES + 100, 2 * (TTFT_SAMPLES + 100)))
    assert reachable(metrics) <= full + 10  # no per-turn lists, no per-token state
    snapshot = metrics.hud_snapshot(50_000.0, BreakerBoard(ManualClock()).snapshot())
    assert snapshot is not None
