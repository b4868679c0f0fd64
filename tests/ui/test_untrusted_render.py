"""Untrusted text renders inert in the widgets: markup stays literal, escapes vanish."""

from __future__ import annotations

from textual.app import App, ComposeResult

from tuichat.ui.widgets.messages import Notice, UserMessage

HOSTILE = "[bold]x[/bold] [@click=app.quit]quit[/] [/unbalanced] \x1b]52;c;aGk=\x07\x1b[31mred"


class Harness(App[None]):
    def compose(self) -> ComposeResult:
        yield UserMessage(HOSTILE)
        yield Notice(HOSTILE, kind="error")


async def test_markup_and_escapes_are_inert_in_prompts_and_notices() -> None:
    app = Harness()
    async with app.run_test() as pilot:
        await pilot.click(UserMessage)  # a click on an "@click" span must do nothing
        await pilot.pause()
        assert app.is_running
        for widget in (app.query_one(UserMessage), app.query_one(Notice)):
            shown = str(widget.render())
            assert "[bold]x[/bold]" in shown and "[@click=app.quit]quit[/]" in shown
            assert "[/unbalanced]" in shown
            assert "\x1b" not in shown and "red" in shown
