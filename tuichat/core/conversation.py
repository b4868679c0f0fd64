"""Chat messages, requests and the running conversation.

These are plain data the providers translate into their wire formats.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One message of the conversation as sent to a model."""

    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class ResponseFormat:
    """Structured output asked of the model: one JSON document, with or without a schema.

    The schema is kept as canonical JSON text so the request stays hashable
    and its cache key stays stable; :meth:`schema` decodes it. ``schema_json``
    None is plain JSON mode (any JSON object).
    """

    name: str = "answer"
    schema_json: str | None = None

    @classmethod
    def of(cls, schema: dict[str, Any] | None, name: str = "answer") -> ResponseFormat:
        """The format for ``schema`` (None: JSON mode), canonicalised."""
        text = None if schema is None else json.dumps(schema, sort_keys=True, separators=(",", ":"))
        return cls(name=name, schema_json=text)

    def schema(self) -> dict[str, Any] | None:
        """The JSON Schema as a dict (a fresh copy each call), or None in JSON mode."""
        if self.schema_json is None:
            return None
        value = json.loads(self.schema_json)
        return value if isinstance(value, dict) else {}


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatRequest:
    """Everything a provider needs for one streamed completion."""

    model: str
    messages: tuple[ChatMessage, ...]
    max_tokens: int | None = None
    temperature: float | None = None
    stop: tuple[str, ...] = ()
    response_format: ResponseFormat | None = None
    """Structured output: providers use their JSON-schema mode or a prompt (see adapters)."""


@dataclass
class Conversation:
    """The history of one session; partial answers are kept like full ones.

    Messages are never removed to make room: ``context_start`` says where the
    part still sent begins (the context policy moves it, visibly), and
    ``summary`` stands in for what lies before it when it was summarised.
    """

    system: str | None = None
    messages: list[ChatMessage] = field(default_factory=list)
    context_start: int = 0
    """Messages before this index are left out of requests (dropped or summarised)."""
    summary: str | None = None
    """A summary of the messages before ``context_start``, sent after the system prompt."""

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
        response_format: ResponseFormat | None = None,
        instruction: str | None = None,
    ) -> ChatRequest:
        """Build the request for the next answer from the history in context.

        ``instruction`` (a length preset's) is added to the system prompt.
        """
        system = self.system_text(instruction)
        head = (ChatMessage("system", system),) if system else ()
        return ChatRequest(
            model=model,
            messages=head + tuple(self.in_context),
            max_tokens=max_tokens,
            temperature=temperature,
            stop=stop,
            response_format=response_format,
        )

    @property
    def in_context(self) -> list[ChatMessage]:
        """The messages still sent (from ``context_start`` on)."""
        return self.messages[self.context_start :] if self.context_start else self.messages

    def system_text(self, instruction: str | None = None) -> str | None:
        """The system prompt as sent: the user's, an instruction, the summary (None: none)."""
        parts = [self.system, instruction]
        if self.summary:
            parts.append(f"Summary of the earlier conversation:\n{self.summary}")
        text = "\n\n".join(part for part in parts if part)
        return text or None

    def replace_last_answer(self, text: str) -> None:
        """Put ``text`` in place of the trailing answer (a regenerated alternative was kept).

        The next turn's history then holds the kept alternative, never the
        one it replaced; raises ValueError when the history ends in no answer.
        """
        if not self.messages or self.messages[-1].role != "assistant":
            raise ValueError("the history ends in no answer to replace")
        self.messages[-1] = ChatMessage("assistant", text)

    def drop_last_user(self) -> None:
        """Remove a trailing unanswered prompt (the turn produced nothing)."""
        if self.messages and self.messages[-1].role == "user":
            self.messages.pop()
