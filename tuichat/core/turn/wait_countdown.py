"""The wait before an answer's first text, as a line a front end can show and refresh.

A silent provider used to look like a frozen app for a minute. The turn's
events say when an attempt was sent (:class:`AttemptStarted`, with its
headers and first-token limits), when its headers came and when text came;
:class:`WaitCountdown` reads them and, given the time now on the events'
clock, says ``waiting for the first token: 12 s (gives up at 60 s)``. The
chat renders it under the pending answer, ``ask`` on a terminal on stderr;
both tick about once a second and only redraw when the line changes.
"""

from __future__ import annotations

from tuichat.core.events import (
    AttemptEnded,
    AttemptStarted,
    Event,
    FirstToken,
    HeadersReceived,
    TextDelta,
    TextReleased,
    TurnEnded,
)

SHOW_AFTER = 1.0
"""Seconds of silence before the line appears: a quick answer never flickers one."""


class WaitCountdown:
    """What the current attempt waits for and since when; fed every event of a turn."""

    def __init__(self) -> None:
        self._sent_at: float | None = None
        self._what = ""
        self._gives_up: float | None = None
        self._first_token: float | None = None

    def see(self, event: Event) -> None:
        """Follow the turn: an attempt starts a wait, headers change it, text ends it."""
        if isinstance(event, AttemptStarted):
            self._sent_at, self._first_token = event.ts, event.first_token_timeout_s
            limits = [t for t in (event.headers_timeout_s, event.first_token_timeout_s) if t]
            self._what = "the response" if event.headers_timeout_s else "the first token"
            self._gives_up = min(limits, default=None)
        elif isinstance(event, HeadersReceived) and self._sent_at is not None:
            self._what, self._gives_up = "the first token", self._first_token
        elif isinstance(event, FirstToken | TextDelta | TextReleased | AttemptEnded | TurnEnded):
            self._sent_at = None

    @property
    def waiting(self) -> bool:
        """An attempt was sent and no text has come yet."""
        return self._sent_at is not None

    def line(self, now: float) -> str | None:
        """The line to show at ``now`` (None: nothing to show yet, or no longer)."""
        if self._sent_at is None or now - self._sent_at < SHOW_AFTER:
            return None
        waited = f"waiting for {self._what}: {int(now - self._sent_at)} s"
        if self._gives_up is None:
            return waited
        return f"{waited} (gives up at {self._gives_up:g} s)"
