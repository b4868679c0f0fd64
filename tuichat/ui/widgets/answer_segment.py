"""A run of answer blocks that is either a cheap draft or rendered markdown.

Textual's ``Markdown`` turns each block into widgets (a list item is four, a
table a grid), and every widget costs layout time on every frame. A long
answer therefore shows most of itself as drafts: one ``Static`` holding the
raw source, which lays out in microseconds. A segment is rendered when it is
near the bottom of a view that follows the stream, when its draft gets
painted (it scrolled into view), or in idle time after the answer ends; a
rendered segment far from view is parked back to a draft of the same height.

All text here is untrusted: a draft shows it as plain ``Content`` (never
markup), and ``Markdown`` builds its content from parsed tokens.

Two details keep the result identical to one ``Markdown`` widget:

* ``Markdown`` widgets here are only ever fed by ``append`` from empty:
  ``append`` after ``update`` loses text in Textual (``update`` leaves the
  re-parse point after the last line, not at the last block). A rebuild
  is a fresh widget.
* Segments sit side by side in one vertical layout, where sibling margins
  collapse but margins inside different parents add up. So a segment lifts
  the outer margins of its first and last block onto itself
  (:func:`hoist_margins`), and a block moving between segments never makes
  the text above jump by a line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from markdown_it import MarkdownIt
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.geometry import Spacing
from textual.widget import Widget
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownBlock

from tuichat.ui.widgets import code_chunks, live_rows
from tuichat.ui.widgets.answer_geometry import rows as measure_rows
from tuichat.ui.widgets.block_classes import stacked_block_class
from tuichat.ui.widgets.draft_text import DraftText
from tuichat.ui.widgets.list_in_place import ListInPlace
from tuichat.ui.widgets.markdown_blocks import block_starts, line_count
from tuichat.ui.widgets.render_cache import BlankLines
from tuichat.ui.widgets.segment_picture import PicturedLines
from tuichat.ui.widgets.stacked_size import SameHeightText, SameSizeCode, StackedSize

ParserFactory = Callable[[], MarkdownIt]


def _blocks(markdown: Markdown) -> list[MarkdownBlock]:
    return [child for child in markdown.children if isinstance(child, MarkdownBlock)]


def set_stacked(widget: Widget) -> None:
    """Lay ``widget`` out as a column as tall as its content.

    Set inline rather than in ``DEFAULT_CSS``: a new widget class with CSS of
    its own makes Textual re-parse the app's stylesheet when it first mounts,
    which would land on the first answer's first frame.
    """
    widget.styles.layout = "vertical"
    widget.styles.height = "auto"


class AnswerMarkdown(StackedSize, BlankLines, Markdown):
    """The ``Markdown`` inside a segment: as tall as the segment, its own lines painted once.

    (No CSS of its own: it is styled as ``Markdown``, and mounting the first
    one re-parses no stylesheet.) Its blocks grow without a second layout
    (:mod:`~tuichat.ui.widgets.stacked_size`).
    """

    reserve_rows = 0
    """Rows its last paragraph takes at a time (the live tail's; see ``SameHeightText``)."""

    def get_block_class(self, block_name: str) -> type[MarkdownBlock]:
        return stacked_block_class(block_name, super().get_block_class(block_name))

    def append(self, markdown: str) -> AwaitComplete:
        """Append ``markdown``; a list that is the last block is parsed from its last item.

        Textual re-parses the last block whole, and a long list was parsed,
        and a widget built for each of its items, on every step
        (:meth:`~tuichat.ui.widgets.list_in_place.ListInPlace.resume_line`).
        """
        last = self.children[-1] if self.children else None
        if not isinstance(last, ListInPlace):
            return super().append(markdown)
        line = last.resume_line(self, self.source + markdown)
        if line is None:
            return super().append(markdown)
        first, self._last_parsed_line = last.first_line, line
        appended = super().append(markdown)

        async def from_the_list() -> None:
            await appended
            if self._last_parsed_line == line:  # the list is still last: parse it whole if need be
                self._last_parsed_line = first

        return AwaitComplete(from_the_list())


def hoist_margins(holder: Widget, markdown: Markdown) -> None:
    """Move the outer margins of ``markdown``'s first and last block to ``holder``."""
    blocks = _blocks(markdown)
    for block in blocks[1:-1]:
        if block.styles.inline.clear_rule("margin"):
            block.refresh(layout=True)
    if not blocks:
        holder.styles.margin = Spacing()  # an empty tail (blank lines so far)
        return
    first, last = blocks[0], blocks[-1]
    for block in {first, last}:
        top, right, bottom, left = block.styles.base.margin
        inner = Spacing(0 if block is first else top, right, 0 if block is last else bottom, left)
        if block.styles.margin != inner:
            block.styles.margin = inner
    outer = Spacing(first.styles.base.margin.top, 0, last.styles.base.margin.bottom, 0)
    if holder.styles.margin != outer:
        holder.styles.margin = outer


@dataclass(frozen=True, slots=True)
class SegmentPlace:
    """How many blocks a segment held and the room it took: enough to put it back.

    The blocks themselves are not kept (they are the answer's text, cut
    again on unfolding), so a folded answer holds its text once.
    """

    blocks: int
    height: int
    width: int
    margin: Spacing


@dataclass(frozen=True, slots=True)
class Fold:
    """A folded answer's shape: its segments' places and the one draft's size."""

    places: tuple[SegmentPlace, ...]
    height: int | None
    width: int


class AnswerSegment(StackedSize, PicturedLines, BlankLines, Widget):
    """Consecutive top-level blocks of an answer, drafted or rendered.

    Settled and rendered while its answer streams, it can paint a picture of
    its markdown instead (:mod:`~tuichat.ui.widgets.segment_picture`).
    """

    def __init__(
        self,
        blocks: list[str],
        *,
        parser: ParserFactory,
        draft: bool = True,
        first_words: bool = False,
        reserve_rows: int = 0,
    ) -> None:
        super().__init__(classes="answer-segment")
        set_stacked(self)
        self.blocks = list(blocks)
        self._parser = parser
        self._draft_on_compose = draft
        self._first_words = DraftText.placeholder() if first_words else None
        """The live tail's first text goes here as plain text: no mount on the first token."""
        self._parked: SegmentPlace | None = None
        self._markdown: AnswerMarkdown | None = None
        self._shown = ""  # the source the markdown widget holds
        self._version = 0  # bumped on every change: keys the measured height
        self._measured: tuple[tuple[int, int], int] = ((-1, 0), 0)
        self._exact = True  # the markdown's blocks are exactly those of _shown
        self._sealed = False  # the markdown shows less than it was fed: never append to it
        self._reserve_rows = reserve_rows

    @classmethod
    def parked(
        cls, blocks: list[str], place: SegmentPlace, *, parser: ParserFactory
    ) -> AnswerSegment:
        """A draft of ``blocks`` that takes the place a segment had (unfolding)."""
        segment = cls(blocks, parser=parser)
        segment._parked = place
        segment.styles.margin = place.margin
        return segment

    def place(self) -> SegmentPlace:
        """What it takes to put this segment back where it is (folding)."""
        return SegmentPlace(len(self.blocks), self.size.height, self.size.width, self.styles.margin)

    @property
    def source(self) -> str:
        """The segment's markdown source: its blocks, joined."""
        return "".join(self.blocks)

    @property
    def shown(self) -> str:
        """What the segment shows: its source, or the live tail's text."""
        return self._shown if self._markdown is not None else self.source

    @property
    def rendered(self) -> bool:
        """True when the segment shows real markdown widgets."""
        return self._markdown is not None

    @property
    def version(self) -> int:
        """Changes whenever what the segment shows changes."""
        return self._version

    @property
    def block_widgets(self) -> int:
        """How many top-level markdown widgets the segment shows."""
        return len(_blocks(self._markdown)) if self._markdown is not None else 0

    def compose(self) -> ComposeResult:
        if self._first_words is not None:
            yield self._first_words
        elif self._draft_on_compose:
            place = self._parked
            if place is None:
                yield DraftText(self.source)
            else:
                yield DraftText(self.source, place.height or None, place.width)

    async def hand_over(self) -> None:
        """The live tail becomes a settled segment of its settled blocks, as rendered.

        The live segment keeps the blocks that settle while it streams (they
        are on screen already: nothing is parsed or mounted again), and is
        handed over once it holds about a segment's worth. Only the widgets of
        the text after its blocks (the open tail, which the next live segment
        shows) are removed: Textual gives every block the lines it came from.
        """
        self.stop_reserving()
        source = self.source
        markdown = self._markdown
        if markdown is None:  # (it showed plain first words): a draft, rendered when seen
            await self._draft()
            return
        lines = line_count(source)
        try:
            after = [b for b in _blocks(markdown) if b.source_range[0] >= lines]
        except AttributeError:  # a Textual whose blocks do not say their lines: afresh
            await self._rebuild(source)
            return
        await markdown.remove_children(after)
        self._shown, self._sealed = source, True
        if not self._exact and self.block_widgets != len(block_starts(source)):
            await self._rebuild(source)
            return
        self._changed()

    async def show(self, source: str, *, settled: bool = False, exact: bool = False) -> None:
        """Render ``source`` (the live tail's path; ``settled`` for whole blocks).

        An extension goes through ``Markdown.append``, which re-parses only
        the last block. Textual treats every block before it as final, which
        is only certain for settled text: an unsettled line may still join
        the block above (``2`` becoming ``2.``). ``exact`` makes sure: if the
        blocks shown do not match a fresh parse, the segment is rebuilt.
        """
        markdown = self._markdown
        if markdown is None and not exact and self._show_first_words(source):
            return
        if markdown is None or self._sealed or not source.startswith(self._shown):
            await self._rebuild(source)
            return
        if source != self._shown:
            if not settled and self.block_widgets > 1:
                self._exact = False
            await markdown.append(source[len(self._shown) :])
            self._shown = source
        if exact and not self._exact and self.block_widgets != len(block_starts(source)):
            await self._rebuild(source)
            return
        self._changed()

    def drop_first_words(self) -> None:
        """The answer ended without text: hide the blank row kept for its first words."""
        words, self._first_words = self._first_words, None
        if words is not None:
            words.display = False

    def _show_first_words(self, source: str) -> bool:
        """The live tail's first text, as plain text in the draft mounted with it (once).

        The first token then costs a text update, not a markdown widget's
        mount and styling: it is painted in the frame it arrives. The next
        step renders it as markdown (which replaces the draft).
        """
        words, self._first_words = self._first_words, None
        if words is None or not source or not words.is_attached:
            return False
        words.replace(source)
        self._version += 1
        return True

    async def render_markdown(self) -> None:
        """Replace the draft with markdown."""
        if self._markdown is None:
            await self._rebuild(self.source)

    async def use_parser(self, parser: ParserFactory) -> None:
        """Parse with ``parser`` from now on (rebuilding if rendered)."""
        self._parser = parser
        if self._markdown is not None:
            await self._rebuild(self.source)

    async def park(self) -> None:
        """Drop the markdown widgets, keeping the same height at this width."""
        if self._markdown is not None:
            await self._draft(height=self.size.height or None)

    def ask_again(self) -> None:
        """A draft that was painted but not rendered: let it ask again when painted."""
        for draft in self.query_children(DraftText):
            draft.ask_again()

    def _pictured_child(self) -> Widget | None:
        return self._markdown

    def rows(self, width: int, screen: int) -> int:
        """Height with margins at ``width``, measured once per change.

        The live tail changes on every step: its height from the last layout
        is close enough for deciding what to render, and costs no measuring.
        """
        margin = self.styles.margin
        pictured = self.picture_rows(width)
        if pictured is not None:
            return pictured + margin.top + margin.bottom
        if self._reserve_rows and self.size.width == width and self.size.height:
            return self.size.height + margin.top + margin.bottom
        key = (self._version, width)
        if self._measured[0] != key:
            self._measured = (key, measure_rows(self, width, screen))
        return self._measured[1]

    def stop_reserving(self) -> None:
        """The stream ended (or moved on): give back the rows the last block took ahead."""
        self._reserve_rows = 0
        if self._markdown is not None:
            self._markdown.reserve_rows = 0
            live_rows.release(self._markdown)

    def take_picture(self) -> bool:
        """A long fence left open by the stream is highlighted whole first (``code_chunks``).

        Here, not in the last step: the last words reach the screen first,
        and the whole highlight (20-40 ms for a long program) waits with the
        picture for a pause in the typing.
        """
        if self._markdown is not None and not self._reserve_rows:
            code_chunks.settle(self._markdown)
        return super().take_picture()

    def _changed(self) -> None:
        self._version += 1
        if self._markdown is not None:
            if self._reserve_rows:
                self._reserve_for_last(self._markdown)
            hoist_margins(self, self._markdown)

    def _reserve_for_last(self, markdown: AnswerMarkdown) -> None:
        """Only the last block keeps reserved rows; a new last paragraph or fence takes them.

        (Done in the step that mounted it: its rows come with that layout,
        not with a second one a line later.)
        """
        last = markdown.children[-1] if markdown.children else None
        live_rows.release(markdown, keep=last)
        if not isinstance(last, SameHeightText | SameSizeCode):
            return
        widget = last.rows_widget()
        if widget is not None and not live_rows.holds(widget, last):
            live_rows.reserve_now(widget, last, self._reserve_rows)

    async def _rebuild(self, source: str) -> None:
        markdown = AnswerMarkdown(parser_factory=self._parser)
        markdown.reserve_rows = self._reserve_rows
        self._forget_picture()
        await self.remove_children()
        await self.mount(markdown)
        await markdown.append(source)
        self._markdown, self._shown, self._exact, self._sealed = markdown, source, True, False
        self._changed()

    async def _draft(self, height: int | None = None) -> None:
        self._forget_picture()
        await self.remove_children()
        self._markdown, self._shown = None, ""
        self._version += 1
        if height is None:
            self.styles.margin = Spacing()
        await self.mount(DraftText(self.source, height, self.size.width))
