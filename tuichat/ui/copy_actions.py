"""Copying without a mouse selection: the last answer, or a code block.

A mixin of the chat app. ``ctrl+t`` copies the last answer's text;
``ctrl+g`` copies the code block under the mouse pointer, else the last code
block of the latest answer that has one. Both go through Textual's
``App.copy_to_clipboard`` (OSC 52: most terminals; tmux needs
``set -g set-clipboard on``) and a toast says what was copied.

What is copied is what the screen shows: the text goes through the same
sanitizer as every display edge, so an escape sequence in a model's answer
never reaches the clipboard (and from there a shell).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from textual.app import SystemCommand
from textual.binding import Binding
from textual.widget import Widget

from tuichat.core.untrusted import sanitize_text
from tuichat.ui.code_blocks import CodeBlock, code_blocks, copied_answer, copied_code
from tuichat.ui.widgets.messages import AssistantMessage

if TYPE_CHECKING:
    from textual.screen import Screen

    from tuichat.ui.app import TuichatApp

COPY_BINDINGS = [
    Binding("ctrl+t", "copy_answer", "Copy answer", show=False, id="copy-answer"),
    Binding("ctrl+g", "copy_code", "Copy code", show=False, id="copy-code"),
]
"""Free in the app, the HUD, the cache keys and the prompt's TextArea (which takes
ctrl+a/c/d/e/k/u/v/w/x/y/z, f6, f7); ctrl+s, f3, f4 stay for the stats screen."""


class CopyActions:
    """The chat app's copy keys (a mixin of :class:`~tuichat.ui.app.TuichatApp`)."""

    @property
    def _copying_app(self) -> TuichatApp:
        return cast("TuichatApp", self)

    def action_copy_answer(self) -> None:
        """Copy the latest answer's text (as shown) and say how much."""
        app = self._copying_app
        answers = [a for a in app.query(AssistantMessage) if a.text.strip()]
        if not answers:
            app.notify("No answer to copy yet.", timeout=3)
            return
        text = sanitize_text(answers[-1].text)
        app.copy_to_clipboard(text)
        app.notify(copied_answer(text), timeout=3, markup=False)

    def action_copy_code(self) -> None:
        """Copy the code block under the mouse pointer, else the last one shown."""
        app = self._copying_app
        found = _pointed_block(app.mouse_over) or _last_block(app.query(AssistantMessage))
        if found is None:
            app.notify("No code block in the answers on screen.", timeout=3)
            return
        block, where = found
        app.copy_to_clipboard(sanitize_text(block.code))
        app.notify(copied_code(block, where), timeout=3, markup=False)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Command palette: the two copies (the app's own entries follow)."""
        yield SystemCommand(
            "Copy the last answer (ctrl+t)", "Its text, to the clipboard", self.action_copy_answer
        )
        yield SystemCommand(
            "Copy a code block (ctrl+g)",
            "The block under the mouse pointer, else the last one",
            self.action_copy_code,
        )
        yield from super().get_system_commands(screen)  # type: ignore[misc]


def _pointed_block(widget: Widget | None) -> tuple[CodeBlock, str] | None:
    """The code block the mouse pointer is over (None: it is over none)."""
    from textual.widgets.markdown import MarkdownFence

    node = widget
    while node is not None and not isinstance(node, MarkdownFence):
        node = node.parent if isinstance(node.parent, Widget) else None
    if node is None:
        return None
    return CodeBlock(node.code, node.lexer or ""), "the block under the pointer"


def _last_block(answers: Iterable[AssistantMessage]) -> tuple[CodeBlock, str] | None:
    """The last code block of the latest answer that has one."""
    for answer in reversed(list(answers)):
        if blocks := code_blocks(answer.text):
            count = len(blocks)
            where = "the last code block" if count == 1 else f"the last of {count} code blocks"
            return blocks[-1], where
    return None
