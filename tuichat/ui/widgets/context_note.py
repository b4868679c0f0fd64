"""The summary the context policy sent in place of the oldest messages: a collapsible note.

It sits in the transcript where the summary was made, folded to its title
(``▶ Context: 6 earlier messages summarised by mini``); opened, it shows the
summary as sent, as inert text (model output is untrusted). Like the other
messages it can be parked as text when far out of view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from textual.content import Content
from textual.widget import Widget
from textual.widgets import Collapsible, Static

from tuichat.core.untrusted import sanitize_text


class SummaryNote(Collapsible):
    """A folded note holding the summary that now stands for the oldest messages."""

    DEFAULT_CSS = """
    SummaryNote { color: $text-muted; margin: 0 1; }
    """

    def __init__(self, title: str, summary: str) -> None:
        super().__init__(
            Static(Content(sanitize_text(summary)), classes="summary-text"),
            title=cast(str, Content(sanitize_text(title))),  # inert: never parsed as markup
            collapsed=True,
            classes="context-summary",
        )
        self.source_title, self.summary = title, summary

    def park(self) -> ParkedSummary:
        """This note as text (see :mod:`~tuichat.ui.widgets.hidden_history`)."""
        return ParkedSummary(self.source_title, self.summary)


@dataclass(frozen=True, slots=True)
class ParkedSummary:
    """A parked :class:`SummaryNote`."""

    title: str
    summary: str

    def revive(self) -> Widget:
        return SummaryNote(self.title, self.summary)
