"""A streamed markdown list updated where it stands, not rebuilt on every step.

Textual's ``Markdown.append`` re-parses the open last block and hands the new
widget to the old one's ``_update_from_block``; a list has no such method of
its own, so the whole list is removed and mounted again (a row, a bullet and
a body per item, and every block inside) — on every step while a list is the
stream's last block, a mount and a layout each time.

:class:`ListInPlace` updates the rows it has instead: when each existing row
has the same bullet and the same kinds of blocks as the new list's, the
blocks that changed update in place (a paragraph growing by a word is a
repaint; the items above it are not touched) and only new items are
composed and mounted. Anything else (a renumbered list, an item that grew a
nested list) falls back to Textual's rebuild. The new rows are built by the
new list's own ``compose``, so bullets are exactly Textual's; an ordered
list's numbers are counted as its ``compose`` counts them (:func:`symbols`),
and a row whose number differs falls back to the rebuild.

A row whose item is one paragraph is built flat (:func:`flat_row`): the
paragraph beside its bullet, without the column Textual puts between them.
It looks the same, cell for cell (a test compares the screens), and it is a
widget fewer per item to mount, arrange and paint (markdown at 200 tok/s:
CPU 3.52 / 3.31 / 3.16 s before, 3.18 / 3.05 / 3.14 s after, in the pty).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.widgets._markdown import (
    MarkdownBulletList,
    MarkdownOrderedList,
    MarkdownOrderedListItem,
    MarkdownParagraph,
)

from tuichat.ui.widgets.stacked_size import QuietParts, quiet_size

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.widget import Widget
    from textual.widgets.markdown import MarkdownBlock


def _parts(row: Widget) -> tuple[Any, list[Widget]] | None:
    """A list row's bullet and body blocks, mounted or still pending (None: not a row)."""
    children = list(row.children) or list(getattr(row, "_pending_children", ()))
    if len(children) != 2:
        return None
    bullet, body = children
    if isinstance(body, MarkdownParagraph):  # a flat row: the item's one block is the body
        return bullet, [body]
    return bullet, list(body.children) or list(getattr(body, "_pending_children", ()))


def flat_row(row: Widget) -> Widget:
    """``row`` without its body column when the item is one paragraph (one widget fewer).

    Textual's row is a bullet beside a column of the item's blocks. With a
    single paragraph the column adds nothing to the look (the paragraph is
    as wide and as tall as it would be) but a widget to mount, arrange and
    paint for every item of every streamed list.
    """
    pending = getattr(row, "_pending_children", None)
    if not pending or len(pending) != 2:
        return row
    body_blocks = getattr(pending[1], "_pending_children", None)
    if body_blocks and len(body_blocks) == 1 and isinstance(body_blocks[0], MarkdownParagraph):
        pending[1] = body_blocks[0]
    return row


def symbols(block: Widget, items: list[Any]) -> list[str] | None:
    """The bullets Textual's ``compose`` gives ``items`` of ``block`` (None: another kind of list).

    An ordered list is numbered from its first item's number, each symbol
    right-aligned to the widest: ``compose`` is only run for new items, so
    their numbers are worked out here.
    """
    if isinstance(block, MarkdownBulletList):
        return [item.bullet for item in items]
    if not isinstance(block, MarkdownOrderedList) or not items:
        return None
    try:
        start = int(items[0].bullet) if isinstance(items[0], MarkdownOrderedListItem) else 1
    except ValueError:
        start = 1
    numbers = range(start, start + len(items))
    size = max(len(f"{number}. ") for number in numbers)
    return [f"{number}. ".rjust(size + 1) for number in numbers]


def _unchanged(old: Any, new: Any) -> bool:
    """True when ``new`` shows what ``old`` shows already (a paragraph of the same text and styles).

    (``Content`` equality compares the text alone.)
    """
    if not isinstance(old, MarkdownParagraph) or type(old) is not type(new):
        return False
    shown, wanted = old._content, new._content
    return bool(shown.plain == wanted.plain and shown.spans == wanted.spans)


class ListInPlace(QuietParts):
    """Mixin for a markdown list block: a streamed list grows in place (see the module doc)."""

    def compose(self) -> ComposeResult:
        for row in super().compose():
            yield flat_row(row)

    async def _update_from_block(self, block: MarkdownBlock) -> None:
        this: Any = self
        if type(block) is not type(this) or not this.is_mounted or not await self._grow(block):
            await super()._update_from_block(block)  # type: ignore[misc]

    async def _grow(self, block: Any) -> bool:
        """Update the rows whose item changed and add rows for new items; False: rebuild instead.

        The common step of a streamed list: the last item grows, or a new one
        begins. Composing the whole new list to compare it built three widgets
        per item on every step, and updating every row repainted them all; now
        a step builds widgets for new items only and repaints the item that
        grew. (The list's re-parse and layout remain O(items) per step.)
        """
        this: Any = self
        rows, items = list(this.children), list(block._blocks)
        wanted = symbols(this, items)
        if wanted is None or len(items) < len(rows):
            return False
        pairs: list[tuple[Any, Any]] = []
        for row, item, symbol in zip(rows, items, wanted, strict=False):
            parts = _parts(row)
            if parts is None or getattr(parts[0], "symbol", None) != symbol:
                return False
            old_blocks, new_blocks = parts[1], list(item._blocks)
            if len(old_blocks) != len(new_blocks):
                return False
            if any(type(a) is not type(b) for a, b in zip(old_blocks, new_blocks, strict=True)):
                return False
            pairs.extend(zip(old_blocks, new_blocks, strict=True))
        for old, new in pairs:
            if not _unchanged(old, new):
                await old._update_from_block(new)
        block._blocks[:] = items[len(rows) :]
        new_rows = list(block.compose()) if block._blocks else []
        for row, symbol in zip(new_rows, wanted[len(rows) :], strict=False):
            parts = _parts(row)
            if parts is not None:  # numbered as in the whole list, not from the new items' first
                parts[0].symbol = symbol
        this._copy_context(block)  # it stands for this list now
        this.source_range = getattr(block, "source_range", None) or this.source_range
        if new_rows:
            await this.mount_all([quiet_size(row) for row in new_rows])
        return True
