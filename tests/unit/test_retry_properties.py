"""Retry policy properties: what holds for every error, header, policy and retry count.

These check the documented promises (README "Retries and fallbacks", the
docstring of ``tuichat/core/turn/retry.py``) without computing the expected
decision a second way: bounds, overrides that only ever move one way, and
relations between two decisions that differ in one input. The per-type
examples live in ``test_retry.py``.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from collections.abc import Mapping
from typing import NamedTuple

from hypothesis import given, settings
from hypothesis import strategies as st

from tuichat.core import errors
from tuichat.core.turn.retry import RetryDecision, RetryPolicy, decide

PROPERTY = settings(max_examples=150, deadline=None)

ERROR_CLASSES = [
    cls
    for _, cls in inspect.getmembers(errors, inspect.isclass)
    if issubclass(cls, errors.ProviderError)
]

TRANSIENT = (
    errors.RateLimited,
    errors.Overloaded,
    errors.ServerError,
    errors.ProviderTimeout,
    errors.ConnectionFailed,
)
"""Documented as retried: 408/409/429/5xx/529, timeouts, dropped connections."""

BROKEN_STREAMS = (errors.ProtocolError, errors.StreamTruncated, errors.ResponseTooLarge)
"""Documented as retried at most once: the same broken stream twice means a broken server."""

NEVER_RETRIED = (
    errors.AuthFailed,
    errors.BadRequest,  # with ModelNotFound and ContextTooLong
    errors.ContentFiltered,
    errors.QuotaExceeded,
    errors.RequestShed,
    errors.ResponseTooLarge,
    errors.ResponseHeadersTimeout,
)
"""Documented as never retried on their own: waiting cannot fix them, or the server is
hostile or broken rather than busy."""

MESSAGE = "MSG-"
"""Every generated message starts with this, to see whether a reason quotes it."""

# Distributions lean towards the interesting case (a retry is possible), so that
# the overrides and bounds are exercised, while every other case still appears.
statuses = st.none() | st.sampled_from([400, 401, 403, 404, 408, 409, 422, 429, 500, 503, 529])
codes = st.none() | st.sampled_from(["insufficient_quota", "rate_limit_exceeded"]) | st.text()
retry_afters = st.one_of(
    st.none(),
    st.none(),
    st.just(math.nan),
    st.floats(-10.0, 0.0),
    st.floats(0.0, 30.0),
    st.floats(0.0, 300.0),
)
fractions = st.floats(0.0, 1.0)
policies = st.builds(
    RetryPolicy,
    max_retries=st.sampled_from([0, 1, 2, 2, 3, 5]),  # the default 2 most often
    initial_delay=st.floats(0.0, 10.0),
    multiplier=st.floats(0.0, 10.0),
    max_delay=st.floats(0.0, 60.0),
    jitter=fractions,
    max_retry_after=st.floats(0.0, 120.0) | st.just(math.inf),
)
verdict_spellings = st.sampled_from(["true", "false", "True", " FALSE ", "maybe", "", "1", "no"])
headers = st.none() | st.dictionaries(
    st.sampled_from(["x-should-retry", "X-Should-Retry", "retry-after", "content-type"]),
    verdict_spellings | st.text(max_size=8),
    max_size=3,
)


def error_of(
    classes: tuple[type[errors.ProviderError], ...] | list[type[errors.ProviderError]],
    code: st.SearchStrategy[str | None] = codes,
    retry_after: st.SearchStrategy[float | None] = retry_afters,
) -> st.SearchStrategy[errors.ProviderError]:
    """Errors of one of ``classes`` with any message, status, code and retry-after."""
    return st.builds(
        lambda cls, text, status, code, wait: cls(
            MESSAGE + text, status_code=status, code=code, retry_after=wait
        ),
        st.sampled_from(classes),
        st.text(max_size=20),
        statuses,
        code,
        retry_after,
    )


any_error = error_of(ERROR_CLASSES)


def with_retry_after(error: errors.ProviderError, seconds: float | None) -> errors.ProviderError:
    """The same failure, with another server-requested wait."""
    return type(error)(
        error.message, status_code=error.status_code, code=error.code, retry_after=seconds
    )


class Case(NamedTuple):
    """One failed attempt to decide about, before any text was shown."""

    policy: RetryPolicy
    error: errors.ProviderError
    retry_number: int
    fraction: float
    """The jitter draw (what ``random.random()`` would have returned)."""

    def decide(
        self,
        headers: Mapping[str, str] | None = None,
        *,
        error: errors.ProviderError | None = None,
        text_shown: bool = False,
    ) -> RetryDecision:
        """The policy's answer, for this case's error or another one."""
        return decide(
            self.policy,
            self.error if error is None else error,
            self.retry_number,
            text_shown=text_shown,
            headers=headers,
            rng=lambda: self.fraction,
        )


@st.composite
def cases(
    draw: st.DrawFn,
    failures: st.SearchStrategy[errors.ProviderError] = any_error,
    retry_numbers: st.SearchStrategy[int] | None = None,
) -> Case:
    """A policy, an error, and retries so far: from "none yet" to "the budget is spent"."""
    policy = draw(policies)
    spread = st.sampled_from(range(-1, policy.max_retries + 1))  # uniform, unlike integers()
    numbers = spread if retry_numbers is None else retry_numbers
    return Case(policy, draw(failures), draw(numbers), draw(fractions))


# --- every decision -----------------------------------------------------------------------


@PROPERTY
@given(cases(), headers)
def test_a_decision_is_well_formed(case: Case, headers: Mapping[str, str] | None) -> None:
    decision = case.decide(headers)
    assert decision.action in ("retry", "fallback", "fail")
    assert decision.wait >= 0.0
    assert decision.action == "retry" or decision.wait == 0.0
    assert decision.reason and "\n" not in decision.reason
    assert MESSAGE not in decision.reason  # the reason is ours, never the server's words


@PROPERTY
@given(cases(), headers)
def test_the_wait_is_the_backoff_or_what_the_server_asked(
    case: Case, headers: Mapping[str, str] | None
) -> None:
    decision, asked = case.decide(headers), case.error.retry_after
    if decision.action != "retry":
        return
    if asked is None or math.isnan(asked):
        assert decision.wait <= case.policy.max_delay
    else:
        assert decision.wait == max(0.0, asked) <= case.policy.max_retry_after


@PROPERTY
@given(cases(), headers)
def test_once_text_was_shown_there_is_never_a_retry(
    case: Case, headers: Mapping[str, str] | None
) -> None:
    decision = case.decide(headers, text_shown=True)
    assert decision == RetryDecision("fail", 0.0, "text was already shown")


@PROPERTY
@given(cases(), headers)
def test_retries_stop_after_max_retries_and_never_resume(
    case: Case, headers: Mapping[str, str] | None
) -> None:
    runs = range(case.policy.max_retries + 3)
    actions = [case._replace(retry_number=n).decide(headers).action for n in runs]
    retries = actions.count("retry")
    assert actions[:retries] == ["retry"] * retries  # retries come first, then never again
    assert retries <= case.policy.max_retries


@PROPERTY
@given(cases(error_of(BROKEN_STREAMS)), st.sampled_from([None, {"x-should-retry": "true"}]))
def test_a_broken_stream_is_retried_at_most_once_even_if_the_server_asks(
    case: Case, headers: Mapping[str, str] | None
) -> None:
    runs = range(case.policy.max_retries + 2)
    actions = [case._replace(retry_number=n).decide(headers).action for n in runs]
    assert actions.count("retry") <= 1


@PROPERTY
@given(cases(retry_numbers=st.integers(-100, -1)), headers)
def test_a_negative_retry_number_counts_as_the_first(
    case: Case, headers: Mapping[str, str] | None
) -> None:
    assert case.decide(headers) == case._replace(retry_number=0).decide(headers)


@PROPERTY
@given(cases(), headers, st.text(), codes)
def test_the_decision_follows_the_type_never_the_words(
    case: Case, headers: Mapping[str, str] | None, message: str, code: str | None
) -> None:
    error = case.error
    reworded = type(error)(
        message, status_code=error.status_code, code=code, retry_after=error.retry_after
    )
    assert case.decide(headers, error=reworded) == case.decide(headers)


# --- by kind of error ---------------------------------------------------------------------

not_saying_retry = st.none() | st.builds(
    lambda value: {"x-should-retry": value}, st.sampled_from(["false", "maybe", ""])
)


@PROPERTY
@given(cases(error_of(NEVER_RETRIED)), not_saying_retry)
def test_errors_that_waiting_cannot_fix_are_never_retried(
    case: Case, headers: Mapping[str, str] | None
) -> None:
    generous = dataclasses.replace(case.policy, max_retries=10, max_retry_after=math.inf)
    assert case._replace(policy=generous).decide(headers).action != "retry"


@PROPERTY
@given(cases(error_of(TRANSIENT, retry_after=st.none() | st.floats(-5.0, 0.0))))
def test_transient_errors_are_retried_while_retries_remain(case: Case) -> None:
    expected = "retry" if max(0, case.retry_number) < case.policy.max_retries else "fallback"
    assert case.decide().action == expected


# --- one input changed --------------------------------------------------------------------


@PROPERTY
@given(cases(), st.floats(0.0, 1.0))
def test_a_retry_after_over_the_cap_turns_a_retry_into_a_fallback(case: Case, over: float) -> None:
    cap = min(case.policy.max_retry_after, 120.0)
    case = case._replace(policy=dataclasses.replace(case.policy, max_retry_after=cap))
    plain = case.decide(error=with_retry_after(case.error, None))
    decision = case.decide(error=with_retry_after(case.error, cap + 0.001 + over * 1000))
    assert decision.action == ("fallback" if plain.action == "retry" else plain.action)


@PROPERTY
@given(cases(), st.just(1.0) | st.floats(0.0, 1.0))
def test_a_retry_after_within_the_cap_changes_only_the_wait(case: Case, share: float) -> None:
    seconds = min(case.policy.max_retry_after, 300.0) * share
    plain = case.decide(error=with_retry_after(case.error, None))
    decision = case.decide(error=with_retry_after(case.error, seconds))
    assert decision.action == plain.action
    assert decision.wait == (seconds if plain.action == "retry" else 0.0)


@PROPERTY
@given(
    cases(),
    st.sampled_from(["false", "False", " FALSE", "false\t"]),
    st.sampled_from(["x-should-retry", "X-Should-Retry"]),
)
def test_x_should_retry_false_only_ever_turns_a_retry_into_a_fallback(
    case: Case, value: str, name: str
) -> None:
    plain, decision = case.decide(), case.decide({name: value})
    assert decision.action == ("fallback" if plain.action == "retry" else plain.action)


@PROPERTY
@given(
    cases(),
    st.sampled_from(["true", " True "]),
    st.sampled_from(["x-should-retry", "X-SHOULD-RETRY"]),
)
def test_x_should_retry_true_never_makes_a_retry_fail(case: Case, value: str, name: str) -> None:
    plain, decision = case.decide(), case.decide({name: value})
    assert decision.action in ("retry", "fallback")
    if plain.action == "retry":
        assert decision == plain


@PROPERTY
@given(cases(), st.sampled_from(["maybe", "", "1", "no"]))
def test_an_unreadable_x_should_retry_is_ignored(case: Case, value: str) -> None:
    assert case.decide({"x-should-retry": value}) == case.decide()


# --- the backoff's shape ------------------------------------------------------------------

backoff_error = error_of(TRANSIENT, retry_after=st.none())


@PROPERTY
@given(cases(backoff_error), fractions, fractions)
def test_jitter_only_shortens_the_wait_and_by_at_most_its_fraction(
    case: Case, low: float, high: float
) -> None:
    low, high = sorted((low, high))
    case = case._replace(policy=dataclasses.replace(case.policy, max_retries=5))
    full, less, least = (case._replace(fraction=f).decide().wait for f in (0.0, low, high))
    assert full >= less >= least >= (1.0 - case.policy.jitter) * full


@PROPERTY
@given(backoff_error, st.floats(0.0, 10.0), st.floats(1.0, 10.0), st.floats(0.0, 60.0))
def test_without_jitter_the_backoff_never_shrinks(
    error: errors.ProviderError, initial: float, multiplier: float, max_delay: float
) -> None:
    policy = RetryPolicy(
        max_retries=10,
        initial_delay=initial,
        multiplier=multiplier,
        max_delay=max_delay,
        jitter=0.0,
    )
    waits = [Case(policy, error, n, 0.0).decide().wait for n in range(10)]
    assert waits == sorted(waits)
    assert all(wait <= max_delay for wait in waits)
