"""One layout per change, not two: widgets of a stack that grow without a second reflow.

When a layout gives a widget a new size, Textual also sets its
``virtual_size`` reactive, which asks for *another* layout of the whole
screen (``Reactive(layout=True)``). For a scrolling container that second
pass can matter (its scrollbars, what it can scroll to); for a widget in a
column that never scrolls itself it changes nothing — the first layout
already gave it the height its content needs. A streamed answer grows its
paragraph, its markdown, its segment, its view and its message on every new
line, so every such step cost two full layouts: measured on a paced answer,
142 of 382 frames were that second pass, and the stream's CPU fell by about
a sixth without them (``bench/bench_pty.py``).

:class:`StackedSize` keeps the new virtual size without asking for that
layout; :func:`stacked_block_class` gives Textual's markdown blocks the same
behaviour, and :func:`quiet_size` the plain widgets they compose (a list's
rows, bullets and bodies, a fence's code label). Paragraphs get
:class:`SameHeightText` and fences :class:`SameSizeCode`: an update that
keeps their size is only repainted. A fence scrolls sideways, but its
scrollbars are hidden and the first layout already gave it the virtual size
it scrolls over (a test scrolls one). A table keeps Textual's default. The
method overridden is Textual's ``_size_updated``: a Textual without it just
keeps its default behaviour.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.css.query import NoMatches
from textual.css.scalar import Unit
from textual.geometry import Size
from textual.layouts.vertical import VerticalLayout

from tuichat.ui.widgets import live_rows

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.content import Content
    from textual.layout import DockArrangeResult
    from textual.widget import Widget

STACKED_BLOCKS = frozenset(
    {
        "h1", "h2", "h3", "h4", "h5", "h6", "hr", "paragraph_open", "blockquote_open",
        "bullet_list_open", "ordered_list_open", "list_item_ordered_open",
        "list_item_unordered_open",
    }
)  # fmt: skip
"""Markdown block names whose widgets never scroll (see ``_MIXINS`` for the rest)."""


RELATIVE_UNITS = frozenset({Unit.FRACTION, Unit.PERCENT, Unit.HEIGHT})
"""Height units that depend on the container's height."""


class StackedSize:
    """Mixin: a size change from a layout does not ask for another layout (see the module doc).

    It also arranges its children once per layout where it can
    (:func:`height_free`): Textual arranges a container to measure it (at
    its parent's size) and again to place it (at its own), so every level of
    an answer, nested five deep, was arranged twice or more per layout.
    """

    def arrange(self, size: Size, optimal: bool = False) -> DockArrangeResult:
        arrange: Any = super().arrange  # type: ignore[misc]
        if size.height and height_free(self):  # type: ignore[arg-type]
            size = Size(size.width, 0)
        return arrange(size, optimal)  # type: ignore[no-any-return]

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        update: Any = super()._size_updated  # type: ignore[misc]
        try:
            return bool(update(size, virtual_size, container_size, layout=False))
        except TypeError:  # a Textual whose method lost the argument: its default behaviour
            return bool(update(size, virtual_size, container_size))


def height_free(widget: Widget) -> bool:
    """True when arranging ``widget``'s children cannot depend on its height.

    So: an auto-height vertical column whose shown children are neither
    docked nor sized relative to it. Its arrangement is then the same at any
    height, and one keyed on height 0 serves both the measuring and the
    placing pass (Textual caches arrangements by size).
    """
    styles = widget.styles
    if not styles.is_auto_height or not isinstance(widget.layout, VerticalLayout):
        return False
    for child in widget._nodes:
        if not child.display:
            continue
        child_styles = child.styles
        if child_styles.is_docked or child_styles.is_split:
            return False
        for height in (child_styles.height, child_styles.min_height, child_styles.max_height):
            if height is not None and height.unit in RELATIVE_UNITS:
                return False
    return True


def quiet_size(widget: Widget) -> Widget:
    """Give ``widget`` (and the children it was built with) :class:`StackedSize`'s behaviour.

    For the plain widgets a markdown block composes (a list item's row,
    bullet and body; a fence's code label): each of them otherwise asks for
    a second layout of the screen whenever a layout resizes it.
    """
    update = widget._size_updated

    def updated(size: Size, virtual_size: Size, container_size: Size, layout: bool = True) -> bool:
        try:
            return update(size, virtual_size, container_size, layout=False)
        except TypeError:  # a Textual whose method lost the argument: its default behaviour
            return update(size, virtual_size, container_size)

    widget._size_updated = updated  # type: ignore[method-assign]
    for child in getattr(widget, "_pending_children", ()):
        quiet_size(child)
    return widget


class QuietParts:
    """Mixin for a markdown block: the widgets it composes are :func:`quiet_size`."""

    def compose(self) -> ComposeResult:
        composed: Any = super().compose()  # type: ignore[misc]
        for widget in composed:
            yield quiet_size(widget)


class SameHeightText:
    """Mixin for a markdown paragraph: new text that fits the rows it has is only repainted.

    Textual lays the whole screen out again for every paragraph update. A
    streamed paragraph grows by a few words a step, and most steps end on the
    line they began: the height is the same, so nothing moves. Such an
    update repaints the paragraph alone (no reflow, and the transcript does
    not scroll, so the rest of the screen is not repainted either); one that
    adds a line lays out as before — or, as the live tail's last block, takes
    several lines at once (:mod:`~tuichat.ui.widgets.live_rows`).
    """

    def rows_widget(self) -> Widget | None:
        """The widget whose height the text takes (the paragraph itself)."""
        widget: Any = self
        return widget  # type: ignore[no-any-return]

    def set_content(self, content: Content) -> None:
        block: Any = self
        if not live_rows.fits(block, block, content):
            super().set_content(content)  # type: ignore[misc]
            return
        block._content = content
        block.update(content, layout=False)


class SameSizeCode(QuietParts):
    """Mixin for a markdown fence: code that keeps its label's rows and width is only repainted.

    Textual's fence updates its code label with a layout on every change; a
    streamed fence changes on every step, mostly within the line it is on.
    """

    def rows_widget(self) -> Widget | None:
        """The widget whose height the code takes (its label), if composed yet."""
        block: Any = self
        try:
            return block.query_one("#code-content")  # type: ignore[no-any-return]
        except NoMatches:
            return None

    def set_content(self, content: Content) -> None:
        block: Any = self
        block._content = content
        label: Any = self.rows_widget()
        if label is not None:
            label.update(content, layout=not live_rows.fits(label, block, content, wraps=False))
