"""Rows taken ahead by the stream's last block, so most new lines cost a repaint, not a layout.

Textual lays the whole screen out again whenever a widget's text is updated
with ``layout=True``, and when the transcript follows the stream every new
line also scrolls it, so the whole transcript is repainted. Measured on a
paced 2,000-token answer in a pseudo-terminal, those line-adding layouts were
about half of the stream's CPU (~10 ms each, against ~1.4 ms for a repaint).

Two rules cut them (:func:`fits` decides, the block mixins apply it):

* New text that takes the rows the widget already has is only repainted
  (most steps: a few words on the line they began).
* The last block of the live tail's markdown (``reserve_rows`` set on it)
  takes new lines ``reserve_rows`` at a time: a minimum height, blank below
  the text, that the next lines fill with repaints. The transcript then
  scrolls once per ``reserve_rows`` lines. The rows go back
  (:func:`release`) when the block stops being the last one, and when the
  stream ends.

Only the text's own widget is touched (a paragraph, a fence's code label);
nothing here changes what the text is, only when its height is recomputed.

A third rule is for what still lays out (a new list item, table row or
block): the streaming answer's whole view takes rows a few at a time
(:class:`RowsAhead`), so most such layouts move nothing around them and the
transcript does not scroll.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.content import Content
    from textual.widget import Widget


def fits(widget: Widget, block: Widget, content: Content, *, wraps: bool = True) -> bool:
    """True when ``content`` can replace ``widget``'s text with a repaint only.

    ``block`` is the top-level markdown block ``widget`` belongs to (which
    decides whether rows are reserved). ``wraps`` is False for text laid out
    at its natural width (code), which must also keep within the width it has.
    Reserves more rows (a layout follows) when the text outgrows its rows.
    """
    if not widget.is_mounted:
        return False
    width, height = widget.content_size
    if width <= 0 or height <= 0:
        return False
    rules: Any = widget.styles
    if not wraps and content.get_optimal_width(rules, width) > width:
        return False
    needed = content.get_height(rules, width)
    if needed == height:
        return True
    reserve = reserve_for(block)
    if not reserve:
        return False
    holder = _holder(block)
    if needed < height and widget in holder:
        return True  # within the rows taken
    if needed > height:
        holder[widget] = block
        rows = -(-needed // reserve) * reserve
        widget.styles.min_height = rows + widget.styles.gutter.height
    return False


def reserve_for(block: Widget) -> int:
    """Rows ``block`` takes at a time: its markdown's ``reserve_rows`` if it is the last block."""
    markdown: Any = block.parent
    reserve = getattr(markdown, "reserve_rows", 0)
    if not reserve or not markdown.children or markdown.children[-1] is not block:
        return 0
    return int(reserve)


def reserve_now(widget: Widget, block: Widget, rows: int) -> None:
    """Have a freshly built ``widget`` take ``rows`` at once (it mounts with them)."""
    if rows and block.parent is not None:
        _holder(block)[widget] = block
        widget.styles.min_height = rows + widget.styles.gutter.height


def holds(widget: Widget, block: Widget) -> bool:
    """True when ``widget`` (of the top-level ``block``) holds rows reserved in its markdown."""
    return block.parent is not None and widget in _holder(block)


def release(markdown: Widget, keep: Widget | None = None) -> None:
    """Give back the rows reserved in ``markdown``, except those of the block ``keep``."""
    holder = _holder_of(markdown)
    for widget, block in list(holder.items()):
        if block is not keep:
            del holder[widget]
            widget.styles.min_height = None


def _holder(block: Widget) -> dict[Widget, Widget]:
    markdown: Any = block.parent
    return _holder_of(markdown)


def _holder_of(markdown: Widget) -> dict[Widget, Widget]:
    """The widgets holding reserved rows in ``markdown``, each with its top-level block."""
    held: dict[Widget, Widget] | None = getattr(markdown, "_reserved_rows", None)
    if held is None:
        held = {}
        markdown._reserved_rows = held  # type: ignore[attr-defined]
    return held


class RowsAhead:
    """A column's height, taken ``rows`` at a time while its stream is live.

    The paragraph's own reserve (:func:`fits`) saves a layout per new line;
    this saves the scroll. A new list item, table row or block still lays
    out, but within the rows the column already has nothing around it moves,
    so the frame repaints the live tail, not the whole transcript (which
    follows the stream's bottom and moves whenever the answer's height
    changes). The height does not drop back while live (rows given back by
    a block are kept) unless it would leave more than ``rows`` blank.
    """

    def __init__(self, rows: int) -> None:
        self.rows = rows
        self._taken = (0, 0)  # (width, height) last given

    def height(self, natural: int, width: int) -> int:
        """The height to lay the column out at, for ``natural`` rows of content."""
        if not self.rows or not natural:
            return natural
        taken_width, taken = self._taken
        wanted = -(-natural // self.rows) * self.rows
        if taken_width != width or natural > taken or taken - natural > self.rows:
            taken = wanted
        self._taken = (width, taken)
        return taken
