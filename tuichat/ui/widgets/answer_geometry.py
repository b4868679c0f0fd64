"""Where an answer's segments are relative to what the reader sees.

Small, read-only helpers for :mod:`~tuichat.ui.widgets.answer_view`: the
scrolling container, whether it follows the bottom, how tall a segment is (its
real layout height, measured without waiting for a frame) and how far a region
is from the viewport.
"""

from __future__ import annotations

from textual.containers import ScrollableContainer
from textual.geometry import Region, Size
from textual.widget import Widget


def scroller_of(widget: Widget) -> ScrollableContainer | None:
    """The nearest scrolling ancestor of ``widget`` (the transcript)."""
    for node in widget.ancestors:
        if isinstance(node, ScrollableContainer):
            return node
    return None


def follows_bottom(scroller: ScrollableContainer) -> bool:
    """True when the view is at (or sticks to) the bottom of its content."""
    # scroll_y can be left negative while the content is shorter than the view.
    return max(0.0, scroller.scroll_y) >= scroller.max_scroll_y - 1


def screen_rows(scroller: ScrollableContainer) -> int:
    """Rows of content the scroller shows at once."""
    return max(1, scroller.scrollable_content_region.height)


def content_width(widget: Widget, scroller: ScrollableContainer) -> int:
    """The width ``widget`` lays out at (a guess until its first layout)."""
    return widget.size.width or max(1, scroller.scrollable_content_region.width - 2)


def rows(widget: Widget, width: int, screen: int) -> int:
    """``widget``'s height with its vertical margins, as layout will find it.

    Textual caches what this computes, so the next layout reuses the work.
    """
    size = Size(width, screen)
    margin = widget.styles.margin
    return widget.get_content_height(size, size, width) + margin.top + margin.bottom


def distance(region: Region, view: Region) -> int:
    """Rows between ``region`` and the viewport ``view`` (0 when they overlap)."""
    if not region:
        return 1 << 30  # never laid out: as far as can be
    if region.bottom <= view.y:
        return view.y - region.bottom + 1
    if region.y >= view.bottom:
        return region.y - view.bottom + 1
    return 0
