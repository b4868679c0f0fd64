"""The answer's widgets are used once, hidden, while the chat is quiet after start-up.

What a first use costs (the app's stylesheet parsed again for a new widget
class's CSS, a fence's lexer) is then paid before the first message, and the
warm-up leaves nothing behind on the screen but the transcript's standby
exchange (hidden; the first send shows it).
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.css.stylesheet import Stylesheet
from textual.widgets import Static

from tests.helpers.chat_pilot import make_app, send, wait_until
from tuichat.sim.answers import answer_text
from tuichat.sim.thread import SimServerThread
from tuichat.ui.warm_widgets import SAMPLES, code_guess_step, widget_steps
from tuichat.ui.widgets.answer_segment import AnswerMarkdown
from tuichat.ui.widgets.markdown_blocks import render_parser
from tuichat.ui.widgets.messages import AssistantMessage, UserMessage
from tuichat.ui.widgets.transcript import Transcript


class Bare(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("chat", id="chat")
        yield Transcript()


async def _parses_in_first_exchange(app: App[None], pilot: Any) -> int:
    """How often the stylesheet is parsed while the first message's widgets mount.

    (What that mounts: a prompt, an answer, markdown of every kind.)
    """
    parses: list[None] = []
    real = Stylesheet.parse

    def parse(stylesheet: Stylesheet) -> None:
        parses.append(None)
        real(stylesheet)

    Stylesheet.parse = parse  # type: ignore[method-assign]
    try:
        await app.screen.mount_all([UserMessage("hi"), AssistantMessage("m")])
        markdown = AnswerMarkdown(parser_factory=render_parser())
        await app.screen.mount(markdown)
        await markdown.append("".join(text for _, text in SAMPLES))
        await pilot.pause()
    finally:
        Stylesheet.parse = real  # type: ignore[method-assign]
    return len(parses)


async def test_after_the_warm_up_the_first_exchange_parses_no_css() -> None:
    app = Bare()
    async with app.run_test() as pilot:
        before = list(app.screen.children)
        transcript = app.query_one(Transcript)
        for step in widget_steps(app, transcript.ready_standby):
            await step.load()  # type: ignore[misc]
        await pilot.pause()
        assert list(app.screen.children) == before  # nothing left behind ...
        assert transcript.standby is not None and transcript.shown_messages == []  # ... but it
        assert await _parses_in_first_exchange(app, pilot) == 0


async def test_without_it_the_first_exchange_parses_the_css_again() -> None:
    app = Bare()  # (the check above would pass vacuously if a first use parsed nothing)
    async with app.run_test() as pilot:
        assert await _parses_in_first_exchange(app, pilot) > 0


async def test_the_chat_warms_its_widgets_first_and_they_leave_nothing_behind(
    sim: SimServerThread, tmp_path: Path
) -> None:
    app = make_app(sim, "sim?tokens=20&ttft_ms=0&tps=0", tmp_path / "t.db")
    async with app.run_test(size=(120, 40)) as pilot:
        steps = app._warm_up_steps()  # (when each runs is test_warm_up's, on a held clock)
        widgets = [step.name for step in widget_steps(app, app.transcript.ready_standby)]
        assert [step.name for step in steps[: len(widgets)]] == widgets  # the first send's
        assert steps[-1].name == code_guess_step().name  # the least urgent, last
        before = list(app.screen.children)
        for step in steps[: len(widgets)]:
            await step.load()  # type: ignore[misc]
        await pilot.pause()
        assert list(app.screen.children) == before
        standby = app.transcript.standby
        assert standby is not None and app.transcript.shown_messages == []
        await send(pilot, "hello")
        answer = app.query_one(AssistantMessage)
        assert answer is standby.answer  # the first send shows the warmed exchange
        await wait_until(pilot, lambda: answer.text == answer_text("prose", 20))


def test_the_language_guess_is_warmed_in_a_thread() -> None:
    guess = code_guess_step()
    assert not inspect.iscoroutinefunction(guess.load)  # blocking: the warm-up runs it in a thread
    assert isinstance(guess.load(), str)  # (Pygments' lexers are loaded now)
