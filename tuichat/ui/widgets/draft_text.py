"""A segment's raw source as plain text: the cheap stand-in for rendered markdown.

A draft lays out in microseconds (one ``Static``), so an answer shows what is
out of view as drafts and renders them when they are painted
(:class:`DraftText.Exposed`). Its text is untrusted: it is shown as plain
``Content``, never markup.
"""

from __future__ import annotations

from typing import Any

from textual.content import Content
from textual.events import Resize
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widgets import Static

from tuichat.ui.widgets.stacked_size import StackedSize


def _plain(source: str) -> Content:
    """``source`` as plain text ("para\\n\\n" shows as the paragraph and one blank line)."""
    return Content(source[:-1] if source.endswith("\n") else source)


class DraftText(StackedSize, Static):
    """A segment's raw source as plain text; asks to be rendered once painted.

    Only widgets in view get ``render_lines`` calls (layout measures height
    without it), so this is the cheapest "scrolled into view" signal there is.
    A parked draft keeps its rendered height while the width stays the same.

    The source is kept as given and made into ``Content`` only when painted
    or measured: a folded answer far out of view never copies its text.
    """

    class Exposed(Message):
        """A draft was painted: its segment is in view and wants rendering."""

        def __init__(self, draft: DraftText) -> None:
            super().__init__()
            self.draft = draft

    def __init__(self, source: str, height: int | None = None, width: int = 0) -> None:
        super().__init__(classes="answer-draft")
        self._source = source
        self._width = width
        if height is not None:
            self.styles.height = height
            self.styles.overflow_y = "hidden"
        self._asked = False

    def render(self) -> Content:
        return _plain(self._source)

    def ask_again(self) -> None:
        """Post another exposure when next painted (the last one was not acted on)."""
        self._asked = False

    def replace(self, source: str) -> None:
        """Show ``source`` instead: a text update, laid out only if it takes other rows."""
        width, height = self.content_size
        rules: Any = self.styles
        same = width > 0 and height == _plain(source).get_height(rules, width)
        self._source = source
        self.refresh(layout=not same)

    @classmethod
    def placeholder(cls) -> DraftText:
        """An empty draft that never asks to be rendered (the live tail's first words).

        Shown from the start, one blank row where the answer will begin: first
        words that fit that row are a repaint, not a layout of the screen.
        """
        draft = cls("")
        draft._asked = True
        return draft

    def render_lines(self, crop: Region) -> list[Strip]:
        if not self._asked:
            self._asked = True
            self.post_message(DraftText.Exposed(self))
        return super().render_lines(crop)

    def on_resize(self, event: Resize) -> None:
        if self._width and event.size.width != self._width:
            self._width = 0
            self.styles.height = "auto"  # the parked height was for another width
