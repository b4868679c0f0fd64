"""Per-turn numbers computed from the event stream.

The HUD only renders what this computes, and it computes from the same events
the store logs, so the screen and the log agree. ``observe`` is O(1) per event:
it runs on every streamed token.
"""

from __future__ import annotations

from dataclasses import dataclass

from tuichat.core.events import (
    AttemptStarted,
    Event,
    FirstToken,
    TextDelta,
    TurnCancelled,
    TurnFailed,
    TurnFinished,
    TurnStarted,
    UsageReported,
)


@dataclass(frozen=True, slots=True)
class TurnSnapshot:
    """What the HUD shows for one turn at one instant."""

    model: str
    provider: str
    status: str  # "waiting" | "streaming" | "ok" | "cancelled" | "failed" | "truncated"
    ttft_ms: float | None
    tokens_per_s: float | None
    input_tokens: int | None
    output_tokens: int
    output_estimated: bool
    duration_ms: float


class TurnMetrics:
    """Accumulates one turn's timings and token counts."""

    def __init__(self) -> None:
        self.model = ""
        self.provider = ""
        self.status = "waiting"
        self.started: float | None = None
        self.attempt_started: float | None = None
        self.first_token: float | None = None
        self.last_token: float | None = None
        self.ended: float | None = None
        self.chunks = 0
        self.input_tokens: int | None = None
        self.output_tokens: int | None = None

    def observe(self, event: Event) -> None:
        """Fold one event in."""
        if isinstance(event, TextDelta):
            self.chunks += 1
            self.last_token = event.ts
        elif isinstance(event, FirstToken):
            self.first_token = event.ts
            self.status = "streaming"
        elif isinstance(event, TurnStarted):
            self.started, self.model = event.ts, event.model
        elif isinstance(event, AttemptStarted):
            self.attempt_started, self.provider = event.ts, event.provider
            self.model, self.first_token, self.chunks = event.model, None, 0
        elif isinstance(event, UsageReported):
            self.input_tokens = event.input_tokens
            self.output_tokens = event.output_tokens
        elif isinstance(event, TurnFinished):
            self._end(event.ts, "ok")
            self.model = event.model
        elif isinstance(event, TurnCancelled):
            self._end(event.ts, "cancelled")
        elif isinstance(event, TurnFailed):
            self._end(event.ts, event.status)

    def _end(self, ts: float, status: str) -> None:
        self.ended, self.status = ts, status

    def snapshot(self, now: float) -> TurnSnapshot:
        """Numbers as of ``now`` (the end time once the turn is over)."""
        end = self.ended if self.ended is not None else now
        start = self.started if self.started is not None else end
        ttft = None
        if self.first_token is not None and self.attempt_started is not None:
            ttft = (self.first_token - self.attempt_started) * 1000.0
        tokens = self.output_tokens if self.output_tokens is not None else self.chunks
        return TurnSnapshot(
            model=self.model,
            provider=self.provider,
            status=self.status,
            ttft_ms=ttft,
            tokens_per_s=self._rate(tokens, end),
            input_tokens=self.input_tokens,
            output_tokens=tokens,
            output_estimated=self.output_tokens is None,
            duration_ms=(end - start) * 1000.0,
        )

    def _rate(self, tokens: int, end: float) -> float | None:
        """Generation rate: tokens after the first over the time since the first.

        While streaming the window runs to ``end`` (now); once over, to the
        last token, so a slow ``[DONE]`` does not dilute the rate.
        """
        if self.first_token is None or tokens < 2:
            return None
        last = self.last_token if self.ended is not None and self.last_token else end
        span = last - self.first_token
        return (tokens - 1) / span if span > 0 else None


class SessionMetrics:
    """The current and the last completed turn, for the HUD."""

    def __init__(self) -> None:
        self.current: TurnMetrics | None = None
        self.last: TurnMetrics | None = None
        self.turns = 0

    def observe(self, event: Event) -> None:
        """Route an event to the turn it belongs to."""
        if isinstance(event, TurnStarted):
            if self.current is not None:
                self.last = self.current
            self.current = TurnMetrics()
            self.turns += 1
        if self.current is not None:
            self.current.observe(event)
