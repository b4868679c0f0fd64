"""One streamed answer in a transcript, stepped by a held clock: the frame tests' shared setup."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.screen import Screen

from tests.helpers.chat_pilot import wait_until
from tests.helpers.held_clock import HeldClock
from tuichat.ui.widgets.answer_pacing import FRAME
from tuichat.ui.widgets.answer_view import AnswerView
from tuichat.ui.widgets.messages import AssistantMessage
from tuichat.ui.widgets.transcript import Transcript


class OneAnswer(App[None]):
    """A transcript whose answers are paced by ``clock``."""

    def __init__(self, clock: HeldClock) -> None:
        super().__init__()
        self.clock = clock

    def compose(self) -> ComposeResult:
        yield Transcript(id="transcript", clock=self.clock)  # type: ignore[arg-type]


@asynccontextmanager
async def running_answer_app(size: tuple[int, int]) -> AsyncIterator[tuple[Any, HeldClock]]:
    """A headless :class:`OneAnswer` of ``size`` (its pilot), and the clock that paces it."""
    clock = HeldClock()
    async with OneAnswer(clock).run_test(size=size) as pilot:
        yield pilot, clock


async def new_answer(pilot: Any) -> AssistantMessage:
    """An empty answer, mounted at the end of the transcript."""
    answer = AssistantMessage("m")
    await pilot.app.query_one(Transcript).add(answer)
    return answer


def live_children(view: AnswerView) -> list[Any]:
    """The widgets of the answer's live (last) segment."""
    return list(view.segments[-1].children)


async def step_text(
    pilot: Any, clock: HeldClock, answer: AssistantMessage, text: str, shown: Callable[[], object]
) -> None:
    """A frame later, ``text`` arrives; return once ``shown`` holds and the screen is painted."""
    clock.advance(FRAME)
    answer.append(text)
    await wait_until(pilot, shown)
    await pilot.pause(0.1)  # whatever the screen had left is painted


async def shown_as_markdown(
    pilot: Any, clock: HeldClock, first: str, second: str
) -> AssistantMessage:
    """An answer whose first text (plain) and second (markdown) steps are on screen."""
    answer = await new_answer(pilot)
    view = answer.markdown
    answer.append(first)
    await wait_until(pilot, lambda: first.strip() in str(live_children(view)[0].render()))
    await step_text(pilot, clock, answer, second, lambda: view.segments[-1].rendered)
    return answer


@contextmanager
def counting_layouts(frames: list[str]) -> Iterator[None]:
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


def screen_cells(app: App[Any], region: Region | None = None) -> list[list[tuple[str, object]]]:
    """The screen's cells in ``region`` (default: all), as text and style runs.

    Segments are merged first, so two screens compare equal however Textual
    happened to split their lines.
    """
    strips = app.screen._compositor.render_strips()
    if region is not None:
        strips = [strip.crop(region.x, region.right) for strip in strips[region.y : region.bottom]]
    return [[(seg.text, seg.style) for seg in Segment.simplify(strip)] for strip in strips]
