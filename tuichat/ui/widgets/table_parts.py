"""A streamed table's parts as parsed: records of their text, not widgets.

Textual parses a markdown table into a widget per head, body, row and cell
(``MarkdownTH``, ``MarkdownTD``, ...), reads their text into its grid
(``MarkdownTableContent``, whose cells are widgets of their own) and never
mounts them. While a table is the stream's last block it is parsed again on
every step, so every step built a widget for every cell so far: a 150-row
table at 200 tok/s took ~10 s of CPU and 380-415 MB in the pty, the unmounted
widgets (reference cycles) waiting for the full collections held back while
an answer streams (:mod:`~tuichat.ui.widgets.full_collections`).

:func:`parsed_part_class` gives the answer's markdown classes for those parts
that keep what the grid reads (the text, the parts inside, the source
lines) and skip the widget's own set-up. They are still instances of
Textual's classes, so the table reads them as it always has.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

from textual.content import Content

if TYPE_CHECKING:
    from textual.widgets.markdown import MarkdownBlock

TABLE_PARTS = frozenset({"thead_open", "tbody_open", "tr_open", "th_open", "td_open"})
"""Block names of a table's parts: parsed, read by the table, never mounted."""


class ParsedPart:
    """Mixin for a table part: the attributes the table reads, no widget state (never mounted)."""

    def __init__(self, markdown: Any, token: Any, *args: Any, **kwargs: Any) -> None:
        # As MarkdownBlock.__init__ sets them, without Widget.__init__.
        self._markdown_ref = weakref.ref(markdown)
        self._content = Content()
        self._token = token
        self._blocks: list[Any] = []
        self._inline_token = None
        self.source_range = (token.map[0], token.map[1]) if token.map is not None else (0, 0)

    def set_content(self, content: Content) -> None:
        """Keep the text (``build_from_token``); there is no widget to update."""
        self._content = content

    def __repr__(self) -> str:  # (the widget's repr reads state a parsed part does not have)
        return f"{type(self).__name__}(parsed)"


_CLASSES: dict[type[MarkdownBlock], type[MarkdownBlock]] = {}


def parsed_part_class(base: type[MarkdownBlock]) -> type[MarkdownBlock]:
    """``base`` (a table part's class) as a :class:`ParsedPart`, built once; same name."""
    found = _CLASSES.get(base)
    if found is None:
        found = _CLASSES[base] = type(base.__name__, (ParsedPart, base), {})
    return found
