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
behaviour (and paragraphs :class:`SameHeightText`: an update that keeps
their height is only repainted) (the ones that never scroll: a code fence or a table scrolls
sideways and keeps Textual's default). The method overridden is Textual's
``_size_updated``: a Textual without it just keeps its default behaviour.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.content import Content
    from textual.geometry import Size
    from textual.widgets.markdown import MarkdownBlock

STACKED_BLOCKS = frozenset(
    {
        "h1", "h2", "h3", "h4", "h5", "h6", "hr", "paragraph_open", "blockquote_open",
        "bullet_list_open", "ordered_list_open", "list_item_ordered_open",
        "list_item_unordered_open",
    }
)  # fmt: skip
"""Markdown block names whose widgets never scroll (fences and tables may, sideways)."""


class StackedSize:
    """Mixin: a size change from a layout does not ask for another layout (see the module doc)."""

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        update: Any = super()._size_updated  # type: ignore[misc]
        try:
            return bool(update(size, virtual_size, container_size, layout=False))
        except TypeError:  # a Textual whose method lost the argument: its default behaviour
            return bool(update(size, virtual_size, container_size))


class SameHeightText:
    """Mixin for a markdown paragraph: new text that wraps to the same height is only repainted.

    Textual lays the whole screen out again for every paragraph update. A
    streamed paragraph grows by a few words a step, and most steps end on the
    line they began: the height is the same, so nothing moves. Such an
    update repaints the paragraph alone (no reflow, and the transcript does
    not scroll, so the rest of the screen is not repainted either); one that
    adds a line lays out as before.
    """

    def set_content(self, content: Content) -> None:
        if not self._same_height(content):
            super().set_content(content)  # type: ignore[misc]
            return
        block: Any = self
        block._content = content
        block.update(content, layout=False)

    def _same_height(self, content: Content) -> bool:
        widget: Any = self
        if not widget.is_mounted:
            return False
        width, height = widget.content_size
        return bool(width > 0 and height > 0 and content.get_height(widget.styles, width) == height)


_CLASSES: dict[type[MarkdownBlock], type[MarkdownBlock]] = {}


def stacked_block_class(name: str, base: type[MarkdownBlock]) -> type[MarkdownBlock]:
    """``base`` with :class:`StackedSize` for the blocks that never scroll, else ``base``.

    The subclass keeps the base's name, so the app's CSS and Textual's own
    (``MarkdownParagraph { ... }``) style it exactly as before, and it adds
    no CSS of its own (no stylesheet re-parse when it first mounts).
    """
    if name not in STACKED_BLOCKS:
        return base
    found = _CLASSES.get(base)
    if found is None:
        mixins = (StackedSize, SameHeightText) if name == "paragraph_open" else (StackedSize,)
        found = _CLASSES[base] = type(base.__name__, (*mixins, base), {})
    return found
