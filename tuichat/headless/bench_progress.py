"""A bench's progress: one ``\\r``-updated stderr line, only on a terminal.

``bench 37/200 · 2 errors · 12.3 s · ETA 54 s``: redrawn when a call ends
and every half second on the run's clock (so elapsed time moves while calls
are slow); cleared before the report is printed. Not written at all when
stderr is not a terminal, so a script's log stays clean.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TextIO

from tuichat.core.clock import Clock

TICK = 0.5
CLEAR = "\r\x1b[2K"


class BenchProgress:
    """Done/total, errors, elapsed and ETA of a run; feed it each finished call."""

    def __init__(self, err: TextIO, total: int, clock: Clock, *, shown: bool = True) -> None:
        self._err = err
        self._on = shown and err.isatty()
        self._clock = clock
        self._started = clock.now()
        self.total = total
        self.done = 0
        self.errors = 0
        self._shown = ""

    def finished(self, *, failed: bool) -> None:
        """One more call ended (``failed``: an error, or a check that did not pass)."""
        self.done += 1
        self.errors += failed
        self.draw()

    def line(self) -> str:
        """The progress line as of now."""
        elapsed = self._clock.now() - self._started
        errors = f"{self.errors} error{'s' if self.errors != 1 else ''}"
        eta = "ETA —"
        if 0 < self.done < self.total:
            eta = f"ETA {elapsed / self.done * (self.total - self.done):.0f} s"
        elif self.done >= self.total:
            eta = "done"
        return f"bench {self.done}/{self.total} · {errors} · {elapsed:.1f} s · {eta}"

    def draw(self) -> None:
        """Redraw the line (a no-op off a terminal)."""
        self._write(self.line())

    def _write(self, text: str) -> None:
        if not self._on or text == self._shown:
            return
        self._err.write(CLEAR + text)
        self._err.flush()
        self._shown = text

    @contextlib.asynccontextmanager
    async def ticking(self) -> AsyncIterator[None]:
        """Redraw every :data:`TICK` seconds while the body runs; clear the line after."""
        task = asyncio.create_task(self._ticks()) if self._on else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
            if self._on and self._shown:
                self._err.write(CLEAR)
                self._err.flush()

    async def _ticks(self) -> None:
        while True:
            await self._clock.sleep(TICK)
            self.draw()
