"""A settled segment painted from a picture of its lines while its answer streams.

Every frame that lays out lays out every widget on the screen, and a layout
frame paints everything that moved: while an answer streams the transcript
follows its bottom, so that is every widget in view. A rendered markdown
segment is 20–50 widgets (a list item is four), and the segments just above
the live tail stay rendered while they are in view, so they were about half of
every streaming frame's work, for text that no longer changes (measured with
``bench/bench_pty.py``: ~160 widgets per layout, ~75 of them in settled
segments).

A settled segment is therefore painted once more, by the same calls the
compositor makes (each widget's ``render_lines`` at its place in the
compositor's map), into one list of lines, and then shown as that picture:
its markdown widgets are hidden (kept, not removed) and the segment paints the
picture's lines. A frame then lays out and paints one widget where there were
dozens. The picture is exactly what the screen showed; a test compares the
screen's lines before and after.

A picture is only for looking at. The markdown widgets come back (shown again,
not rebuilt) when the pointer enters the segment (text selection and links need
the real widgets), and when the segment's width or the theme changes. A
pictured segment is not parked while its answer streams (a picture costs a
frame what a draft does; parking would cost a mount), and the pictures stay
when the answer ends: showing every segment's widgets again at once would lay
them all out in the answer's last frame; once it has ended, the rest are
pictured too (which, and when: :mod:`~tuichat.ui.widgets.answer_pictures`).
(Parking far segments when idle, and folding, drop them as before.) A segment
that scrolls inside (a fence wider than the screen) or whose layout is not
settled is not pictured.
Everything here reads Textual's compositor, a private part: any surprise
means "no picture", never a wrong one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from textual import events
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from tuichat.ui.widgets.frame_flush import displayed_widgets, refresh_pending


@dataclass(frozen=True, slots=True)
class Picture:
    """A widget's lines as painted at one width and theme."""

    lines: tuple[Strip, ...]
    width: int
    theme: str

    @property
    def height(self) -> int:
        return len(self.lines)

    def crop(self, crop: Region) -> list[Strip]:
        """The lines of ``crop`` (relative to the widget), as ``render_lines`` returns them."""
        lines = self.lines[crop.y : crop.bottom]
        if crop.x == 0 and crop.width == self.width:
            return list(lines)
        return [line.crop(crop.x, crop.right) for line in lines]


class PicturedLines:
    """Mixin for a widget that can paint a picture of its content instead of showing it.

    The subclass says which child is pictured (:meth:`_pictured_child`); it
    is hidden, not removed, while the picture is shown.
    """

    _picture: Picture | None = None

    def _pictured_child(self) -> Widget | None:
        raise NotImplementedError

    @property
    def pictured(self) -> bool:
        """True while the widget paints a picture of its (hidden) child."""
        return self._picture is not None

    @property
    def allow_select(self) -> bool:
        # A picture's lines carry the offsets of the widgets they came from.
        allowed: bool = super().allow_select  # type: ignore[misc]
        return self._picture is None and allowed

    def take_picture(self) -> bool:
        """Paint from a picture of the child from now on; False if that cannot be exact."""
        child = self._pictured_child()
        if child is None or self._picture is not None:
            return False
        holder: Any = self
        picture = take(holder)
        if picture is None:
            return False
        self._picture = picture
        holder.styles.height = picture.height
        child.display = False
        return True

    def drop_picture(self) -> None:
        """Show the child again (it was hidden, not removed)."""
        if self._picture is None:
            return
        self._forget_picture()
        child = self._pictured_child()
        if child is not None:
            child.display = True

    def _forget_picture(self) -> None:
        """No picture any more (call before the child is replaced)."""
        if self._picture is not None:
            self._picture = None
            holder: Any = self
            holder.styles.height = "auto"
            holder.refresh()

    def picture_rows(self, width: int) -> int | None:
        """Rows the picture takes at ``width`` (None: no picture at that width)."""
        picture = self._picture
        return picture.height if picture is not None and picture.width == width else None

    def render_lines(self, crop: Region) -> list[Strip]:
        holder: Any = self
        picture = self._picture
        if picture is not None:
            if picture.width == holder.size.width and picture.theme == str(holder.app.theme):
                return picture.crop(crop)
            holder.call_later(self.drop_picture)  # a new width or theme: the real widgets
        lines: list[Strip] = super().render_lines(crop)  # type: ignore[misc]
        return lines

    def on_enter(self, event: events.Enter) -> None:
        """The pointer came: selection and links need the real widgets."""
        self.drop_picture()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        self.drop_picture()

    def on_resize(self, event: events.Resize) -> None:
        """A new width (even out of view): the real widgets, which wrap to it."""
        picture = self._picture
        if picture is not None and event.size.width != picture.width:
            self.drop_picture()


def take(holder: Widget) -> Picture | None:
    """``holder``'s lines as the compositor paints them now, or None if that is not certain."""
    if not _settled(holder):
        return None
    return _painted(holder, _shown(holder), lambda full_map: full_map[holder].region)


def take_rows(container: Widget, rows: list[Widget]) -> Picture | None:
    """The lines ``rows`` (children of ``container``, one under the other) are painted with now.

    As :func:`take`, for a run of rows inside a widget: the container's own
    lines behind them, then each row and what it shows. None if that is not
    certain (not laid out, not painted yet, not one under the other).
    """
    if not rows or refresh_pending(container) or not all(_settled(row) for row in rows):
        return None

    def area(full_map: Any) -> Region | None:
        places = [full_map[row].region for row in rows]
        if any(above.bottom != below.y for above, below in pairwise(places)):
            return None
        outer = full_map[container].region
        return Region(outer.x, places[0].y, outer.width, places[-1].bottom - places[0].y)

    return _painted(container, [w for row in rows for w in (row, *_shown(row))], area)


def _painted(
    container: Widget, widgets: list[Widget], area_of: Callable[[Any], Region | None]
) -> Picture | None:
    """``widgets`` painted over ``container``'s own lines, in the screen area ``area_of`` gives.

    ``area_of`` reads the compositor's map (None: no picture); the area spans
    the container's width.
    """
    try:
        full_map = container.screen._compositor.full_map
        area = area_of(full_map)
        if area is None:
            return None
        top = area.y - full_map[container].region.y
        lines = list(container.render_lines(Region(0, top, area.width, area.height)))
        layers = sorted(((full_map[widget].order, full_map[widget].region, widget)
                         for widget in widgets), key=lambda layer: layer[0])  # fmt: skip
        for _, place, widget in layers:  # back to front: children paint over their parents
            _paint(lines, area, place, widget)
    except Exception:  # a Textual that maps widgets differently: no picture
        return None
    if len(lines) != area.height:
        return None
    return Picture(tuple(lines), area.width, str(container.app.theme))


def _shown(holder: Widget) -> list[Widget]:
    """The widgets inside ``holder`` that the compositor paints (not hidden, nor inside hidden)."""
    return [w for w in displayed_widgets(holder) if w.display and w.visible]


def _paint(lines: list[Strip], origin: Region, place: Region, widget: Widget) -> None:
    """Paint ``widget`` (at ``place`` on the screen) over ``lines`` (``origin``'s)."""
    region = place.intersection(origin)
    if not region:
        return
    inner = Region(region.x - place.x, region.y - place.y, region.width, region.height)
    x = region.x - origin.x
    for row, strip in enumerate(widget.render_lines(inner), region.y - origin.y):
        lines[row] = _overlay(lines[row], x, strip, origin.width)


def _settled(holder: Widget) -> bool:
    """Laid out and painted as it is, with nothing scrolled or scrollable inside it."""
    if not holder.size.width or not holder.size.height:
        return False
    for widget in holder.walk_children(Widget, with_self=True):
        if refresh_pending(widget):
            return False
        if widget is not holder and _scrolls(widget):
            return False
    return True


def _scrolls(widget: Widget) -> bool:
    styles = widget.styles
    return bool(
        widget.scrollbar_size_vertical
        or widget.scrollbar_size_horizontal
        or widget.scroll_offset
        or (styles.overflow_x != "hidden" and widget.max_scroll_x)
        or (styles.overflow_y != "hidden" and widget.max_scroll_y)
    )


def _overlay(base: Strip, x: int, strip: Strip, width: int) -> Strip:
    """``strip`` painted over ``base`` from column ``x``."""
    end = x + strip.cell_length
    return Strip.join([base.crop(0, x), strip, base.crop(end, width)])
