"""What a step of a streamed answer costs the screen: a text update first, one frame, at once.

* The first text of an answer goes into the plain draft mounted with the
  answer (a text update, no markdown widget mounted), and is rendered as
  markdown at the next step.
* A step is painted in the step itself (``frame_flush.paint_now``), not at
  the screen's next timer tick, in one layout.
* A paragraph that grows by a line costs one layout, not a second one for
  the new virtual size of every widget around it (``stacked_size``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.screen import Screen

from tests.helpers.chat_pilot import make_app, send, wait_until
from tests.helpers.held_clock import HeldClock
from tuichat.sim.thread import SimServerThread
from tuichat.ui.widgets.answer_pacing import FRAME
from tuichat.ui.widgets.answer_segment import AnswerMarkdown, DraftText
from tuichat.ui.widgets.answer_view import AnswerView
from tuichat.ui.widgets.stacked_size import StackedSize, stacked_block_class
from tuichat.ui.widgets.transcript import AssistantMessage, Transcript


class OneAnswer(App[None]):
    def __init__(self, clock: HeldClock) -> None:
        super().__init__()
        self.clock = clock

    def compose(self) -> ComposeResult:
        yield Transcript(id="transcript", clock=self.clock)  # type: ignore[arg-type]


async def _shown_as_markdown(pilot: Any, clock: HeldClock, *texts: str) -> AssistantMessage:
    """An answer whose first text (plain) and second (markdown) steps are on screen."""
    answer = AssistantMessage("m")
    await pilot.app.query_one(Transcript).add(answer)
    view = answer.markdown
    first, second = texts
    answer.append(first)
    await wait_until(pilot, lambda: _live_children(view)[0].display)
    clock.advance(FRAME)
    answer.append(second)
    await wait_until(pilot, lambda: view.segments[-1].rendered)
    await pilot.pause(0.1)  # whatever the screen had left is painted
    return answer


@contextmanager
def _counting_layouts(frames: list[str]) -> Iterator[None]:
    """Append "layout" to ``frames`` for every layout of any screen while inside."""
    real_layout = Screen._refresh_layout

    def layout(screen: Any, *args: Any, **kwargs: Any) -> None:
        frames.append("layout")
        real_layout(screen, *args, **kwargs)

    Screen._refresh_layout = layout  # type: ignore[method-assign]
    try:
        yield
    finally:
        Screen._refresh_layout = real_layout  # type: ignore[method-assign]


def _live_children(view: AnswerView) -> list[object]:
    return list(view.segments[-1].children)


async def test_the_first_text_is_a_text_update_and_markdown_follows() -> None:
    clock = HeldClock()
    app = OneAnswer(clock)
    async with app.run_test(size=(80, 20)) as pilot:
        answer = AssistantMessage("m")
        await app.query_one(Transcript).add(answer)
        view = answer.markdown
        [placeholder] = _live_children(view)
        assert isinstance(placeholder, DraftText) and not placeholder.display  # mounted, hidden
        answer.append("Hello **world**")
        await wait_until(pilot, lambda: placeholder.display)
        assert _live_children(view) == [placeholder]  # the same widget: nothing was mounted
        assert "Hello **world**" in str(placeholder.render())  # plain text, for one step
        answer.append(" again.")
        clock.advance(FRAME)  # the rest after the first step is over
        await wait_until(
            pilot, lambda: any(isinstance(c, AnswerMarkdown) for c in _live_children(view))
        )
        await answer.finish()
        assert view.source == "Hello **world** again."
        assert view.segments[-1].rendered and not view.query(DraftText)


async def test_a_step_is_painted_in_the_step_with_one_layout() -> None:
    clock = HeldClock()
    app = OneAnswer(clock)
    async with app.run_test(size=(80, 20)) as pilot:
        answer = await _shown_as_markdown(pilot, clock, "First words.", " More.")
        view = answer.markdown
        frames: list[str] = []
        real_step, real_display = view._step, app._display

        def display(screen: Any, renderable: Any) -> None:
            frames.append("paint")
            real_display(screen, renderable)

        async def step(decision: Any) -> None:
            frames.append("step")
            await real_step(decision)
            frames.append("stepped")

        app._display = display  # type: ignore[method-assign]
        view._step = step  # type: ignore[method-assign]
        with _counting_layouts(frames):
            clock.advance(FRAME)
            answer.append(" And a third sentence that is long enough to wrap onto a new line.")
            await wait_until(pilot, lambda: "stepped" in frames)
            assert frames[: frames.index("stepped")] == ["step", "layout", "paint"]
            await pilot.pause(0.2)  # the screen's own ticks: nothing left to lay out
            assert frames.count("layout") == 1


async def test_words_that_stay_on_the_line_are_repainted_without_a_layout() -> None:
    clock = HeldClock()
    app = OneAnswer(clock)
    async with app.run_test(size=(80, 20)) as pilot:
        answer = await _shown_as_markdown(pilot, clock, "Short", " line")
        view = answer.markdown
        frames: list[str] = []
        with _counting_layouts(frames):
            clock.advance(FRAME)
            answer.append(" grows.")  # still one line at 80 columns
            await wait_until(pilot, lambda: "grows." in view.source)
            await pilot.pause(0.2)
            assert "layout" not in frames
            paragraph = view.query("MarkdownParagraph").last()
            assert "Short line grows." in str(paragraph._content)
            clock.advance(FRAME)
            answer.append(" And now a sentence long enough to wrap onto one more line of it.")
            await wait_until(pilot, lambda: "layout" in frames)  # a new line: laid out


def test_markdown_blocks_that_never_scroll_keep_their_name_and_css() -> None:
    from textual.widgets._markdown import MarkdownFence, MarkdownParagraph, MarkdownTable

    paragraph = stacked_block_class("paragraph_open", MarkdownParagraph)
    assert paragraph.__name__ == "MarkdownParagraph" and issubclass(paragraph, StackedSize)
    assert issubclass(paragraph, MarkdownParagraph)
    assert stacked_block_class("paragraph_open", MarkdownParagraph) is paragraph  # made once
    assert stacked_block_class("fence", MarkdownFence) is MarkdownFence  # scrolls sideways
    assert stacked_block_class("table_open", MarkdownTable) is MarkdownTable


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
