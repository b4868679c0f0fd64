"""The widgets of one message in the chat: a prompt, a notice, an answer, and their parked forms.

All text here is untrusted. User prompts, notices and errors are rendered as
``Content`` built from plain strings (never parsed as markup); answers go to an
:class:`~tuichat.ui.widgets.answer_view.AnswerView`, which shows plain
``Content`` drafts and ``Markdown`` built from parsed tokens, never console
markup. Terminal control sequences were removed in the core.

Each message can be parked as text (:mod:`~tuichat.ui.widgets.hidden_history`)
and revived from it; the list that holds them is
:class:`~tuichat.ui.widgets.transcript.Transcript`.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from tuichat.core.untrusted import sanitize_text
from tuichat.ui.widgets.answer_segment import Fold
from tuichat.ui.widgets.answer_view import AnswerView
from tuichat.ui.widgets.hidden_history import Parked
from tuichat.ui.widgets.render_cache import BlankLines
from tuichat.ui.widgets.stacked_size import StackedSize


def plain(text: str) -> Content:
    """Untrusted text as inert content: no markup, no control sequences."""
    return Content(sanitize_text(text))


class UserMessage(StackedSize, Static):
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
        self.source = text
        self.turn = turn
        self.context = context
        self.can_focus = turn is not None

    def take_over(self, sent: UserMessage) -> None:
        """Become ``sent`` (a standby prompt shown for it: see :class:`Transcript`)."""
        self.source, self.turn, self.context = sent.source, sent.turn, sent.context
        self.can_focus = sent.can_focus
        self.update(plain(sent.source))

    def action_fork_here(self) -> None:
        """Ask the screen to fork the session at this turn."""
        if self.turn is not None:
            self.post_message(self.ForkRequested(self))

    def park(self) -> Parked:
        """This prompt as text (see :mod:`~tuichat.ui.widgets.hidden_history`)."""
        return ParkedPrompt(self.source, self.turn, self.context)


class Notice(Static):
    """A one-line system notice or error under a message."""

    def __init__(self, text: str, *, kind: str = "info") -> None:
        super().__init__(plain(text), classes=f"notice {kind}")
        self.source, self.kind = text, kind

    def park(self) -> Parked:
        """This notice as text."""
        return ParkedNotice(self.source, self.kind)


class AssistantMessage(StackedSize, BlankLines, Vertical):
    """An answer: streamed markdown, then a status line when it ends."""

    class Finished(Message):
        """The answer ended (its transcript parks the older answers' hidden parts)."""

        def __init__(self, answer: AssistantMessage) -> None:
            super().__init__()
            self.answer = answer

    def __init__(self, model: str, view: AnswerView | None = None) -> None:
        super().__init__(classes="message assistant")
        self.model = model
        self.markdown = view if view is not None else AnswerView(classes="answer")
        self.status: tuple[str, str] | None = None
        """The line under the answer and its kind, once it ended with one."""
        self.trace_id: str | None = None
        """The turn it answers, once known (feedback addresses answers by it)."""

    @classmethod
    def restored(cls, parked: ParkedAnswer) -> AssistantMessage:
        """The finished answer ``parked`` held, folded as it was."""
        view = AnswerView.restored(parked.text, parked.fold, classes="answer")
        message = cls(parked.model, view)
        message.status = parked.status
        message.trace_id = parked.trace_id
        return message

    @property
    def text(self) -> str:
        """The answer's text so far (held once, by the view)."""
        return self.markdown.source

    def compose(self) -> ComposeResult:
        yield self.markdown
        if self.status is not None:  # restored: the line it ended with
            yield Notice(self.status[0], kind=self.status[1])

    def append(self, text: str) -> None:
        """Add released text to the answer; it is rendered in coalesced steps."""
        self.markdown.append(text)

    async def finish(self, status: str | None = None, *, kind: str = "info") -> None:
        """Stop streaming; show ``status`` (e.g. cancelled, an error) under it."""
        await self.markdown.finish()
        if status:
            self.status = (status, kind)
            await self.mount(Notice(status, kind=kind))
        self.post_message(self.Finished(self))

    def park(self) -> Parked | None:
        """This answer as text, once it is over, idle and folded (None: not yet)."""
        if not self.markdown.at_rest:
            return None
        return ParkedAnswer(self.model, self.text, self.markdown.fold, self.status, self.trace_id)


@dataclass(frozen=True, slots=True)
class ParkedPrompt:
    """A parked :class:`UserMessage`."""

    text: str
    turn: int | None = None
    context: int | None = None

    def revive(self) -> Widget:
        return UserMessage(self.text, turn=self.turn, context=self.context)


@dataclass(frozen=True, slots=True)
class ParkedNotice:
    """A parked :class:`Notice`."""

    text: str
    kind: str

    def revive(self) -> Widget:
        return Notice(self.text, kind=self.kind)


@dataclass(frozen=True, slots=True)
class ParkedAnswer:
    """A parked :class:`AssistantMessage`: its text, fold and status line."""

    model: str
    text: str
    fold: Fold | None
    status: tuple[str, str] | None
    trace_id: str | None = None

    def revive(self) -> Widget:
        return AssistantMessage.restored(self)
