"""Token buckets shared by every tuichat process of a user: the port and its bucket.

A :class:`RateLimiter` of one process alone would let three back-to-back
``tuichat ask`` with ``requests_per_minute = 2`` all go out at once. With a
:class:`SharedBuckets` store (``tuichat.store.shared_state``: a SQLite file
beside the log), each bucket's level lives in one row that every process
reads and changes:

- a bucket is a level and the *wall-clock* time it was computed at
  (:class:`BucketLevel`); monotonic clocks of two processes do not compare,
  and a wall clock that steps back only pauses the refill;
- :meth:`SharedBuckets.draw` applies several :class:`BucketDraw` at once, in
  one write-locked transaction: a grant takes from every bucket of its scopes
  or from none (another process got there first: the request re-plans);
  a settlement or a refund moves levels unconditionally;
- capacity and refill rate come from each process's settings, never from
  the row, so the arithmetic here (:func:`apply_draws`) is the whole rule.

The limiter's queue stays in each process: requests of two processes are
ordered by who draws first, not by priority across processes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from tuichat.core.clock import Clock

EPS = 1e-9


@dataclass(frozen=True, slots=True)
class BucketLevel:
    """A bucket as stored: its level at wall-clock time ``at``."""

    level: float
    at: float


@dataclass(frozen=True, slots=True)
class BucketDraw:
    """One change to one bucket: take ``amount`` (negative gives back)."""

    key: str
    capacity: float
    refill_per_second: float
    amount: float
    need: float | None = None
    """Units that must be there before taking (None: take regardless, into debt if need be)."""


def refilled(stored: BucketLevel | None, capacity: float, rate: float, now: float) -> float:
    """The level at ``now``: a bucket never seen is full; a clock that stepped back adds nothing."""
    if stored is None:
        return capacity
    gained = max(0.0, now - stored.at) * rate
    return min(capacity, stored.level + gained)


def apply_draws(
    stored: Mapping[str, BucketLevel], draws: Sequence[BucketDraw], now: float
) -> dict[str, BucketLevel] | None:
    """The new levels after ``draws`` at ``now``, or None when one's ``need`` is not there."""
    levels: dict[str, BucketLevel] = {}
    for draw in draws:
        before = levels.get(draw.key) or stored.get(draw.key)
        level = refilled(before, draw.capacity, draw.refill_per_second, now)
        if draw.need is not None and level + EPS < draw.need:
            return None
        at = now if before is None else max(before.at, now)
        levels[draw.key] = BucketLevel(min(draw.capacity, level - draw.amount), at)
    return levels


class SharedBuckets(Protocol):
    """Bucket levels every tuichat process of the user reads and changes (see the module doc)."""

    def level(self, key: str, capacity: float, refill_per_second: float, now: float) -> float:
        """The level of ``key`` at wall-clock ``now`` (full when never used)."""
        ...

    def draw(self, draws: Sequence[BucketDraw], now: float) -> bool:
        """Apply every draw at wall-clock ``now`` at once; False (nothing done) if one is short."""
        ...


class SharedStateUnavailable(Exception):
    """The shared state's file cannot be opened; the message is one line for the user."""


class MemoryBuckets:
    """:class:`SharedBuckets` kept in this process's memory.

    For tests of the port's rules on the manual clock, and the store's
    fallback when its file fails mid-run (limits then hold in this process).
    """

    def __init__(self) -> None:
        self.levels: dict[str, BucketLevel] = {}

    def level(self, key: str, capacity: float, refill_per_second: float, now: float) -> float:
        return refilled(self.levels.get(key), capacity, refill_per_second, now)

    def draw(self, draws: Sequence[BucketDraw], now: float) -> bool:
        changed = apply_draws(self.levels, draws, now)
        if changed is None:
            return False
        self.levels.update(changed)
        return True


class SharedBucket:
    """A token bucket whose level lives in a :class:`SharedBuckets` store.

    Behaves like :class:`~tuichat.core.limits.buckets.TokenBucket` for the
    limiter's forecast; taking for a grant goes through :meth:`draw_for`.
    """

    def __init__(
        self,
        key: str,
        capacity: float,
        refill_per_second: float,
        clock: Clock,
        store: SharedBuckets,
    ) -> None:
        if capacity <= 0 or refill_per_second < 0:
            raise ValueError("capacity must be > 0 and refill_per_second >= 0")
        self.key = key
        self.capacity = float(capacity)
        self.refill_per_second = float(refill_per_second)
        self.store = store
        self._clock = clock

    @property
    def level(self) -> float:
        """Units available now, as every process left them (negative while in debt)."""
        return self.store.level(self.key, self.capacity, self.refill_per_second, self._clock.wall())

    def draw_for(self, amount: float) -> BucketDraw:
        """The draw a grant makes: ``amount``, once a full bucket's worth of it is there."""
        need = min(amount, self.capacity)
        return BucketDraw(self.key, self.capacity, self.refill_per_second, amount, need)

    def adjust(self, extra_used: float) -> None:
        """Correct an estimate: positive means more was used (may leave debt)."""
        draw = BucketDraw(self.key, self.capacity, self.refill_per_second, extra_used)
        self.store.draw([draw], self._clock.wall())

    def give_back(self, n: float) -> None:
        """Return ``n`` units that were taken but not used."""
        self.adjust(-n)
