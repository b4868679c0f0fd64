"""Session aggregates: TTFT percentiles per model, errors, 429s, prompt cache, cost, limits."""

from __future__ import annotations

import pytest

from tests.helpers.hud_events import at, attempt, cost, limits
from tuichat.core import events as ev
from tuichat.core.metrics.session_stats import TTFT_SAMPLES, SessionStats, percentile


def ended(ts: float, status: str, error_type: str | None = None, n: int = 1) -> ev.AttemptEnded:
    return at(ev.AttemptEnded, ts, attempt=n, status=status, error_type=error_type)


def test_percentile_interpolates_between_samples() -> None:
    assert percentile([], 0.5) is None
    assert percentile([7.0], 0.95) == 7.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile([float(i) for i in range(101)], 0.95) == pytest.approx(95.0)


def test_ttft_percentiles_are_per_model() -> None:
    stats = SessionStats()
    for i, ttft in enumerate([0.1, 0.2, 0.3, 0.4, 1.0]):
        t = i * 10.0
        stats.observe(attempt(t, model="fast"))
        stats.observe(at(ev.FirstToken, t + ttft, attempt=1))
    stats.observe(attempt(100.0, model="slow"))
    stats.observe(at(ev.FirstToken, 103.0, attempt=1))
    fast = stats.ttft("fast")
    assert fast is not None and fast.samples == 5
    assert fast.p50_ms == pytest.approx(300.0) and fast.p95_ms == pytest.approx(880.0)
    slow = stats.snapshot(104.0).ttft  # the latest attempt's model
    assert slow is not None and slow.model == "slow" and slow.p50_ms == pytest.approx(3000.0)


def test_ttft_samples_are_bounded() -> None:
    stats = SessionStats()
    for i in range(TTFT_SAMPLES + 50):
        stats.observe(attempt(float(i)))
        stats.observe(at(ev.FirstToken, i + 0.5, attempt=1))
    ttft = stats.ttft("m")
    assert ttft is not None and ttft.samples == TTFT_SAMPLES


def test_error_rate_and_429s_leave_cancelled_attempts_out() -> None:
    stats = SessionStats()
    for status, error in [
        ("ok", None),
        ("failed", "rate_limited"),
        ("truncated", "truncated"),
        ("cancelled", None),
        ("failed", "server_error"),
    ]:
        stats.observe(ended(1.0, status, error))
    snap = stats.snapshot(2.0)
    assert (snap.attempts, snap.failed_attempts, snap.rate_limited) == (4, 3, 1)
    assert snap.error_rate == pytest.approx(0.75)
    assert snap.cancelled_attempts == 1  # counted apart: it did end
    assert SessionStats().snapshot(0).error_rate is None


def test_prompt_cache_is_summed_only_where_reported() -> None:
    stats = SessionStats()
    usage = ev.UsageReported
    stats.observe(at(usage, 1, attempt=1, input_tokens=100, output_tokens=5))
    assert not stats.snapshot(1).cache_reported
    stats.observe(
        at(
            usage,
            2,
            attempt=1,
            input_tokens=200,
            output_tokens=5,
            cached_input_tokens=150,
            cache_write_tokens=0,
        )
    )
    stats.observe(
        at(
            usage,
            3,
            attempt=1,
            input_tokens=100,
            output_tokens=5,
            cached_input_tokens=0,
            cache_write_tokens=90,
        )
    )
    snap = stats.snapshot(3)
    assert snap.cache_reported
    assert (snap.prompt_tokens, snap.cached_prompt_tokens, snap.cache_write_tokens) == (
        300,
        150,
        90,
    )


def test_cost_sums_priced_attempts_and_counts_the_rest() -> None:
    stats = SessionStats()
    for usd in (0.01, None, 0.002):
        stats.observe(cost(1.0, usd))
    snap = stats.snapshot(1.0)
    assert snap.cost_usd == pytest.approx(0.012)
    assert (snap.cost_reports, snap.unpriced_attempts) == (3, 1)


def test_rate_limits_are_kept_per_provider_and_the_queue_counts_down() -> None:
    stats = SessionStats()
    stats.observe(attempt(1.0, provider="a"))
    stats.observe(limits(1.1, remaining=10, limit=100, reset_in=30))
    stats.observe(attempt(2.0, provider="b"))
    assert stats.snapshot(2.0).rate_limit is None  # b sent no headers
    stats.observe(attempt(3.0, provider="a"))
    snap = stats.snapshot(3.0)
    assert snap.provider == "a@h" and snap.rate_limit is not None
    stats.observe(at(ev.Queued, 4.0, model="m", position=2, expected_wait_s=5.0, limited_by="rpm"))
    queue = stats.snapshot(6.0).queue
    assert queue is not None and (queue.position, queue.expected_wait_s) == (2, 3.0)
    stats.observe(attempt(9.0))
    assert stats.snapshot(9.0).queue is None
