"""The live comparison: one prompt, two or three models side by side.

Pushed by the chat (:mod:`tuichat.ui.compare_actions`) with the prompt and
one session per model. Every column starts its turn at once and reads it in
its own worker, so a fast model finishes while a slow one still streams —
there is no await they share. ctrl+c cancels every column still running
(partials kept, logged as cancelled); ``d`` shows a word diff of two answers
once all are done (with three, each press moves to the next pair); escape
goes back to the chat (cancelling first, when something still runs) and
hands the chat a summary: one line per model with its figures.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from itertools import combinations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Static

from tuichat.core.turn.chat import ChatSession
from tuichat.core.untrusted import neutralise, one_line
from tuichat.headless.word_diff import WordDiff, word_diff
from tuichat.ui.compare_view import CompareColumn

DIFF_KEY = "d"


def diff_text(left: str, right: str, diff: WordDiff, limit: int = 1200) -> Text:
    """``a → b: 72% same (+12 −15 words)`` and the changes, removed struck, added green."""
    text = Text(one_line(f"word diff {left} → {right}: {diff.summary()}") + "\n", style="bold")
    shown = 0
    for op, words in diff.ops:
        if shown > limit:
            text.append(" …")
            break
        safe = neutralise(words)
        shown += len(safe)
        if op == "same":
            text.append(safe + " ")
        elif op == "removed":
            text.append(safe, style="red strike")
            text.append(" ")
        else:
            text.append(safe, style="green underline")
            text.append(" ")
    return text


class CompareLiveScreen(Screen[str]):
    """Columns of answers to one prompt, each streaming on its own."""

    owns_cancel = True
    """ctrl+c is this screen's (the chat app lets it through: ``compare_owns``)."""
    DEFAULT_CSS = """
    CompareLiveScreen #compare-prompt {
        height: auto; max-height: 3; padding: 0 1; text-style: bold;
        border-left: thick $primary; margin: 0 0 1 0;
    }
    CompareLiveScreen #compare-columns { height: 1fr; }
    CompareLiveScreen .compare-column {
        width: 1fr; height: 1fr; padding: 0 1; border-right: vkey $panel;
    }
    CompareLiveScreen .compare-column:last-of-type { border-right: none; }
    CompareLiveScreen .compare-head {
        text-style: bold; color: $accent; height: 1; text-wrap: nowrap; text-overflow: ellipsis;
    }
    CompareLiveScreen .compare-answer { height: 1fr; }
    CompareLiveScreen .compare-figures { height: auto; max-height: 2; color: $text-muted; }
    CompareLiveScreen #compare-diff {
        display: none; height: auto; max-height: 12; padding: 0 1; border-top: hkey $panel;
    }
    CompareLiveScreen #compare-diff.shown { display: block; }
    """
    BINDINGS = [
        Binding("ctrl+c", "cancel_all", "Cancel all", priority=True, id="compare-cancel"),
        Binding(DIFF_KEY, "diff", "Word diff", id="compare-diff"),
        Binding("escape", "back", "Back to chat", id="compare-back"),
    ]

    def __init__(self, prompt: str, seats: Sequence[tuple[str, ChatSession]]) -> None:
        super().__init__()
        self.prompt = prompt
        self.columns = [
            CompareColumn(name, session, id=f"compare-{i}")
            for i, (name, session) in enumerate(seats)
        ]
        self._pairs = list(combinations(range(len(self.columns)), 2))
        self._next_pair = 0

    def compose(self) -> ComposeResult:
        yield Static(one_line(f"› {self.prompt}"), id="compare-prompt", markup=False)
        with Horizontal(id="compare-columns"):
            yield from self.columns
        yield Static("", id="compare-diff")
        yield Footer()

    def on_mount(self) -> None:
        """Send to every model first, then read each turn in its own worker."""
        for column in self.columns:
            column.start(self.prompt)
        for column in self.columns:
            self.run_worker(
                column.stream(),
                name=f"compare {column.seat}",
                group=f"compare-{column.id}",
                description=f"stream {column.seat}'s answer",
                exit_on_error=False,
            )

    @property
    def running(self) -> bool:
        """True while any column is still answering."""
        return any(column.running for column in self.columns)

    async def all_done(self) -> None:
        """Return once every column's turn ended."""
        await asyncio.gather(*(column.done.wait() for column in self.columns))

    def action_cancel_all(self) -> None:
        """ctrl+c: cancel every column still answering (partials kept)."""
        if not self.running:
            self.app.notify("Nothing to cancel. escape goes back to the chat.", timeout=2)
            return
        for column in self.columns:
            column.cancel()

    def action_back(self) -> None:
        """escape: back to the chat; while answers stream, cancel them first."""
        if self.running:
            self.action_cancel_all()
            self.app.notify("Cancelled; escape again goes back to the chat.", timeout=3)
            return
        self.dismiss(self.summary())

    def summary(self) -> str:
        """What the chat keeps of the comparison: the prompt, then each model's figures."""
        lines = [one_line(f"Compared on: {self.prompt}")]
        lines += [f"{column.seat}: {column.figures}" for column in self.columns]
        return "\n".join(lines)

    def action_diff(self) -> None:
        """``d``: the word diff of the next pair of answers (all must be done)."""
        if self.running:
            self.app.notify("The diff waits for every answer to end.", timeout=2)
            return
        first, second = self._pairs[self._next_pair % len(self._pairs)]
        self._next_pair += 1
        left, right = self.columns[first], self.columns[second]
        diff = word_diff(left.text, right.text)
        self.query_one("#compare-diff", Static).update(diff_text(left.seat, right.seat, diff))
        self.query_one("#compare-diff").add_class("shown")
