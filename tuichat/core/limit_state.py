"""What a provider said about its rate limits: windows, what is left, when they refill.

A value type shared by the events (``RateLimitObserved``), the limiter and the
HUD; parsing the headers that carry it is :mod:`tuichat.core.limits.headers`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

WINDOWS = ("requests", "tokens", "input_tokens", "output_tokens")
"""The windows a state can hold, in the order the HUD shows them."""


@dataclass(frozen=True)
class LimitWindow:
    """One limit (e.g. requests per minute): its size, what is left, when it refills."""

    limit: int | None
    remaining: int | None
    reset_at: float | None
    """Monotonic time at which the window refills."""

    def fraction_left(self) -> float | None:
        """``remaining / limit`` in ``[0, 1]``, or None when either is unknown."""
        if self.limit is None or self.remaining is None:
            return None
        if self.limit == 0:
            return 0.0
        return min(1.0, max(0.0, self.remaining / self.limit))

    def seconds_to_reset(self, now: float) -> float | None:
        """Seconds from ``now`` until the window refills (never negative)."""
        return None if self.reset_at is None else max(0.0, self.reset_at - now)

    def is_exhausted(self) -> bool:
        """True when the server said nothing is left in this window."""
        return self.remaining is not None and self.remaining <= 0


@dataclass(frozen=True)
class RateLimitState:
    """The provider's rate-limit windows as last observed; any window may be unknown."""

    requests: LimitWindow | None
    tokens: LimitWindow | None
    input_tokens: LimitWindow | None
    output_tokens: LimitWindow | None
    observed_at: float
    """Monotonic time of the response the headers came from."""
    source: str
    """Header family: ``anthropic``, ``openai``, ``generic``, or ``none``."""

    @classmethod
    def empty(cls, observed_at: float = 0.0) -> RateLimitState:
        """A state with nothing known, for providers that send no headers."""
        return cls(None, None, None, None, observed_at=observed_at, source="none")

    def windows(self) -> dict[str, LimitWindow]:
        """The known windows by name, in :data:`WINDOWS` order."""
        found = {name: getattr(self, name) for name in WINDOWS}
        return {name: window for name, window in found.items() if window is not None}

    def tightest(self) -> tuple[str, LimitWindow] | None:
        """The window closest to running out (among equally full ones, the last to refill).

        Windows without both a limit and a remaining count cannot be ranked and are skipped.
        """
        ranked = [(name, w) for name, w in self.windows().items() if w.fraction_left() is not None]
        return min(ranked, key=lambda item: _tightness(item[1]), default=None)

    def seconds_to_reset(self, now: float) -> float | None:
        """Seconds until the tightest window refills, or None when unknown."""
        tightest = self.tightest()
        return None if tightest is None else tightest[1].seconds_to_reset(now)


def _tightness(window: LimitWindow) -> tuple[float, float]:
    """Sort key: less left first, then a later refill first (unknown refill last)."""
    later_first = -window.reset_at if window.reset_at is not None else math.inf
    return (window.fraction_left() or 0.0, later_first)
