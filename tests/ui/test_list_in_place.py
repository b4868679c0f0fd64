"""A markdown list streamed into the live tail grows where it stands.

Each step updates the rows the list has (same widgets) and mounts only new
items; numbers that widen the bullets renumber the rows; whatever cannot be
updated in place is rebuilt by Textual. Either way the list ends exactly as
a fresh ``Markdown`` shows it.
"""

from __future__ import annotations

import gc
from typing import Any

import pytest
from textual.widgets import Markdown
from textual.widgets._markdown import MarkdownListItem, MarkdownParagraph

from tests.helpers.answer_app import new_answer, running_answer_app, screen_cells, step_text
from tests.helpers.held_clock import HeldClock
from tuichat.ui.widgets import full_collections, list_in_place
from tuichat.ui.widgets.answer_segment import AnswerMarkdown
from tuichat.ui.widgets.transcript import Transcript


def _shape(markdown_list: Any) -> list[tuple[str, list[str]]]:
    """Each row of a list widget: its bullet and the plain text of its blocks."""
    rows = []
    for row in markdown_list.children:
        bullet, body = row.children
        blocks = [body] if isinstance(body, MarkdownParagraph) else body.children  # a flat row
        rows.append((str(bullet.symbol), [str(block._content.plain) for block in blocks]))
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


async def test_numbers_that_widen_renumber_the_rows_in_place_as_markdown_shows_them() -> None:
    line = "long enough to wrap onto a second line at this width"
    items = [f"{n}. step {n}, {line}\n" for n in range(1, 13)]
    async with running_answer_app((40, 60)) as (pilot, clock):
        streamed, first_row = await _stream_list(pilot, clock, items, "MarkdownOrderedList")
        assert first_row is not None and first_row.is_attached  # "10." renumbered the rows
        assert _shape(streamed) == await _fresh_shape(pilot, "".join(items), "MarkdownOrderedList")
        assert _shape(streamed)[0][0] == "  1. " and len(_shape(streamed)) == 12
        await pilot.pause(0.1)
        streamed_cells = screen_cells(pilot.app, streamed.region)
    async with running_answer_app((40, 60)) as (pilot, clock):
        answer = await new_answer(pilot)
        await step_text(pilot, clock, answer, "".join(items), lambda: not answer.markdown._unsent)
        await answer.finish()
        await pilot.pause(0.1)
        whole = answer.markdown.query("MarkdownOrderedList").last()
        assert screen_cells(pilot.app, whole.region) == streamed_cells


ITEMS = [
    "- a short item\n",
    "- an item with `code`, **bold** and a [link](https://example.com), long enough to wrap "
    "onto a second line under its own text\n",
    "- an item with a nested list\n  - inside it\n",
    "\n1. numbered\n2. and numbered again, also long enough to wrap onto a second line of "
    "the screen\n",
]


async def _list_cells() -> list[list[tuple[str, object]]]:
    """The screen's cells, text and style, once ``ITEMS`` have streamed into an answer."""
    async with running_answer_app((60, 30)) as (pilot, clock):
        answer = await new_answer(pilot)
        for item in ITEMS:
            await step_text(pilot, clock, answer, item, lambda: not answer.markdown._unsent)
        await answer.finish()
        await pilot.pause(0.1)
        return screen_cells(pilot.app)


async def test_a_one_paragraph_item_is_a_flat_row_that_looks_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    flat = await _list_cells()
    monkeypatch.setattr(list_in_place, "flat_row", lambda row: row)  # Textual's rows
    assert flat == await _list_cells()
    monkeypatch.undo()
    assert any("inside it" in text for row in flat for text, _ in row)
    async with running_answer_app((60, 30)) as (pilot, clock):
        answer = await new_answer(pilot)
        for item in ITEMS[:2]:
            await step_text(pilot, clock, answer, item, lambda: not answer.markdown._unsent)
        lists = answer.markdown.query("MarkdownBulletList")
        assert lists
        for row in lists.last().children:
            assert isinstance(row.children[1], MarkdownParagraph)  # no column between


async def test_a_list_numbered_lazily_streams_in_place_and_ends_numbered_as_markdown_shows_it() -> (
    None
):
    items = [f"1. step {n}\n" for n in range(1, 8)]  # every item "1.": Textual counts up
    async with running_answer_app((80, 40)) as (pilot, clock):
        streamed, first_row = await _stream_list(pilot, clock, items, "MarkdownOrderedList")
        assert first_row is not None and first_row.is_attached  # new items only were composed
        shape = _shape(streamed)
        assert shape == await _fresh_shape(pilot, "".join(items), "MarkdownOrderedList")
        assert [symbol.strip() for symbol, _ in shape] == [f"{n}." for n in range(1, 8)]


async def test_a_step_updates_only_the_items_that_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    async with running_answer_app((80, 40)) as (pilot, clock):
        answer = await new_answer(pilot)
        view = answer.markdown
        for item in ("- first item\n", "- second item\n", "- third"):
            await step_text(pilot, clock, answer, item, lambda: not view._unsent)
        rows = list(view.query("MarkdownBulletList").last().children)
        updated: list[str] = []
        real = MarkdownParagraph._update_from_block

        async def spy(paragraph: Any, block: Any) -> None:
            updated.append(str(block._content.plain))
            await real(paragraph, block)

        monkeypatch.setattr(MarkdownParagraph, "_update_from_block", spy)
        await step_text(pilot, clock, answer, " item grows", lambda: not view._unsent)
        await step_text(pilot, clock, answer, "\n- fourth", lambda: not view._unsent)
        assert updated == ["third item grows"]  # the first two rows were left as they were
        assert list(view.query("MarkdownBulletList").last().children)[:3] == rows
        await answer.finish()


async def test_what_a_step_parses_and_drops_is_freed_while_the_answer_streams(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Full collections are held while it streams: the dropped parts must not wait for one.

    (Each step here parses the whole list, as the first steps of a list do,
    not only its last item: ``test_list_resume``.)
    """
    monkeypatch.setattr(list_in_place.ListInPlace, "resume_line", lambda *_: None)
    items = [f"- item {n} with a few words\n" for n in range(12)]
    async with running_answer_app((80, 40)) as (pilot, clock):
        answer = await new_answer(pilot)
        view = answer.markdown
        for item in items:
            for piece in (item[:4], item[4:]):
                await step_text(pilot, clock, answer, piece, lambda: not view._unsent)
        assert full_collections.FULL_COLLECTIONS.held  # (the streaming answer holds them)
        mine = {id(markdown) for markdown in view.query(AnswerMarkdown)}
        parsed = [  # (this answer's: other tests' apps may not be collected yet)
            o
            for o in gc.get_objects()
            if isinstance(o, MarkdownListItem) and id(o._markdown_ref()) in mine
        ]
        assert len(parsed) <= len(items)  # each step parsed them all: 32 had piled up
        await answer.finish()
