"""A long streamed list paints its finished rows from pictures, and looks the same.

``list_pictures`` hides the finished rows of a list that is the stream's last
block behind one picture per chunk. The screen must be the same, cell for
cell, as with the rows themselves, and the pointer or a new width must bring
the rows back.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.answer_app import new_answer, running_answer_app, screen_cells, step_text
from tuichat.ui.widgets import list_pictures
from tuichat.ui.widgets.list_pictures import PicturedRows, list_rows

ITEMS = [f"- idea {n}: a short line that says what the idea is\n" for n in range(28)]


async def _streamed(pilot: Any, clock: Any) -> Any:
    """An answer with ``ITEMS`` streamed into it (not ended); its list widget."""
    answer = await new_answer(pilot)
    view = answer.markdown
    await step_text(pilot, clock, answer, "Ideas:\n\n", lambda: not view._unsent)
    for item in ITEMS:  # an item a step (the list is parsed from its last item)
        await step_text(pilot, clock, answer, item, lambda: not view._unsent)
    return view.query("MarkdownBulletList").last()


async def _cells_with(chunk: int) -> tuple[list[list[tuple[str, object]]], int]:
    """The screen once the list streamed with pictures of ``chunk`` rows; how many pictures."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(list_pictures, "CHUNK_ROWS", chunk)
        async with running_answer_app((80, 60)) as (pilot, clock):
            markdown_list = await _streamed(pilot, clock)
            await pilot.pause(0.1)
            return screen_cells(pilot.app), len(markdown_list.query_children(PicturedRows))


async def test_pictured_rows_look_exactly_like_the_rows() -> None:
    pictured, pictures = await _cells_with(8)
    plain, none = await _cells_with(10_000)
    assert pictures >= 3 and none == 0
    assert pictured == plain
    assert any("idea 27" in text for row in plain for text, _ in row)


async def test_the_pointer_or_a_new_width_brings_the_rows_back() -> None:
    async with running_answer_app((80, 60)) as (pilot, clock):
        markdown_list = await _streamed(pilot, clock)
        pictures = list(markdown_list.query_children(PicturedRows))
        assert pictures and not all(row.display for row in list_rows(markdown_list))
        await pilot.hover(pictures[0])
        await pilot.pause(0.1)
        assert not pictures[0].is_attached and markdown_list.no_pictures
        await pilot.resize_terminal(70, 60)
        await pilot.pause(0.1)
        assert not markdown_list.query_children(PicturedRows)
        assert all(row.display for row in list_rows(markdown_list))
        assert len(list_rows(markdown_list)) == len(ITEMS)
