"""Client busy time: how long the process could not run its event loop during a request.

A cold process (imports, token encodings and prices loading on threads, a
first layout) competes with its own first request for the interpreter. The
response may sit in the socket while the loop is stuck; TTFB and TTFT then
include time that is ours, not the network's or the server's.

:class:`LoopLag` measures it with a probe: a tick on the injected clock every
``period`` seconds while a request waits for its answer. A tick that runs
later than it was due shows that the loop could not run callbacks (it was
blocked, or the interpreter was busy in another thread, or the OS did not
schedule the process); the lateness beyond ``slack`` is summed. A tick that is
overdue when the figure is read counts too, so a stall that ends just before
the first token is read is not missed.

Error bounds, per stall of length B: the measure lies in (B - period,
B + timer resolution]; it misses the part of the stall before the next tick
was due, and a stall shorter than ``slack`` is not counted. Busy time is an
upper bound of the delay it added: part of a stall may overlap time the
server spent working anyway. With ``ManualClock`` tests simulate a stall
with ``ManualClock.stall`` (time passes while timers cannot fire).
"""

from __future__ import annotations

from tuichat.core.clock import Clock, TimerHandle

PERIOD_S = 0.01
"""Probe period: the most a stall is under-counted by."""
SLACK_S = 0.002
"""Lateness up to this is the loop's normal jitter, not busy time."""


class LoopLag:
    """Sums the event loop's stalls between :meth:`start` and :meth:`stop`."""

    def __init__(self, clock: Clock, period: float = PERIOD_S, slack: float = SLACK_S) -> None:
        self._clock = clock
        self._period = period
        self._slack = slack
        self._busy = 0.0
        self._due: float | None = None
        self._handle: TimerHandle | None = None

    @property
    def running(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return self._handle is not None

    def start(self) -> None:
        """Start probing (from zero)."""
        self.stop()
        self._busy = 0.0
        self._schedule(self._clock.now())

    def stop(self) -> float:
        """Stop probing; return the busy seconds so far (overdue tick included)."""
        busy = self.busy_s()
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self._busy, self._due = busy, None
        return busy

    def busy_s(self) -> float:
        """Busy seconds since :meth:`start`, counting a tick that is overdue now."""
        return self._busy + self._late(self._clock.now())

    def busy_ms(self) -> float:
        """:meth:`busy_s` in milliseconds."""
        return self.busy_s() * 1000.0

    def _schedule(self, now: float) -> None:
        self._due = now + self._period
        self._handle = self._clock.call_at(self._due, self._tick)

    def _tick(self) -> None:
        now = self._clock.now()
        self._busy += self._late(now)
        self._schedule(now)

    def _late(self, now: float) -> float:
        """How late the pending tick is at ``now``, beyond the slack (0 when on time)."""
        if self._due is None:
            return 0.0
        late = now - self._due
        return late if late > self._slack else 0.0
