"""Up/down in the prompt recall earlier prompts, from this chat and from the log."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.chat_pilot import make_app, send, wait_until
from tuichat.sim.thread import SimServerThread
from tuichat.ui.widgets.prompt import PromptArea


async def ask(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    await send(pilot, text)
    await wait_until(pilot, lambda: app.turn is not None and not app.turn.running)


async def test_prompts_of_an_earlier_chat_come_back_with_up(sim: SimServerThread, tmp_path: Path):
    db = tmp_path / "t.db"
    first = make_app(sim, "sim?tokens=3", db)
    async with first.run_test() as pilot:
        await ask(pilot, "first question")
        await ask(pilot, "second\nquestion")
    app = make_app(sim, "sim?tokens=3", db)
    async with app.run_test() as pilot:
        prompt = app.query_one(PromptArea)
        await wait_until(pilot, lambda: len(prompt.recall.entries) == 2)
        await pilot.press(*"draft")
        await pilot.press("up")
        assert prompt.text == "second\nquestion" and prompt.cursor_location == (0, 6)
        await pilot.press("up")  # the cursor is on the first line: the next older
        assert prompt.text == "first question"
        await pilot.press("up")  # the oldest: nothing older, nothing lost
        assert prompt.text == "first question"
        await pilot.press("down")
        assert prompt.text == "second\nquestion" and prompt.cursor_location == (1, 8)
        await pilot.press("down")
        assert prompt.text == "draft"


async def test_up_and_down_move_the_cursor_inside_a_multiline_draft(
    sim: SimServerThread, tmp_path: Path
):
    app = make_app(sim, "sim?tokens=3", tmp_path / "t.db")
    async with app.run_test() as pilot:
        await ask(pilot, "sent before")
        prompt = app.query_one(PromptArea)
        await pilot.press("a", "ctrl+j", "b")
        await pilot.press("up")  # on the second line: the cursor moves up, no recall
        assert prompt.text == "a\nb" and prompt.cursor_location[0] == 0
        await pilot.press("down")
        assert prompt.text == "a\nb" and prompt.cursor_location[0] == 1
        await pilot.press("up", "up")
        assert prompt.text == "sent before"
        await pilot.press("down")
        assert prompt.text == "a\nb"
