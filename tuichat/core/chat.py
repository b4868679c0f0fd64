"""A chat session: the conversation, its provider and its turns.

Both the Textual app and ``tuichat ask`` drive turns through this class, so
history handling (partial answers kept, failed prompts retried cleanly) is the
same everywhere.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from tuichat.core.clock import Clock, SystemClock
from tuichat.core.conversation import Conversation
from tuichat.core.events import Event, TurnCancelled, TurnFailed, TurnFinished
from tuichat.core.provider import Provider
from tuichat.core.turn import Observer, Turn


def new_session_id() -> str:
    """Sortable enough, unique, short: ``s-`` plus 12 hex chars."""
    return "s-" + uuid.uuid4().hex[:12]


class ChatSession:
    """Builds turns from the history and records their outcome in it."""

    def __init__(
        self,
        provider: Provider,
        model: str,
        *,
        system: str | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        observers: Sequence[Observer] = (),
        clock: Clock | None = None,
        session_id: str | None = None,
        max_delay: float = 0.12,
    ) -> None:
        self.provider = provider
        self.model = model
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.conversation = Conversation(system=system)
        self.session_id = session_id or new_session_id()
        self.observers = list(observers)
        self.clock = clock or SystemClock()
        self.max_delay = max_delay

    def switch(
        self,
        provider: Provider,
        model: str,
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> None:
        """Answer the next turns with another model; the history is kept."""
        self.provider, self.model = provider, model
        self.max_tokens, self.temperature = max_tokens, temperature

    def start_turn(self, prompt: str) -> Turn:
        """Add the prompt to the history and return the turn to iterate."""
        self.conversation.add_user(prompt)
        request = self.conversation.request(
            self.model, max_tokens=self.max_tokens, temperature=self.temperature
        )
        return Turn(
            provider=self.provider,
            request=request,
            session_id=self.session_id,
            prompt=prompt,
            observers=[*self.observers, self._record],
            clock=self.clock,
            max_delay=self.max_delay,
        )

    def _record(self, event: Event) -> None:
        """Keep answers, partial ones included, in the history."""
        if isinstance(event, TurnFinished):
            self.conversation.add_assistant(event.text)
        elif isinstance(event, TurnCancelled | TurnFailed):
            if event.partial_text:
                self.conversation.add_assistant(event.partial_text)
            else:
                # Nothing came back: drop the prompt from the history so the
                # next message does not follow an unanswered one.
                self.conversation.drop_last_user()
