"""The multi-line prompt: Enter sends, ctrl+j adds a line, up/down recall earlier prompts.

Adding a line: ``ctrl+j`` sends a plain line feed, which every terminal and
tmux pass through unchanged, so it is the key the footer shows. Measured in
tmux 3.3a (``extended-keys off``, its default) by typing raw terminal bytes
into an attached client: ``ctrl+j`` adds a line; ``shift+enter`` arrives as a
plain Enter from a legacy terminal (it sends) and is dropped when the outer
terminal speaks the kitty or modifyOtherKeys protocol; ``alt+enter`` arrives
as ESC + CR, which Textual reads as Enter (it sends). Outside tmux,
``shift+enter`` and ``alt+enter`` add a line in terminals with the kitty
keyboard protocol (kitty, WezTerm, foot, Ghostty), so they stay as extras.

Recall: up on the first visual line shows the previous prompt, down on the
last visual line the next one, then the draft that was being typed
(:class:`~tuichat.ui.prompt_history.PromptHistory`); elsewhere up/down move
the cursor as in any editor.

Echo: an edit made from the keyboard is painted at once
(:func:`~tuichat.ui.widgets.frame_flush.paint_now`), not at the screen's next
tick. While an answer streams, the next tick often came only with the
answer's next step, and a keystroke showed with that step's frame: 30-40 ms
after the key (through a pseudo-terminal), where a frame of the prompt alone
takes ~2 ms. Inside an answer's step (a batched update) nothing is painted
early: the step's own frame shows the edit.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widgets import TextArea

from tuichat.ui.prompt_history import PromptHistory
from tuichat.ui.widgets.frame_flush import paint_now

NEWLINE_KEYS = frozenset({"shift+enter", "ctrl+j", "alt+enter"})


class PromptArea(TextArea):
    """A TextArea that submits on Enter instead of inserting a newline."""

    BINDINGS = [
        Binding("ctrl+j", "newline", "New line", id="newline"),
    ]

    _restyles = 0  # style updates so far (see render_lines)
    _keyed = False  # a key other than Enter reached the prompt: its edit is painted at once
    _styled: tuple[Any, int] | None = None  # (theme, restyles) its CSS was last applied at

    class Submitted(Message):
        """The user pressed Enter; ``text`` is the prompt (the area is not cleared)."""

        def __init__(self, prompt: PromptArea, text: str) -> None:
            super().__init__()
            self.prompt = prompt
            self.text = text

    def __init__(self, **kwargs: object) -> None:
        super().__init__(soft_wrap=True, show_line_numbers=False, **kwargs)  # type: ignore[arg-type]
        self.recall = PromptHistory()
        """Earlier prompts for up/down (filled from the log by the app; ``history`` is undo)."""

    def notify_style_update(self) -> None:
        self._restyles += 1
        super().notify_style_update()

    def render_lines(self, crop: Region) -> list[Strip]:
        """Paint; fill the theme's styles in from CSS only when the styles changed.

        TextArea applies the CSS to its theme (its colours, the cursor's, the
        selection's...) on every paint: ~0.3 ms of every keystroke's frame
        and of the frame that shows a sent prompt. They only change with a
        restyle (a theme, focus, a class: ``notify_style_update``) or another
        theme object, so the result is kept until then.
        """
        theme = self._theme
        styled = self._styled
        if theme and styled is not None and styled[0] is theme and styled[1] == self._restyles:
            return super(TextArea, self).render_lines(crop)  # TextArea's, minus apply_css
        self._styled = (theme, self._restyles)
        return super().render_lines(crop)

    async def _on_key(self, event: events.Key) -> None:
        self._keyed = event.key != "enter"  # (a sent prompt's clearing paints with the send)
        if event.key == "enter":
            self._stop(event)
            self.recall.add(self.text)
            self.post_message(self.Submitted(self, self.text))
            return
        if event.key in NEWLINE_KEYS:
            self._stop(event)
            self.action_newline()
            return
        if event.key in ("up", "down") and self._show_recalled(older=event.key == "up"):
            self._stop(event)
            return
        await super()._on_key(event)

    async def _on_text_area_changed(self, event: TextArea.Changed) -> None:
        await self._echo()

    async def _on_text_area_selection_changed(self, event: TextArea.SelectionChanged) -> None:
        await self._echo()

    async def _echo(self) -> None:
        """Paint an edit made from the keyboard now (see the module doc)."""
        if self._keyed:
            self._keyed = False
            await paint_now(self, only_root=True)

    @staticmethod
    def _stop(event: events.Key) -> None:
        event.stop()
        event.prevent_default()

    def action_newline(self) -> None:
        """Add a line at the cursor (replacing a selection)."""
        start, end = self.selection
        self.replace("\n", start, end, maintain_selection_offset=False)

    def _show_recalled(self, *, older: bool) -> bool:
        """Show an earlier (or later) prompt if the cursor is on the edge line; True if it did."""
        here = self.cursor_location
        if self.selection.start != self.selection.end:
            return False
        if older and self.navigator.is_first_wrapped_line(here):
            shown = self.recall.older(self.text)
        elif not older and self.navigator.is_last_wrapped_line(here):
            shown = self.recall.newer()
        else:
            return False
        if shown is None:
            return False
        self.replace(shown, (0, 0), self.document.end, maintain_selection_offset=False)
        first = shown.split("\n", 1)[0]
        self.move_cursor((0, len(first)) if older else self.document.end)
        return True
