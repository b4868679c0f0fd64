"""A long streamed list's finished rows, painted from pictures a chunk at a time.

While a list is the stream's last block only its last item changes, yet every
row of it is widgets (a row, a bullet, a paragraph) that every frame lays out
and, as the transcript follows the bottom, paints again: a frame of a
120-item list laid out 360 widgets to change one line, and a list cost twice
the CPU of a markdown answer of the same length.

So once :data:`CHUNK_ROWS` rows above the last :data:`LIVE_ROWS` are finished
and painted, they are painted once more into one picture
(:func:`~tuichat.ui.widgets.segment_picture.take_rows`), hidden (kept, not
removed), and a :class:`PicturedRows` put before them paints the picture: a
frame lays out one widget where there were 48. As for a settled segment's
picture, it is only for looking at: the pointer (selection, links), a new
width or a new theme bring the rows back, and that list takes no more
pictures.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from tuichat.ui.widgets.segment_picture import Picture, take_rows

CHUNK_ROWS = 16
"""Rows pictured together: a picture per few screens of a list, few widgets per frame."""

LIVE_ROWS = 2
"""The last rows stay widgets: the last item grows, the one above may have just ended."""


class PicturedRows(Widget):
    """Paints a picture of the (hidden) rows that follow it in their list."""

    def __init__(self, picture: Picture, rows: list[Widget]) -> None:
        super().__init__()
        self._picture = picture
        self._rows = rows
        self.styles.height = picture.height
        self.styles.width = "1fr"

    def render_lines(self, crop: Region) -> list[Strip]:
        picture = self._picture
        if picture.width == self.size.width and picture.theme == str(self.app.theme):
            return picture.crop(crop)
        self.call_later(self.drop)  # a new width or theme: the real rows
        return super().render_lines(crop)

    def on_enter(self, event: events.Enter) -> None:
        """The pointer came: selection and links need the real rows."""
        self.drop()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        self.drop()

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._picture.width:
            self.drop()

    def drop(self) -> None:
        """Show the rows again and go; the list takes no more pictures."""
        if not self.is_attached:
            return
        holder: Any = self.parent
        if holder is not None:
            holder.no_pictures = True
        self.show_rows()
        self.remove()

    def show_rows(self) -> None:
        """Show the rows it stands for."""
        for row in self._rows:
            row.display = True


def list_rows(block: Widget) -> list[Widget]:
    """A list block's rows (shown or pictured), without the pictures."""
    return [child for child in block.children if not isinstance(child, PicturedRows)]


async def drop_pictures(block: Widget) -> None:
    """Show every pictured row of ``block`` again, and remove the pictures (more may be taken)."""
    pictures = list(block.query_children(PicturedRows))
    for picture in pictures:
        picture.show_rows()
    if pictures:
        await block.remove_children(pictures)


async def picture_finished_rows(block: Widget) -> None:
    """Picture the first :data:`CHUNK_ROWS` finished rows still shown, if there are that many."""
    if getattr(block, "no_pictures", False):
        return
    shown = [row for row in list_rows(block) if row.display][:-LIVE_ROWS]
    if len(shown) < CHUNK_ROWS:
        return
    rows = shown[:CHUNK_ROWS]
    picture = take_rows(block, rows)
    if picture is None:
        return
    await block.mount(PicturedRows(picture, rows), before=rows[0])
    for row in rows:
        row.display = False
