"""The footer says how to add a line, and that key (ctrl+j, a plain line feed) works."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.chat_pilot import make_app
from tuichat.sim.thread import SimServerThread
from tuichat.ui.keymap import apply_keymap
from tuichat.ui.widgets.chat_footer import ChatFooter
from tuichat.ui.widgets.prompt import PromptArea


async def test_the_footer_shows_the_newline_key(sim: SimServerThread, tmp_path: Path):
    app = make_app(sim, "sim", tmp_path / "t.db")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        keys = {k.description: k.key_display for k in app.query_one(ChatFooter).items()}
        assert keys["New line"] == "^j"
        await pilot.press("a", "ctrl+j", "b")
        assert app.query_one(PromptArea).text == "a\nb"


async def test_the_newline_key_can_be_remapped_by_id(sim: SimServerThread, tmp_path: Path):
    app = make_app(sim, "sim", tmp_path / "t.db")
    async with app.run_test() as pilot:
        apply_keymap(app, {"newline": "ctrl+t"})  # ctrl+t copies by default: the user's choice
        await pilot.press("a", "ctrl+t", "b")
        assert app.query_one(PromptArea).text == "a\nb"
