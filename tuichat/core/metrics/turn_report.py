"""What a turn did, attempt by attempt, folded from its events.

``tuichat ask --json`` prints it (``attempts``, ``rate_limit``, ``summary``)
and the HUD's provider panel shows it; both read the same fold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tuichat.core.events import (
    AttemptEnded,
    AttemptStarted,
    Event,
    FallbackTaken,
    Queued,
    RateLimitObserved,
    RetryScheduled,
    TurnFailed,
    TurnFinished,
)
from tuichat.core.limit_state import RateLimitState


@dataclass
class AttemptReport:
    """One request: where it went, how it ended, and the wait before it."""

    model: str
    provider: str
    wait_before_s: float
    status: str = "running"
    error_type: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "provider": self.provider,
            "status": self.status,
            "error_type": self.error_type,
            "wait_before_s": round(self.wait_before_s, 3),
        }


@dataclass
class TurnReport:
    """Attempts, retries, fallbacks and the last rate-limit state of one turn."""

    attempts: list[AttemptReport] = field(default_factory=list)
    retries: int = 0
    fallbacks: int = 0
    rate_limit: RateLimitState | None = None
    rate_limit_at: float = 0.0
    summary: str = ""
    queue_position: int | None = None
    """Place in the client-side limiter's queue while waiting (None once sent)."""
    queue_wait_s: float = 0.0
    """Its expected wait, as last forecast."""
    _pending_wait: float = 0.0

    def observe(self, event: Event) -> None:
        """Fold one event in (O(1); ignores text)."""
        if isinstance(event, Queued):
            self.queue_position, self.queue_wait_s = event.position, event.expected_wait_s
        elif isinstance(event, AttemptStarted):
            self.queue_position = None
            wait, self._pending_wait = self._pending_wait, 0.0
            self.attempts.append(AttemptReport(event.model, event.provider, wait))
        elif isinstance(event, AttemptEnded) and self.attempts:
            self.attempts[-1].status = event.status
            self.attempts[-1].error_type = event.error_type
        elif isinstance(event, RetryScheduled):
            self.retries += 1
            self._pending_wait = event.wait_s
        elif isinstance(event, FallbackTaken):
            self.fallbacks += 1
        elif isinstance(event, RateLimitObserved):
            self.rate_limit, self.rate_limit_at = event.state, event.ts
        elif isinstance(event, TurnFinished | TurnFailed):
            self.summary = event.summary

    def rate_limit_json(self, now: float) -> dict[str, Any] | None:
        """The last rate-limit windows with seconds to reset, as of ``now``."""
        if self.rate_limit is None:
            return None
        windows = {
            name: {
                "limit": window.limit,
                "remaining": window.remaining,
                "reset_in_s": _seconds(window.reset_at, now),
            }
            for name, window in self.rate_limit.windows().items()
        }
        return {"source": self.rate_limit.source, "windows": windows}


def _seconds(reset_at: float | None, now: float) -> float | None:
    return None if reset_at is None else round(max(0.0, reset_at - now), 3)
