"""The markdown block classes an answer uses: Textual's, with mixins that keep a stream cheap.

Every mixin is in its own module (:mod:`~tuichat.ui.widgets.stacked_size`,
:mod:`~tuichat.ui.widgets.list_in_place`, :mod:`~tuichat.ui.widgets.code_chunks`,
:mod:`~tuichat.ui.widgets.table_parts`); this table says which block gets
which, and builds each subclass once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tuichat.ui.widgets.code_chunks import StreamedFence
from tuichat.ui.widgets.list_in_place import ListInPlace
from tuichat.ui.widgets.stacked_size import (
    STACKED_BLOCKS,
    SameHeightText,
    SameSizeCode,
    StackedSize,
)
from tuichat.ui.widgets.table_parts import TABLE_PARTS, parsed_part_class

if TYPE_CHECKING:
    from textual.widgets.markdown import MarkdownBlock

_CLASSES: dict[type[MarkdownBlock], type[MarkdownBlock]] = {}
_MIXINS: dict[str, tuple[type, ...]] = {
    "paragraph_open": (StackedSize, SameHeightText),
    "bullet_list_open": (StackedSize, ListInPlace),
    "ordered_list_open": (StackedSize, ListInPlace),
    "fence": (StackedSize, StreamedFence, SameSizeCode),
    "code_block": (StackedSize, StreamedFence, SameSizeCode),
}


def stacked_block_class(name: str, base: type[MarkdownBlock]) -> type[MarkdownBlock]:
    """``base`` with :class:`StackedSize` for the blocks that never scroll, else ``base``.

    (A table's parts get :class:`~tuichat.ui.widgets.table_parts.ParsedPart`:
    the table reads them and never mounts them.)

    The subclass keeps the base's name, so the app's CSS and Textual's own
    (``MarkdownParagraph { ... }``) style it exactly as before, and it adds
    no CSS of its own (no stylesheet re-parse when it first mounts).
    """
    if name in TABLE_PARTS:
        return parsed_part_class(base)
    mixins = _MIXINS.get(name, (StackedSize,) if name in STACKED_BLOCKS else ())
    if not mixins:
        return base
    found = _CLASSES.get(base)
    if found is None:
        found = _CLASSES[base] = type(base.__name__, (*mixins, base), {})
    return found
