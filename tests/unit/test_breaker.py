"""Circuit breakers: when a provider is skipped, probed, and trusted again."""

from __future__ import annotations

from typing import Unpack

import pytest

from tuichat.core import errors
from tuichat.core.clock import ManualClock
from tuichat.core.health.breaker import (
    BreakerBoard,
    BreakerOptions,
    BreakerTransition,
    CircuitBreaker,
    classify_error,
    counts_against_provider,
    provider_key,
)

T0 = 1000.0
KEY = provider_key("openai", "api.openai.com")


def tripped(clock: ManualClock, **options: Unpack[BreakerOptions]) -> CircuitBreaker:
    breaker = CircuitBreaker(clock, provider=KEY, **options)
    for _ in range(3):
        breaker.record_failure("server_error")
    assert breaker.state == "open"
    return breaker


def test_opens_after_threshold_failures_within_the_window() -> None:
    clock = ManualClock(start=T0)
    breaker = CircuitBreaker(clock, provider=KEY)
    breaker.record_failure("timeout")
    clock.advance(20)
    breaker.record_failure("connection")
    assert breaker.state == "closed" and breaker.allow()
    clock.advance(20)
    assert breaker.record_failure("server_error")
    assert breaker.state == "open"
    assert not breaker.allow()
    assert breaker.retry_in() == pytest.approx(30)


def test_failures_spread_beyond_the_window_do_not_open_it() -> None:
    clock = ManualClock(start=T0)
    breaker = CircuitBreaker(clock, provider=KEY)
    for _ in range(10):
        breaker.record_failure("server_error")
        clock.advance(30.5)
    assert breaker.state == "closed"
    assert breaker.failures_in_window() == 1


def test_interleaved_successes_do_not_hide_a_flapping_provider() -> None:
    breaker = CircuitBreaker(ManualClock(start=T0))
    for _ in range(3):
        breaker.record_failure("server_error")
        breaker.record_success()
    assert breaker.state == "open"


def test_a_run_of_successes_clears_the_window() -> None:
    breaker = CircuitBreaker(ManualClock(start=T0))
    breaker.record_failure("server_error")
    breaker.record_failure("server_error")
    for _ in range(3):
        breaker.record_success()
    breaker.record_failure("server_error")
    assert breaker.state == "closed"
    assert breaker.failures_in_window() == 1


def test_half_open_after_cooldown_lets_one_probe_and_closes_on_success() -> None:
    clock = ManualClock(start=T0)
    breaker = tripped(clock)
    clock.advance(29.9)
    assert breaker.state == "open" and not breaker.allow()
    clock.advance(0.1)
    assert breaker.state == "half_open"
    assert breaker.retry_in() == 0.0
    assert breaker.allow()
    assert not breaker.allow()  # only one probe at a time
    breaker.record_success()
    assert breaker.state == "closed"
    assert breaker.retry_in() is None
    assert breaker.failures_in_window() == 0


def test_failed_probe_reopens_with_a_longer_cooldown_up_to_the_cap() -> None:
    clock = ManualClock(start=T0)
    breaker = tripped(clock, max_cooldown=100.0)
    cooldowns = []
    for _ in range(4):
        clock.advance(breaker.retry_in() or 0.0)
        assert breaker.allow()
        breaker.record_failure("timeout")
        cooldowns.append(breaker.retry_in())
    assert cooldowns == [60, 100, 100, 100]
    clock.advance(100)
    assert breaker.allow()
    breaker.record_success()
    breaker.record_failure("timeout")
    breaker.record_failure("timeout")
    breaker.record_failure("timeout")
    assert breaker.retry_in() == 30  # closing reset the cooldown


def test_several_probes_must_all_succeed() -> None:
    clock = ManualClock(start=T0)
    breaker = tripped(clock, half_open_probes=2)
    clock.advance(30)
    assert breaker.allow() and breaker.allow() and not breaker.allow()
    breaker.record_success()
    assert breaker.state == "half_open"
    breaker.record_success()
    assert breaker.state == "closed"


def test_a_released_probe_frees_its_slot() -> None:
    clock = ManualClock(start=T0)
    breaker = tripped(clock)
    clock.advance(30)
    assert breaker.allow()
    breaker.release_probe()  # the user cancelled: no verdict
    assert breaker.state == "half_open"
    assert breaker.allow()


def test_a_probe_ending_in_a_caller_error_gives_no_verdict() -> None:
    clock = ManualClock(start=T0)
    breaker = tripped(clock)
    clock.advance(30)
    assert breaker.allow()
    assert not breaker.record_failure("context_too_long")
    assert breaker.state == "half_open"
    assert breaker.allow()


def test_transitions_are_recorded_and_drained() -> None:
    clock = ManualClock(start=T0)
    breaker = tripped(clock)
    clock.advance(45)
    assert breaker.allow()
    breaker.record_success()
    drained = breaker.drain_transitions()
    assert [(t.from_state, t.to_state) for t in drained] == [
        ("closed", "open"),
        ("open", "half_open"),
        ("half_open", "closed"),
    ]
    assert [t.at for t in drained] == [T0, T0 + 30, T0 + 45]  # half-open when cooldown ended
    assert drained[0] == BreakerTransition(
        KEY, "closed", "open", T0, "3 failures within 60 s (last: server_error); next probe in 30 s"
    )
    assert all(t.provider == KEY for t in drained)
    assert breaker.drain_transitions() == []


def test_caller_errors_and_rate_limits_do_not_trip_it() -> None:
    breaker = CircuitBreaker(ManualClock(start=T0))
    for error in ("auth", "bad_request", "model_not_found", "context_too_long"):
        for _ in range(5):
            assert not breaker.record_failure(error)
    for _ in range(5):
        assert not breaker.record_failure("rate_limited")
    assert breaker.state == "closed"
    assert breaker.rate_limited == 5
    assert breaker.availability() is None


@pytest.mark.parametrize(
    ("error", "verdict"),
    [
        (errors.ConnectionFailed, "unhealthy"),
        (errors.ProviderTimeout, "unhealthy"),
        (errors.ServerError, "unhealthy"),
        (errors.Overloaded, "unhealthy"),
        (errors.ProtocolError, "unhealthy"),
        (errors.StreamTruncated, "unhealthy"),
        (errors.RateLimited, "busy"),
        (errors.AuthFailed, "not_provider"),
        (errors.BadRequest, "not_provider"),
        (errors.ModelNotFound, "not_provider"),
        (errors.ContextTooLong, "not_provider"),
        (errors.ContentFiltered, "not_provider"),
        (errors.ProviderError, "not_provider"),
    ],
)
def test_every_error_type_has_a_verdict(error: type[errors.ProviderError], verdict: str) -> None:
    assert classify_error(error.error_type) == verdict
    assert counts_against_provider(error.error_type) == (verdict == "unhealthy")


def test_board_keeps_one_breaker_per_provider_with_shared_defaults() -> None:
    clock = ManualClock(start=T0)
    board = BreakerBoard(clock, failure_threshold=1, cooldown=10.0)
    down, up = board.get("a@one"), board.get("b@two")
    assert board.get("a@one") is down
    down.record_failure("connection")
    up.record_success()
    up.record_success()
    up.record_failure("timeout")
    snap = board.snapshot()
    assert snap["a@one"].state == "open" and snap["a@one"].retry_in == 10
    assert snap["a@one"].availability == 0.0
    assert snap["b@two"].state == "open"
    assert board.availability("b@two") == pytest.approx(2 / 3)
    assert board.availability("never@seen") is None
    assert snap["b@two"].failures_in_window == 1
    clock.advance(10)
    assert [(t.provider, t.to_state) for t in board.drain_transitions()] == [
        ("a@one", "open"),
        ("b@two", "open"),
        ("a@one", "half_open"),
        ("b@two", "half_open"),
    ]


def test_late_verdicts_while_open_only_update_counters() -> None:
    clock = ManualClock(start=T0)
    breaker = tripped(clock)
    breaker.record_success()
    breaker.record_failure("timeout")
    assert breaker.state == "open"
    assert (breaker.successes, breaker.failures) == (1, 4)
    assert breaker.availability() == pytest.approx(0.2)


def test_invalid_settings_are_rejected() -> None:
    clock = ManualClock()
    with pytest.raises(ValueError):
        CircuitBreaker(clock, failure_threshold=0)
    with pytest.raises(ValueError):
        CircuitBreaker(clock, window=0)
