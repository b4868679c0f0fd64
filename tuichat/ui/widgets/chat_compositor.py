"""The chat screen's compositor: Textual's, doing a frame's work once and only where it changed.

Textual's compositor keeps a map of every widget's place, and paints a frame
from the regions that changed. Four things made it do more than the frame
needs, measured on a markdown answer streamed at 200 tok/s in a pty
(``bench/bench_pty.py``); :class:`ChatCompositor` does each with less.

* **The map stays fresh after a layout.** A layout marks the map stale when a
  widget it has not placed yet asks to be painted (a block just mounted, the
  standby answer just shown), then builds the whole map anew, but leaves the
  mark. The first region lookup afterwards (Textual's own resize pass makes
  ~40) then arranged the whole screen a second time: in 91 of 118 layouts.
* **A layout repaints what moved, not what was re-counted.** Textual repaints
  every widget whose entry in the map changed, over all of its old and new
  region (:func:`changed_regions` says where that is more than needed).
  Appending a block to a markdown changed the painting order of every block
  above it, and a container that grew by a line was repainted whole, so a
  new list item repainted the whole live answer.
* **A frame renders the rows it paints.** Textual crops a frame to the box
  around all its changes and asks every widget in that box for all its
  visible lines, so a HUD row and a paragraph line rendered the transcript's
  and the HUD's widgets over a screen's height. Here a widget renders only
  the bands of rows that changed and that it reaches (:func:`bands`).
* **A frame renders what shows.** Textual renders every widget under a
  changed row, front to back, and keeps for each cell the first widget's
  piece: the containers under a paragraph line (the segment, the answer's
  view, the transcript's row, the screen) were rendered and cut up at every
  widget's edge for nothing. Here a widget whose part of a band is all under
  widgets already rendered in front of it is not rendered (:func:`hidden`):
  the markdown stream's frames spent a third less time painting.

Everything here reads Textual's private compositor; :func:`install_compositor`
installs it only where those parts are there, and a screen otherwise keeps
Textual's own. What is painted is what Textual would paint: a test applies
every update the app writes to a model of the terminal, which must equal the
screen rendered afresh whenever the app is idle.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from textual._compositor import ChopsUpdate, Compositor
from textual.content import Content
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Static

from tuichat.ui.widgets.render_cache import BlankLines, uniform
from tuichat.ui.widgets.segment_picture import PicturedLines

if TYPE_CHECKING:
    from textual.geometry import Size
    from textual.screen import Screen
    from textual.strip import Strip

Band = tuple[int, int, int, int]
"""Rows ``top`` to ``bottom`` (exclusive) whose changes lie in columns ``left`` to ``right``."""

FLOW_ONLY = "_flow_only"
"""Class attribute of a widget whose insides only stack, never overlap (an answer's view)."""

_NEEDED = (
    "_full_map",
    "_full_map_invalidated",
    "_dirty_regions",
    "_regions_to_spans",
    "_render_chops",
    "_get_renders",
    "visible_widgets",
    "cuts",
)


class ChatCompositor(Compositor):
    """Textual's compositor with a fresh map, tighter repaints and banded renders (module doc)."""

    _bands: list[Band] | None = None  # set while a partial update renders

    def reflow(self, parent: Widget, size: Size) -> Any:
        old_map = self._full_map
        whole = size.region
        marked = whole in self._dirty_regions
        self._dirty_regions.add(whole)  # so Textual marks nothing: the regions are ours
        try:
            result = super().reflow(parent, size)
        finally:
            if not marked:
                self._dirty_regions.discard(whole)
        if not marked:
            self._dirty_regions.update(changed_regions(old_map, self._full_map))
        self._full_map_invalidated = False  # the layout just placed every widget
        return result

    def render_partial_update(self) -> ChopsUpdate | None:
        """Textual's partial update, its widgets rendered band by band."""
        self._take_late_repaints()
        update_regions = self._dirty_regions.copy()
        self._dirty_regions.clear()
        if not update_regions:
            return None
        crop = Region.from_union(list(update_regions)).intersection(self.size.region)
        spans = list(self._regions_to_spans(update_regions))
        rows = {y for y, _, _ in spans}
        self._bands = bands(spans, crop)
        try:
            chops = self._render_chops(crop, rows.__contains__)
        finally:
            self._bands = None
        chop_ends = [cut_set[1:] for cut_set in self.cuts]
        return ChopsUpdate(chops, spans, chop_ends)

    def _take_late_repaints(self) -> None:
        """Paint in this frame the widgets that asked for a repaint since it started.

        A layout that grows the transcript moves its scrollbar's thumb while
        it updates sizes, after Textual took the frame's widgets: the thumb
        then had a frame of its own at the next tick (52 of a markdown
        stream's 374 frames). Taking it here is what that tick would do.
        """
        late = {
            widget for widget in self.visible_widgets if getattr(widget, "_repaint_required", False)
        }
        for widget in late:
            widget._repaint_required = False
        if late:
            self.update_widgets(late)

    def _get_renders(
        self, crop: Region | None = None
    ) -> Iterable[tuple[Region, Region, list[Strip]]]:
        if self._bands is None:  # a full update
            return super()._get_renders(crop)
        return self._band_renders(self._bands)

    def _band_renders(self, wanted: list[Band]) -> Iterator[tuple[Region, Region, list[Strip]]]:
        """Each visible widget's lines in the bands it reaches, in Textual's painting order.

        A band is cut by rows only: a widget's lines keep their full visible
        width, because the compositor divides them at every widget's edge.
        A widget whose part of a band is all under widgets painted in front
        of it there is not rendered (:func:`hidden`): the compositor would
        cut its lines up and use none of them.
        """
        fronts: list[list[Cover]] = [[] for _ in wanted]
        for widget, (region, clip) in self.visible_widgets.items():
            x, y, width, height = region.intersection(clip)
            if not width or not height:
                continue
            right, bottom = x + width, y + height
            for band, front in zip(wanted, fronts, strict=True):
                band_top, band_bottom, band_left, band_right = band
                if band_left >= right or band_right <= x:
                    continue
                top, end = max(band_top, y), min(band_bottom, bottom)
                if end <= top:
                    continue
                if hidden(front, max(x, band_left), min(right, band_right), top, end):
                    continue
                shown = Region(x, top, width, end - top)
                lines = widget.render_lines(Region(x - region.x, top - region.y, width, end - top))
                if len(lines) == end - top:  # every cell of it painted: it covers what is behind
                    front.append((x, right, top, end))
                yield shown, shown, lines


Cover = tuple[int, int, int, int]
"""Columns ``left`` to ``right`` of rows ``top`` to ``bottom``, painted by a widget in front."""


def hidden(front: list[Cover], left: int, right: int, top: int, bottom: int) -> bool:
    """True when columns ``left``..``right`` of rows ``top``..``bottom`` are all under ``front``.

    Only covers that span all those rows count (side by side, as a row of
    widgets or a widget in its container): a part covered row by row by
    different widgets is rendered anyway, which is never wrong.
    """
    reach = left
    for cover_left, cover_right, cover_top, cover_bottom in sorted(front):
        if cover_left > reach:
            break
        if cover_top <= top and cover_bottom >= bottom and cover_right > reach:
            reach = cover_right
            if reach >= right:
                return True
    return False


def changed_regions(old: dict[Widget, Any], new: dict[Widget, Any]) -> set[Region]:
    """Where a layout changed the screen, from the map before and after it.

    Textual's rule (every changed entry, all of its old and new region) but for:

    * a widget whose region is the same and whose painting order changed only
      because a sibling came or went, inside a :data:`FLOW_ONLY` widget
      (nothing overlaps there, so order decides nothing): nothing;
    * a blank container (:func:`blank_container`) that grew, shrank or moved
      in its own columns: all its rows look alike, so only the rows it gained
      or lost (its children report their own changes).
    """
    regions: set[Region] = set()
    in_flow: dict[Widget, bool] = {}
    for widget, geometry in new.items() ^ old.items():
        before, after = old.get(widget), new.get(widget)
        if before is not None and after is not None:
            same_order = before.order == after.order or _in_flow(widget, in_flow)
            if same_order and before.visible_region == after.visible_region:
                continue
            if same_order and blank_container(widget):
                regions.update(_rows_changed(before.visible_region, after.visible_region))
                continue
        regions.add(geometry.visible_region)
    return {region for region in regions if region}


def _in_flow(widget: Widget, known: dict[Widget, bool]) -> bool:
    """True when ``widget`` is inside a :data:`FLOW_ONLY` widget (memoised per layout)."""
    parent = widget._parent
    if not isinstance(parent, Widget):
        return False
    found = known.get(parent)
    if found is None:
        found = bool(getattr(parent, FLOW_ONLY, False)) or _in_flow(parent, known)
        known[parent] = found
    return found


def _rows_changed(before: Region, after: Region) -> list[Region]:
    """The rows of ``before`` and ``after`` that are not in both (or both, if columns differ)."""
    if before.x != after.x or before.width != after.width:
        return [before, after]
    top, bottom = max(before.y, after.y), min(before.bottom, after.bottom)
    if top >= bottom:
        return [before, after]
    edges = ((min(before.y, after.y), top), (bottom, max(before.bottom, after.bottom)))
    return [
        Region(before.x, start, before.width, end - start) for start, end in edges if end > start
    ]


def blank_container(widget: Widget) -> bool:
    """True when ``widget`` paints nothing of its own but the same line on every row.

    A container whose own content is empty (Textual's blank, or a markdown
    list's empty text), with no edge, title or keyline, and not painting a
    picture (:mod:`~tuichat.ui.widgets.segment_picture`).
    """
    keyline = str(widget.styles.keyline[0])  # typed without "none", which it is by default
    if not widget.is_container or keyline != "none" or not uniform(widget):
        return False
    cls = type(widget)
    if cls.render_line is not Widget.render_line:
        return False
    if isinstance(widget, PicturedLines):
        if widget.pictured:
            return False
    elif cls.render_lines not in (Widget.render_lines, BlankLines.render_lines):
        return False
    if cls.render is Widget.render:
        return True
    content = getattr(widget, "_content", None)
    return cls.render is Static.render and isinstance(content, str | Content) and not content


WIDEN_CELLS = 256
"""A band is not widened by more cells than this to take the next row (it starts a new one)."""


def bands(spans: list[tuple[int, int, int]], crop: Region) -> list[Band]:
    """Runs of consecutive rows with changes (``spans``, by row), each with its columns.

    A row whose changes lie in other columns than the run above starts a
    band of its own when joining would render many cells that did not
    change: the prompt's rows under a scrolled transcript would otherwise
    render the HUD beside the transcript, all the way up (WIDEN_CELLS).
    """
    found: list[list[int]] = []
    for y, x1, x2 in spans:
        if not crop.y <= y < crop.bottom:
            continue
        band = found[-1] if found else None
        if band is not None and (band[1] > y or (band[1] == y and _joins(band, x1, x2))):
            band[1] = max(band[1], y + 1)
            band[2] = min(band[2], x1)
            band[3] = max(band[3], x2)
        else:
            found.append([y, y + 1, x1, x2])
    return [(top, bottom, left, right) for top, bottom, left, right in found]


def _joins(band: list[int], x1: int, x2: int) -> bool:
    """True when the row under ``band`` (changed in ``x1``..``x2``) joins it at little cost."""
    top, bottom, left, right = band
    joined = max(right, x2) - min(left, x1)
    unchanged = (joined - (right - left)) * (bottom - top) + joined - (x2 - x1)
    return unchanged <= WIDEN_CELLS


def install_compositor(screen: Screen[Any]) -> None:
    """Give ``screen`` a :class:`ChatCompositor` (before it is first laid out).

    Only over Textual's own compositor, and only where it has every part the
    subclass relies on; otherwise the screen keeps what it has.
    """
    compositor = getattr(screen, "_compositor", None)
    if type(compositor) is Compositor and all(hasattr(compositor, name) for name in _NEEDED):
        screen._compositor = ChatCompositor()
