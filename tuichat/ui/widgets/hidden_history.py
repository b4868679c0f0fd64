"""The oldest messages of a long transcript, parked as text behind one spacer.

Textual lays out every widget of the screen on every layout change, walks
them in every full garbage collection, and a streamed answer changes the
layout many times a second. Folded answers are cheap, but a conversation of
200 turns would still keep a thousand widgets (and a few hundred thousand
objects) in those loops. So the messages well above the viewport
(HIDE_SCREENS, and never the last KEEP_MESSAGES) are removed and kept as
text, :class:`Parked` records that can build the same widget again, and one
:class:`HistorySpacer` as tall as they were stands in for them. Nothing on
screen moves: the spacer ends exactly where the first shown message's top
margin begins.

Messages are rebuilt, nearest first, when the reader scrolls to within
REVEAL_SCREENS of the spacer, or when the spacer is painted at all (a jump to
the top). Where each parked message began is kept (:class:`HiddenHistory`),
so rebuilding the last few puts them back exactly where they were. Those
positions are measured at one width: after the transcript changes width, the
spacer keeps the old height until the reader reaches it (the content is all
there, only the scroll height above is approximate until then).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from textual.events import Resize
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from tuichat.ui.widgets.render_cache import forget_painted_lines

HIDE_SCREENS = 2.0
"""Messages whose bottom is this many screens above the viewport are parked."""
REVEAL_SCREENS = 1.0
"""Parked messages are rebuilt when the viewport comes this close to them."""
KEEP_MESSAGES = 6
"""The newest messages are never parked (about the last three turns)."""


class Parked(Protocol):
    """A message kept as data: enough to build the same widget again."""

    def revive(self) -> Widget:
        """A new widget showing what the parked one showed."""
        ...


@dataclass(frozen=True, slots=True)
class Shelved:
    """A parked message and where it was: its region's top row and top margin."""

    top: int
    margin_top: int
    parked: Parked

    @property
    def spacer_rows(self) -> int:
        """Rows a spacer needs for this message to start where it did after it."""
        return self.top - self.margin_top


@dataclass
class HiddenHistory:
    """Which leading messages are parked and where they were; no Textual.

    ``rows`` is the spacer's height: the first shown message starts at
    ``rows + its top margin``, as before the others were parked (the spacer
    has no margins, so the next top margin collapses into nothing).
    """

    shelved: list[Shelved] = field(default_factory=list)
    rows: int = 0

    @property
    def count(self) -> int:
        """How many messages are parked."""
        return len(self.shelved)

    def hide(self, messages: list[Shelved], rows: int) -> None:
        """``messages`` (the first shown, in order) are parked; the spacer is now ``rows``."""
        self.shelved.extend(messages)
        self.rows = rows

    def reveal_above(self, wanted: float) -> list[Parked]:
        """Take back the last parked messages until the spacer ends above row ``wanted``.

        Returns them oldest first; ``rows`` is updated.
        """
        keep = len(self.shelved)
        rows = self.rows
        while keep and rows > wanted:
            keep -= 1
            rows = self.shelved[keep].spacer_rows
        taken = [shelved.parked for shelved in self.shelved[keep:]]
        del self.shelved[keep:]
        self.rows = rows if self.shelved else 0
        return taken


class HistorySpacer(Widget):
    """Blank rows as tall as the parked messages; asks for them once painted."""

    class Exposed(Message):
        """The spacer was painted: the reader reached the parked messages."""

    def __init__(self) -> None:
        super().__init__(classes="history-spacer")
        self.styles.height = 0
        self.display = False
        self._asked = False

    def set_rows(self, rows: int) -> None:
        """Stand in for ``rows`` rows (hidden when 0)."""
        self.styles.height = rows
        self.display = rows > 0
        self._asked = False

    def on_resize(self, event: Resize) -> None:
        forget_painted_lines(self)  # one dirty mark per row otherwise, for good

    def render_lines(self, crop: Region) -> list[Strip]:
        if not self._asked:
            self._asked = True
            self.post_message(self.Exposed())
        return super().render_lines(crop)
