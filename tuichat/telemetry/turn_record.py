"""One turn's events folded into a record: the turn, its attempts, the marks between them.

The record is what both exports read: the OTLP spans (a span for the turn,
a child per attempt, the marks as span events) and ``tuichat export``'s
per-turn timings. It is plain data built from the events alone (no
OpenTelemetry import), so a live turn and one read back from the log give
the same record. Times are epoch seconds: each event's monotonic ``ts``
shifted by the :class:`~tuichat.core.events.TurnStarted`'s ``wall_time``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from tuichat.core.events import (
    AttemptEnded,
    AttemptStarted,
    BreakerChanged,
    CacheLookedUp,
    CostReported,
    Event,
    FallbackTaken,
    FirstToken,
    HeadersReceived,
    Queued,
    RetryScheduled,
    TurnEnded,
    TurnFailed,
    TurnFinished,
    TurnStarted,
    UsageReported,
)

Attributes = dict[str, str | int | float | bool]


@dataclass(slots=True)
class AttemptRecord:
    """One request to one model (or one play from the cache)."""

    number: int
    model: str
    provider: str
    host: str
    start: float
    end: float | None = None
    max_tokens: int | None = None
    first_chunk: float | None = None
    status: str = "ok"
    finish_reason: str | None = None
    served_model: str | None = None
    error_type: str | None = None
    http_status: int | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cached_input_tokens: int | None = None
    cost_usd: float | None = None

    @property
    def ttfc_s(self) -> float | None:
        """Seconds from the request to its first chunk of text (None: no text)."""
        return None if self.first_chunk is None else self.first_chunk - self.start


@dataclass(frozen=True, slots=True)
class Mark:
    """Something that happened between attempts (a span event): name, time, attributes."""

    name: str
    at: float
    attributes: Attributes


@dataclass(slots=True)
class TurnRecord:
    """A whole turn: when, which session, what was tried, how it ended."""

    trace_id: str
    session_id: str
    model: str
    """The model that answered (the requested one until the turn finishes)."""
    prompt: str
    start: float
    requested_model: str = ""
    """The model the user asked for (the first of the route)."""
    end: float = 0.0
    status: str = "ok"
    finish_reason: str | None = None
    error_type: str | None = None
    answer: str = ""
    cache_verdict: str | None = None
    attempts: list[AttemptRecord] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)

    @property
    def first_chunk(self) -> float | None:
        """Epoch seconds of the answer's first text (None: none arrived)."""
        return next((a.first_chunk for a in self.attempts if a.first_chunk is not None), None)

    @property
    def served_by(self) -> AttemptRecord | None:
        """The last attempt: the one whose answer the user got (or whose error ended it)."""
        return self.attempts[-1] if self.attempts else None

    def tokens(self) -> tuple[int, int]:
        """Input and output tokens over every attempt (what was paid for)."""
        used = [(a.input_tokens or 0, a.output_tokens or 0) for a in self.attempts]
        return sum(i for i, _ in used), sum(o for _, o in used)

    def cost_usd(self) -> float | None:
        """The turn's cost over every attempt (None: no attempt was priced)."""
        known = [a.cost_usd for a in self.attempts if a.cost_usd is not None]
        return sum(known) if known else None


def turn_record(events: Iterable[Event]) -> TurnRecord | None:
    """The record of one turn's events (None when they do not start with ``TurnStarted``)."""
    folder: _Folder | None = None
    for event in events:
        if folder is None:
            if not isinstance(event, TurnStarted):
                return None
            folder = _Folder(event)
        folder.add(event)
    return folder.record if folder is not None else None


class _Folder:
    """Adds events to a record, one at a time."""

    def __init__(self, started: TurnStarted) -> None:
        self.offset = started.wall_time - started.ts
        self.record = TurnRecord(
            trace_id=started.trace_id,
            session_id=started.session_id,
            model=started.model,
            prompt=started.prompt,
            start=started.wall_time,
            requested_model=started.model,
            end=started.wall_time,
        )
        self.current: AttemptRecord | None = None

    def add(self, event: Event) -> None:
        at = event.ts + self.offset
        self.record.end = max(self.record.end, at)
        if isinstance(event, AttemptStarted):
            self._attempt(event, at)
        elif isinstance(event, TurnEnded):
            self._ended(event)
        elif self.current is not None and self._attempt_detail(event, self.current, at):
            return
        else:
            self._mark(event, at)

    def _attempt(self, event: AttemptStarted, at: float) -> None:
        cap = event.request.max_tokens if event.request is not None else None
        self.current = AttemptRecord(
            event.attempt, event.model, event.provider, event.base_url_host, at, max_tokens=cap
        )
        self.record.attempts.append(self.current)

    def _attempt_detail(self, event: Event, attempt: AttemptRecord, at: float) -> bool:
        """Fold ``event`` into the current attempt; False when it is not about one."""
        if isinstance(event, FirstToken):
            attempt.first_chunk = at
        elif isinstance(event, HeadersReceived):
            attempt.http_status = event.status_code
        elif isinstance(event, UsageReported):
            attempt.input_tokens = event.input_tokens
            attempt.output_tokens = event.output_tokens
            attempt.cached_input_tokens = event.cached_input_tokens
        elif isinstance(event, CostReported):
            _priced(attempt, event)
        elif isinstance(event, AttemptEnded):
            _attempt_ended(attempt, event, at)
            self.current = None
        else:
            return False
        return True

    def _mark(self, event: Event, at: float) -> None:
        marked = _mark_of(event, at)
        if isinstance(event, CacheLookedUp):
            self.record.cache_verdict = event.verdict
        if marked is not None:
            self.record.marks.append(marked)

    def _ended(self, event: TurnEnded) -> None:
        record = self.record
        record.status, record.answer = event.status, event.text
        if isinstance(event, TurnFinished):
            record.finish_reason, record.model = event.finish_reason, event.model
        elif isinstance(event, TurnFailed):
            record.error_type = event.error_type


def _priced(attempt: AttemptRecord, event: CostReported) -> None:
    """The cost, and the meter's counts where the provider reported none."""
    attempt.cost_usd = event.cost_usd
    if attempt.input_tokens is None:
        attempt.input_tokens = event.input_tokens
    if attempt.output_tokens is None:
        attempt.output_tokens = event.output_tokens
    if attempt.cached_input_tokens is None and event.cached_input_tokens:
        attempt.cached_input_tokens = event.cached_input_tokens


def _attempt_ended(attempt: AttemptRecord, event: AttemptEnded, at: float) -> None:
    attempt.end, attempt.status = at, event.status
    attempt.finish_reason, attempt.served_model = event.finish_reason, event.served_model
    attempt.error_type = event.error_type


def _mark_of(event: Event, at: float) -> Mark | None:
    """The span event for what happened between attempts (None: not shown)."""
    if isinstance(event, Queued):
        attrs: Attributes = {"position": event.position, "expected_wait_s": event.expected_wait_s}
        return Mark("queued", at, attrs)
    if isinstance(event, RetryScheduled):
        return Mark("retry", at, {"attempt": event.attempt, "wait_s": event.wait_s,
                                  "reason": event.reason})  # fmt: skip
    if isinstance(event, FallbackTaken):
        return Mark("fallback", at, {"from_model": event.from_model, "to_model": event.to_model,
                                     "reason": event.reason})  # fmt: skip
    if isinstance(event, BreakerChanged):
        return Mark("breaker", at, {"provider": event.provider, "to_state": event.to_state})
    if isinstance(event, CacheLookedUp):
        return Mark("cache_lookup", at, {"verdict": event.verdict})
    return None
