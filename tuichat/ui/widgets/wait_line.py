"""The line under a pending answer: ``waiting for the first token: 12 s (gives up at 60 s)``.

A renderer only: :class:`~tuichat.core.turn.wait_countdown.WaitCountdown`
knows what the attempt waits for, from the turn's events; this widget asks it
for the line at the session clock's ``now`` (the one the events are stamped
with, so a manual clock drives it in tests). Its timer ticks in real time
only to give it a chance to look, as the HUD's does, and the text changes at
most once a second.

:class:`WaitLineSlot` mounts the line only once a wait has lasted a tick:
most waits end sooner (a cached answer, a local model, a stream whose first
token follows its headers), and mounting a line for them, then taking it
away, put a mount, a removal and their layout (~2 ms measured in the pty) in
front of the answer's first frame.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.widget import Widget
from textual.widgets import Static

from tuichat.core.turn.wait_countdown import WaitCountdown
from tuichat.ui.widgets.messages import plain

TICK = 0.25
"""How often (s, real time) the line looks whether its text changed."""


class WaitLine(Static):
    """A one-line countdown while an attempt waits for its first text."""

    def __init__(self, countdown: WaitCountdown, now: Callable[[], float]) -> None:
        super().__init__("", classes="notice info wait-line")
        self._countdown = countdown
        self._now = now
        self.shown_text = ""
        """The text on screen (read by tests)."""

    def on_mount(self) -> None:
        self.tick()
        self.set_interval(TICK, self.tick, name="wait-line")

    def tick(self) -> None:
        """Redraw when the line's text changed; empty before the line is due."""
        text = self._countdown.line(self._now()) or ""
        if text != self.shown_text:
            self.shown_text = text
            self.update(plain(text))
            self.display = bool(text)


class WaitLineSlot:
    """The wait line's place under one pending answer: empty until a wait outlasts a tick."""

    def __init__(self, answer: Widget, countdown: WaitCountdown, now: Callable[[], float]) -> None:
        self._answer = answer
        self._countdown = countdown
        self._now = now
        self._due: asyncio.TimerHandle | None = None
        self._line: WaitLine | None = None

    @property
    def following(self) -> bool:
        """A wait is being followed (a line is due or shown)."""
        return self._due is not None or self._line is not None

    async def follow(self) -> None:
        """Start following the countdown's wait, or end it (the line, if any, goes)."""
        if self._countdown.waiting:
            if not self.following:
                self._due = asyncio.get_running_loop().call_later(TICK, self._mount)
        else:
            await self.close()

    async def close(self) -> None:
        """No wait any more: cancel the pending line, remove the shown one."""
        if self._due is not None:
            self._due.cancel()
            self._due = None
        if self._line is not None:
            line, self._line = self._line, None
            await line.remove()

    def _mount(self) -> None:
        """The wait lasted a tick: put the line under the answer (it shows once it is due)."""
        self._due = None
        if self._countdown.waiting and self._answer.is_attached:
            self._line = WaitLine(self._countdown, self._now)
            self._answer.mount(self._line)
