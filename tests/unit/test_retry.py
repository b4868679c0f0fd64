"""Retry policy by example: the backoff schedule, one decision per error type, the phrases.

The rules' invariants over every input are properties in ``test_retry_properties.py``.
"""

from __future__ import annotations

import inspect
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuichat.core import errors
from tuichat.core.turn.retry import RetryDecision, RetryPolicy, decide

POLICY = RetryPolicy()
NO_JITTER = RetryPolicy(jitter=0.0)


def no_rng() -> float:
    return 0.0


# --- backoff --------------------------------------------------------------------------


def test_delays_match_the_sdk_schedule_without_jitter() -> None:
    delays = [NO_JITTER.delay(n, rng=lambda: 0.7) for n in range(6)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]


def test_jitter_removes_up_to_a_quarter() -> None:
    assert POLICY.delay(2, rng=lambda: 0.0) == 2.0
    assert POLICY.delay(2, rng=lambda: 1.0) == 1.5
    assert POLICY.delay(2, rng=lambda: 0.5) == 1.75


def test_huge_retry_numbers_do_not_overflow() -> None:
    assert POLICY.delay(10**6, rng=no_rng) == 8.0
    assert RetryPolicy(multiplier=10**6).delay(10**4, rng=no_rng) == 8.0
    assert RetryPolicy(initial_delay=0.0).delay(10**6, rng=no_rng) == 0.0


def test_a_bad_rng_cannot_break_the_bounds() -> None:
    assert POLICY.delay(0, rng=lambda: 7.0) == 0.375
    assert POLICY.delay(0, rng=lambda: -3.0) == 0.5
    assert POLICY.delay(0, rng=lambda: math.nan) == 0.5


@given(
    retry_number=st.integers(-5, 10**5),
    fraction=st.floats(0.0, 1.0),
    initial=st.floats(0.0, 100.0),
    multiplier=st.floats(0.0, 1000.0),
    max_delay=st.floats(0.0, 100.0),
    jitter=st.floats(0.0, 1.0),
)
def test_delay_is_always_within_bounds(
    retry_number: int,
    fraction: float,
    initial: float,
    multiplier: float,
    max_delay: float,
    jitter: float,
) -> None:
    policy = RetryPolicy(
        initial_delay=initial, multiplier=multiplier, max_delay=max_delay, jitter=jitter
    )
    delay = policy.delay(retry_number, rng=lambda: fraction)
    assert 0.0 <= delay <= max_delay


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_retries": -1},
        {"initial_delay": -0.1},
        {"multiplier": math.nan},
        {"max_delay": math.inf},
        {"jitter": 1.5},
        {"jitter": -0.1},
        {"max_retry_after": -1.0},
    ],
)
def test_impossible_policies_are_rejected(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


def test_policy_defaults() -> None:
    expected = RetryPolicy(2, 0.5, 2.0, 8.0, 0.25, 20.0)
    assert expected == POLICY


# --- the first failure of each error type, with the default policy -----------------------

FIRST_FAILURE: list[tuple[errors.ProviderError, str]] = [
    (errors.RateLimited("slow down", status_code=429), "retry"),
    (errors.QuotaExceeded("no credit", status_code=429), "fallback"),
    (errors.Overloaded("busy", status_code=529), "retry"),
    (errors.ServerError("boom", status_code=500), "retry"),
    (errors.ServerError("conflict", status_code=409), "retry"),
    (errors.ProviderTimeout("request timeout", status_code=408), "retry"),
    (errors.ProviderTimeout("read timeout"), "retry"),
    (errors.ConnectionFailed("refused"), "retry"),
    (errors.ProtocolError("malformed event"), "retry"),
    (errors.StreamTruncated("no [DONE]"), "retry"),
    (errors.ResponseTooLarge("line over 1 MiB"), "fallback"),
    (errors.ResponseHeadersTimeout("headers trickled"), "fallback"),
    (errors.NoResponseHeaders("no headers within 10 s"), "retry"),
    (errors.FirstTokenTimeout("no first token within 60 s"), "fallback"),
    (errors.AuthFailed("bad key", status_code=401), "fallback"),
    (errors.ModelNotFound("no such model", status_code=404), "fallback"),
    (errors.ContextTooLong("too long", status_code=400), "fallback"),
    (errors.BadRequest("malformed", status_code=400), "fail"),
    (errors.ContentFiltered("refused", status_code=400), "fail"),
    (errors.RequestShed("queue too long"), "fail"),
    (errors.ProviderError("something else"), "fallback"),
]


def test_every_error_class_is_covered() -> None:
    classes = {
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.ProviderError)
    }
    assert classes == {type(error) for error, _ in FIRST_FAILURE}


@pytest.mark.parametrize(
    ("error", "action"), FIRST_FAILURE, ids=lambda v: getattr(v, "error_type", v)
)
def test_the_first_failure_of_each_type(error: errors.ProviderError, action: str) -> None:
    decision = decide(POLICY, error, 0, text_shown=False, rng=no_rng)
    assert decision.action == action
    assert decision.wait == (0.5 if action == "retry" else 0.0)
    assert decision.reason


# --- the phrases people read --------------------------------------------------------------


def test_reason_when_the_server_asks_to_wait() -> None:
    error = errors.RateLimited("slow", status_code=429, retry_after=2.1)
    assert decide(POLICY, error, 0, text_shown=False) == RetryDecision(
        "retry", 2.1, "429, server asked to wait 2.1 s"
    )


def test_reason_when_retry_after_exceeds_the_cap() -> None:
    error = errors.RateLimited("slow", status_code=429, retry_after=120.0)
    assert decide(POLICY, error, 0, text_shown=False) == RetryDecision(
        "fallback", 0.0, "retry-after 120 s exceeds the 20 s cap"
    )


def test_reasons_for_backoff_exhaustion_and_auth() -> None:
    timeout = errors.ProviderTimeout("read timeout")
    assert decide(POLICY, timeout, 1, text_shown=False, rng=no_rng).reason == (
        "timeout, retrying in 1.0 s"
    )
    assert decide(POLICY, errors.ServerError("x", status_code=503), 2, text_shown=False) == (
        RetryDecision("fallback", 0.0, "503, still failing after 2 retries")
    )
    auth = decide(POLICY, errors.AuthFailed("bad key", status_code=401), 0, text_shown=False)
    assert auth.reason == "auth errors do not succeed on retry"


def test_server_may_forbid_a_retry() -> None:
    error = errors.Overloaded("busy", status_code=529)
    decision = decide(POLICY, error, 0, text_shown=False, headers={"x-should-retry": "False "})
    assert decision == RetryDecision("fallback", 0.0, "server said not to retry")


def test_server_may_ask_for_a_retry_of_a_bad_request() -> None:
    error = errors.BadRequest("try again", status_code=400)
    decision = decide(
        POLICY, error, 0, text_shown=False, headers={"x-should-retry": "true"}, rng=no_rng
    )
    assert decision.action == "retry" and decision.wait == 0.5


def test_text_shown_beats_every_override() -> None:
    error = errors.ConnectionFailed("reset mid-stream")
    decision = decide(POLICY, error, 0, text_shown=True, headers={"x-should-retry": "true"})
    assert decision.action == "fail"


def test_protocol_errors_are_retried_once() -> None:
    truncated = errors.StreamTruncated("stream ended early")
    assert decide(POLICY, truncated, 0, text_shown=False).action == "retry"
    assert decide(POLICY, truncated, 1, text_shown=False) == RetryDecision(
        "fallback", 0.0, "truncated, still failing after 1 retry"
    )


def test_no_retries_configured_means_straight_to_fallback() -> None:
    policy = RetryPolicy(max_retries=0)
    assert decide(policy, errors.ServerError("x", status_code=500), 0, text_shown=False).action == (
        "fallback"
    )


@pytest.mark.parametrize(("retry_after", "wait"), [(math.nan, 0.5), (-3.0, 0.0), (0.0, 0.0)])
def test_odd_retry_after_values(retry_after: float, wait: float) -> None:
    error = errors.RateLimited("slow", status_code=429, retry_after=retry_after)
    decision = decide(POLICY, error, 0, text_shown=False, rng=no_rng)
    assert (decision.action, decision.wait) == ("retry", wait)


def test_a_retry_after_at_the_cap_still_waits() -> None:
    error = errors.RateLimited("slow", status_code=429, retry_after=POLICY.max_retry_after)
    assert decide(POLICY, error, 0, text_shown=False) == RetryDecision(
        "retry", 20.0, "429, server asked to wait 20 s"
    )


def test_retry_after_is_honoured_over_backoff_and_an_infinite_cap_always_waits() -> None:
    error = errors.RateLimited("slow", status_code=429, retry_after=600.0)
    policy = RetryPolicy(max_retry_after=math.inf)
    assert decide(policy, error, 0, text_shown=False).wait == 600.0


def test_negative_retry_number_counts_as_the_first() -> None:
    decision = decide(NO_JITTER, errors.ServerError("x", status_code=502), -4, text_shown=False)
    assert decision.wait == 0.5


def test_the_default_rng_keeps_jitter_in_range() -> None:
    for _ in range(50):
        wait = decide(POLICY, errors.ServerError("x", status_code=500), 1, text_shown=False).wait
        assert 0.75 <= wait <= 1.0


def test_a_first_token_timeout_moves_to_the_next_model_at_once() -> None:
    decision = decide(POLICY, errors.FirstTokenTimeout("no first token"), 0, text_shown=False)
    assert decision == RetryDecision(
        "fallback", 0.0, "no first token in time; the next model may answer sooner"
    )


def test_missing_headers_are_retried_once_then_fall_back() -> None:
    error = errors.NoResponseHeaders("no headers")
    assert decide(POLICY, error, 0, text_shown=False, rng=no_rng).action == "retry"
    second = decide(POLICY, error, 1, text_shown=False, rng=no_rng)
    assert second == RetryDecision("fallback", 0.0, "timeout, still failing after 1 retry")
