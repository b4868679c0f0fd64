"""What ``tuichat stats`` reports over a workload: plain frozen values, rates derived.

The store fills a :class:`StatsReport` (:mod:`tuichat.store.stats_read`);
the command line prints it as text or JSON and the TUI's stats screen shows
it. Strings in it (model names, tags, hosts, error types, trace ids) come
from the log as they were logged: consumers make them inert before display.

A *request* is one attempt: one HTTP request to one model (a retry or a
fallback is another request). Percentiles follow
:data:`tuichat.core.metrics.percentiles.DEFINITION`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from tuichat.core.metrics.percentiles import DEFINITION


@dataclass(frozen=True, slots=True)
class Distribution:
    """Nearest-rank percentiles of one metric, and how many attempts they rank."""

    count: int = 0
    p50: float | None = None
    p95: float | None = None
    p99: float | None = None


@dataclass(frozen=True, slots=True)
class Histogram:
    """Counts between consecutive edges: ``counts[i]`` is ``edges[i] <= value < edges[i+1]``."""

    edges: tuple[float, ...] = ()
    counts: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class GroupCost:
    """One row of the ``--by`` breakdown."""

    key: str
    requests: int
    cost_usd: float
    input_tokens: int = 0
    output_tokens: int = 0


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One provider endpoint: requests, server-side failures and 429s."""

    provider: str
    host: str
    requests: int
    server_failures: int
    rate_limited: int

    @property
    def availability(self) -> float | None:
        """Share of requests not lost to the server (429s and bad requests do not count)."""
        return None if self.requests == 0 else 1.0 - self.server_failures / self.requests


@dataclass(frozen=True, slots=True)
class SlowRequest:
    """One of the slowest requests and where its time went (ms), as ``debug`` splits it.

    ``queue`` is prompt → the turn's first attempt; ``retries`` is the turn's
    earlier attempts and their waits; ``network`` is time to the response
    headers (or what the server did not spend computing, where it reports
    its timings); ``prefill`` → first token; ``generation`` → the end. An
    attempt that failed before a first token has all its time in ``failed``.
    """

    trace_id: str
    attempt: int
    model: str
    provider: str
    status: str
    total_ms: float
    queue_ms: float | None
    retries_ms: float
    network_ms: float
    prefill_ms: float
    generation_ms: float
    failed_ms: float


@dataclass(frozen=True, slots=True)
class CacheFigures:
    """The response cache's verdicts over the scope (``cache_lookups``)."""

    exact: int = 0
    semantic: int = 0
    miss: int = 0
    bypass: int = 0
    unavailable: int = 0

    @property
    def lookups(self) -> int:
        """Turns that asked the cache (bypasses and an unavailable cache included)."""
        return self.exact + self.semantic + self.miss + self.bypass + self.unavailable

    @property
    def hit_rate(self) -> float | None:
        """Hits over the lookups that could have hit (exact + semantic + miss)."""
        asked = self.exact + self.semantic + self.miss
        return None if asked == 0 else (self.exact + self.semantic) / asked


@dataclass(frozen=True, slots=True)
class QueueFigures:
    """Client-side queue waits: prompt → first attempt, over the latest turns in scope.

    ``capped``: the scope has more turns than were measured (the latest
    ``turns`` of them were; see ``stats_read.QUEUE_SAMPLE``).
    """

    turns: int = 0
    capped: bool = False
    waited: int = 0
    """Turns that waited at least :data:`QUEUE_WAIT_MS`."""
    mean_ms: float | None = None
    max_ms: float | None = None


QUEUE_WAIT_MS = 50.0
"""A gap below this between a prompt and its first attempt is local work, not queueing."""


@dataclass(frozen=True, slots=True)
class FeedbackFigures:
    """Thumbs and follow-ups over the scope (from the ``feedback`` table, once it exists)."""

    answers: int = 0
    thumbs_up: int = 0
    thumbs_down: int = 0
    follow_ups: int = 0

    @property
    def thumbs_up_rate(self) -> float | None:
        """Ups over rated answers."""
        rated = self.thumbs_up + self.thumbs_down
        return None if rated == 0 else self.thumbs_up / rated

    @property
    def follow_up_rate(self) -> float | None:
        """Answers followed by a similar re-ask, over answers."""
        return None if self.answers == 0 else self.follow_ups / self.answers


@dataclass(frozen=True, slots=True)
class DayCount:
    """Requests (and their cost) on one local calendar day."""

    day: str
    requests: int
    cost_usd: float = 0.0


@dataclass(frozen=True, slots=True)
class StatsReport:
    """Everything ``stats`` says about one scope."""

    scope: str
    requests: int = 0
    failed: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    """Failed (and truncated) requests by error type."""
    rate_limited: int = 0
    """429s: rate-limit and quota errors."""
    retries: int = 0
    input_tokens_avg: float | None = None
    output_tokens_avg: float | None = None
    ttft_ms: Distribution = Distribution()
    latency_ms: Distribution = Distribution()
    tokens_per_s: Distribution = Distribution()
    slowest: tuple[SlowRequest, ...] = ()
    cache: CacheFigures = CacheFigures()
    queue: QueueFigures = QueueFigures()
    endpoints: tuple[Endpoint, ...] = ()
    by: str = "model"
    costs: tuple[GroupCost, ...] = ()
    cost_usd: float = 0.0
    days: tuple[DayCount, ...] = ()
    feedback: FeedbackFigures | None = None
    """None: the log has no feedback table yet."""
    histograms: dict[str, Histogram] = field(default_factory=dict)

    @property
    def error_rate(self) -> float | None:
        """Failed requests over requests."""
        return None if self.requests == 0 else self.failed / self.requests


def report_json(report: StatsReport) -> dict[str, Any]:
    """The report as JSON-ready data, with the derived rates and the percentile definition."""
    data = asdict(report)
    data["percentile_definition"] = DEFINITION
    data["error_rate"] = report.error_rate
    data["error_rates"] = {
        kind: n / report.requests for kind, n in report.errors.items() if report.requests
    }
    data["cache"].update(lookups=report.cache.lookups, hit_rate=report.cache.hit_rate)
    for row, endpoint in zip(data["endpoints"], report.endpoints, strict=True):
        row["availability"] = endpoint.availability
    if report.feedback is not None:
        data["feedback"].update(
            thumbs_up_rate=report.feedback.thumbs_up_rate,
            follow_up_rate=report.feedback.follow_up_rate,
        )
    return data
