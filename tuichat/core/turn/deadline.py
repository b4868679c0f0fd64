"""Per-attempt timeouts: time to first token, idle gap between chunks, total.

The connect timeout belongs to the HTTP client; these three are enforced by
the turn with a :class:`~tuichat.core.clock.ClockTimeout` on the turn's clock,
rescheduled as text arrives (so a manual clock tests them without waiting).
"""

from __future__ import annotations

from dataclasses import dataclass

from tuichat.core.clock import Clock


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Per-attempt limits in seconds (None: no limit); connect is the HTTP client's."""

    first_token: float | None = 60.0
    """From sending the request to the first text."""
    idle: float | None = 60.0
    """Longest gap between two pieces of text."""
    total: float | None = 600.0
    """The whole attempt."""


class Deadline:
    """When the current wait must end: first token, then idle gaps, within the total."""

    def __init__(self, timeouts: Timeouts, clock: Clock) -> None:
        self._timeouts = timeouts
        self._clock = clock
        start = clock.now()
        self._total_at = None if timeouts.total is None else start + timeouts.total
        self._reason = ""

    def next(self, *, got_text: bool) -> float | None:
        """The clock time at which to give up, from now."""
        limit = self._timeouts.idle if got_text else self._timeouts.first_token
        step_at = None if limit is None else self._clock.now() + limit
        if step_at is not None and (self._total_at is None or step_at < self._total_at):
            kind = "no text for" if got_text else "no first token within"
            self._reason = f"{kind} {limit:g} s"
            return step_at
        self._reason = f"the answer took longer than {self._timeouts.total:g} s"
        return self._total_at

    def describe(self) -> str:
        """Why the attempt timed out, as the error message."""
        return self._reason
