"""Circuit breakers: stop sending to a provider that is known to be down.

One breaker per provider (``"openai@api.openai.com"``), so the router skips a
provider whose last few requests failed instead of making the user wait for
yet another timeout, and tries it again later with a single probe::

    closed ──(failure_threshold health failures within `window` s)──▶ open
    open ──(cooldown elapsed; noticed lazily by allow()/state)──▶ half_open
    half_open ──(half_open_probes probe successes)──▶ closed
    half_open ──(a failure)──▶ open, cooldown × backoff (capped at max_cooldown)

Decisions:

- Only failures that say the *provider* is unhealthy count
  (:func:`counts_against_provider`): connection, timeout, server error,
  overloaded, protocol error and truncated stream. Rate limits (429) mean
  "busy, but up": the provider answered, so they are tallied separately
  (``rate_limited``) and neither trip the breaker nor lower availability; the
  limiter and Retry-After deal with them. Auth, bad request, model not found,
  context too long and content filtered are the *caller's* problem: another
  request would fail the same way on a healthy provider. Unknown error types do
  not count, so a new type cannot silently take a provider offline.
- Successes do not erase failures one by one (a provider failing every other
  request is unhealthy), but ``success_reset`` consecutive successes clear the
  window: a provider that recovered by itself should not be tripped by one
  more blip.
- Every failed probe doubles the cooldown (``backoff``) up to ``max_cooldown``,
  so a provider that stays down is probed ever more rarely; closing resets it.
- While open, a late success or failure (of a request let through before the
  trip) updates the counters only. Once half-open, any verdict is the probe's.
- Every ``allow()`` that returned True must end in ``record_success``,
  ``record_failure`` (of any type: one that does not count frees the probe
  slot without a verdict) or ``release_probe`` (e.g. cancelled), or a
  half-open probe slot stays taken.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Literal, TypedDict, Unpack

from tuichat.core import errors
from tuichat.core.clock import Clock

BreakerState = Literal["closed", "open", "half_open"]
ErrorVerdict = Literal["unhealthy", "busy", "not_provider"]

_UNHEALTHY = frozenset(
    cls.error_type
    for cls in (
        errors.ConnectionFailed,
        errors.ProviderTimeout,
        errors.ServerError,
        errors.Overloaded,
        errors.ProtocolError,
        errors.StreamTruncated,
    )
)
_BUSY = frozenset({errors.RateLimited.error_type})


def classify_error(error_type: str) -> ErrorVerdict:
    """What an error says about the provider's health (see the module docstring)."""
    if error_type in _UNHEALTHY:
        return "unhealthy"
    if error_type in _BUSY:
        return "busy"
    return "not_provider"


def counts_against_provider(error_type: str) -> bool:
    """True when the error means the provider itself is unhealthy."""
    return classify_error(error_type) == "unhealthy"


def provider_key(provider: str, host: str) -> str:
    """The board key of a provider endpoint, e.g. ``openai@api.openai.com``."""
    return f"{provider}@{host}"


@dataclass(frozen=True, slots=True)
class BreakerTransition:
    """A state change, for the caller to turn into an event or a log row."""

    provider: str
    from_state: BreakerState
    to_state: BreakerState
    at: float
    """Monotonic time of the change (for half-open: when the cooldown ended)."""
    reason: str


@dataclass(frozen=True, slots=True)
class BreakerSnapshot:
    """What the HUD shows for one provider."""

    state: BreakerState
    failures_in_window: int
    availability: float | None
    retry_in: float | None
    successes: int
    failures: int
    rate_limited: int


class BreakerOptions(TypedDict, total=False):
    """Settings shared by every breaker of a :class:`BreakerBoard`."""

    failure_threshold: int
    window: float
    cooldown: float
    half_open_probes: int
    success_reset: int | None
    backoff: float
    max_cooldown: float


class CircuitBreaker:
    """Health gate for one provider: closed (use it), open (skip it), half-open (probe)."""

    def __init__(
        self,
        clock: Clock,
        *,
        provider: str = "",
        failure_threshold: int = 3,
        window: float = 60.0,
        cooldown: float = 30.0,
        half_open_probes: int = 1,
        success_reset: int | None = 3,
        backoff: float = 2.0,
        max_cooldown: float = 300.0,
    ) -> None:
        _validate(failure_threshold, window, cooldown, half_open_probes, backoff)
        self.provider = provider
        self._clock = clock
        self._threshold = failure_threshold
        self._window = window
        self._base_cooldown = cooldown
        self._cooldown = cooldown
        self._max_cooldown = max(max_cooldown, cooldown)
        self._backoff = backoff
        self._probes = half_open_probes
        self._success_reset = success_reset
        self._state: BreakerState = "closed"
        self._recent: deque[float] = deque()
        self._streak = 0
        self._opened_at = 0.0
        self._probes_out = 0
        self._probe_successes = 0
        self._transitions: list[BreakerTransition] = []
        self.successes = 0
        self.failures = 0
        self.rate_limited = 0

    @property
    def state(self) -> BreakerState:
        """The current state; reading it may move open → half-open."""
        self._refresh()
        return self._state

    def allow(self) -> bool:
        """May a request go out now? In half-open this reserves a probe slot."""
        self._refresh()
        if self._state == "closed":
            return True
        if self._state == "open" or self._probes_out >= self._probes:
            return False
        self._probes_out += 1
        return True

    def record_success(self) -> None:
        """A request to this provider succeeded."""
        self._refresh()
        self.successes += 1
        if self._state == "half_open":
            self._probes_out = max(0, self._probes_out - 1)
            self._probe_successes += 1
            if self._probe_successes >= self._probes:
                self._close()
        elif self._state == "closed":
            self._streak += 1
            if self._success_reset is not None and self._streak >= self._success_reset:
                self._recent.clear()

    def record_failure(self, error_type: str | None = None) -> bool:
        """A request failed; returns whether it counted against the provider.

        ``error_type`` is the taxonomy name (``errors.X.error_type``); None means
        the caller already knows it is a health failure.
        """
        verdict = "unhealthy" if error_type is None else classify_error(error_type)
        if verdict == "busy":
            self.rate_limited += 1
        if verdict != "unhealthy":
            self.release_probe()
            return False
        self._refresh()
        self._count_failure()
        if self._state == "half_open":
            self._reopen(f"probe failed ({error_type or 'failure'})")
        elif self._state == "closed" and len(self._recent) >= self._threshold:
            self._open(
                f"{len(self._recent)} failures within {self._window:g} s"
                f" (last: {error_type or 'failure'})"
            )
        return True

    def release_probe(self) -> None:
        """A let-through request ended without a verdict (e.g. cancelled by the user)."""
        self._refresh()
        if self._state == "half_open":
            self._probes_out = max(0, self._probes_out - 1)

    def retry_in(self) -> float | None:
        """Seconds until the breaker half-opens; 0 when half-open, None when closed."""
        self._refresh()
        if self._state == "closed":
            return None
        if self._state == "half_open":
            return 0.0
        return max(0.0, self._opened_at + self._cooldown - self._clock.now())

    def failures_in_window(self) -> int:
        """Health failures within the last ``window`` seconds."""
        self._prune(self._clock.now())
        return len(self._recent)

    def availability(self) -> float | None:
        """Successes / (successes + health failures) this session; None without data."""
        total = self.successes + self.failures
        return None if total == 0 else self.successes / total

    def snapshot(self) -> BreakerSnapshot:
        """The HUD's view of this breaker."""
        return BreakerSnapshot(
            state=self.state,
            failures_in_window=self.failures_in_window(),
            availability=self.availability(),
            retry_in=self.retry_in(),
            successes=self.successes,
            failures=self.failures,
            rate_limited=self.rate_limited,
        )

    def drain_transitions(self) -> list[BreakerTransition]:
        """The transitions since the last drain, oldest first."""
        self._refresh()
        drained, self._transitions = self._transitions, []
        return drained

    def _count_failure(self) -> None:
        now = self._clock.now()
        self.failures += 1
        self._streak = 0
        self._recent.append(now)
        self._prune(now)

    def _prune(self, now: float) -> None:
        while self._recent and self._recent[0] <= now - self._window:
            self._recent.popleft()

    def _refresh(self) -> None:
        """Open → half-open once the cooldown is over (lazy: no timer needed)."""
        if self._state != "open":
            return
        ends = self._opened_at + self._cooldown
        if self._clock.now() >= ends:
            self._probes_out = 0
            self._probe_successes = 0
            self._move("half_open", ends, f"cooldown of {self._cooldown:g} s elapsed")

    def _open(self, reason: str) -> None:
        self._opened_at = self._clock.now()
        self._move("open", self._opened_at, reason)

    def _reopen(self, reason: str) -> None:
        self._cooldown = min(self._max_cooldown, self._cooldown * self._backoff)
        self._open(f"{reason}; next probe in {self._cooldown:g} s")

    def _close(self) -> None:
        self._cooldown = self._base_cooldown
        self._recent.clear()
        self._streak = 0
        self._move("closed", self._clock.now(), "probe succeeded")

    def _move(self, to_state: BreakerState, at: float, reason: str) -> None:
        self._transitions.append(
            BreakerTransition(self.provider, self._state, to_state, at, reason)
        )
        self._state = to_state


def _validate(threshold: int, window: float, cooldown: float, probes: int, backoff: float) -> None:
    if threshold < 1 or probes < 1:
        raise ValueError("failure_threshold and half_open_probes must be at least 1")
    if window <= 0 or cooldown < 0 or backoff < 1:
        raise ValueError("window must be > 0, cooldown >= 0 and backoff >= 1")


class BreakerBoard:
    """One :class:`CircuitBreaker` per provider key, created on first use."""

    def __init__(self, clock: Clock, **defaults: Unpack[BreakerOptions]) -> None:
        self._clock = clock
        self._defaults = defaults
        self._breakers: dict[str, CircuitBreaker] = {}

    def get(self, key: str) -> CircuitBreaker:
        """The breaker for ``key`` (see :func:`provider_key`)."""
        breaker = self._breakers.get(key)
        if breaker is None:
            breaker = CircuitBreaker(self._clock, provider=key, **self._defaults)
            self._breakers[key] = breaker
        return breaker

    def availability(self, key: str) -> float | None:
        """The provider's success ratio this session; None when nothing is known."""
        breaker = self._breakers.get(key)
        return None if breaker is None else breaker.availability()

    def snapshot(self) -> dict[str, BreakerSnapshot]:
        """Every known provider's breaker, for the HUD."""
        return {key: breaker.snapshot() for key, breaker in self._breakers.items()}

    def drain_transitions(self) -> list[BreakerTransition]:
        """All breakers' transitions since the last drain, in time order."""
        drained = [t for b in self._breakers.values() for t in b.drain_transitions()]
        return sorted(drained, key=lambda t: t.at)
