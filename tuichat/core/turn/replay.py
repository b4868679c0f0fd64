"""A replayed turn: logged events played back as an answer source, at the original pace.

The store reads a logged turn back as the events it was made of, each with
its original monotonic stamp (``tuichat.store`` builds them from the rows and
the chunk timeline). :class:`ReplayedTurn` re-emits them through the same
:class:`~tuichat.core.turn.source.EventPump` as a live turn, so the chat
screen and the HUD render a replay with no second renderer:

- pacing: the gap between two events is waited out on the clock, divided by
  :attr:`ReplayControl.speed` (None: as fast as possible);
- stamps: every event keeps its logged offset from the turn's start, shifted
  to now, so what the HUD computes from stamps (TTFT, tok/s, the waterfall)
  equals what was logged, whatever the speed;
- the controls (pause, resume, skip to the end of the turn, speed) are a
  shared :class:`ReplayControl`, read between events.

A replay is never a new measurement: it has no provider, and the factory
attaches no budget and no log writer to it. Events the display does not need
to re-time (``TextReleased``) are produced from each ``TextDelta``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace

from tuichat.core.clock import Clock
from tuichat.core.conversation import ChatRequest
from tuichat.core.events import (
    TERMINAL_EVENTS,
    AttemptStarted,
    Event,
    TextDelta,
    TextReleased,
    TurnCancelled,
    TurnEnded,
    TurnStarted,
)
from tuichat.core.turn.services import Observer
from tuichat.core.turn.source import EventPump
from tuichat.core.untrusted import neutralise


@dataclass(frozen=True, slots=True)
class LoggedTurn:
    """One turn read back from the log: its events, with their original stamps, in order.

    ``timed`` is False for turns logged before chunk timelines existed (or
    with timeline sampling off): their text arrives as one delta and they
    replay without pacing.
    """

    events: tuple[Event, ...]
    timed: bool = True

    @property
    def started(self) -> TurnStarted:
        """The turn's first event (the prompt, the model, the wall time)."""
        first = self.events[0]
        assert isinstance(first, TurnStarted)
        return first

    @property
    def ended(self) -> TurnEnded:
        """The turn's terminal event (the answer as received, its status)."""
        last = self.events[-1]
        assert isinstance(last, TurnEnded)
        return last

    @property
    def request(self) -> ChatRequest | None:
        """The first request sent for the turn (history, system prompt, parameters)."""
        for event in self.events:
            if isinstance(event, AttemptStarted) and event.request is not None:
                return event.request
        return None


SPEEDS: tuple[float | None, ...] = (1.0, 2.0, 10.0, None)
"""The speeds a replay offers, in the order the speed key cycles them (None: max)."""


class ReplayControl:
    """Pause, resume, skip and speed for a replay; shared by its turns, set by the UI."""

    def __init__(self, speed: float | None = 1.0) -> None:
        if speed is not None and not speed > 0:
            raise ValueError("a replay speed must be a positive number (or None for max)")
        self.speed = speed
        self._running = asyncio.Event()
        self._running.set()
        self._skip = False

    @property
    def paused(self) -> bool:
        """True while the replay waits for :meth:`resume`."""
        return not self._running.is_set()

    def pause(self) -> None:
        """Hold the replay before its next event."""
        self._running.clear()

    def resume(self) -> None:
        """Carry on from where it was held."""
        self._running.set()

    def toggle(self) -> None:
        """Pause if playing, play if paused."""
        self.resume() if self.paused else self.pause()

    def skip_turn(self) -> None:
        """Play the rest of the current turn at once (and resume if paused)."""
        self._skip = True
        self.resume()

    def next_speed(self) -> float | None:
        """Cycle through :data:`SPEEDS`; returns the new speed."""
        index = SPEEDS.index(self.speed) if self.speed in SPEEDS else -1
        self.speed = SPEEDS[(index + 1) % len(SPEEDS)]
        return self.speed

    async def wait(self, clock: Clock, seconds: float) -> None:
        """Wait ``seconds`` of logged time at the current speed, honouring pause and skip."""
        await self._running.wait()
        if self._skip or self.speed is None or seconds <= 0:
            return
        await clock.sleep(seconds / self.speed)
        await self._running.wait()

    def turn_done(self) -> None:
        """A turn ended: a skip applies to one turn only."""
        self._skip = False


class ReplayedTurn(EventPump):
    """One logged turn as an answer source (see the module doc)."""

    def __init__(
        self,
        events: Sequence[Event],
        *,
        clock: Clock,
        control: ReplayControl | None = None,
        observers: Sequence[Observer] = (),
    ) -> None:
        if not events or not isinstance(events[0], TurnStarted):
            raise ValueError("a logged turn starts with TurnStarted")
        if not isinstance(events[-1], TERMINAL_EVENTS):
            raise ValueError("a logged turn ends with a terminal event")
        super().__init__(observers, None)
        self.events = tuple(events)
        self.trace_id = events[0].trace_id
        self.prompt = events[0].prompt
        self._clock = clock
        self.control = control or ReplayControl()
        self._text: list[str] = []

    @property
    def text(self) -> str:
        """The answer replayed so far."""
        return "".join(self._text)

    async def _run(self) -> None:
        start, base = self.events[0].ts, self._clock.now()
        previous = start
        try:
            for event in self.events:
                await self.control.wait(self._clock, event.ts - previous)
                previous = event.ts
                self._replay(replace(event, ts=base + (event.ts - start)))
        except asyncio.CancelledError:
            if not self._cancel_requested:
                raise
            now = self._clock.now()
            self._emit(TurnCancelled(trace_id=self.trace_id, ts=now, text=self.text))
        finally:
            self.control.turn_done()

    def _replay(self, event: Event) -> None:
        self._emit(event)
        if isinstance(event, TextDelta):
            self._text.append(event.text)
            shown = neutralise(event.text)
            self._emit(TextReleased(trace_id=event.trace_id, ts=event.ts, text=shown))
