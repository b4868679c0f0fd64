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
composed and mounted. A row whose item changed shape (an empty item got its
text) is built anew; numbers that widen ("9." to "10.") renumber the rows
(:func:`renumber`); anything else falls back to Textual's rebuild. The new
rows are built by the new list's own ``compose``, so bullets are exactly
Textual's; an ordered list's numbers are counted as its ``compose`` counts
them (:func:`symbols`).

Once a list has two rows, a step parses it from its last item only
(:meth:`ListInPlace.resume_line`, called by the answer's ``Markdown``): the
items above the last were closed when the next began, so parsing them and
building a widget for each on every step (O(items) a step, O(items²) a list)
bought nothing. Its finished rows are then painted from pictures
(:mod:`~tuichat.ui.widgets.list_pictures`). A 150-item list at 200 tok/s, in
the pty: CPU 6.8 → 3.7 s, longest gap 0.17 → 0.06 s, lag at the end 0.12 →
0.03 s.

A row whose item is one paragraph is built flat (:func:`flat_row`): the
paragraph beside its bullet, without the column Textual puts between them.
It looks the same, cell for cell (a test compares the screens), and it is a
widget fewer per item to mount, arrange and paint (markdown at 200 tok/s:
CPU 3.52 / 3.31 / 3.16 s before, 3.18 / 3.05 / 3.14 s after, in the pty).
"""

from __future__ import annotations

import re
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from markdown_it import MarkdownIt
from textual.widgets._markdown import (
    MarkdownBulletList,
    MarkdownOrderedList,
    MarkdownOrderedListItem,
    MarkdownParagraph,
)

from tuichat.ui.widgets.list_pictures import drop_pictures, list_rows, picture_finished_rows
from tuichat.ui.widgets.markdown_blocks import first_block
from tuichat.ui.widgets.stacked_size import QuietParts, quiet_size

# Line ends str.splitlines (which Textual counts lines with) knows and markdown-it does not.
_ODD_BREAKS = re.compile("[\v\f\x1c\x1d\x1e\x85\u2028\u2029]")

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


def first_number(block: Widget, items: list[Any]) -> int:
    """The number an ordered list counts from (its first item's, as ``compose`` reads it)."""
    if isinstance(block, MarkdownOrderedList) and items:
        with suppress(ValueError):
            return int(items[0].bullet) if isinstance(items[0], MarkdownOrderedListItem) else 1
    return 1


def symbols(block: Widget, count: int, start: int, items: list[Any]) -> list[str] | None:
    """The bullets Textual's ``compose`` gives a list of ``count`` items (None: another kind).

    An ordered list is numbered from ``start``, each symbol right-aligned to
    the widest: ``compose`` is only run for new items, so their numbers are
    worked out here. A bullet list's ``items`` (its last ones) carry their
    own bullets; the rows above keep theirs.
    """
    if isinstance(block, MarkdownBulletList):
        return [""] * (count - len(items)) + [item.bullet for item in items]
    if not isinstance(block, MarkdownOrderedList) or not count:
        return None
    numbers = range(start, start + count)
    size = max(len(f"{number}. ") for number in numbers)
    return [f"{number}. ".rjust(size + 1) for number in numbers]


async def renumber(block: Widget, wanted: list[str]) -> bool:
    """Give every row its new number (the numbers widened: "9." to "10." moves them all).

    Textual rebuilt the whole list for that: at the hundredth item of a
    numbered list, a few hundred widgets in one step. Pictured rows are shown
    again (their picture has the old numbers); they are pictured anew.
    """
    await drop_pictures(block)
    rows = list_rows(block)
    bullets = [parts[0] for parts in map(_parts, rows) if parts is not None]
    if len(bullets) != len(rows):
        return False
    for bullet, symbol in zip(bullets, wanted, strict=False):
        bullet.symbol = symbol
        bullet.refresh(layout=True)  # a wider bullet: the row's text wraps anew
    return True


def _symbol(row: Widget) -> Any:
    """The bullet a row shows."""
    parts = _parts(row)
    return getattr(parts[0], "symbol", None) if parts is not None else None


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

    _first_line = 0
    """The source line the list starts on (in its ``Markdown``), as its last full parse found."""
    _start = 1
    """An ordered list's first number."""
    _resume: tuple[int, int] | None = None
    """The last item's row and first source line: the next step may parse from there."""
    _partial_from: int | None = None
    """This step's parse began at that row's item (:meth:`resume_line`)."""
    no_pictures = False
    """Set when a picture of its rows was dropped (:mod:`~tuichat.ui.widgets.list_pictures`)."""

    def compose(self) -> ComposeResult:
        for row in super().compose():
            yield flat_row(row)

    @property
    def first_line(self) -> int:
        """The source line the list starts on: ``Markdown`` parses from it when it is last."""
        return self._first_line

    def resume_line(self, markdown: Any, text: str) -> int | None:
        """The line this step may parse the list from (its last item's); None: from its start.

        Only the last item can still grow: the items above it were closed
        when the next began. A parse from the last item's line is checked to
        open the same kind of list there (``2.5`` would not, and "- - -" is a
        rule); the numbers are the whole list's (:meth:`_grow`).
        """
        self._partial_from = None
        if self._resume is None or markdown._last_parsed_line != self._first_line:
            return None
        row, line = self._resume
        this: Any = self
        if row != len(list_rows(this)) - 1 or row < 1:
            return None
        lines = text.splitlines(keepends=True)
        whole = "".join(lines[self._first_line :])
        if _ODD_BREAKS.search(whole):
            return None  # str.splitlines and markdown-it would count its lines differently
        if "]:" in whole:
            return None  # it may define a link an item below uses: parsed whole, as Textual does
        first = first_block("".join(lines[line:]))
        token = this._token
        if first != (0, token.type, token.markup):
            return None
        self._partial_from = row
        return line

    async def _update_from_block(self, block: MarkdownBlock) -> None:
        this: Any = self
        offset, self._partial_from = self._partial_from, None
        if offset is not None:
            if type(block) is type(this) and this.is_mounted and await self._grow(block, offset):
                return
            block = self._whole_list() or block  # the last item's parse is not enough
        if type(block) is not type(this) or not this.is_mounted or not await self._grow(block, 0):
            await super()._update_from_block(block)  # type: ignore[misc]

    def _whole_list(self) -> Any:
        """The list parsed afresh from its first line (the rare step a partial parse cannot do).

        (None if that parse finds no block, which the check in :meth:`resume_line` rules out.)
        """
        this: Any = self
        markdown = this._markdown
        factory = markdown._parser_factory
        parser = factory() if factory is not None else MarkdownIt("gfm-like")
        lines = markdown.source.splitlines(keepends=True)
        tokens = parser.parse("".join(lines[self._first_line :]))
        block: Any = next(iter(markdown._parse_markdown(tokens)), None)
        if block is None:
            return None
        start, end = block.source_range
        block.source_range = (start + self._first_line, end + self._first_line)
        return block

    async def _grow(self, block: Any, offset: int) -> bool:
        """Update the rows whose item changed and add rows for new items; False: rebuild instead.

        The common step of a streamed list: the last item grows, or a new one
        begins. ``block`` holds the items from row ``offset`` on (the whole
        list when 0). A step builds widgets for new items only and repaints
        the item that grew; parsed from the last item, it also parses and
        builds that item alone, not every item of the list.
        """
        this: Any = self
        if offset:  # a long list streams: its finished rows can be pictured
            await picture_finished_rows(this)
        rows, items = list_rows(this), list(block._blocks)
        if offset == 0:
            self._start = first_number(this, items)
        wanted = symbols(this, offset + len(items), self._start, items)
        if wanted is None or offset + len(items) < len(rows) or offset > len(rows):
            return False
        widened = bool(rows and wanted[0] and _symbol(rows[0]) != wanted[0])
        if widened and not await renumber(this, wanted):
            return False
        pairs, kept = self._pairs(rows, items, wanted, offset)
        if pairs is None:
            return False
        for old, new in pairs:
            if not _unchanged(old, new):
                await old._update_from_block(new)
        self._remember(block, offset, items)
        if kept < len(rows):  # an item that changed shape (an empty one got its text): anew
            await this.remove_children(rows[kept:])
        block._blocks[:] = items[kept - offset :]
        new_rows = list(block.compose()) if block._blocks else []
        for row, symbol in zip(new_rows, wanted[kept:], strict=False):
            parts = _parts(row)
            if parts is not None:  # numbered as in the whole list, not from the new items' first
                parts[0].symbol = symbol
        this._copy_context(block)  # it stands for this list now
        if new_rows:
            await this.mount_all([quiet_size(row) for row in new_rows])
        return True

    @staticmethod
    def _pairs(
        rows: list[Any], items: list[Any], wanted: list[str], offset: int
    ) -> tuple[list[tuple[Any, Any]] | None, int]:
        """The shown blocks to update from the new ones, and how many rows stay (None: rebuild).

        Rows stay up to the first whose item changed shape (another number of
        blocks, or other kinds); that row and those after it are built anew,
        unless one of them is pictured (hidden).
        """
        pairs: list[tuple[Any, Any]] = []
        for index, (row, item, symbol) in enumerate(
            zip(rows[offset:], items, wanted[offset:], strict=False), offset
        ):
            parts = _parts(row)
            if parts is None or getattr(parts[0], "symbol", None) != symbol:
                return None, 0
            old_blocks, new_blocks = parts[1], list(item._blocks)
            if len(old_blocks) != len(new_blocks) or any(
                type(a) is not type(b) for a, b in zip(old_blocks, new_blocks, strict=True)
            ):
                if not all(row.display for row in rows[index:]):
                    return None, 0
                return pairs, index
            pairs.extend(zip(old_blocks, new_blocks, strict=True))
        return pairs, len(rows)

    def _remember(self, block: Any, offset: int, items: list[Any]) -> None:
        """Note where this parse began and where the last item starts (for the next step)."""
        this: Any = self
        start, end = block.source_range
        if offset == 0:
            self._first_line = start
        this.source_range = (self._first_line, end)
        last_map = items[-1]._token.map if items else None
        if last_map is None or block._token.map is None:
            self._resume = None
            return
        parse_start = start - block._token.map[0]
        self._resume = (offset + len(items) - 1, parse_start + last_map[0])
