"""The transcript's scrollbar paints what Textual's does, rendering one row of each kind."""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from textual.geometry import Region
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip
from textual.widgets import Static

from tests.helpers.answer_app import running_answer_app
from tuichat.ui.widgets.transcript import Transcript
from tuichat.ui.widgets.transcript_scrollbar import TranscriptScrollBar


def _cells(lines: list[Strip]) -> list[list[Segment]]:
    return [list(Segment.simplify(strip)) for strip in lines]


def _afresh(bar: ScrollBar, render: Any) -> tuple[list[list[Segment]], int]:
    """``render``'s lines of the whole bar with nothing cached, and how many rows it styled."""
    bar._styles_cache.clear()
    bar.refresh()
    styled = bar._styles_cache.render_line
    rows = [0]

    def counting(*args: Any, **kwargs: Any) -> Any:
        rows[0] += 1
        return styled(*args, **kwargs)

    bar._styles_cache.render_line = counting  # type: ignore[method-assign]
    try:
        lines = render(bar, Region(0, 0, bar.size.width, bar.size.height))
    finally:
        del bar._styles_cache.render_line
    return _cells(lines), rows[0]


async def _long_transcript(pilot: Any) -> Transcript:
    transcript = pilot.app.query_one(Transcript)
    await transcript.mount(*(Static(f"line {n}") for n in range(120)))
    await pilot.pause()
    return transcript


async def test_its_rows_are_textuals_with_one_row_of_each_kind_rendered() -> None:
    async with running_answer_app((60, 30)) as (pilot, _):
        transcript = await _long_transcript(pilot)
        bar = transcript.vertical_scrollbar
        assert isinstance(bar, TranscriptScrollBar) and bar.size.height == 30
        for y in (0, 7, 45, 91):  # the thumb at the top, part way, at the bottom
            transcript.scroll_to(y=y, animate=False, immediate=True)
            await pilot.pause()
            ours, styled = _afresh(bar, TranscriptScrollBar.render_lines)
            textuals, all_rows = _afresh(bar, ScrollBar.render_lines)
            assert ours == textuals
            assert all_rows == 30 and styled <= 5


async def test_a_bar_it_cannot_be_sure_of_is_painted_as_textual_paints_it() -> None:
    class OtherRender(ScrollBarRender):
        pass

    async with running_answer_app((60, 30)) as (pilot, _):
        bar = (await _long_transcript(pilot)).vertical_scrollbar
        bar.renderer = OtherRender
        ours, styled = _afresh(bar, TranscriptScrollBar.render_lines)
        assert ours == _afresh(bar, ScrollBar.render_lines)[0] and styled == 30
