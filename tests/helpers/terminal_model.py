"""A model of what a terminal shows: the app's updates applied to a grid of cells.

Textual writes a frame as a partial update (``ChopsUpdate``: pieces of lines
at their columns, limited to the spans that changed) or a full one
(``LayoutUpdate``). Applying each update as the terminal would, then
comparing with a full render of the screen, checks that the partial updates
painted everything that changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.cells import cell_len
from textual._compositor import ChopsUpdate, LayoutUpdate
from textual.app import App
from textual.strip import Strip

Cell = tuple[str, object]


class TerminalModel:
    """Cells of (character, style), written to as a terminal writes them."""

    def __init__(self, lines: list[Strip]) -> None:
        self.cells: list[list[Cell]] = [[(" ", None)] * lines[0].cell_length for _ in lines]
        for y, strip in enumerate(lines):
            self.write(0, y, strip)

    def write(self, x: int, y: int, strip: Strip) -> None:
        row = self.cells[y]
        for segment in strip:
            if segment.control:
                continue
            for char in segment.text:
                row[x] = (char, segment.style)
                x += 1
                if cell_len(char) == 2:
                    row[x] = ("", segment.style)
                    x += 1

    def apply(self, update: object) -> None:
        """Apply one update as Textual's own ``render_segments`` writes it."""
        if isinstance(update, LayoutUpdate):
            for y, line in enumerate(update.strips, update.region.y):
                x = update.region.x
                for strip in line:
                    self.write(x, y, strip)
                    x += strip.cell_length
        elif isinstance(update, ChopsUpdate):
            for y, x1, x2 in update.spans:
                for end, (x, strip) in zip(
                    update.chop_ends[y], update.chops[y].items(), strict=False
                ):
                    if strip is None or x > x2 or end <= x1:
                        continue
                    if x2 > x >= x1 and end <= x2:
                        self.write(x, y, strip)
                    else:
                        self.write(x, y, strip.crop(0, min(end, x2) - x))


def full_render(app: App[Any]) -> list[list[Cell]]:
    """The screen's cells as a full render gives them now."""
    return TerminalModel(app.screen._compositor.render_strips()).cells


def fresh_render(app: App[Any]) -> list[list[Cell]]:
    """The screen's cells rendered afresh: no widget's cached lines (a missed repaint shows).

    A full render paints each widget from the lines it cached, so a row a
    widget forgot to repaint is stale in both the terminal and that render.
    """
    for widget in app.screen.walk_children(with_self=True):
        widget._styles_cache.clear()
    return full_render(app)


@contextmanager
def watching_terminal(app: App[Any]) -> Iterator[TerminalModel]:
    """A terminal model of ``app``'s screen, fed every update from now on (app idle at start)."""
    compositor = app.screen._compositor
    model = TerminalModel(compositor.render_strips())
    real = compositor.render_update

    def render_update(*args: Any, **kwargs: Any) -> Any:
        update = real(*args, **kwargs)
        model.apply(update)
        return update

    compositor.render_update = render_update
    try:
        yield model
    finally:
        del compositor.render_update
