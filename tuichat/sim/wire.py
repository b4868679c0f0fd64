"""What every wire format the simulator speaks shares.

A wire format (OpenAI Chat Completions, Anthropic Messages) is an
:class:`ApiFormat`: a request parser into the common :class:`ChatRequest`, a
:class:`Wire` that writes the response bytes, and :class:`ErrorResponses`.
Timing, faults and scenarios only use these interfaces, so each of them
works on every route without knowing which protocol it is speaking.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from tuichat.sim.http1 import CannedResponse


def dumps(value: Any) -> str:
    """Compact JSON that keeps non-ASCII text as is, as the real APIs send it."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class BadChatRequest(Exception):
    """The body is not a valid request for its API (answered 400)."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


@dataclass(frozen=True)
class ChatRequest:
    """The parts of a chat request the simulator honours, whatever the wire format."""

    model: str
    messages: list[dict[str, Any]]
    stream: bool = False
    include_usage: bool = False
    max_tokens: int | None = None
    stop: tuple[str, ...] = ()
    system: str = ""
    """A top-level system prompt (Anthropic); OpenAI keeps it among the messages."""
    cache_system: bool = False
    """The system prompt carries ``cache_control``: the prompt cache applies."""
    json_requested: bool = False
    """Structured output asked for (``response_format`` or a prompt with a schema)."""
    schema: dict[str, Any] | None = None
    """The JSON Schema the answer should follow, when one was given."""


def message_text(message: dict[str, Any]) -> str:
    """Text of a message whose content is a string or a list of parts."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def text_tokens(text: str) -> int:
    """A simple, deterministic size for one message or system prompt: words plus 3."""
    return len(text.split()) + 3


def prompt_tokens(messages: list[dict[str, Any]], system: str = "") -> int:
    """The prompt size: every message, plus the top-level system prompt if any."""
    total = sum(text_tokens(message_text(m)) for m in messages)
    return total + (text_tokens(system) if system else 0)


@dataclass(frozen=True)
class Usage:
    """Token usage of one answer; ``prompt`` includes the cached parts."""

    prompt: int
    completion: int
    cache_read: int = 0
    cache_creation: int = 0

    @property
    def uncached(self) -> int:
        """Prompt tokens neither read from nor written to the cache."""
        return self.prompt - self.cache_read - self.cache_creation


@dataclass(frozen=True)
class Answer:
    """The tokens a request gets after ``stop`` and ``max_tokens`` cut the full answer."""

    tokens: list[str]
    finish_reason: str
    """``stop`` or ``length`` (OpenAI's names; each wire translates)."""
    stop_sequence: str | None = None
    """The stop string that ended the answer, if one did."""

    @property
    def text(self) -> str:
        return "".join(self.tokens)


class Wire(Protocol):
    """Builds the bytes of one response in a wire format."""

    def opening(self, usage: Usage) -> bytes:
        """What a stream starts with, before the first token."""
        ...

    def tokens(self, tokens: Sequence[str]) -> bytes:
        """One text event per token, concatenated for a single write."""
        ...

    def finish(self, answer: Answer, usage: Usage | None) -> bytes:
        """What ends a complete stream (``usage`` None: the client did not ask for it)."""
        ...

    def error_event(self, status: int, message: str | None = None) -> bytes:
        """An error event mid-stream for the failure HTTP ``status`` stands for.

        ``message`` replaces the API's usual text (a hostile server's echo)."""
        ...

    def malformed(self) -> bytes:
        """An event whose JSON is broken."""
        ...

    def completion(self, answer: Answer, usage: Usage) -> bytes:
        """The whole non-streamed response body."""
        ...


class ErrorResponses(Protocol):
    """The error responses of one API, as its real servers send them."""

    def bad_request(self, message: str, param: str | None = None) -> CannedResponse: ...

    def unauthorized(self, presented: str | None) -> CannedResponse: ...

    def model_not_found(self, model: str) -> CannedResponse: ...

    def http_error(self, status: int, retry_after: float | None) -> CannedResponse: ...

    def context_too_long(self, prompt_tokens: int) -> CannedResponse: ...

    def with_message(self, status: int, message: str) -> CannedResponse: ...


@dataclass(frozen=True)
class ApiFormat:
    """One API the simulator speaks: everything a route needs to know about it."""

    name: str
    parse: Callable[[Any], ChatRequest]
    """Validate a decoded JSON body; raises :class:`BadChatRequest`."""
    new_wire: Callable[[int], Wire]
    """The response builder for the request with this record id."""
    errors: ErrorResponses
    presented_key: Callable[[Mapping[str, str]], str | None]
    """The API key the request headers carry, if any."""
    required_headers: tuple[str, ...] = ()
    """Headers without which the API answers 400 (e.g. ``anthropic-version``)."""
