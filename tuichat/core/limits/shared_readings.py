"""The last rate-limit reading of each provider, shared by every tuichat process of a user.

A reading (:class:`~tuichat.core.limit_state.RateLimitState`) carries
*monotonic* times, which mean nothing to another process; the store keeps it
with wall-clock times instead. :class:`ReadingBoard` does the conversion both
ways: the session's statistics (``SessionStats``) share the readings of
this process's turns through :meth:`ReadingBoard.record`, and
:meth:`ReadingBoard.latest` returns the newest reading of a provider by any
process, so one window's HUD shows what a script in another terminal spent.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from tuichat.core.clock import Clock
from tuichat.core.limit_state import LimitWindow, RateLimitState


class RateReadings(Protocol):
    """Readings by provider key, with wall-clock times (``observed_at``, ``reset_at``)."""

    def record_reading(self, key: str, reading: RateLimitState) -> None:
        """Keep ``reading`` as the provider's latest unless a newer one is there."""
        ...

    def latest_reading(self, key: str) -> RateLimitState | None:
        """The provider's newest reading by any process (None: never read)."""
        ...


def shifted(state: RateLimitState, offset: float) -> RateLimitState:
    """``state`` with every time moved by ``offset`` seconds (monotonic ↔ wall clock)."""

    def moved(window: LimitWindow | None) -> LimitWindow | None:
        if window is None or window.reset_at is None:
            return window
        return replace(window, reset_at=window.reset_at + offset)

    return RateLimitState(
        requests=moved(state.requests),
        tokens=moved(state.tokens),
        input_tokens=moved(state.input_tokens),
        output_tokens=moved(state.output_tokens),
        observed_at=state.observed_at + offset,
        source=state.source,
    )


class ReadingBoard:
    """The shared readings as this process sees them (monotonic times), and their writer."""

    def __init__(self, store: RateReadings, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def record(self, key: str, state: RateLimitState) -> None:
        """Share a reading of this process (monotonic times) as the provider's latest."""
        self._store.record_reading(key, shifted(state, self._offset()))

    def latest(self, key: str) -> RateLimitState | None:
        """The newest reading of ``key`` by any process, on this process's monotonic clock."""
        reading = self._store.latest_reading(key)
        return None if reading is None else shifted(reading, -self._offset())

    def _offset(self) -> float:
        """Wall clock minus monotonic clock, now."""
        return self._clock.wall() - self._clock.now()
