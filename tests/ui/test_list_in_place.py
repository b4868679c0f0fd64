"""A markdown list streamed into the live tail grows where it stands.

Each step updates the rows the list has (same widgets) and mounts only new
items; whatever cannot be updated in place (numbers that widen the bullets)
is rebuilt by Textual. Either way the list ends exactly as a fresh
``Markdown`` shows it.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Markdown

from tests.helpers.answer_app import new_answer, running_answer_app, step_text
from tests.helpers.held_clock import HeldClock
from tuichat.ui.widgets.transcript import Transcript


def _shape(markdown_list: Any) -> list[tuple[str, list[str]]]:
    """Each row of a list widget: its bullet and the plain text of its blocks."""
    rows = []
    for row in markdown_list.children:
        bullet, body = row.children
        rows.append((str(bullet.symbol), [str(block._content.plain) for block in body.children]))
    return rows


async def _stream_list(pilot: Any, clock: HeldClock, items: list[str], tag: str) -> tuple[Any, Any]:
    """Stream ``items`` (each a list line) into an answer; its list widget, and the first row."""
    answer = await new_answer(pilot)
    view = answer.markdown
    first_row = None
    for item in items:
        for piece in (item[:4], item[4:]):  # an item arrives in two steps
            await step_text(pilot, clock, answer, piece, lambda: not view._unsent)
            lists = view.query(tag)
            if first_row is None and lists and lists.last().children:
                first_row = lists.last().children[0]
    await answer.finish()
    return view.query(tag).last(), first_row


async def _fresh_shape(pilot: Any, text: str, tag: str) -> list[tuple[str, list[str]]]:
    """The shape of the list a fresh ``Markdown`` of ``text`` shows."""
    whole = Markdown(text)
    await pilot.app.query_one(Transcript).mount(whole)
    await pilot.pause()
    return _shape(whole.query_one(tag))


async def test_a_streamed_bullet_list_keeps_its_rows_and_ends_as_markdown_shows_it() -> None:
    items = [f"- item {n} with a few words\n" for n in range(6)]
    async with running_answer_app((80, 40)) as (pilot, clock):
        streamed, first_row = await _stream_list(pilot, clock, items, "MarkdownBulletList")
        assert first_row is not None and first_row.is_attached  # updated in place throughout
        assert _shape(streamed) == await _fresh_shape(pilot, "".join(items), "MarkdownBulletList")


async def test_numbers_that_widen_the_bullets_rebuild_the_list_exactly() -> None:
    items = [f"{n}. step {n}\n" for n in range(1, 12)]  # "10." widens every bullet
    async with running_answer_app((80, 40)) as (pilot, clock):
        streamed, _ = await _stream_list(pilot, clock, items, "MarkdownOrderedList")
        assert _shape(streamed) == await _fresh_shape(pilot, "".join(items), "MarkdownOrderedList")
        assert _shape(streamed)[0][0].strip() == "1." and len(_shape(streamed)) == 11
