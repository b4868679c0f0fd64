"""The feedback dialog: thumbs up or down on an answer, with an optional one-line comment.

::

    ┌ Rate answer 3 ─────────────────────────────┐
    │ ▸ 👍 good      👎 bad                       │
    │ [ comment (optional)                      ] │
    │ + good · - bad · Enter saves · Esc cancels │
    └────────────────────────────────────────────┘

The comment box has the focus from the start, so a comment is typed at once;
``+`` and ``-`` pick the rating while the box is empty or still holds the
earlier comment, wholly selected (after that they are text); ↑/↓ always do.
Typing replaces an earlier comment; Enter keeps it. Enter with no rating chosen says so and stays.
The comment is one line (the Input cannot hold a newline), at most
:data:`MAX_COMMENT` characters; everything shown is plain content.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tuichat.core.feedback.records import DOWN, UP, Rating

MAX_COMMENT = 200
"""Characters a comment may have (one line under the answer, one cell in an export)."""
GLYPHS: dict[int, str] = {UP: "👍", DOWN: "👎"}
HINT = "+ good · - bad · Enter saves · Esc cancels"


@dataclass(frozen=True, slots=True)
class FeedbackChoice:
    """What the dialog returns: the rating and the comment (None: no comment)."""

    rating: Rating
    comment: str | None


class CommentInput(Input):
    """The comment box: ``+`` / ``-`` choose the rating while it is untouched, else are text."""

    async def _on_key(self, event: events.Key) -> None:
        if event.character in ("+", "-") and self._untouched:
            event.stop()
            event.prevent_default()
            screen = self.screen
            if isinstance(screen, FeedbackDialog):
                screen.choose(UP if event.character == "+" else DOWN)
            return
        await super()._on_key(event)

    @property
    def _untouched(self) -> bool:
        """Empty, or the earlier comment still wholly selected (as the dialog opened)."""
        start, end = sorted(self.selection)
        return not self.value or (start, end) == (0, len(self.value))


class FeedbackDialog(ModalScreen[FeedbackChoice | None]):
    """Rate one answer; returns the choice, or None when cancelled."""

    DEFAULT_CSS = """
    FeedbackDialog {
        align: center middle;
        background: $background 60%;
    }
    #feedback-dialog {
        width: 56;
        height: auto;
        padding: 0 1;
        border: round $accent;
        background: $surface;
    }
    #feedback-rating { height: 1; margin-bottom: 1; }
    #feedback-hint { color: $text-muted; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="feedback-cancel"),
        Binding("up", "choose_up", "Good", show=False, id="feedback-up"),
        Binding("down", "choose_down", "Bad", show=False, id="feedback-down"),
    ]

    def __init__(
        self, title: str, rating: Rating | None = None, comment: str | None = None
    ) -> None:
        super().__init__(id="feedback")
        self.title_text = title
        self.rating: Rating | None = rating
        self._comment = comment or ""

    def compose(self) -> ComposeResult:
        with Vertical(id="feedback-dialog") as dialog:
            dialog.border_title = self.title_text
            yield Static(self._rating_line(), id="feedback-rating")
            yield CommentInput(
                self._comment,
                placeholder="comment (optional)",
                max_length=MAX_COMMENT,
                id="feedback-comment",
            )
            yield Static(HINT, id="feedback-hint")

    def on_mount(self) -> None:
        self.query_one(CommentInput).focus()

    def _rating_line(self) -> Content:
        parts: list[str | tuple[str, str]] = []
        for rating, word in ((UP, "good"), (DOWN, "bad")):
            chosen = rating == self.rating
            text = f"{'▸' if chosen else ' '} {GLYPHS[rating]} {word} "
            parts += [(text, "bold reverse") if chosen else (text, "dim"), "    "]
        return Content.assemble(*parts)

    def choose(self, rating: Rating) -> None:
        """Pick ``rating`` (the line shows it at once)."""
        self.rating = rating
        self.query_one("#feedback-rating", Static).update(self._rating_line())

    def action_choose_up(self) -> None:
        """↑: thumbs up."""
        self.choose(UP)

    def action_choose_down(self) -> None:
        """↓: thumbs down."""
        self.choose(DOWN)

    def action_cancel(self) -> None:
        """Esc: nothing is saved."""
        self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: save the rating and the comment, if a rating was chosen."""
        event.stop()
        if self.rating is None:
            self.notify("Choose + (good) or - (bad) first.", timeout=3, markup=False)
            return
        comment = " ".join(event.value.split()) or None
        self.dismiss(FeedbackChoice(self.rating, comment))
