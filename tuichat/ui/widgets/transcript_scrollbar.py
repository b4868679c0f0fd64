"""The transcript's scrollbar, painted from one row of each kind.

Textual paints every row of a scrollbar through a widget's whole line
pipeline (styles, background, line filters): ~16 µs a row, so ~0.6 ms for
the transcript's 40 rows on top of drawing the bar. Its thumb moves whenever
an answer grows the transcript, and then all of it is painted again: 65
frames of a markdown stream, and every send once the transcript is full
(1.7 ms of a 9 ms frame there).

A vertical bar has only a few kinds of row (the track above the thumb, the
thumb, the track below it and the thumb's two partial ends), and Textual's
renderer draws every row of a kind with the same segment. So
:class:`TranscriptScrollBar` renders one row of each kind through Textual
and repeats it; anything it cannot be sure of (a bar that is not Textual's
renderer, edges or padding on the bar) is painted as Textual paints it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.geometry import Region
from textual.scrollbar import ScrollBar, ScrollBarRender

from tuichat.ui.widgets.render_cache import uniform

if TYPE_CHECKING:
    from textual.strip import Strip


class TranscriptScrollBar(ScrollBar):
    """Textual's vertical scrollbar, its rows of a kind rendered once (see the module doc)."""

    def render_lines(self, crop: Region) -> list[Strip]:
        kinds = self._row_kinds()
        if kinds is None or crop.bottom > len(kinds):
            return super().render_lines(crop)
        rendered: dict[int, Strip] = {}  # by kind: the first row of it in the crop, through Textual
        lines: list[Strip] = []
        for y in crop.line_range:
            line = rendered.get(kinds[y])
            if line is None:
                line = super().render_lines(Region(crop.x, y, crop.width, 1))[0]
                rendered[kinds[y]] = line
            lines.append(line)
        return lines

    def _row_kinds(self) -> list[int] | None:
        """Each row's segment (by identity) as Textual's renderer draws it; None if unsure."""
        width, height = self.size
        styles = self.styles
        if not self.vertical or width <= 0 or height <= 0 or not uniform(self):
            return None
        if styles.padding.top or styles.padding.bottom:
            return None
        bar = self.render()
        if type(bar) is not ScrollBarRender:
            return None
        drawn = ScrollBarRender.render_bar(
            size=height,
            virtual_size=bar.virtual_size,
            window_size=bar.window_size,
            position=bar.position,
            thickness=width,
            vertical=True,
        )
        segments = getattr(drawn, "segments", None)
        if not isinstance(segments, list) or len(segments) != height:
            return None
        return [id(segment) for segment in segments]


def fast_vertical_bar(bar: ScrollBar) -> ScrollBar:
    """``bar`` as a :class:`TranscriptScrollBar`, if it is Textual's own (the same object)."""
    if type(bar) is ScrollBar:
        bar.__class__ = TranscriptScrollBar
    return bar
