"""The chat transcript: one widget per message, answers streamed as markdown.

All text here is untrusted. User prompts, notices and errors are rendered as
``Content`` built from plain strings (never parsed as markup); answers go to an
:class:`~tuichat.ui.widgets.answer_view.AnswerView`, which shows plain
``Content`` drafts and ``Markdown`` built from parsed tokens, never console
markup. Terminal control sequences were removed in the core.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from tuichat.core.clock import Clock
from tuichat.core.untrusted import sanitize_text
from tuichat.ui.widgets.answer_pacing import StreamingAnswers
from tuichat.ui.widgets.answer_view import AnswerView


def plain(text: str) -> Content:
    """Untrusted text as inert content: no markup, no control sequences."""
    return Content(sanitize_text(text))


class UserMessage(Static):
    """A prompt the user sent; numbered, it can be focused (click, tab) and forked from.

    ``turn`` is its turn number as shown (1-based); ``context`` is how many
    messages the conversation held before this prompt was sent, so a fork of a
    live chat at this turn keeps exactly what the model saw after it. A logged
    session forks through its turns instead and needs only ``turn``.
    """

    BINDINGS = [Binding("f", "fork_here", "Fork here", id="fork-here")]
    DEFAULT_CSS = """
    UserMessage:focus { background: $boost; }
    """

    class ForkRequested(Message):
        """The user asked for a new session sharing the history through ``prompt``'s turn."""

        def __init__(self, prompt: UserMessage) -> None:
            super().__init__()
            self.prompt = prompt

    def __init__(self, text: str, *, turn: int | None = None, context: int | None = None) -> None:
        super().__init__(plain(text), classes="message user")
        self.turn = turn
        self.context = context
        self.can_focus = turn is not None

    def action_fork_here(self) -> None:
        """Ask the screen to fork the session at this turn."""
        if self.turn is not None:
            self.post_message(self.ForkRequested(self))


class Notice(Static):
    """A one-line system notice or error under a message."""

    def __init__(self, text: str, *, kind: str = "info") -> None:
        super().__init__(plain(text), classes=f"notice {kind}")


class AssistantMessage(Vertical):
    """An answer: streamed markdown, then a status line when it ends."""

    def __init__(self, model: str) -> None:
        super().__init__(classes="message assistant")
        self.model = model
        self.markdown = AnswerView(classes="answer")
        self.text = ""

    def compose(self) -> ComposeResult:
        yield self.markdown

    def append(self, text: str) -> None:
        """Add released text to the answer; it is rendered in coalesced steps."""
        self.text += text
        self.markdown.append(text)

    async def finish(self, status: str | None = None, *, kind: str = "info") -> None:
        """Stop streaming; show ``status`` (e.g. cancelled, an error) under it."""
        await self.markdown.finish()
        if status:
            await self.mount(Notice(status, kind=kind))
        if isinstance(self.parent, Transcript):
            self.parent.park_older(self.markdown)


class Transcript(VerticalScroll):
    """The scrolling list of messages; sticks to the bottom while streaming.

    Its answers share one :class:`StreamingAnswers`, so the idle rendering
    of a finished answer yields to one that streams, and (if given) one
    ``clock`` to pace them by.
    """

    def __init__(self, *, clock: Clock | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.answers = StreamingAnswers()
        self._clock = clock

    async def add(self, widget: Static | AssistantMessage) -> None:
        """Append a message and keep the newest in view.

        A new answer parks the rendered parts of older answers that are out
        of view, so a long conversation does not slow down the next stream.
        """
        if isinstance(widget, AssistantMessage):
            widget.markdown.join(self.answers, self._clock)
            self.park_older(widget.markdown)
        await self.mount(widget)
        self.anchor()

    def park_older(self, newest: AnswerView) -> None:
        """Ask the other answers to park (or fold) what is out of view, when idle."""
        for view in self.query(AnswerView):
            if view is not newest:
                view.park_hidden()
