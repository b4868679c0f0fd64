"""``ask`` on a terminal: the wait for the first token as one ``\\r``-updated stderr line.

The line is :class:`~tuichat.core.turn.wait_countdown.WaitCountdown`'s, the
same the chat shows under a pending answer; it is cleared before the first
text is written, and never written when stderr is not a terminal (a script's
log stays clean).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TextIO

from tuichat.core.clock import Clock
from tuichat.core.events import Event
from tuichat.core.turn.wait_countdown import WaitCountdown
from tuichat.core.untrusted import neutralise

TICK = 0.5
"""How often (s, on the session clock) the line looks whether it changed."""
CLEAR = "\r\x1b[2K"


class WaitProgress:
    """The stderr wait line of one ``ask`` turn (``shown=False``: never); feed it events."""

    def __init__(self, err: TextIO, *, shown: bool = True) -> None:
        self._err = err
        self._on = shown and err.isatty()
        self._countdown = WaitCountdown()
        self._shown = ""

    def see(self, event: Event) -> None:
        """Follow the turn; clear the line the moment its wait ends (before any text)."""
        self._countdown.see(event)
        if not self._countdown.waiting:
            self._write("")

    def tick(self, now: float) -> None:
        """Redraw the line if its text changed."""
        self._write(self._countdown.line(now) or "")

    def _write(self, text: str) -> None:
        if not self._on or text == self._shown:
            return
        self._err.write(CLEAR + neutralise(text))
        self._err.flush()
        self._shown = text

    @contextlib.asynccontextmanager
    async def ticking(self, clock: Clock) -> AsyncIterator[None]:
        """Tick on ``clock`` while the body runs; the line is cleared at the end."""
        task = asyncio.create_task(self._ticks(clock)) if self._on else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
            self._write("")

    async def _ticks(self, clock: Clock) -> None:
        while True:
            await clock.sleep(TICK)
            self.tick(clock.now())
