"""A streamed answer whose cost per update is bounded by what is visible.

One ``Markdown`` widget fed the whole answer gets slower with every block: a
block is several widgets, and every frame lays out every widget. Here:

* :class:`~tuichat.ui.widgets.markdown_blocks.BlockSplitter` settles
  top-level blocks as soon as they are final and re-parses only the open tail.
* The *live* segment, a small ``Markdown`` appended to each step, shows the
  open tail and keeps the blocks that settle under it (they are on screen
  already); at about a segment's worth (SEGMENT_CHARS) it is handed over, as
  rendered, and a new live segment takes the tail. Its last paragraph or fence
  takes new lines RESERVE_ROWS at a time, and the view itself grows VIEW_ROWS
  at a time while it streams (:mod:`~tuichat.ui.widgets.live_rows`): the
  transcript, which follows the bottom, scrolls once per few lines.
  A burst's blocks go straight to segments of a few blocks each (:func:`group_blocks`).
* While the answer streams, a settled segment that is rendered paints from a
  picture of its lines, its markdown widgets hidden
  (:mod:`~tuichat.ui.widgets.segment_picture`): a frame lays out one widget
  for it, not dozens, and it is not parked (that would cost a mount). Once the
  answer has ended, the rest of its rendered segments are pictured too
  (:mod:`~tuichat.ui.widgets.answer_pictures`). The widgets come back when
  the pointer comes (to select or click), and on a new width or theme.
* While the view follows the stream (scrolled to the bottom), only the
  segments the last screen shows are rendered; the others are drafts (plain
  text, one widget each), and rendered segments far above are parked back to
  drafts. So a step costs what the last screen costs, however long the answer.
* Text is applied in steps, at most one per ``FRAME`` (longer if a step was
  slow, so a burst leaves the event loop time to read the stream). More text
  than anyone reads in a frame (a burst, a cached answer) waits one frame
  more, and then renders nothing new: the next step will have moved on. The
  end of the stream skips the wait, so the final text shows at once.
* A draft that gets painted (scrolled into view) is rendered in the next step
  (where: :mod:`~tuichat.ui.widgets.answer_triage`);
  after the stream, the drafts near the viewport (IDLE_SCREENS) are rendered in
  idle time, nearest first, a frame's budget at a time, so input never waits
  long. The rest stay drafts until they are scrolled to, and rendered segments
  far from a reader who scrolls through the answer are parked again
  (KEEP_SCREENS): a long answer never holds more markdown widgets than a few
  screens show, whatever its length.
* Once all of it is well out of view, the answer folds into one draft of the
  same height (its text, not copied) and says so (:class:`AnswerView.Folded`),
  so the transcript can park it as text (:meth:`AnswerView.restored` builds it
  again, still folded); it unfolds when painted.

All mutations run in one worker, one step at a time; the rest of the app only
calls :meth:`AnswerView.append` (sync) and awaits :meth:`AnswerView.finish`.
*When* to step, rest, serve a request or render in idle time is decided by
:class:`~tuichat.ui.widgets.answer_pacing.AnswerPacing` (no Textual, its
states drawn in its docstring); the worker
(:class:`~tuichat.ui.widgets.paced_view.PacedView`) only applies its
decisions, through the steps defined here.
"""

from __future__ import annotations

import contextlib
import logging

from textual.app import ComposeResult
from textual.geometry import Size
from textual.message import Message

from tuichat.core.clock import Clock
from tuichat.ui.widgets import answer_geometry as geometry
from tuichat.ui.widgets import answer_pacing as pacing
from tuichat.ui.widgets import answer_triage as triage
from tuichat.ui.widgets import live_rows
from tuichat.ui.widgets.answer_pictures import (
    RestPictures,
    Versions,
    any_to_picture,
    picture_rendered,
)
from tuichat.ui.widgets.answer_segment import AnswerSegment, Fold, set_stacked
from tuichat.ui.widgets.draft_text import DraftText
from tuichat.ui.widgets.frame_flush import layout_pending
from tuichat.ui.widgets.markdown_blocks import (
    SEGMENT_CHARS,
    BlockSplitter,
    references,
    render_parser,
)
from tuichat.ui.widgets.paced_view import PacedView
from tuichat.ui.widgets.render_cache import BlankLines, trim_render_cache
from tuichat.ui.widgets.segment_groups import diverged_blocks, draft_segments, unfolded_segments
from tuichat.ui.widgets.stacked_size import StackedSize

log = logging.getLogger(__name__)

RESERVE_ROWS = 4  # the live paragraph takes new lines this many at a time (SameHeightText)
VIEW_ROWS = 2  # the streaming view takes new rows this many at a time (live_rows.RowsAhead)


class AnswerView(StackedSize, BlankLines, PacedView):
    """A streamed markdown answer: drafts out of view, markdown in view."""

    _flow_only = True  # its insides only stack, never overlap (chat_compositor.FLOW_ONLY)

    class Folded(Message):
        """The answer folded into one draft: all of it is well out of view."""

    def __init__(self, *, classes: str | None = None, clock: Clock | None = None) -> None:
        super().__init__(classes=classes, clock=clock)
        set_stacked(self)
        self._chunks: list[str] = []  # the text as appended; joined when read
        self._unsent: list[str] = []
        self._splitter = BlockSplitter()
        self._parser = render_parser()
        self._segments: list[AnswerSegment] = []  # settled, top to bottom
        self._live = AnswerSegment(
            [], parser=self._parser, draft=False, first_words=True, reserve_rows=RESERVE_ROWS
        )
        self._tail_closed = False  # the live segment became the last settled one
        self._rows_ahead = live_rows.RowsAhead(VIEW_ROWS)
        self._folded: Fold | None = None
        self._wanted: dict[AnswerSegment, None] = {}  # exposed drafts, in order
        self._seen: Versions = {}  # each settled segment's version, last step
        self._pictures = RestPictures(
            lambda: self._segments, self._pacing, lambda: self._clock, self._at_rest
        )

    @property
    def source(self) -> str:
        """Everything appended so far (what one ``Markdown`` would be given)."""
        return self._text

    @property
    def _text(self) -> str:
        # Joined on demand: ``text += chunk`` on an attribute copies the whole
        # answer per chunk, which is quadratic in a long answer.
        if len(self._chunks) > 1:
            self._chunks[:] = ["".join(self._chunks)]
        return self._chunks[0] if self._chunks else ""

    @property
    def segments(self) -> list[AnswerSegment]:
        """The segments, top to bottom (the live tail last while streaming)."""
        return self._segments if self._tail_closed else [*self._segments, self._live]

    @property
    def folded(self) -> bool:
        """True while the answer is one draft standing in for all its segments."""
        return self._folded is not None

    @property
    def at_rest(self) -> bool:
        """Ended, idle and holding no markdown widgets: safe to park as text."""
        return self._pacing.ended and not self._working and (self.folded or not self._text)

    @property
    def fold(self) -> Fold | None:
        """What it takes to show this answer again as it is now: folded (None: not folded)."""
        return self._folded

    @classmethod
    def restored(cls, text: str, fold: Fold | None, *, classes: str | None = None) -> AnswerView:
        """A finished answer of ``text``, folded as ``fold`` (brought back from text)."""
        view = cls(classes=classes)
        view._chunks = [text] if text else []
        view._pacing.finish()  # no text was appended: over at once
        view._tail_closed = True
        view._folded = fold
        return view

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """While live, the height goes up a few rows at a time (:class:`live_rows.RowsAhead`)."""
        natural = super().get_content_height(container, viewport, width)
        return natural if self._tail_closed else self._rows_ahead.height(natural, width)

    def compose(self) -> ComposeResult:
        if self._folded is not None:
            yield DraftText(self._text, self._folded.height, self._folded.width)
        elif not self._tail_closed:
            yield self._live
        elif self._text:  # restored without a fold: plain text, nothing lost
            yield DraftText(self._text)

    def on_mount(self) -> None:
        if self._text and not self._pacing.ended:
            self._ensure_worker()  # text that came before the view was mounted

    def append(self, text: str) -> None:
        """Queue ``text``; it reaches the screen within a step or two."""
        if not text or not self._pacing.open:
            return
        self._chunks.append(text)
        self._unsent.append(text)
        self._nudge(self._pacing.text_added(len(text)))

    async def finish(self) -> None:
        """End the stream; return once the whole text is in the view.

        (An unmounted view returns at once and renders when it is mounted.)
        """
        urgent = self._pacing.finish()
        if self._pacing.ended:  # no text at all, or a second call
            if not self._text:
                self._live.drop_first_words()
            self._ended.set()
            return
        if not self.is_attached:
            return
        self._nudge(urgent)
        await self._ended.wait()

    def park_hidden(self) -> None:
        """Park rendered segments well out of view (another answer started or ended).

        Measured after the next refresh: the other answer's latest growth must
        be laid out before "out of view" means anything. A folded answer has
        nothing to park.
        """
        if self._pacing.ended and self._folded is None:
            self.call_after_refresh(self._request_park)

    def _request_park(self) -> None:
        self._nudge(self._pacing.park_requested())

    def on_draft_text_exposed(self, message: DraftText.Exposed) -> None:
        """A draft was painted: render it in the next step."""
        message.stop()
        segment = message.draft.parent
        if segment is self:
            urgent = self._pacing.unfold_requested()  # the folded answer scrolled into view
        elif isinstance(segment, AnswerSegment) and not segment.rendered:
            self._wanted[segment] = None
            urgent = self._pacing.draft_exposed()
        else:
            return
        self._nudge(urgent)

    async def _step(self, step: pacing.Step) -> None:
        text = "".join(self._unsent)
        self._unsent.clear()
        settled = self._splitter.feed(text) if text else []
        async with self._one_frame():
            if settled:
                await self._settle(settled)
            if step.closing:
                await self._close_live(self._splitter.close())
            else:
                await self._live.show(self._live.source + self._splitter.tail)
            await triage.follow_bottom(self, self.segments, self._live, render=step.render)
            if not step.closing:  # (the last step shows the end first: see answer_pacing)
                await triage.render_wanted(self, self._wanted)
            if not step.closing and any_to_picture(self._segments) and layout_pending(self):
                self._seen = picture_rendered(self._segments, unchanged_since=self._seen)
        trim_render_cache()
        if step.closing:
            self.call_after_refresh(self._pictures.take)
            self._pictures.after_closing()  # the drafts it painted: served, then pictured
            if self._wanted:  # (those painted before it: the exposures of its own follow)
                self._nudge(self._pacing.draft_exposed())

    def _at_rest(self) -> bool:
        """The ended answer is shown whole (mounted, not folded): its pictures may be taken."""
        return self.is_attached and self._folded is None and self._pacing.ended

    async def _settle(self, blocks: list[str]) -> None:
        """Settled blocks stay in the live segment, which shows them already.

        Once it holds about a segment's worth it is handed over as a settled
        segment (as rendered) and a new live segment takes the tail. Blocks
        that come more than a segment at once (a burst) go to drafts instead,
        rendered only where they are seen.
        """
        live = self._live
        size = sum(map(len, blocks))
        if live.blocks and len(live.source) + size > SEGMENT_CHARS:
            await self._hand_over_live()
            live = self._live
        if not live.blocks and size > SEGMENT_CHARS:
            new = draft_segments(blocks, self._parser)
            self._segments.extend(new)
            await self.mount_all(new, before=live)
            return
        live.blocks.extend(blocks)

    async def _hand_over_live(self) -> None:
        """The live segment becomes the last settled one; a new one takes the tail."""
        done = self._live
        await done.hand_over()
        self._segments.append(done)
        self._live = AnswerSegment([], parser=self._parser, draft=False, reserve_rows=RESERVE_ROWS)
        await self.mount(self._live, after=done)

    async def _close_live(self, blocks: list[str]) -> None:
        """The tail's last blocks stay where they are, in the final segment."""
        self._live.blocks.extend(blocks)
        self._live.stop_reserving()
        await self._live.show(self._live.source, exact=True)
        self._segments.append(self._live)
        self._tail_closed = True
        self.refresh(layout=True)  # the rows taken ahead go back

    async def _serve(self, serve: pacing.Serve) -> None:
        """Park, unfold and render what was asked for.

        Parking is not left for idle time: it is asked for when another
        answer starts, whose every frame would lay these widgets out again.
        """
        async with self._one_frame():
            if serve.park:
                await self._park_hidden()
            if serve.unfold:
                await self._unfold()
            rendered = await triage.render_wanted(self, self._wanted)
            if self._folded is None:  # a reader scrolling through a long answer
                await triage.park_far(self, self._segments, triage.KEEP_SCREENS)
        trim_render_cache()
        if self._pictures.after_serve(rendered):
            self.call_after_refresh(self._pictures.take)

    async def _idle_step(self, idle: pacing.IdleRender) -> bool:
        """Render drafts nearest the viewport until the deadline; False if none are left.

        The first slice also pictures what an earlier try left (a segment
        rendered in the frame before still had something to paint then).
        """
        if idle.check:
            self._pictures.take()
            await self._check_blocks()
        while (segment := triage.nearest_draft(self, self._segments)) is not None:
            async with self._one_frame():
                await triage.render_in_place(self, segment)
            self.call_after_refresh(self._pictures.take)
            if self._clock.now() >= idle.deadline:
                return True
        return False

    async def _park_hidden(self) -> None:
        """Park what is over a screen from view; fold the answer if all of it is."""
        scroller = geometry.scroller_of(self)
        if scroller is None or self._folded is not None:
            return
        await triage.park_far(self, self._segments, 1.0)
        if self._text and geometry.distance(self.region, scroller.region) > scroller.region.height:
            await self._fold()

    async def _fold(self) -> None:
        """Collapse the answer into one draft of the same height.

        Every widget costs layout time on every frame, so a long conversation
        keeps one widget per answer out of view, not one per segment.
        """
        places = tuple(segment.place() for segment in self._segments)
        self._folded = Fold(places, self.size.height or None, self.size.width)
        await self.remove_children()
        self._segments = []
        self._live.blocks = []  # gone from the DOM; its text is in _text
        await self.mount(DraftText(self._text, self._folded.height, self._folded.width))
        trim_render_cache()
        self.post_message(self.Folded())

    async def _unfold(self) -> None:
        """Bring the segments back as drafts in their old places (exposures render them).

        The blocks are cut again from the text; should they not match the
        places (the splitter and the whole text disagreed), fresh drafts.
        """
        if self._folded is None:
            return
        fold, self._folded = self._folded, None
        self._segments = unfolded_segments(self._text, fold, self._parser)
        await self.remove_children()
        await self.mount_all(self._segments)

    async def _check_blocks(self) -> None:
        """Make the final blocks exactly the whole text's (a cheap safety net).

        The splitter guarantees the blocks; link reference definitions are
        the one thing that reaches across them, so if there are any, every
        segment is rendered knowing them.
        """
        if self._folded is not None:
            return
        if (blocks := diverged_blocks(self._text, self._segments)) is not None:
            log.error("answer blocks diverged from the whole text; re-segmenting")
            await self._resegment(blocks)
        refs = references(self._text)
        if refs:
            self._parser = render_parser(refs)
            for segment in self._segments:
                await segment.use_parser(self._parser)

    async def _resegment(self, blocks: list[str]) -> None:
        """Rebuild the segments from ``blocks``, as drafts."""
        await self.remove_children()
        self._segments = draft_segments(blocks, self._parser)
        await self.mount_all(self._segments)

    async def _show_plain(self) -> None:
        """Last resort: the whole answer as one plain-text draft, nothing lost."""
        self._tail_closed = True  # no live tail any more (and no rows taken ahead)
        with contextlib.suppress(Exception):
            await self.remove_children()
            self._segments = []
            await self.mount(DraftText(self._text))
