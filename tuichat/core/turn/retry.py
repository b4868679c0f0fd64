"""Retry policy: the single place that says retry, fall back, or fail.

The router asks :func:`decide` after every failed attempt and obeys the answer;
it never inspects errors itself. The answer comes from a table keyed by error
*type* (never by message text), then three overrides, in this order:

1. text was already shown → ``fail``: a silent retry would duplicate or rewrite
   what the user read; the UI keeps the partial and offers "continue".
2. ``x-should-retry: true|false`` from the server beats the type rule, as in the
   official SDKs (``false`` turns a retry into a fallback, never into a hang).
3. a retry is bounded: retries exhausted → ``fallback``; a server-requested
   wait above :attr:`RetryPolicy.max_retry_after` → ``fallback`` at once,
   because sleeping for minutes in an interactive chat is worse than another
   model.

Protocol errors (malformed events, a non-SSE body, a truncated stream) before
any text are treated like a dropped connection, since proxies and load
balancers cause most of them, but are retried at most once: a server that
sends the same broken stream twice is broken, and another model is the better
bet. A server that breaks a size limit or trickles its headers is hostile or
broken, not busy: the next model is tried at once, so such a server costs one
attempt, seconds, not three.

Timeouts fail in human time. A server that sends no response headers within
the headers timeout (seconds: providers send headers before they think) is
retried once, in case one connection or one replica was stuck, then left. A
server that sent its headers but no text within the first-token timeout is
alive and slow; waiting that long again on the same model would double a
minute-long wait, so the next model is tried at once.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from tuichat.core import errors

Action = Literal["retry", "fallback", "fail"]


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter; defaults match the OpenAI/Anthropic SDKs."""

    max_retries: int = 2
    """Retries after the first attempt on one model, before falling back."""
    initial_delay: float = 0.5
    """Seconds before the first retry (before jitter)."""
    multiplier: float = 2.0
    """Growth of the delay per retry."""
    max_delay: float = 8.0
    """Upper bound of a backoff delay."""
    jitter: float = 0.25
    """Fraction of the delay that is randomly removed, so clients do not retry in lockstep."""
    max_retry_after: float = 20.0
    """A server-requested wait longer than this means "fall back now", not "sleep"."""

    def __post_init__(self) -> None:
        _require(self.max_retries >= 0, "max_retries must be >= 0")
        for name in ("initial_delay", "multiplier", "max_delay"):
            value = getattr(self, name)
            _require(value >= 0 and math.isfinite(value), f"{name} must be a finite number >= 0")
        # inf is allowed here: "always honour the server's wait".
        _require(self.max_retry_after >= 0, "max_retry_after must be >= 0")
        _require(0 <= self.jitter <= 1, "jitter must be between 0 and 1")

    def delay(self, retry_number: int, rng: Callable[[], float]) -> float:
        """Backoff before retry ``retry_number`` (0-based), always within ``[0, max_delay]``."""
        fraction = min(1.0, max(0.0, rng()))  # a bad rng must not break the bound
        return self._backoff(max(0, retry_number)) * (1.0 - self.jitter * fraction)

    def _backoff(self, retry_number: int) -> float:
        """``initial * multiplier**n`` capped at ``max_delay``, without overflowing."""
        if self.initial_delay == 0:
            return 0.0
        try:
            raw = self.initial_delay * self.multiplier**retry_number
        except OverflowError:
            raw = math.inf
        return min(self.max_delay, raw)


def _require(condition: bool, message: str) -> None:
    """Reject an impossible policy when it is built (e.g. from the config file)."""
    if not condition:
        raise ValueError(message)


@dataclass(frozen=True)
class RetryDecision:
    """What to do after a failed attempt, and a short human phrase saying why."""

    action: Action
    wait: float
    """Seconds to sleep before the retry; 0 for fallback and fail."""
    reason: str


@dataclass(frozen=True)
class _Rule:
    """How one error type is handled when nothing overrides it."""

    action: Action
    reason: str
    retry_cap: int | None = None
    """At most this many retries for the type, whatever the policy allows."""


_RETRY = ""  # a retry's reason is written when its wait is known
_RULES: dict[type[errors.ProviderError], _Rule] = {
    errors.QuotaExceeded: _Rule("fallback", "quota exhausted; waiting will not help"),
    errors.RateLimited: _Rule("retry", _RETRY),
    errors.Overloaded: _Rule("retry", _RETRY),
    errors.ServerError: _Rule("retry", _RETRY),
    errors.ProviderTimeout: _Rule("retry", _RETRY),
    errors.ConnectionFailed: _Rule("retry", _RETRY),
    errors.ProtocolError: _Rule("retry", _RETRY, retry_cap=1),
    errors.ResponseTooLarge: _Rule(
        "fallback", "the server broke a size limit; it would again", retry_cap=1
    ),
    errors.ResponseHeadersTimeout: _Rule("fallback", "the server trickles its headers"),
    errors.NoResponseHeaders: _Rule("retry", _RETRY, retry_cap=1),
    errors.FirstTokenTimeout: _Rule(
        "fallback", "no first token in time; the next model may answer sooner"
    ),
    errors.AuthFailed: _Rule("fallback", "auth errors do not succeed on retry"),
    errors.ModelNotFound: _Rule("fallback", "this provider does not serve the model"),
    errors.ContextTooLong: _Rule("fallback", "the prompt does not fit this model's window"),
    errors.BadRequest: _Rule("fail", "the request was rejected; retrying cannot fix it"),
    errors.ContentFiltered: _Rule("fail", "the content filter refused it"),
    errors.RequestShed: _Rule("fail", "low-priority work gives way to interactive chat"),
    errors.ProviderError: _Rule("fallback", "unclassified provider error"),
}
"""Error type → rule. Looked up along the MRO, so subclasses inherit their parent's rule
(``StreamTruncated`` is a ``ProtocolError``; ``ModelNotFound`` overrides ``BadRequest``)."""


def decide(
    policy: RetryPolicy,
    error: errors.ProviderError,
    retry_number: int,
    *,
    text_shown: bool,
    headers: Mapping[str, str] | None = None,
    rng: Callable[[], float] = random.random,
) -> RetryDecision:
    """Say whether to retry (and after how long), fall back, or fail.

    ``retry_number`` counts retries already made on this model (0 after the
    first attempt). ``headers`` are the failed response's headers, if any;
    only ``x-should-retry`` is read from them, since ``error.retry_after``
    already carries ``retry-after-ms`` / ``Retry-After``.
    """
    if text_shown:
        return RetryDecision("fail", 0.0, "text was already shown")
    rule = _apply_should_retry(_rule_for(error), _should_retry(headers))
    if rule.action != "retry":
        return RetryDecision(rule.action, 0.0, rule.reason)
    return _retry_or_give_up(policy, rule, error, max(0, retry_number), rng)


def _rule_for(error: errors.ProviderError) -> _Rule:
    """The table's rule for ``error``: the nearest type in its MRO."""
    for cls in type(error).__mro__:
        rule = _RULES.get(cls)
        if rule is not None:
            return rule
    return _RULES[errors.ProviderError]  # unreachable: every error is a ProviderError


def _should_retry(headers: Mapping[str, str] | None) -> bool | None:
    """The server's ``x-should-retry`` verdict, or None when absent or unreadable."""
    if not headers:
        return None
    for key, value in headers.items():
        if isinstance(key, str) and key.lower() == "x-should-retry" and isinstance(value, str):
            return {"true": True, "false": False}.get(value.strip().lower())
    return None


def _apply_should_retry(rule: _Rule, verdict: bool | None) -> _Rule:
    """Let the server's explicit verdict override the type rule."""
    if verdict is True and rule.action != "retry":
        return _Rule("retry", _RETRY, rule.retry_cap)  # retryable, but within the type's cap
    if verdict is False and rule.action == "retry":
        return _Rule("fallback", "server said not to retry")
    return rule


def _retry_or_give_up(
    policy: RetryPolicy,
    rule: _Rule,
    error: errors.ProviderError,
    retry_number: int,
    rng: Callable[[], float],
) -> RetryDecision:
    """Bound a retry by the retry budget and by the server's requested wait."""
    label = _label(error)
    allowed = (
        policy.max_retries if rule.retry_cap is None else min(policy.max_retries, rule.retry_cap)
    )
    if retry_number >= allowed:
        retries = "1 retry" if allowed == 1 else f"{allowed} retries"
        return RetryDecision("fallback", 0.0, f"{label}, still failing after {retries}")
    server_wait = _server_wait(error.retry_after)
    if server_wait is None:
        wait = policy.delay(retry_number, rng)
        return RetryDecision("retry", wait, f"{label}, retrying in {_secs(wait)} s")
    if server_wait > policy.max_retry_after:
        cap = _secs(policy.max_retry_after)
        return RetryDecision(
            "fallback", 0.0, f"retry-after {_secs(server_wait)} s exceeds the {cap} s cap"
        )
    return RetryDecision(
        "retry", server_wait, f"{label}, server asked to wait {_secs(server_wait)} s"
    )


def _server_wait(retry_after: float | None) -> float | None:
    """The server's requested wait, ignoring NaN and treating negatives as 'now'."""
    if retry_after is None or math.isnan(retry_after):
        return None
    return max(0.0, retry_after)


def _label(error: errors.ProviderError) -> str:
    """``429`` when the status is known, else the error type (``timeout``, ``connection``)."""
    return str(error.status_code) if error.status_code else error.error_type.replace("_", " ")


def _secs(seconds: float) -> str:
    """Seconds as a person reads them: ``0.5``, ``2.1``, ``120``."""
    return f"{seconds:.0f}" if seconds >= 10 else f"{seconds:.1f}"
