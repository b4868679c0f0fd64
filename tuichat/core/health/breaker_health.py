"""A breaker's memory, and the port that keeps it: in this process, or shared by the user's.

:class:`BreakerHealth` is everything the state machine of
:class:`~tuichat.core.health.breaker.CircuitBreaker` remembers between calls
(state, recent failures, cooldown, probes out). A :class:`HealthRecords`
keeps one per provider key:

- :class:`LocalHealth` (the default) keeps them in this process, stamped with
  the monotonic clock;
- a shared store (``tuichat.store.shared_state``) keeps them in a SQLite file
  every tuichat process of the user opens, stamped with *wall-clock* time
  (monotonic clocks of two processes do not compare), and applies each
  change in one write-locked transaction, so a breaker opened by one process
  is open in the next and two processes never lose each other's failures.

Session figures (successes, failures, 429s: the HUD's availability "this
session") are not part of the record: they stay with each process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

BreakerState = Literal["closed", "open", "half_open"]
BREAKER_STATES: tuple[BreakerState, ...] = ("closed", "open", "half_open")


@dataclass(slots=True)
class BreakerHealth:
    """What one breaker remembers; times are on the records' clock (see the module doc)."""

    state: BreakerState = "closed"
    recent: list[float] = field(default_factory=list)
    """Times of the health failures still inside the window, oldest first."""
    streak: int = 0
    """Consecutive successes while closed with failures on record (``success_reset``)."""
    opened_at: float = 0.0
    cooldown: float | None = None
    """The current cooldown (grown by failed probes); None: the configured one."""
    probes: list[float] = field(default_factory=list)
    """Start times of the half-open probes let through and not yet ended."""
    probe_successes: int = 0


@dataclass(frozen=True, slots=True)
class BreakerTransition:
    """A state change, for the caller to turn into an event or a log row."""

    provider: str
    from_state: BreakerState
    to_state: BreakerState
    at: float
    """Monotonic time of the change (for half-open: when the cooldown ended)."""
    reason: str


@dataclass(frozen=True, slots=True)
class BreakerSnapshot:
    """What the HUD shows for one provider."""

    state: BreakerState
    failures_in_window: int
    availability: float | None
    retry_in: float | None
    successes: int
    failures: int
    rate_limited: int


def settled(health: BreakerHealth | None) -> bool:
    """Closed with no failure on record: letting a request through or a success changes nothing.

    The breaker then only reads its record, so the shared file sees no write
    on the common path (two write transactions per request otherwise).
    """
    return health is None or (health.state == "closed" and not health.recent)


HealthChange = Callable[[BreakerHealth], None]
"""Mutates a record in place; called once, inside the store's transaction."""


class HealthRecords(Protocol):
    """Where breakers keep their :class:`BreakerHealth`, one per provider key."""

    @property
    def wall_clock(self) -> bool:
        """True when records are stamped with wall-clock time (shared by processes)."""
        ...

    def read(self, key: str) -> BreakerHealth | None:
        """The record of ``key`` as it is now (None: never used)."""
        ...

    def read_all(self) -> dict[str, BreakerHealth]:
        """Every known record, by key (the HUD's list of providers)."""
        ...

    def update(self, key: str, change: HealthChange) -> BreakerHealth:
        """Apply ``change`` to the record of ``key`` atomically; return the new record."""
        ...


class LocalHealth:
    """Records kept in this process: the default (monotonic stamps).

    ``wall_clock=True`` makes it the shared store's fallback when its file
    fails mid-run (stamps stay wall-clock; the breakers then hold in this process).
    """

    def __init__(self, *, wall_clock: bool = False) -> None:
        self.wall_clock = wall_clock
        self._records: dict[str, BreakerHealth] = {}

    def read(self, key: str) -> BreakerHealth | None:
        return self._records.get(key)

    def read_all(self) -> dict[str, BreakerHealth]:
        return dict(self._records)

    def update(self, key: str, change: HealthChange) -> BreakerHealth:
        record = self._records.setdefault(key, BreakerHealth())
        change(record)
        return record
