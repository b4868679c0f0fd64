"""What a diagnosis says: six checklist sections, each a verdict, a headline and figures.

Everything here is a frozen dataclass of plain values, so a diagnosis can be
compared in tests, turned into JSON with :func:`dataclasses.asdict` and shown
by any consumer. Strings that come from the log (model names, error
messages) are stored as they were logged: consumers must make them inert
(``tuichat.core.untrusted``) before showing them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

Verdict = Literal["ok", "warn", "bad", "n/a"]
"""``n/a``: the log holds nothing to judge by (not "fine")."""

DAY_S = 86_400.0


@dataclass(frozen=True, slots=True)
class Scope:
    """What to look at: one session, or the time window ``[since, until)`` (epoch s)."""

    session_id: str | None = None
    since: float | None = None
    until: float | None = None

    @classmethod
    def session(cls, session_id: str) -> Scope:
        """Every attempt of one session."""
        return cls(session_id=session_id)

    @classmethod
    def last(cls, seconds: float, now: float) -> Scope:
        """The ``seconds`` before ``now``, e.g. ``Scope.last(DAY_S, time.time())``."""
        return cls(since=now - seconds, until=now)

    def describe(self) -> str:
        """``session s-1a2b`` or ``last 24 h``, for titles."""
        if self.session_id is not None:
            return f"session {self.session_id}"
        if self.since is None or self.until is None:
            return "the whole log"
        return f"last {_span(self.until - self.since)}"


def _span(seconds: float) -> str:
    whole = round(seconds)
    if whole >= 2 * DAY_S and whole % DAY_S == 0:
        return f"{whole // DAY_S:.0f} d"
    if whole >= 3600 and whole % 3600 == 0:
        return f"{whole // 3600} h"
    if whole % 60 == 0:
        return f"{whole // 60} min"
    return f"{whole} s"


class Section(Protocol):
    """What every checklist section has in common."""

    @property
    def verdict(self) -> Verdict: ...

    @property
    def headline(self) -> str: ...


@dataclass(frozen=True, slots=True)
class LatencySplit:
    """Where the waiting went, summed over the scope, in milliseconds.

    ``queue``: the client-side limiter, measured as the gap between a prompt
    and its first attempt (``Queued`` events are not logged). ``retry_wait``:
    back-off between attempts. ``network``: time to the response headers (or,
    where the server reports its own timings, everything it did not spend
    computing). ``prefill``/``generation``: up to the first token and after
    it. ``client busy``: of the wait for the first token, the time our own
    process could not run its event loop (a cold start's imports and warm-ups),
    taken out of network and prefill. ``failed``: attempts that ended without a
    first token.
    """

    queue_ms: float = 0.0
    retry_wait_ms: float = 0.0
    network_ms: float = 0.0
    prefill_ms: float = 0.0
    generation_ms: float = 0.0
    failed_ms: float = 0.0
    client_busy_ms: float = 0.0

    def parts(self) -> dict[str, float]:
        """Component name → milliseconds, in a fixed order."""
        return {
            "generation": self.generation_ms,
            "network": self.network_ms,
            "queue": self.queue_ms,
            "prefill": self.prefill_ms,
            "client busy": self.client_busy_ms,
            "retry wait": self.retry_wait_ms,
            "failed attempts": self.failed_ms,
        }

    @property
    def total_ms(self) -> float:
        return sum(self.parts().values())


@dataclass(frozen=True, slots=True)
class LatencyReport:
    """Where latency comes from, and how long the first token takes."""

    verdict: Verdict
    headline: str
    split: LatencySplit
    prefill_server_attempts: int
    """Attempts whose prefill the server reported; the others are TTFT − TTFB estimates."""
    prefill_estimated_attempts: int
    turns: int
    ttft_p50_ms: float | None
    ttft_p95_ms: float | None


@dataclass(frozen=True, slots=True)
class LimitReading:
    """One rate-limit window from the latest headers of a model."""

    window: str
    limit: int | None
    remaining: int | None


@dataclass(frozen=True, slots=True)
class ModelLimits:
    """The latest rate-limit reading of one model."""

    model: str
    at: float
    source: str
    windows: tuple[LimitReading, ...]

    def tightest_fraction(self) -> float | None:
        """The smallest ``remaining / limit`` of the reading, if any is known."""
        fractions = [
            0.0 if w.limit == 0 else w.remaining / w.limit
            for w in self.windows
            if w.limit is not None and w.remaining is not None
        ]
        return min(fractions, default=None)


@dataclass(frozen=True, slots=True)
class RateLimitReport:
    """Are we rate limited: 429s, quota, what they made the router do, what is left."""

    verdict: Verdict
    headline: str
    attempts: int
    rate_limited: int
    """Attempts answered with 429 (quota errors included)."""
    quota_errors: int
    retries_after_429: int
    fallbacks_after_429: int
    latest: tuple[ModelLimits, ...]


@dataclass(frozen=True, slots=True)
class CacheReport:
    """Does caching work: the response cache and the provider's prompt cache."""

    verdict: Verdict
    headline: str
    exact_hit_rate: float | None
    """Exact hits over the lookups the cache could answer (None: it was not asked)."""
    semantic_hit_rate: float | None
    prompt_input_tokens: int
    """Input tokens of the attempts that reported a cached count."""
    prompt_cached_tokens: int
    prompt_hit_rate: float | None
    cache_write_tokens: int
    long_prompt_hit_rate: float | None
    """The same rate over prompts long enough to cache (see ``CACHEABLE_TOKENS``)."""
    stale_offered: int | None
    """Earlier answers shown as STALE because every model failed (None: not counted)."""


@dataclass(frozen=True, slots=True)
class ErrorCount:
    """Failed attempts of one error type, and the latest message of that type."""

    error_type: str
    count: int
    last_message: str | None


@dataclass(frozen=True, slots=True)
class ModelErrors:
    """Attempts and failures of one provider/model."""

    provider: str
    model: str
    attempts: int
    failed: int


@dataclass(frozen=True, slots=True)
class ErrorSpike:
    """A time bucket whose error rate stands well above the scope's."""

    start: float
    attempts: int
    errors: int

    @property
    def rate(self) -> float:
        return self.errors / self.attempts


@dataclass(frozen=True, slots=True)
class ErrorReport:
    """What fails: types, providers/models, and when it bunched up."""

    verdict: Verdict
    headline: str
    attempts: int
    failed: int
    error_rate: float | None
    by_type: tuple[ErrorCount, ...]
    by_model: tuple[ModelErrors, ...]
    bucket_s: float
    spikes: tuple[ErrorSpike, ...]


@dataclass(frozen=True, slots=True)
class StreamingReport:
    """Is streaming healthy: the TTFT trend and streams that broke off."""

    verdict: Verdict
    headline: str
    streamed: int
    """Attempts that produced a first token."""
    ttft_earlier_p50_ms: float | None
    ttft_recent_p50_ms: float | None
    truncated: int
    disconnects: int
    timeouts: int
    cancelled: int


@dataclass(frozen=True, slots=True)
class TokenOutlier:
    """A turn well above the median in input or output tokens."""

    trace_id: str
    model: str
    started_at: float
    input_tokens: int | None
    output_tokens: int | None


@dataclass(frozen=True, slots=True)
class TokenReport:
    """Did token usage change: per-turn tokens against the scope's median."""

    verdict: Verdict
    headline: str
    turns: int
    """Answered attempts that reported usage (a turn's tokens are its answering attempt's)."""
    median_input: float | None
    median_output: float | None
    earlier_median_input: float | None
    recent_median_input: float | None
    earlier_median_output: float | None
    recent_median_output: float | None
    above_input: int
    above_output: int
    outlier_turns: int
    """Turns above ``outlier_factor`` × the median in input or output tokens."""
    outlier_factor: float
    outliers: tuple[TokenOutlier, ...]


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """The operator's checklist, answered from the log for one scope."""

    scope: Scope
    generated_at: float
    attempts: int
    latency: LatencyReport
    rate_limits: RateLimitReport
    cache: CacheReport
    errors: ErrorReport
    streaming: StreamingReport
    tokens: TokenReport

    def sections(self) -> tuple[tuple[str, Section], ...]:
        """``(title, section)`` in checklist order."""
        return (
            ("latency", self.latency),
            ("rate limits", self.rate_limits),
            ("cache", self.cache),
            ("errors", self.errors),
            ("streaming", self.streaming),
            ("tokens", self.tokens),
        )
