"""SessionMetrics and the HUD snapshot: shown numbers are the logged numbers."""

from __future__ import annotations

import pytest

from tests.helpers.hud_events import at, attempt, cost, limits, streamed_turn, turn_started
from tuichat.core import events as ev
from tuichat.core.cost.budget_status import BudgetLine
from tuichat.core.health.breaker import BreakerSnapshot
from tuichat.core.metrics.session_metrics import SessionMetrics, TurnMetrics
from tuichat.store.batch import EventMapper, LogBatch


def observed(events: list[ev.Event]) -> SessionMetrics:
    metrics = SessionMetrics()
    for event in events:
        metrics.observe(event)
    return metrics


def test_the_hud_shows_the_ttft_and_ttfb_the_log_writes() -> None:
    events = streamed_turn(ttft=0.3, tokens=11, interval=0.01)
    metrics = observed(events)
    batch = LogBatch()
    mapper = EventMapper(wall_clock=lambda: 0.0)
    for event in events:
        mapper.add(batch, event)
    [logged] = batch.attempt_updates.values()
    latency = metrics.hud_snapshot(200.0, {}).latency
    assert latency.ttft_ms == logged["ttft_ms"] == pytest.approx(300.0)
    fall = latency.waterfall
    assert fall is not None
    connect, ttfb = fall.phase("connect").ms, fall.phase("TTFB").ms
    assert connect is not None and ttfb is not None
    assert connect + ttfb == pytest.approx(logged["ttfb_ms"])


def test_throughput_is_tokens_after_the_first_over_first_to_last() -> None:
    snap = observed(streamed_turn(tokens=101, interval=0.02)).hud_snapshot(500.0, {})
    assert snap.throughput.rate_avg == pytest.approx(50.0)
    assert snap.throughput.rate_now is None  # over: no "now"
    assert snap.throughput.output_tokens == 101 and not snap.throughput.output_estimated


def test_while_streaming_now_and_chunk_counts_are_live() -> None:
    events = streamed_turn(tokens=200, interval=0.01)[:-3]  # no usage, no end yet
    metrics = observed(events)
    last = events[-1].ts
    snap = metrics.hud_snapshot(last, {})
    assert snap.throughput.rate_now == pytest.approx(100.0, rel=0.05)
    assert snap.throughput.output_estimated and snap.throughput.output_tokens == 200
    assert snap.latency.status == "streaming"
    assert snap.throughput.sparkline


def test_cost_turn_session_today_and_budgets() -> None:
    metrics = observed([*streamed_turn(100.0), cost(101.0, 0.004)])
    metrics.observe(turn_started(200.0))
    metrics.observe(cost(201.0, 0.001, estimated=True))
    metrics.observe(cost(201.5, None, n=2))
    budget = BudgetLine("day", spent_usd=0.8, soft_usd=0.75, hard_usd=1.0)
    view = metrics.hud_snapshot(202.0, {}, today_usd=0.8, budgets=[budget]).cost
    assert view.turn_usd == pytest.approx(0.001) and view.turn_unpriced == 1
    assert view.session_usd == pytest.approx(0.005) and view.estimated
    assert view.today_usd == 0.8 and view.budgets == (budget,)


def test_nothing_known_is_none_not_zero() -> None:
    snap = SessionMetrics().hud_snapshot(0.0, {})
    assert snap.cost.turn_usd is None and snap.cost.session_usd is None
    assert snap.cost.today_usd is None and snap.cost.budgets == ()
    assert snap.cache.mode is None and snap.cache.today is None and snap.cache.session is None
    assert snap.cache.response.hit_rate is None and snap.cache.breaks.count == 0
    assert snap.limits.source is None and snap.limits.windows == ()
    assert snap.health.error_rate is None and snap.latency.ttft_ms is None


def test_prompt_cache_share_for_the_turn_and_the_session() -> None:
    snap = observed(streamed_turn()).hud_snapshot(200.0, {})
    assert snap.cache.turn is not None and snap.cache.turn.share == pytest.approx(0.25)
    assert snap.cache.session is not None and snap.cache.session.cached == 5


def test_limits_and_health_from_headers_and_breakers() -> None:
    metrics = observed([turn_started(1.0), attempt(1.0), limits(1.1, 25, 100, 12.0)])
    breakers = {
        "p@h": BreakerSnapshot("open", 3, 0.5, 20.0, successes=3, failures=3, rate_limited=0)
    }
    snap = metrics.hud_snapshot(3.1, breakers)
    [window] = snap.limits.windows
    assert (window.name, window.fraction_left, window.reset_in_s) == ("requests", 0.25, 10.0)
    [provider] = snap.health.providers
    assert provider.state == "open" and provider.availability == 0.5
    assert provider.retry_in_s == 20.0


def test_a_retry_moves_the_waterfall_to_the_answering_attempt() -> None:
    events = [
        turn_started(0.0),
        attempt(0.0),
        at(ev.AttemptEnded, 0.5, attempt=1, status="failed", error_type="server_error"),
        at(ev.RetryScheduled, 0.5, attempt=1, model="m", wait_s=1.0, reason="500"),
        attempt(1.5, n=2),
        at(ev.FirstToken, 1.7, attempt=2),
        at(ev.TextDelta, 1.7, attempt=2, text="x"),
        at(ev.TurnFinished, 1.8, text="x", finish_reason="stop", model="m"),
    ]
    metrics = observed(events)
    snap = metrics.hud_snapshot(5.0, {})
    assert snap.latency.ttft_ms == pytest.approx(200.0)
    fall = snap.latency.waterfall
    assert fall is not None and fall.earlier_attempts == 1
    assert fall.phase("retries").ms == pytest.approx(1500.0)
    assert snap.health.retries == 1 and snap.health.error_rate == 1.0


def test_turn_metrics_alone_still_serve_ask() -> None:
    metrics = TurnMetrics()
    for event in streamed_turn(tokens=3, interval=0.1):
        metrics.observe(event)
    snap = metrics.snapshot(0)
    assert snap.ttft_ms == pytest.approx(300.0) and snap.status == "ok"
    assert snap.tokens_per_s == pytest.approx(10.0)
