"""Chat messages, requests and the running conversation.

These are plain data the providers translate into their wire formats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One message of the conversation as sent to a model."""

    role: Role
    content: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatRequest:
    """Everything a provider needs for one streamed completion."""

    model: str
    messages: tuple[ChatMessage, ...]
    max_tokens: int | None = None
    temperature: float | None = None
    stop: tuple[str, ...] = ()


@dataclass
class Conversation:
    """The history of one session; partial answers are kept like full ones."""

    system: str | None = None
    messages: list[ChatMessage] = field(default_factory=list)

    def add_user(self, text: str) -> None:
        """Append the user's prompt."""
        self.messages.append(ChatMessage("user", text))

    def add_assistant(self, text: str) -> None:
        """Append an answer (complete or partial); empty answers are skipped."""
        if text:
            self.messages.append(ChatMessage("assistant", text))

    def request(
        self,
        model: str,
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
        stop: tuple[str, ...] = (),
    ) -> ChatRequest:
        """Build the request for the next answer from the whole history."""
        head = (ChatMessage("system", self.system),) if self.system else ()
        return ChatRequest(
            model=model,
            messages=head + tuple(self.messages),
            max_tokens=max_tokens,
            temperature=temperature,
            stop=stop,
        )

    def drop_last_user(self) -> None:
        """Remove a trailing unanswered prompt (the turn produced nothing)."""
        if self.messages and self.messages[-1].role == "user":
            self.messages.pop()
