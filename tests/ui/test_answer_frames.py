"""What a step of a streamed answer costs the screen: a text update first, one frame, at once.

* The first text of an answer goes into the plain draft mounted with the
  answer (one blank row: first words that fit it are a repaint, no layout,
  no markdown widget mounted), and is rendered as markdown at the next step.
* A step is painted in the step itself (``frame_flush.paint_now``), not at
  the screen's next timer tick, in one layout.
* A paragraph that grows by a line costs one layout, not a second one for
  the new virtual size of every widget around it (``stacked_size``).
* The live tail's last paragraph or code fence takes new lines
  ``RESERVE_ROWS`` at a time: the lines that fill them are repainted, not
  laid out, and the rows left over go back when the block is no longer the
  last or the answer ends (``live_rows``).
* The streaming view grows a few rows at a time (``VIEW_ROWS``): a new list item within
  those rows moves nothing around the answer, and the rows left go back
  when it ends (``live_rows.RowsAhead``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import textual.widget
from textual.containers import Vertical
from textual.widgets import Static

from tests.helpers.answer_app import (
    counting_layouts,
    live_children,
    new_answer,
    running_answer_app,
    shown_as_markdown,
    step_text,
)
from tests.helpers.chat_pilot import make_app, send, wait_until
from tuichat.sim.thread import SimServerThread
from tuichat.ui.widgets import answer_view
from tuichat.ui.widgets.answer_pacing import FRAME
from tuichat.ui.widgets.answer_segment import AnswerMarkdown
from tuichat.ui.widgets.answer_view import RESERVE_ROWS
from tuichat.ui.widgets.block_classes import stacked_block_class
from tuichat.ui.widgets.draft_text import DraftText
from tuichat.ui.widgets.live_rows import RowsAhead
from tuichat.ui.widgets.messages import AssistantMessage
from tuichat.ui.widgets.stacked_size import StackedSize, height_free


async def test_the_first_text_is_a_repaint_and_markdown_follows() -> None:
    async with running_answer_app((80, 20)) as (pilot, clock):
        answer = await new_answer(pilot)
        view = answer.markdown
        [placeholder] = live_children(view)
        assert isinstance(placeholder, DraftText) and placeholder.display  # a blank row, mounted
        await pilot.pause()
        assert placeholder.size.height == 1
        frames: list[str] = []
        with counting_layouts(frames):
            answer.append("Hello **world**")
            await wait_until(pilot, lambda: "world" in str(placeholder.render()))
            await pilot.pause(0.1)
        assert frames == []  # it fits the row kept for it: painted, not laid out
        assert live_children(view) == [placeholder]  # the same widget: nothing was mounted
        assert "Hello **world**" in str(placeholder.render())  # plain text, for one step
        answer.append(" again.")
        clock.advance(FRAME)  # the rest after the first step is over
        await wait_until(
            pilot, lambda: any(isinstance(c, AnswerMarkdown) for c in live_children(view))
        )
        await answer.finish()
        assert view.source == "Hello **world** again."
        assert view.segments[-1].rendered and not view.query(DraftText)


async def test_an_answer_without_text_keeps_no_blank_row() -> None:
    async with running_answer_app((80, 20)) as (pilot, _clock):
        answer = await new_answer(pilot)
        await answer.markdown.finish()  # (an error or a cancel before any text)
        await pilot.pause()
        assert answer.markdown.size.height == 0


async def test_a_step_is_painted_in_the_step_with_one_layout() -> None:
    async with running_answer_app((80, 20)) as (pilot, clock):
        answer = await shown_as_markdown(pilot, clock, "First words.", " More.")
        view = answer.markdown
        frames: list[str] = []
        real_step, real_display = view._step, pilot.app._display

        def display(screen: Any, renderable: Any) -> None:
            frames.append("paint")
            real_display(screen, renderable)

        async def step(decision: Any) -> None:
            frames.append("step")
            await real_step(decision)
            frames.append("stepped")

        pilot.app._display = display  # type: ignore[method-assign]
        view._step = step  # type: ignore[method-assign]
        with counting_layouts(frames):
            clock.advance(FRAME)
            answer.append(" More words than the rows it took can hold." * 10)  # > RESERVE_ROWS
            await wait_until(pilot, lambda: "stepped" in frames)
            assert frames[: frames.index("stepped")] == ["step", "layout", "paint"]
            await pilot.pause(0.2)  # the screen's own ticks: nothing left to lay out
            assert frames.count("layout") == 1


@contextmanager
def counting_arrangements(counts: Counter[str]) -> Iterator[None]:
    """Count, per widget class, how often Textual arranges a widget's children while inside."""
    real_arrange = textual.widget.arrange

    def arrange(widget: Any, *args: Any, **kwargs: Any) -> Any:
        counts[type(widget).__name__] += 1
        return real_arrange(widget, *args, **kwargs)

    textual.widget.arrange = arrange
    try:
        yield
    finally:
        textual.widget.arrange = real_arrange


async def test_a_layout_arranges_each_column_of_the_answer_once() -> None:
    async with running_answer_app((80, 20)) as (pilot, clock):
        answer = await shown_as_markdown(pilot, clock, "First words.", " More.")
        counts: Counter[str] = Counter()
        frames: list[str] = []
        with counting_layouts(frames), counting_arrangements(counts):
            more = " More words than the rows it took can hold." * 10  # > RESERVE_ROWS
            await step_text(pilot, clock, answer, more, lambda: "layout" in frames)
        assert frames.count("layout") == 1
        columns = ("AssistantMessage", "AnswerView", "AnswerSegment", "AnswerMarkdown")
        assert {name: counts[name] for name in columns} == dict.fromkeys(columns, 1)


def _column(height: str | int = "auto", **child_rules: str) -> Vertical:
    """A column (not mounted) holding one ``Static`` styled with ``child_rules``."""
    column, child = Vertical(), Static("x")
    column.styles.height = height
    for rule, value in child_rules.items():
        setattr(child.styles, rule, value)
    column._nodes._append(child)
    return column


def test_a_column_is_height_free_unless_a_child_depends_on_its_height() -> None:
    assert height_free(_column())
    assert height_free(_column(min_height="3"))  # a child with a height of its own
    for rules in ({"height": "1fr"}, {"height": "50%"}, {"max_height": "50%"}, {"dock": "bottom"}):
        assert not height_free(_column(**rules)), rules
    assert not height_free(_column(height=10))  # not sized by its content


async def test_lines_within_the_reserved_rows_are_repainted_without_a_layout() -> None:
    async with running_answer_app((80, 20)) as (pilot, clock):
        answer = await shown_as_markdown(pilot, clock, "Short", " line")
        view = answer.markdown
        paragraph = view.query("MarkdownParagraph").last()
        assert paragraph.size.height == RESERVE_ROWS  # mounted with its rows: blank below
        frames: list[str] = []
        with counting_layouts(frames):
            for words in (" grows.", " And now a sentence long enough to wrap onto a new line."):
                shown = lambda w=words: w in str(paragraph._content)  # noqa: E731
                await step_text(pilot, clock, answer, words, shown)
            assert "layout" not in frames  # the same line, then a new one within the rows
            more = " Then enough words to fill every row it took and need more." * 4
            taken = lambda: paragraph.size.height == 2 * RESERVE_ROWS  # noqa: E731
            await step_text(pilot, clock, answer, more, taken)
            assert "layout" in frames  # more rows: laid out
        await answer.finish()
        await pilot.pause(0.1)
        at_rest = view.size.height  # the ended answer paints from a picture
        for segment in view.segments:
            segment.drop_picture()
        await pilot.pause(0.1)
        lines = paragraph._content.get_height(paragraph.styles, paragraph.content_size.width)
        assert paragraph.size.height == lines < 2 * RESERVE_ROWS  # the rows left went back
        assert view.size.height == at_rest  # and the picture took none of them


async def test_a_streamed_fence_fills_the_rows_it_took() -> None:
    async with running_answer_app((80, 30)) as (pilot, clock):
        answer = await shown_as_markdown(pilot, clock, "```py\n", "a = 1\nb = 2\n")
        view = answer.markdown
        code = view.query_one("#code-content")
        await step_text(pilot, clock, answer, "c = 3\n", lambda: "c = 3" in str(code.render()))
        assert code.content_size.height == RESERVE_ROWS  # taken with the fence
        frames: list[str] = []
        with counting_layouts(frames):
            await step_text(pilot, clock, answer, "d = 4\n", lambda: "d = 4" in str(code.render()))
            assert "layout" not in frames
        await answer.finish()
        assert view.source.endswith("d = 4\n")


async def test_a_paragraph_gives_its_rows_back_when_a_block_follows_it() -> None:
    async with running_answer_app((80, 20)) as (pilot, clock):
        answer = await shown_as_markdown(pilot, clock, "Short", " line")
        view = answer.markdown
        paragraph = view.query("MarkdownParagraph").last()
        assert paragraph.size.height == RESERVE_ROWS
        listed = lambda: view.query("MarkdownBulletList")  # noqa: E731
        await step_text(pilot, clock, answer, "\n- a list", listed)  # both in the live tail
        assert paragraph.is_attached and paragraph.size.height == 1
        await answer.finish()


async def test_the_streaming_view_takes_rows_ahead_and_gives_them_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(answer_view, "VIEW_ROWS", 8)  # room for the second item, surely
    async with running_answer_app((80, 30)) as (pilot, clock):
        answer = await shown_as_markdown(pilot, clock, "Intro", " text.\n\n")
        view = answer.markdown
        await step_text(pilot, clock, answer, "- one\n", lambda: view.query("MarkdownBulletList"))
        height, place = view.size.height, view.region
        assert view.content_size.height % 8 == 0
        rows = [row.region for row in view.query("MarkdownBulletList > *")]
        await step_text(
            pilot, clock, answer, "- two\n", lambda: len(view.query("MarkdownBullet")) == 2
        )
        assert view.size.height == height  # the item came within the rows taken
        assert view.region == place  # so nothing moved: the view did not, nor its first item
        assert [row.region for row in view.query("MarkdownBulletList > *")][:1] == rows[:1]
        await answer.finish()
        await pilot.pause(0.1)
        last = [child for child in view.children if child.display][-1]
        bottom = last.region.bottom + last.styles.margin.bottom
        assert view.content_region.bottom == bottom  # no rows left over once it ended


def test_rows_ahead_are_taken_a_few_at_a_time_and_kept_while_live() -> None:
    rows = RowsAhead(4)
    assert [rows.height(natural, 80) for natural in (1, 4, 5, 8, 7, 5, 3, 9)] == [
        4, 4, 8, 8, 8, 8, 4, 12
    ]  # fmt: skip
    assert rows.height(10, 60) == 12  # a new width: measured afresh
    assert RowsAhead(4).height(0, 80) == 0  # nothing to show: no rows


def test_markdown_blocks_that_never_scroll_keep_their_name_and_css() -> None:
    from textual.widgets._markdown import MarkdownFence, MarkdownParagraph, MarkdownTable

    paragraph = stacked_block_class("paragraph_open", MarkdownParagraph)
    assert paragraph.__name__ == "MarkdownParagraph" and issubclass(paragraph, StackedSize)
    assert issubclass(paragraph, MarkdownParagraph)
    assert stacked_block_class("paragraph_open", MarkdownParagraph) is paragraph  # made once
    fence = stacked_block_class("fence", MarkdownFence)
    assert fence.__name__ == "MarkdownFence" and issubclass(fence, StackedSize)
    assert stacked_block_class("table_open", MarkdownTable) is MarkdownTable


async def test_a_stacked_fence_still_scrolls_sideways() -> None:
    async with running_answer_app((40, 20)) as (pilot, clock):
        answer = await shown_as_markdown(pilot, clock, "```\n", "short\n")
        view = answer.markdown
        wide = "x = " + "1" * 80 + "\n"  # wider than the screen
        code = view.query_one("#code-content")
        await step_text(pilot, clock, answer, wide, lambda: "111" in str(code.render()))
        fence = view.query_one("MarkdownFence")
        assert fence.max_scroll_x > 40
        fence.scroll_to(x=fence.max_scroll_x, animate=False, immediate=True)
        assert fence.scroll_x == fence.max_scroll_x > 0


async def test_the_price_database_waits_for_the_first_text(
    sim: SimServerThread, tmp_path: Path
) -> None:
    app = make_app(sim, "sim?tokens=40&tps=0", tmp_path / "log.sqlite3")
    meter = app.chat.meter
    assert meter.before_loading is not None  # the chat app holds the load for its first paint
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "hello")
        await wait_until(pilot, lambda: app.turn is not None and not app.turn.running)
        assert app._first_text_shown is not None and app._first_text_shown.is_set()
        assert app.query_one(AssistantMessage).text
