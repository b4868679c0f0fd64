"""TokenRate: a live rate over the last second and a bounded sparkline."""

from __future__ import annotations

import pytest

from tuichat.core.metrics.throughput import TokenRate


def steady(rate: TokenRate, start: float, per_s: float, seconds: float) -> float:
    n = int(per_s * seconds)
    for i in range(n):
        rate.add(start + i / per_s)
    return start + (n - 1) / per_s


def test_now_is_the_rate_over_the_last_second() -> None:
    rate = TokenRate()
    last = steady(rate, 50.0, 100.0, 3.0)
    assert rate.now(last) == pytest.approx(100.0, rel=0.05)


def test_now_follows_a_change_of_pace_within_a_second() -> None:
    rate = TokenRate()
    last = steady(rate, 50.0, 100.0, 3.0)
    last = steady(rate, last + 0.02, 50.0, 1.5)
    assert rate.now(last) == pytest.approx(50.0, rel=0.1)


def test_now_is_unknown_before_any_token_or_too_early() -> None:
    rate = TokenRate()
    assert rate.now(10.0) is None
    rate.add(10.0)
    assert rate.now(10.05) is None


def test_the_sparkline_stays_bounded_and_covers_the_whole_answer() -> None:
    rate = TokenRate(bucket_s=0.05, max_buckets=48)
    last = steady(rate, 0.0, 200.0, 30.0)
    series = rate.series(last)
    assert 24 <= len(series) <= 48
    assert rate.bucket_s * len(series) >= 29.0
    assert sum(series[:-1]) / len(series[:-1]) == pytest.approx(200.0, rel=0.02)


def test_the_bucket_in_progress_is_left_out() -> None:
    rate = TokenRate(bucket_s=1.0)
    for i in range(10):
        rate.add(i * 0.1)  # bucket 0: 10 tokens over 1 s
    rate.add(1.0)
    assert rate.series(1.5) == (10.0,)
    assert rate.series(2.0) == (10.0, 1.0)
