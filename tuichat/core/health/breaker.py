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
  slot without a verdict) or ``release_probe`` (e.g. cancelled). A probe
  slot left taken (a process killed mid-probe) is freed after
  :data:`PROBE_LEASE` seconds.
- What the state machine remembers lives in a
  :class:`~tuichat.core.health.breaker_health.HealthRecords`: this process's
  memory by default, or the store every tuichat process of the user shares,
  where each call is one atomic read-change-write. The counters of this
  session (successes, failures, 429s) stay in the process.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, TypedDict, Unpack

from tuichat.core import errors
from tuichat.core.clock import Clock
from tuichat.core.health.breaker_health import (
    BreakerHealth,
    BreakerSnapshot,
    BreakerState,
    BreakerTransition,
    HealthRecords,
    LocalHealth,
    settled,
)

__all__ = [
    "PROBE_LEASE",
    "BreakerBoard",
    "BreakerOptions",
    "BreakerSnapshot",
    "BreakerState",
    "BreakerTransition",
    "CircuitBreaker",
    "classify_error",
    "counts_against_provider",
    "provider_key",
]

ErrorVerdict = Literal["unhealthy", "busy", "not_provider"]
PROBE_LEASE = 120.0
"""Seconds after which a probe that never reported back no longer holds its slot."""

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


class BreakerOptions(TypedDict, total=False):
    """Settings shared by every breaker of a :class:`BreakerBoard`."""

    failure_threshold: int
    window: float
    cooldown: float
    half_open_probes: int
    success_reset: int | None
    backoff: float
    max_cooldown: float


_Moves = list[tuple[BreakerState, BreakerState, float, str]]
_Step = Callable[[BreakerHealth, float, _Moves], None]


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
        records: HealthRecords | None = None,
    ) -> None:
        _validate(failure_threshold, window, cooldown, half_open_probes, backoff)
        self.provider = provider
        self._clock = clock
        self._threshold = failure_threshold
        self._window = window
        self._base_cooldown = cooldown
        self._max_cooldown = max(max_cooldown, cooldown)
        self._backoff = backoff
        self._probes = half_open_probes
        self._success_reset = success_reset
        self._records: HealthRecords = records if records is not None else LocalHealth()
        self._transitions: list[BreakerTransition] = []
        self.successes = 0
        self.failures = 0
        self.rate_limited = 0

    @property
    def state(self) -> BreakerState:
        """The current state; reading it may move open → half-open."""
        return self._view().state

    def allow(self) -> bool:
        """May a request go out now? In half-open this reserves a probe slot (a write)."""
        if settled(self._records.read(self.provider)):  # closed: only read
            return True
        allowed = False

        def step(health: BreakerHealth, now: float, moves: _Moves) -> None:
            nonlocal allowed
            allowed = health.state == "closed"
            if health.state == "half_open" and len(health.probes) < self._probes:
                health.probes.append(now)
                allowed = True

        self._change(step)
        return allowed

    def record_success(self) -> None:
        """A request to this provider succeeded."""
        self.successes += 1
        if not settled(self._records.read(self.provider)):  # else nothing stored changes
            self._change(self._success)

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
        self.failures += 1
        self._change(lambda health, now, moves: self._failure(health, now, moves, error_type))
        return True

    def release_probe(self) -> None:
        """A let-through request ended without a verdict (e.g. cancelled by the user)."""

        def step(health: BreakerHealth, now: float, moves: _Moves) -> None:
            if health.state == "half_open" and health.probes:
                health.probes.pop(0)

        self._change(step)

    def retry_in(self) -> float | None:
        """Seconds until the breaker half-opens; 0 when half-open, None when closed."""
        health = self._view()
        if health.state == "closed":
            return None
        if health.state == "half_open":
            return 0.0
        return max(0.0, health.opened_at + self._cooldown(health) - self._stamp())

    def failures_in_window(self) -> int:
        """Health failures within the last ``window`` seconds."""
        since = self._stamp() - self._window
        return sum(1 for at in self._view().recent if at > since)

    def availability(self) -> float | None:
        """Successes / (successes + health failures) this session; None without data."""
        total = self.successes + self.failures
        return None if total == 0 else self.successes / total

    def snapshot(self) -> BreakerSnapshot:
        """The HUD's view of this breaker (shared state: what every process did)."""
        health = self._view()
        now = self._stamp()
        retry_in = None
        if health.state == "open":
            retry_in = max(0.0, health.opened_at + self._cooldown(health) - now)
        elif health.state == "half_open":
            retry_in = 0.0
        return BreakerSnapshot(
            state=health.state,
            failures_in_window=sum(1 for at in health.recent if at > now - self._window),
            availability=self.availability(),
            retry_in=retry_in,
            successes=self.successes,
            failures=self.failures,
            rate_limited=self.rate_limited,
        )

    def drain_transitions(self) -> list[BreakerTransition]:
        """The transitions this process caused since the last drain, oldest first."""
        self._view()
        drained, self._transitions = self._transitions, []
        return drained

    # -- the state machine, applied to a record inside the store's transaction ------------

    def _stamp(self) -> float:
        """Now on the records' clock: wall time when they are shared, else monotonic."""
        return self._clock.wall() if self._records.wall_clock else self._clock.now()

    def _monotonic(self, at: float) -> float:
        """A record's time on the monotonic clock (for transitions and events)."""
        if not self._records.wall_clock:
            return at
        return self._clock.now() - (self._clock.wall() - at)

    def _view(self) -> BreakerHealth:
        """The record as of now; a due open → half-open is stored (once, by whoever sees it)."""
        health = self._records.read(self.provider) or BreakerHealth()
        if health.state == "open" and self._stamp() >= health.opened_at + self._cooldown(health):
            return self._change(lambda health, now, moves: None)
        return health

    def _change(self, step: _Step) -> BreakerHealth:
        """Refresh and apply ``step`` atomically; keep the transitions it made."""
        moves: _Moves = []

        def change(health: BreakerHealth) -> None:
            moves.clear()  # a store may run the change again after a busy retry
            now = self._stamp()
            self._refresh(health, now, moves)
            step(health, now, moves)

        health = self._records.update(self.provider, change)
        self._transitions += [
            BreakerTransition(self.provider, old, new, self._monotonic(at), why)
            for old, new, at, why in moves
        ]
        return health

    def _cooldown(self, health: BreakerHealth) -> float:
        return self._base_cooldown if health.cooldown is None else health.cooldown

    def _success(self, health: BreakerHealth, now: float, moves: _Moves) -> None:
        if health.state == "half_open":
            if health.probes:
                health.probes.pop(0)
            health.probe_successes += 1
            if health.probe_successes >= self._probes:
                health.cooldown, health.recent, health.streak = None, [], 0
                _move(health, moves, "closed", now, "probe succeeded")
        elif health.state == "closed" and health.recent:  # no failures: nothing to reset
            health.streak += 1
            if self._success_reset is not None and health.streak >= self._success_reset:
                health.recent = []

    def _failure(
        self, health: BreakerHealth, now: float, moves: _Moves, error_type: str | None
    ) -> None:
        health.streak = 0
        health.recent = [at for at in health.recent if at > now - self._window] + [now]
        if health.state == "half_open":
            health.cooldown = min(self._max_cooldown, self._cooldown(health) * self._backoff)
            why = f"probe failed ({error_type or 'failure'})"
            health.opened_at = now
            _move(health, moves, "open", now, f"{why}; next probe in {health.cooldown:g} s")
        elif health.state == "closed" and len(health.recent) >= self._threshold:
            health.opened_at = now
            why = f"{len(health.recent)} failures within {self._window:g} s"
            why += f" (last: {error_type or 'failure'})"
            _move(health, moves, "open", now, f"{why}; next probe in {self._cooldown(health):g} s")

    def _refresh(self, health: BreakerHealth, now: float, moves: _Moves) -> None:
        """Open → half-open once the cooldown is over (lazy: no timer needed)."""
        if health.state == "half_open":
            health.probes = [at for at in health.probes if at > now - PROBE_LEASE]
        if health.state != "open":
            return
        cooldown = self._cooldown(health)
        ends = health.opened_at + cooldown
        if now >= ends:
            health.probes, health.probe_successes = [], 0
            _move(health, moves, "half_open", ends, f"cooldown of {cooldown:g} s elapsed")


def _move(
    health: BreakerHealth, moves: _Moves, to_state: BreakerState, at: float, reason: str
) -> None:
    moves.append((health.state, to_state, at, reason))
    health.state = to_state


def _validate(threshold: int, window: float, cooldown: float, probes: int, backoff: float) -> None:
    if threshold < 1 or probes < 1:
        raise ValueError("failure_threshold and half_open_probes must be at least 1")
    if window <= 0 or cooldown < 0 or backoff < 1:
        raise ValueError("window must be > 0, cooldown >= 0 and backoff >= 1")


class BreakerBoard:
    """One :class:`CircuitBreaker` per provider key, created on first use."""

    def __init__(
        self,
        clock: Clock,
        *,
        records: HealthRecords | None = None,
        **defaults: Unpack[BreakerOptions],
    ) -> None:
        self._clock = clock
        self._defaults = defaults
        self._records = records
        self._breakers: dict[str, CircuitBreaker] = {}

    @property
    def shared(self) -> bool:
        """True when the breakers' states are shared by the user's processes."""
        return self._records is not None and self._records.wall_clock

    def get(self, key: str) -> CircuitBreaker:
        """The breaker for ``key`` (see :func:`provider_key`)."""
        breaker = self._breakers.get(key)
        if breaker is None:
            breaker = CircuitBreaker(
                self._clock, provider=key, records=self._records, **self._defaults
            )
            self._breakers[key] = breaker
        return breaker

    def availability(self, key: str) -> float | None:
        """The provider's success ratio this session; None when nothing is known."""
        breaker = self._breakers.get(key)
        return None if breaker is None else breaker.availability()

    def snapshot(self) -> dict[str, BreakerSnapshot]:
        """Every provider's breaker this session used, for the HUD.

        Shared: also those another process saw fail (open, half-open, or
        failures on record), so one window shows what a script tripped.
        """
        if self._records is not None:
            for key, health in self._records.read_all().items():
                if health.state != "closed" or health.recent:
                    self.get(key)
        return {key: breaker.snapshot() for key, breaker in self._breakers.items()}

    def drain_transitions(self) -> list[BreakerTransition]:
        """All breakers' transitions since the last drain, in time order."""
        drained = [t for b in self._breakers.values() for t in b.drain_transitions()]
        return sorted(drained, key=lambda t: t.at)
