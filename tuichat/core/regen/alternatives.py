"""The answers to one prompt: the original, then each regeneration, and the one kept.

:class:`Alternatives` owns the tail of the history while they exist: the
conversation always ends with the prompt and the *shown* alternative, so
whatever is on screen is what the next turn's history contains. A
regeneration (:meth:`Alternatives.start`) takes that exchange out, builds one
turn with the strategy's changes (route, system prompt, the cache skipped —
an identical question would be served the answer being replaced) and puts the
session back as it was: only that turn's requests differ. When the turn
ended (:meth:`Alternatives.ended`) the history is settled again: a new answer
becomes the shown one; a turn that produced nothing leaves the history as it
was before the regeneration.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tuichat.core.conversation import Conversation
from tuichat.core.regen.strategy import Strategy, adjust_route, system_for
from tuichat.core.turn.chat import ChatSession, RouteModel
from tuichat.core.turn.turn import Turn


@dataclass
class Alternative:
    """One answer to the prompt: its turn, the model asked first, how it was asked."""

    trace_id: str
    model: str
    strategy: str
    text: str = ""


class Alternatives:
    """The alternatives of the last exchange and which one is shown (and so in the history)."""

    def __init__(self, question: str, prefix: int, original: Alternative) -> None:
        self.question = question
        self.prefix = prefix
        """How many messages precede the prompt in the history."""
        self.items = [original]
        self.shown = 0
        self.kept: int | None = None
        self.running: Alternative | None = None

    @classmethod
    def of_last_answer(cls, conversation: Conversation, trace_id: str, model: str) -> Alternatives:
        """The last exchange as the first alternative; ValueError when there is none."""
        messages = conversation.messages
        if len(messages) < 2 or [m.role for m in messages[-2:]] != ["user", "assistant"]:
            raise ValueError("no answered prompt to regenerate")
        original = Alternative(trace_id, model, "original", messages[-1].content)
        return cls(messages[-2].content, len(messages) - 2, original)

    @property
    def original(self) -> Alternative:
        """The answer that was regenerated."""
        return self.items[0]

    @property
    def current(self) -> Alternative:
        """The alternative shown (and in the history)."""
        return self.items[self.shown]

    def in_history(self, conversation: Conversation) -> bool:
        """True while the history still ends with this prompt and the shown alternative."""
        messages = conversation.messages
        return (
            len(messages) == self.prefix + 2
            and messages[-2].content == self.question
            and messages[-1].content == self.current.text
        )

    def start(self, session: ChatSession, strategy: Strategy, route: Sequence[RouteModel]) -> Turn:
        """A turn asking the prompt again along ``route`` with ``strategy`` (session unchanged)."""
        conversation = session.conversation
        del conversation.messages[self.prefix :]
        saved = session.route, conversation.system, session.bypass_cache
        try:
            session.route = adjust_route(route, strategy)
            conversation.system = system_for(saved[1], strategy)
            session.bypass_cache = True
            turn = session.start_turn(self.question)
        finally:
            session.route, conversation.system, session.bypass_cache = saved
        self.running = Alternative(turn.trace_id, route[0].label, strategy.label)
        return turn

    def ended(self, conversation: Conversation) -> Alternative | None:
        """The running turn ended: keep its answer as the shown one (None: it gave none)."""
        running, self.running = self.running, None
        messages = conversation.messages
        answered = len(messages) == self.prefix + 2 and messages[-1].role == "assistant"
        if running is not None and answered:
            running.text = messages[-1].content
            self.items.append(running)
            self.shown = len(self.items) - 1
        self._settle(conversation)
        return running if answered else None

    def browse(self, step: int, conversation: Conversation) -> Alternative:
        """Show the next (``step`` 1) or previous (-1) alternative; the history follows."""
        self.shown = (self.shown + step) % len(self.items)
        conversation.replace_last_answer(self.current.text)
        return self.current

    def keep(self) -> Alternative:
        """Mark the shown alternative as the one kept."""
        self.kept = self.shown
        return self.current

    def _settle(self, conversation: Conversation) -> None:
        """The history ends with the prompt and the shown alternative, whatever happened."""
        del conversation.messages[self.prefix :]
        conversation.add_user(self.question)
        conversation.add_assistant(self.current.text)
