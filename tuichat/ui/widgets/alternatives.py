"""The line under a regenerated answer: which alternative is shown and how to browse.

``answer 2/3 · gpt-4o-mini · strict — alt+← → to browse, enter keeps`` while the
alternatives are open; the texts are the user's model names and strategy
words, shown inert (never markup). Once one is kept, the line is replaced
by a :class:`~tuichat.ui.widgets.messages.Notice` (which can be parked
with the rest of the transcript).
"""

from __future__ import annotations

from textual.widgets import Static

from tuichat.ui.widgets.messages import plain

BROWSE_HINT = "alt+← → to browse, enter keeps"


def alternative_line(index: int, count: int, model: str, strategy: str) -> str:
    """``answer 2/3 · model · strategy`` (1-based ``index``)."""
    return f"answer {index}/{count} · {model} · {strategy}"


class AlternativesBar(Static):
    """One line naming the shown alternative, with the browse keys."""

    DEFAULT_CSS = """
    AlternativesBar { color: $text-accent; padding: 0 1; height: 1; }
    """

    def __init__(self) -> None:
        super().__init__(classes="alternatives")
        self.source = ""

    def show_line(self, line: str, *, hint: str | None = BROWSE_HINT) -> None:
        """Show ``line`` and, while browsing makes sense, the key hint after it."""
        self.source = f"{line} — {hint}" if hint else line
        self.update(plain(self.source))
