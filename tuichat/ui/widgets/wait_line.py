"""The line under a pending answer: ``waiting for the first token: 12 s (gives up at 60 s)``.

A renderer only: :class:`~tuichat.core.turn.wait_countdown.WaitCountdown`
knows what the attempt waits for, from the turn's events; this widget asks it
for the line at the session clock's ``now`` (the one the events are stamped
with, so a manual clock drives it in tests). Its timer ticks in real time
only to give it a chance to look, as the HUD's does, and the text changes at
most once a second.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Static

from tuichat.core.turn.wait_countdown import WaitCountdown
from tuichat.ui.widgets.transcript import plain

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
