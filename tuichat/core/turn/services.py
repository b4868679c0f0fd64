"""What a turn uses besides its route: one immutable bundle, and the ports it reaches out through.

Every collaborator of a turn travels in :class:`TurnServices`, so adding a
service is one field here and one line in the factory (``tuichat.factory``),
never a new parameter threaded through the session and every front end.

The consumers that must see every event are part of the bundle and are
called by the turn itself, synchronously, in this documented order, before
the front end reads the event from the turn's iterator:

1. ``metrics`` — the HUD's and ``ask --json``'s figures;
2. ``budgets`` — spend against the configured limits;
3. ``log`` — the SQLite log writer (queues rows; never blocks);
4. ``cache`` — the response cache, storing answers that finished normally;
5. the session's history (the answer kept, complete or partial);
6. ``taps`` — benchmarks' and tests' probes, last.

The front end (TUI, ``ask``, replay, bench) consumes only the iterator; no
front-end code runs inside a turn's task. Before the iterator hands out the
first text of an answer and its terminal event, it waits for the log to make
what came before durable (:meth:`LogSink.flush`), so nothing is shown that a
crash could lose from the log.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from tuichat.core.cache.response_cache import ResponseCache
from tuichat.core.clock import Clock, SystemClock
from tuichat.core.cost.attempt_cost import CostMeter
from tuichat.core.cost.budget_guard import SpendGuard
from tuichat.core.events import Event
from tuichat.core.health.breaker import BreakerBoard
from tuichat.core.limits.admission import Admission
from tuichat.core.turn.deadline import Timeouts
from tuichat.core.turn.retry import RetryPolicy
from tuichat.core.turn.stale import StaleLookup

Observer = Callable[[Event], None]
"""A consumer called with every event, in order, inside the turn's task."""


class LogSink(Protocol):
    """The port the log writer implements (``tuichat.store.LogWriter``)."""

    def observe(self, event: Event) -> None:
        """Queue ``event`` for writing; never blocks."""
        ...

    async def flush(self) -> None:
        """Return once everything observed so far is committed (or given up on)."""
        ...


@dataclass(frozen=True, slots=True)
class TurnServices:
    """Everything a turn uses besides its route and prompt (see the module doc)."""

    clock: Clock = field(default_factory=SystemClock)
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    timeouts: Timeouts = field(default_factory=Timeouts)
    breakers: BreakerBoard | None = None
    admission: Admission | None = None
    stale_lookup: StaleLookup | None = None
    """An earlier answer to the same prompt, offered when every model failed."""
    meter: CostMeter | None = None
    metrics: Observer | None = None
    budgets: Observer | None = None
    spend_guard: SpendGuard | None = None
    """Hard budgets checked while an answer streams (the session's ``Budgets``; None: none)."""
    log: LogSink | None = None
    max_delay: float = 0.05
    """The sentence buffer's longest hold, in seconds.

    The longest a streaming screen goes without new text is this hold plus
    one frame (up to ~40 ms for a markdown step that mounts a list or a
    table): at 0.12 s a long sentence left the screen still for ~0.15 s. In
    an interleaved run of four each (bench_pty), the markdown stream's
    longest gap went over 0.1 s twice at 0.06 and never at 0.05, for ~3%
    more CPU; later runs at 0.05 measured 0.088–0.101 s.
    """
    rng: Callable[[], float] = random.random
    """Jitter for retry waits (a fixed value in tests)."""
    cache: ResponseCache | None = None
    """The response cache, asked before a turn's first attempt (None: no cache)."""
    taps: tuple[Observer, ...] = ()
    """Extra consumers for benchmarks and tests, called after the history."""

    def consumers(self) -> tuple[Observer, ...]:
        """The consumers that see every event, in the documented order (history excluded)."""
        found = (
            self.metrics,
            self.budgets,
            self.log.observe if self.log else None,
            self.cache.observe if self.cache else None,
        )
        return tuple(observer for observer in found if observer is not None)
