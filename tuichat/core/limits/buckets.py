"""Token buckets and the limits they enforce, for the client-side rate limiter.

A bucket refills continuously up to its capacity; ``adjust`` lets a request's
estimate be corrected by its real usage afterwards, into debt if need be.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from tuichat.core.clock import Clock

_EPS = 1e-9


class Bucket(Protocol):
    """What the limiter needs of a bucket: this process's :class:`TokenBucket`, or a shared one."""

    @property
    def capacity(self) -> float: ...

    @property
    def refill_per_second(self) -> float: ...

    @property
    def level(self) -> float:
        """Units available now (negative while in debt)."""
        ...

    def adjust(self, extra_used: float) -> None:
        """Take ``extra_used`` more (negative gives back), into debt if need be."""
        ...

    def give_back(self, n: float) -> None:
        """Return ``n`` units that were taken but not used."""
        ...


class TokenBucket:
    """A bucket of ``capacity`` units refilled continuously; may go into debt."""

    def __init__(self, capacity: float, refill_per_second: float, clock: Clock) -> None:
        if capacity <= 0 or refill_per_second < 0:
            raise ValueError("capacity must be > 0 and refill_per_second >= 0")
        self.capacity = float(capacity)
        self.refill_per_second = float(refill_per_second)
        self._clock = clock
        self._level = self.capacity
        self._at = clock.now()

    @property
    def level(self) -> float:
        """Units available now (negative while in debt)."""
        self._refill()
        return self._level

    def try_take(self, n: float) -> bool:
        """Take ``n`` units if they are all there now."""
        if n < 0:
            raise ValueError("cannot take a negative amount")
        self._refill()
        if self._level + _EPS < n:
            return False
        self._level -= n
        return True

    def time_until(self, n: float) -> float:
        """Seconds until ``n`` units are there: 0 if now, inf if they never fit."""
        if n > self.capacity:
            return math.inf
        self._refill()
        deficit = n - self._level
        if deficit <= _EPS:
            return 0.0
        return math.inf if self.refill_per_second == 0 else deficit / self.refill_per_second

    def give_back(self, n: float) -> None:
        """Return ``n`` units that were taken but not used."""
        self.adjust(-n)

    def adjust(self, extra_used: float) -> None:
        """Correct an estimate: positive means more was used (may leave debt)."""
        self._refill()
        self._level = min(self.capacity, self._level - extra_used)

    def _refill(self) -> None:
        now = self._clock.now()
        if now > self._at:
            gained = (now - self._at) * self.refill_per_second
            self._level = min(self.capacity, self._level + gained)
            self._at = now


@dataclass(frozen=True, slots=True)
class LimitSpec:
    """The limits of one scope; None means unlimited."""

    requests_per_minute: int | None = None
    tokens_per_minute: int | None = None
    requests_per_day: int | None = None

    def __post_init__(self) -> None:
        for value in (self.requests_per_minute, self.tokens_per_minute, self.requests_per_day):
            if value is not None and value <= 0:
                raise ValueError("limits must be positive (or None for unlimited)")
