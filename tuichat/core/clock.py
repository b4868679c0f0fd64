"""The one source of time: a monotonic clock, a wall clock, sleeps, timers and timeouts.

Everything that stamps, waits or gives up goes through a :class:`Clock`:
event stamps, retry waits, the per-attempt deadlines (:class:`ClockTimeout`),
the sentence buffer's release timer, the log writer's pacing and the HUD's
countdowns. The real clock is :class:`SystemClock`; tests use
:class:`ManualClock`, on which time moves only when a test advances it or
code sleeps, and timers fire as time passes them. So a first-token timeout,
an idle timeout and a paced stream are tested without any real waiting.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Callable
from types import TracebackType
from typing import Protocol


class TimerHandle(Protocol):
    """A scheduled callback that can be called off."""

    def cancel(self) -> None:
        """Do not run the callback (a no-op once it ran)."""
        ...


class Clock(Protocol):
    """What the core needs from time."""

    def now(self) -> float:
        """Monotonic seconds."""
        ...

    def wall(self) -> float:
        """Epoch seconds, for timestamps a person reads."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds``."""
        ...

    def call_at(self, when: float, callback: Callable[[], None]) -> TimerHandle:
        """Run ``callback`` on the event loop once ``now()`` reaches ``when``."""
        ...


class SystemClock:
    """The real clock: ``time.monotonic`` and the running event loop's timers."""

    def now(self) -> float:
        return time.monotonic()

    def wall(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def call_at(self, when: float, callback: Callable[[], None]) -> TimerHandle:
        loop = asyncio.get_running_loop()
        return loop.call_later(max(0.0, when - self.now()), callback)


class _ManualTimer:
    """A timer of :class:`ManualClock`."""

    __slots__ = ("callback", "cancelled", "when")

    def __init__(self, when: float, callback: Callable[[], None]) -> None:
        self.when = when
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class ManualClock:
    """A clock for tests: time moves only when told; ``sleep`` advances it.

    Timers fire, in order of their time, as :meth:`advance` or :meth:`sleep`
    moves time past them; ``now()`` reads the timer's own time while its
    callback runs.
    """

    def __init__(self, start: float = 1000.0, wall_start: float = 1_700_000_000.0) -> None:
        self._now = start
        self._wall_offset = wall_start - start
        self._timers: list[tuple[float, int, _ManualTimer]] = []
        self._order = itertools.count()
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self._now

    def wall(self) -> float:
        return self._now + self._wall_offset

    def advance(self, seconds: float) -> None:
        """Move time forward, firing the timers it passes."""
        target = self._now + max(0.0, seconds)
        while self._timers and self._timers[0][0] <= target:
            when, _, timer = heapq.heappop(self._timers)
            if not timer.cancelled:
                self._now = max(self._now, when)
                timer.callback()
        self._now = target

    def stall(self, seconds: float) -> None:
        """A blocked loop: time moves, then the timers it passed fire late (at the new now)."""
        self._now += max(0.0, seconds)
        self.advance(0.0)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)
        await asyncio.sleep(0)

    def call_at(self, when: float, callback: Callable[[], None]) -> TimerHandle:
        timer = _ManualTimer(when, callback)
        heapq.heappush(self._timers, (when, next(self._order), timer))
        return timer


class ClockTimeout:
    """``async with ClockTimeout(clock, when):`` — like ``asyncio.timeout_at``, on ``clock``.

    The body is cancelled when ``clock.now()`` reaches ``when`` (None: never)
    and the cancellation leaves the block as :class:`TimeoutError`; a
    cancellation from outside stays a cancellation. :meth:`reschedule` moves
    the deadline (e.g. each time text arrives). Moving it later only notes the
    new time: the armed timer fires at the old one and re-arms itself, so a
    deadline moved on every token costs no timer per token.
    """

    def __init__(self, clock: Clock, when: float | None) -> None:
        self._clock = clock
        self._when = when
        self._handle: TimerHandle | None = None
        self._armed_at: float | None = None
        self._task: asyncio.Task[object] | None = None
        self.expired = False

    async def __aenter__(self) -> ClockTimeout:
        self._task = asyncio.current_task()
        self.reschedule(self._when)
        return self

    def reschedule(self, when: float | None) -> None:
        """Give up at ``when`` instead (None: no limit)."""
        self._when = when
        armed_at = self._armed_at
        if when is not None and armed_at is not None and armed_at <= when:
            return  # the armed timer comes first and re-arms for ``when``
        self._disarm()
        if when is not None and not self.expired:
            self._arm(when)

    def _arm(self, when: float) -> None:
        self._armed_at = when
        self._handle = self._clock.call_at(when, self._expire)

    def _disarm(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
        self._handle = self._armed_at = None

    def _expire(self) -> None:
        self._handle = self._armed_at = None
        when = self._when
        if when is None:
            return
        if self._clock.now() < when:  # moved later since the timer was armed
            self._arm(when)
        elif self._task is not None and not self._task.done():
            self.expired = True
            self._task.cancel()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._disarm()
        if self.expired and exc_type is asyncio.CancelledError:
            assert self._task is not None
            if self._task.uncancel() == 0:
                raise TimeoutError from exc
