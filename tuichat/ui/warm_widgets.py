"""The answer's widgets used once, out of sight, while the chat is quiet after start-up.

The first time a widget class is mounted, Textual adds its CSS and parses the
app's stylesheet again; the first fence loads its Pygments lexer; the first
table, list and heading build their styles. Measured headlessly, the first
markdown rendering of a sample with one block of each kind took 53 ms and
every later one 15 ms; in the chat, the first exchange's widgets took 10.7 ms
to mount against ~5 ms for the second. Paid in the first answer, that is a
stall the user sees (the longest gap between screen updates of a markdown
answer, the first message's first paint).

:func:`widget_steps` are warm-up steps (:mod:`~tuichat.ui.warm_up`: each
runs only when the chat has been quiet for a while, on the event loop, one
small step at a time): the first mounts the transcript's standby exchange (a
hidden prompt and answer the next send shows:
:class:`~tuichat.ui.widgets.transcript.Transcript`), each other one mounts a
hidden holder with a markdown sample of one kind of block, and removes it;
:func:`code_guess_step` guesses the language of a fence that names none, in
a thread (Textual's first guess loads every Pygments lexer: ~90 ms, a freeze
in the middle of the first answer with such a fence). Whatever was not
warmed when the first message is sent is paid then, as before.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.highlight import guess_language
from textual.widget import Widget

from tuichat.ui.warm_up import HOLDING_QUIET_S, WarmStep
from tuichat.ui.widgets.answer_segment import AnswerMarkdown
from tuichat.ui.widgets.markdown_blocks import render_parser

if TYPE_CHECKING:
    from textual.app import App

CODE = "def f(x):\n    return x\n"
"""Code for the samples: in a fence that names its language, and one that does not (Textual
guesses one, and its first guess loads every Pygments lexer: ~90 ms; later ones ~1 ms)."""

SAMPLES = (
    ("prose", "# Heading\n\nSome *prose* with `code` and a [link](https://example.com).\n"),
    ("lists", "- one\n- two\n  - nested\n\n1. first\n2. second\n"),
    ("quote", "> a quote\n\n---\n\n## Heading\n"),
    ("fence", f"```python\n{CODE}```\n"),
    ("table", "| a | b |\n|---|---|\n| 1 | 2 |\n"),
)
"""Markdown of each kind of block an answer shows, one warm-up step each (~10 ms apiece)."""


def widget_steps(app: App[Any], standby: Callable[[], Awaitable[None]]) -> list[WarmStep]:
    """Warm-up steps: ``standby`` (mount the standby exchange), then each kind of block."""
    steps = [WarmStep("widgets: exchange", standby)]
    steps.extend(
        WarmStep(f"widgets: {name}", partial(_hidden, app, partial(_markdown, text)))
        for name, text in SAMPLES
    )
    return steps


def code_guess_step() -> WarmStep:
    """A language guess for a fence that names none (the warm-up's last step: least urgent).

    Blocking (imports): the warm-up runs it in a thread, after the longer
    quiet that the encodings wait for too.
    """
    guess = partial(guess_language, CODE, None)
    return WarmStep("widgets: code guess", guess, quiet_s=HOLDING_QUIET_S)


async def _hidden(app: App[Any], fill: Callable[[Widget], Awaitable[None]]) -> None:
    """Mount a hidden holder on the current screen, ``fill`` it, then remove it."""
    holder = Widget()
    holder.display = False
    await app.screen.mount(holder)
    try:
        await fill(holder)
    finally:
        await holder.remove()


async def _markdown(text: str, holder: Widget) -> None:
    markdown = AnswerMarkdown(parser_factory=render_parser())
    await holder.mount(markdown)
    await markdown.append(text)
