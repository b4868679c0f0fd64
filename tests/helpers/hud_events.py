"""Synthetic turn events with explicit timestamps, for the metrics and cost tests."""

from __future__ import annotations

from typing import Any

from tuichat.core import events as ev
from tuichat.core.limit_state import LimitWindow, RateLimitState

TRACE = "trace-1"


def at(kind: type[ev.Event], ts: float, **fields: Any) -> Any:
    """An event of ``kind`` at monotonic ``ts`` on the test trace."""
    return kind(trace_id=fields.pop("trace_id", TRACE), ts=ts, **fields)


def turn_started(ts: float, model: str = "m") -> ev.TurnStarted:
    return at(ev.TurnStarted, ts, session_id="s", prompt="p", model=model, wall_time=1e9)


def attempt(ts: float, n: int = 1, model: str = "m", provider: str = "p") -> ev.AttemptStarted:
    return at(ev.AttemptStarted, ts, attempt=n, model=model, provider=provider, base_url_host="h")


def cost(
    ts: float, usd: float | None, n: int = 1, estimated: bool = False, **fields: Any
) -> ev.CostReported:
    """A priced attempt; ``fields`` override the defaults (trace_id, tokens, ...)."""
    values: dict[str, Any] = {
        "model": "m",
        "input_cost_usd": None,
        "output_cost_usd": None,
        "input_tokens": 10,
        "output_tokens": 5,
        "cached_input_tokens": 0,
        "price_source": "test",
    }
    values.update(fields)
    return at(ev.CostReported, ts, attempt=n, cost_usd=usd, estimated=estimated, **values)


def limits(ts: float, remaining: int, limit: int, reset_in: float) -> ev.RateLimitObserved:
    window = LimitWindow(limit=limit, remaining=remaining, reset_at=ts + reset_in)
    state = RateLimitState(window, None, None, None, observed_at=ts, source="openai")
    return at(ev.RateLimitObserved, ts, attempt=1, state=state)


def streamed_turn(
    start: float = 100.0,
    *,
    ttft: float = 0.3,
    tokens: int = 11,
    interval: float = 0.01,
    connect_ms: float | None = 2.0,
) -> list[ev.Event]:
    """A turn: started, attempt, headers after 50 ms, then ``tokens`` tokens, finished."""
    events: list[ev.Event] = [turn_started(start), attempt(start + 0.001)]
    events.append(
        at(
            ev.HeadersReceived,
            start + 0.051,
            attempt=1,
            status_code=200,
            connect_ms=connect_ms,
            connection_reused=connect_ms == 0,
        )
    )
    first = start + 0.001 + ttft
    events.append(at(ev.FirstToken, first, attempt=1))
    for i in range(tokens):
        events.append(at(ev.TextDelta, first + i * interval, attempt=1, text="x"))
    last = first + (tokens - 1) * interval
    events.append(
        at(
            ev.UsageReported,
            last + 0.002,
            attempt=1,
            input_tokens=20,
            output_tokens=tokens,
            cached_input_tokens=5,
        )
    )
    events.append(at(ev.AttemptEnded, last + 0.003, attempt=1, status="ok"))
    events.append(
        at(ev.TurnFinished, last + 0.003, text="x" * tokens, finish_reason="stop", model="m")
    )
    return events
