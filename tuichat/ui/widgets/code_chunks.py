"""A long code fence that is still streaming: highlighted and rendered a chunk of lines at a time.

Textual highlights a fence's whole code whenever the fence changes, and its
code label renders every line again. A streamed fence changes on every
step, so a program of a few hundred lines cost the stream O(n²): measured
in a pseudo-terminal, a 4,000-token answer of one long fence took 14.6 s of
CPU for its 20 s stream (a 2,000-token markdown answer: 3.5 s), most of it
pygments re-lexing and the label re-wrapping lines that had not changed.

While a fence is open (its closing marker has not arrived), its complete
lines are cut into chunks of :data:`CHUNK_LINES`, each highlighted once and
rendered once per width and style (:class:`ChunkedCode`, the label's
visual); each step highlights and renders only the open chunk at the end.
A chunk is lexed on its own, so a construct that spans chunks (a long
docstring) may be coloured as code until the fence closes: the closed fence
is highlighted whole, exactly as Textual does it. Short fences are never
chunked.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.content import Content
from textual.highlight import guess_language
from textual.strip import Strip
from textual.visual import Visual

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.css.styles import RulesMap
    from textual.selection import Selection
    from textual.style import Style
    from textual.visual import RenderOptions
    from textual.widget import Widget

CHUNK_LINES = 16
"""Lines per chunk: a step highlights and renders at most this many lines (and a partial one)."""

RECENT_FENCES = 4
"""Open fences whose chunks are kept (one streams at a time; a few for a redraw)."""

Highlight = Callable[[str, str], Content]
"""Highlight ``code`` in ``language`` (Textual's fence highlighting, its theme applied)."""


class Chunk:
    """Lines of code, highlighted once, with the strips of their last render."""

    __slots__ = ("content", "lines", "strips", "text")

    def __init__(self, text: str, content: Content) -> None:
        self.text = text
        self.content = content
        self.lines = text.count("\n") + 1
        self.strips: tuple[tuple[object, ...], list[Strip]] | None = None

    def render(self, width: int, style: Style, options: RenderOptions, line: int) -> list[Strip]:
        """The chunk's strips at ``width``, its first line the code's ``line``.

        Rendered again only when the width, the style or the line changed.
        """
        rules = options.rules
        key = (width, style, line, rules.get("text_align"), rules.get("text_overflow"),
               rules.get("text_wrap"), rules.get("line_pad"))  # fmt: skip
        if self.strips is None or self.strips[0] != key:
            strips = self.content.render_strips(width, None, style, options)
            self.strips = (key, _moved_down(strips, line))
        return self.strips[1]


def _moved_down(strips: list[Strip], lines: int) -> list[Strip]:
    """``strips`` with the text offsets they carry (for selecting with the mouse) ``lines`` lower.

    A chunk renders as if it were the whole code; its offsets must count
    from the code's first line, as the whole highlight's do.
    """
    if not lines:
        return strips
    moved = []
    for strip in strips:
        segments = []
        for text, style, control in strip:
            offset = style.meta.get("offset") if style is not None else None
            if style is not None and offset is not None:
                style = style + RichStyle.from_meta({"offset": (offset[0], offset[1] + lines)})
            segments.append(Segment(text, style, control))
        moved.append(Strip(segments, strip.cell_length))
    return moved


class ChunkedCode(Visual):
    """A fence's code as chunks: what its label shows, rendering only the chunks that changed."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self.chunks = chunks

    def __str__(self) -> str:
        return "\n".join(chunk.text for chunk in self.chunks)

    def whole(self) -> Content:
        """The code as one ``Content`` (for a selection, which spans chunks)."""
        return Content("\n").join(chunk.content for chunk in self.chunks)

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        if not width:
            return []
        if options.selection is not None:
            return self.whole().render_strips(width, height, style, options)
        strips: list[Strip] = []
        line = 0
        for chunk in self.chunks:
            strips.extend(chunk.render(width, style, options, line))
            line += chunk.lines
            if height is not None and len(strips) >= height:
                return strips[:height]
        return strips

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return max(chunk.content.get_optimal_width(rules, container_width) for chunk in self.chunks)

    def get_height(self, rules: RulesMap, width: int) -> int:
        return sum(chunk.content.get_height(rules, width) for chunk in self.chunks)


_RECENT: dict[tuple[Any, ...], list[Chunk]] = {}
"""The chunks of the open fences highlighted last, by language and theme."""


def chunked(
    code: str, language: str, theme: tuple[Any, ...], highlight: Highlight
) -> ChunkedCode | None:
    """``code`` of an open fence as chunks, or None when it is too short to chunk.

    Complete chunks equal to those of the last open fence with the same
    ``language`` and ``theme`` are reused as they are (with their strips).
    """
    lines = code.split("\n")
    whole = (len(lines) - 1) // CHUNK_LINES  # the last line may be partial: never in a whole chunk
    if whole == 0:
        return None
    key = (language, *theme)
    known = _RECENT.pop(key, [])
    chunks: list[Chunk] = []
    for index in range(whole):
        text = "\n".join(lines[index * CHUNK_LINES : (index + 1) * CHUNK_LINES])
        if index < len(known) and known[index].text == text:
            chunks.append(known[index])
        else:
            chunks.append(Chunk(text, highlight(text, language)))
    _RECENT[key] = chunks
    while len(_RECENT) > RECENT_FENCES:
        del _RECENT[next(iter(_RECENT))]
    rest = "\n".join(lines[whole * CHUNK_LINES :])
    return ChunkedCode([*chunks, Chunk(rest, highlight(rest, language))])


def _selected(
    textual_selection: Callable[[Selection], tuple[str, str] | None],
    label: Widget,
    selection: Selection,
) -> tuple[str, str] | None:
    """The text selected in the code label: Textual's extracts it from a ``Content`` only."""
    shown = label.render()
    if isinstance(shown, ChunkedCode):
        return selection.extract(str(shown)), "\n"
    return textual_selection(selection)


def settle(markdown: Widget) -> None:
    """Highlight ``markdown``'s open fences whole (its stream ended, or moved on)."""
    for block in markdown.children:
        if isinstance(block, StreamedFence):
            block.settle()


def forget() -> None:
    """Drop every kept chunk (the theme changed: their colours and strips are stale)."""
    _RECENT.clear()


@lru_cache(maxsize=16)
def _guess(start: str) -> str:
    """The language of an untagged fence, guessed once from its first chunk (guessing is slow)."""
    return guess_language(start, None)


class StreamedFence:
    """Mixin for a markdown fence: while it is open and long, highlighted in chunks (module doc).

    A fence is open while it is in the live tail's markdown (which takes
    rows ahead: ``reserve_rows``) and the text it was parsed from ends with
    its code: the closing marker has not arrived. (A fence inside a list
    holds its lines unindented, so it never looks open: it is highlighted
    whole.) Once the stream has ended, :func:`settle` highlights it whole
    (when its segment is pictured: after the last words are on screen).
    """

    def __init__(self, markdown: Any, token: Any, code: str) -> None:
        live = bool(getattr(markdown, "reserve_rows", 0))
        self._open = live and bool(code) and markdown.source.rstrip().endswith(code)
        super().__init__(markdown, token, code)  # type: ignore[call-arg]

    def compose(self) -> ComposeResult:
        """The code label, without the scan for links on every line of every render.

        (Highlighted code has none; Textual's fence turns them off for itself only.)
        """
        composed: Any = super().compose()  # type: ignore[misc]
        for widget in composed:
            widget.auto_links = False
            widget.get_selection = partial(_selected, widget.get_selection, widget)
            yield widget

    def settle(self) -> None:
        """The stream is over: an open fence shown in chunks is highlighted whole."""
        block: Any = self
        self._open = False
        if isinstance(block._highlighted_code, ChunkedCode):
            app = block.app
            block._highlighted_code = self.highlight(
                block.code, block.lexer, ansi=app.native_ansi_color, dark=app.current_theme.dark
            )
            block.set_content(block._highlighted_code)

    def highlight(
        self, code: str, language: str, ansi: bool = False, dark: bool = False
    ) -> Content | ChunkedCode:
        """Textual's highlighting, or the chunks of an open fence (this shadows a classmethod)."""
        base: Any = super().highlight  # type: ignore[misc]
        if getattr(self, "_open", False):
            code = "\n".join(code.splitlines())  # as Textual's highlight() has it

            def chunk(text: str, lang: str) -> Content:
                return base(text, lang, ansi=ansi, dark=dark)  # type: ignore[no-any-return]

            lang = language or _guess("\n".join(code.split("\n", CHUNK_LINES)[:CHUNK_LINES]))
            found = chunked(code, lang, (ansi, dark), chunk)
            if found is not None:
                return found
        return base(code, language, ansi=ansi, dark=dark)  # type: ignore[no-any-return]

    def notify_style_update(self) -> None:
        forget()
        super().notify_style_update()  # type: ignore[misc]
