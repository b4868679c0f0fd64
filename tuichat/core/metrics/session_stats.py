"""Session-wide numbers for the HUD, folded from every turn's events.

``observe`` is O(1) and ignores text (the per-token events never reach it
through :class:`~tuichat.core.metrics.session_metrics.SessionMetrics`). Percentiles are
computed in :meth:`SessionStats.snapshot` from a bounded window of samples
per model, and only re-sorted when a sample was added.

Definitions:

- error rate: attempts that ended ``failed`` or ``truncated`` over attempts
  that ended; cancelled attempts are the user's choice and count in neither
  (they are counted apart: a cancelled attempt did end);
- 429s: attempts that ended with ``rate_limited``;
- prompt-cache share: provider-reported cached prompt tokens over prompt tokens,
  summed over the attempts whose usage said anything about the cache (or
  whose timings did: llama.cpp's ``cache_n``);
- cost: the sum of ``CostReported.cost_usd``; attempts without a price are
  counted, never guessed;
- rate limits: the provider's newest reading, by any tuichat process of the
  user when ``readings`` (the shared board) is set, else by this session.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from tuichat.core import errors
from tuichat.core.events import (
    AttemptEnded,
    AttemptStarted,
    CostReported,
    Event,
    FirstToken,
    Queued,
    RateLimitObserved,
    TimingsReported,
    TurnCancelled,
    TurnFailed,
    TurnFinished,
    UsageReported,
)
from tuichat.core.health.breaker import provider_key
from tuichat.core.limit_state import RateLimitState
from tuichat.core.limits.shared_readings import ReadingBoard

TTFT_SAMPLES = 500
"""TTFT samples kept per model: enough for a stable p95, bounded for snapshot cost."""
_FAILED = frozenset({"failed", "truncated"})


def percentile(ordered: list[float], q: float) -> float | None:
    """The ``q`` quantile (0..1) of sorted values, interpolating linearly; None if empty."""
    if not ordered:
        return None
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True, slots=True)
class TtftStats:
    """A model's time to first token this session (ms)."""

    model: str
    p50_ms: float | None
    p95_ms: float | None
    samples: int


@dataclass(frozen=True, slots=True)
class QueueState:
    """The limiter holding the current request: place, and the wait left as forecast."""

    position: int
    expected_wait_s: float
    limited_by: str | None


@dataclass(frozen=True, slots=True)
class SessionSnapshot:
    """The session's aggregates at one instant."""

    ttft: TtftStats | None
    attempts: int
    failed_attempts: int
    cancelled_attempts: int
    rate_limited: int
    prompt_tokens: int
    cached_prompt_tokens: int
    cache_write_tokens: int
    cache_reported: bool
    cost_usd: float
    cost_reports: int
    unpriced_attempts: int
    cost_estimated: bool
    provider: str | None
    """The breaker key of the latest attempt (``provider@host``)."""
    rate_limit: RateLimitState | None
    """The latest rate-limit headers of that provider."""
    queue: QueueState | None

    @property
    def error_rate(self) -> float | None:
        """Failed over ended attempts (cancelled ones excluded); None before any."""
        return None if self.attempts == 0 else self.failed_attempts / self.attempts


@dataclass
class _Samples:
    values: deque[float] = field(default_factory=lambda: deque(maxlen=TTFT_SAMPLES))
    ordered: list[float] | None = None


class SessionStats:
    """Aggregates across the session's turns (see the module docstring)."""

    def __init__(self) -> None:
        self._ttft: dict[str, _Samples] = {}
        self._attempt_start: float | None = None
        self._model = ""
        self.provider: str | None = None
        self.attempts_ended = 0
        self.failed = 0
        self.cancelled = 0
        self.rate_limited = 0
        self.prompt_tokens = 0
        self.cached_tokens = 0
        self.cache_writes = 0
        self.cache_reported = False
        self.cost_usd = 0.0
        self.cost_reports = 0
        self.unpriced = 0
        self.cost_estimated = False
        self._limits: dict[str, RateLimitState] = {}
        self._queue: tuple[Queued, float] | None = None
        self._silent_usage: UsageReported | None = None
        """The latest usage that said nothing about the cache (its timings may)."""
        self.readings: ReadingBoard | None = None
        """The readings every tuichat process of the user shares (the factory sets it)."""

    def observe(self, event: Event) -> None:
        """Fold one (non-text) event in."""
        if isinstance(event, AttemptStarted):
            self._attempt_start, self._model, self._queue = event.ts, event.model, None
            self.provider = provider_key(event.provider, event.base_url_host)
        elif isinstance(event, FirstToken) and self._attempt_start is not None:
            self._add_ttft((event.ts - self._attempt_start) * 1000.0)
        elif isinstance(event, AttemptEnded):
            self._attempt_ended(event)
        elif isinstance(event, UsageReported):
            self._usage(event)
        elif isinstance(event, TimingsReported):
            self._timings(event)
        elif isinstance(event, CostReported):
            self._cost(event)
        elif isinstance(event, RateLimitObserved) and self.provider is not None:
            self._limits[self.provider] = event.state
            if self.readings is not None:
                self.readings.record(self.provider, event.state)
        elif isinstance(event, Queued):
            self._queue = (event, event.ts)
        elif isinstance(event, TurnFinished | TurnFailed | TurnCancelled):
            self._queue = None

    def _add_ttft(self, ms: float) -> None:
        samples = self._ttft.setdefault(self._model, _Samples())
        samples.values.append(ms)
        samples.ordered = None

    def _attempt_ended(self, event: AttemptEnded) -> None:
        if event.status == "cancelled":
            self.cancelled += 1
            return
        self.attempts_ended += 1
        if event.status in _FAILED:
            self.failed += 1
        if event.error_type == errors.RateLimited.error_type:
            self.rate_limited += 1

    def _usage(self, event: UsageReported) -> None:
        if event.cached_input_tokens is None and event.cache_write_tokens is None:
            self._silent_usage = event  # the timings may say (llama.cpp)
            return
        self._silent_usage = None
        self._count_prompt(event.input_tokens, event.cached_input_tokens, event.cache_write_tokens)

    def _timings(self, event: TimingsReported) -> None:
        usage, self._silent_usage = self._silent_usage, None
        if event.cached_prompt_tokens is None or usage is None:
            return
        if (usage.trace_id, usage.attempt) == (event.trace_id, event.attempt):
            self._count_prompt(usage.input_tokens, event.cached_prompt_tokens, None)

    def _count_prompt(self, prompt: int | None, cached: int | None, written: int | None) -> None:
        self.cache_reported = True
        self.prompt_tokens += prompt or 0
        self.cached_tokens += cached or 0
        self.cache_writes += written or 0

    def _cost(self, event: CostReported) -> None:
        self.cost_reports += 1
        if event.cost_usd is None:
            self.unpriced += 1
        else:
            self.cost_usd += event.cost_usd
        self.cost_estimated = self.cost_estimated or event.estimated

    def ttft(self, model: str) -> TtftStats | None:
        """p50/p95 of ``model``'s TTFT samples (sorted once per new sample)."""
        samples = self._ttft.get(model)
        if samples is None:
            return None
        if samples.ordered is None:
            samples.ordered = sorted(samples.values)
        ordered = samples.ordered
        return TtftStats(model, percentile(ordered, 0.5), percentile(ordered, 0.95), len(ordered))

    def queue(self, now: float) -> QueueState | None:
        """Where the current request waits, with the forecast wait counted down."""
        if self._queue is None:
            return None
        event, since = self._queue
        left = max(0.0, event.expected_wait_s - (now - since))
        return QueueState(event.position, left, event.limited_by)

    def _rate_limit(self) -> RateLimitState | None:
        """The provider's latest reading: by any process when shared, else by this session."""
        if self.provider is None:
            return None
        mine = self._limits.get(self.provider)
        shared = self.readings.latest(self.provider) if self.readings is not None else None
        if shared is None or (mine is not None and mine.observed_at >= shared.observed_at - 1e-3):
            return mine  # this session's own reading (no clock round trip)
        return shared

    def snapshot(self, now: float) -> SessionSnapshot:
        """The aggregates as of ``now`` (TTFT stats for the latest attempt's model)."""
        return SessionSnapshot(
            ttft=self.ttft(self._model),
            attempts=self.attempts_ended,
            failed_attempts=self.failed,
            cancelled_attempts=self.cancelled,
            rate_limited=self.rate_limited,
            prompt_tokens=self.prompt_tokens,
            cached_prompt_tokens=self.cached_tokens,
            cache_write_tokens=self.cache_writes,
            cache_reported=self.cache_reported,
            cost_usd=self.cost_usd,
            cost_reports=self.cost_reports,
            unpriced_attempts=self.unpriced,
            cost_estimated=self.cost_estimated,
            provider=self.provider,
            rate_limit=self._rate_limit(),
            queue=self.queue(now),
        )
