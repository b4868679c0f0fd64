"""Anthropic Messages API over SSE (``POST /v1/messages``).

Request: system messages become the top-level ``system`` parameter, one text
block marked ``cache_control: ephemeral`` so Anthropic caches the prompt
prefix. The other messages are merged so roles alternate and the first is
``user``, as the API requires. ``max_tokens`` is required: 4096 by default.

Stream: ``message_start`` (model, input usage), ``content_block_*`` (text),
``message_delta`` (stop reason, output usage), ``message_stop``. Only
``text_delta`` is text; thinking, tool-input and signature deltas, pings and
unknown events are skipped. An ``error`` event maps by its ``error.type``
(``overloaded_error`` is :class:`~tuichat.core.errors.Overloaded`). A stream
that ends without ``message_stop`` and without a stop reason is truncated.

Usage accounting: Anthropic's ``input_tokens`` counts only the uncached part
of the prompt; OpenAI's ``prompt_tokens`` counts all of it. tuichat follows
OpenAI, so tokens mean the same whatever the provider:
``UsagePart.input_tokens`` = input + cache read + cache creation (the whole
prompt), ``cached_input_tokens`` = cache read, ``cache_write_tokens`` = cache
creation; both are parts of ``input_tokens`` (uncached = input - both).
Stop reasons are mapped to the OpenAI names the rest of tuichat uses
(``end_turn`` -> ``stop``, ``max_tokens`` -> ``length``, ...).

Structured output: the Messages API has no JSON-schema mode, so a request
with a ``response_format`` gets prompt plus validation — the instruction and
the schema are appended to the system prompt
(:func:`~tuichat.core.structured.prompts.schema_instruction`) and the
answer is validated when it ends. (Forcing a tool call would constrain the
shape further but streams ``input_json_delta``, not text, and breaks the
one-text-stream contract every consumer relies on.)
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from contextlib import aclosing
from typing import Any

import httpx

from tuichat.core import errors
from tuichat.core.conversation import ChatMessage, ChatRequest
from tuichat.core.provider import FinishPart, StreamPart, TextPart, UsagePart
from tuichat.core.structured.prompts import with_instruction
from tuichat.providers.http_errors import (
    decode_event,
    error_fields,
    stream_error,
)
from tuichat.providers.sse_client import DEFAULT_TIMEOUT, Events, SSEClient
from tuichat.providers.sse_drain import drain
from tuichat.providers.stream_limits import StreamLimits

ANTHROPIC_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 4096
DRAIN_TIMEOUT = 0.5
"""Seconds to wait for the body's end after ``message_stop`` (see :func:`drain`)."""
LEADING_USER_TURN = "(continuing the conversation)"
"""Sent first when the history starts with an answer: the API needs a user turn first."""

STOP_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}
"""Anthropic stop reasons in the OpenAI vocabulary; others pass through unchanged."""

ERROR_STATUS = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}
"""The HTTP status Anthropic uses for each error type (for ``error`` events mid-stream)."""

_USAGE_KEYS = (
    "input_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
    "output_tokens",
)


def messages_url(base_url: str) -> str:
    """``{base_url}/v1/messages``; a base URL that already ends in ``/v1`` is accepted too."""
    base = base_url.rstrip("/")
    return base + ("/messages" if base.endswith("/v1") else "/v1/messages")


def system_text(messages: Sequence[ChatMessage]) -> str:
    """Every system message's text, joined by blank lines."""
    return "\n\n".join(m.content for m in messages if m.role == "system" and m.content.strip())


def alternating_messages(messages: Sequence[ChatMessage]) -> list[dict[str, str]]:
    """User/assistant turns, same-role neighbours merged, starting with a user turn."""
    turns: list[dict[str, str]] = []
    for message in messages:
        if message.role == "system" or not message.content.strip():
            continue  # the API rejects empty text blocks
        if turns and turns[-1]["role"] == message.role:
            turns[-1]["content"] += "\n\n" + message.content
        else:
            turns.append({"role": message.role, "content": message.content})
    if turns and turns[0]["role"] != "user":
        turns.insert(0, {"role": "user", "content": LEADING_USER_TURN})
    return turns


def request_body(request: ChatRequest) -> dict[str, Any]:
    """The JSON body of a streamed Messages request."""
    max_tokens = request.max_tokens if request.max_tokens is not None else DEFAULT_MAX_TOKENS
    body: dict[str, Any] = {
        "model": request.model,
        "max_tokens": max_tokens,
        "stream": True,
        "messages": alternating_messages(request.messages),
    }
    system = system_text(request.messages)
    if request.response_format is not None:  # no schema mode: the prompt asks, ask validates
        system = with_instruction(system, request.response_format)
    if system:
        block = {"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}
        body["system"] = [block]
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.stop:
        body["stop_sequences"] = list(request.stop)
    return body


class _MessageState:
    """What one stream has told us so far."""

    __slots__ = ("done", "served_model", "stop_reason", "usage")

    def __init__(self) -> None:
        self.done = False
        self.stop_reason: str | None = None
        self.served_model: str | None = None
        self.usage: dict[str, int] = {}

    def start(self, event: dict[str, Any]) -> None:
        """``message_start``: the served model and the input side of usage."""
        message = event.get("message")
        if not isinstance(message, dict):
            return
        if isinstance(message.get("model"), str):
            self.served_model = message["model"]
        self._merge_usage(message.get("usage"))

    def delta(self, event: dict[str, Any]) -> None:
        """``message_delta``: the stop reason and the (cumulative) output usage."""
        delta = event.get("delta")
        reason = delta.get("stop_reason") if isinstance(delta, dict) else None
        if isinstance(reason, str) and reason:
            self.stop_reason = reason
        self._merge_usage(event.get("usage"))

    def _merge_usage(self, usage: Any) -> None:
        if not isinstance(usage, dict):
            return
        for key in _USAGE_KEYS:
            value = _int_or_none(usage.get(key))
            if value is not None:
                self.usage[key] = value

    def usage_part(self) -> UsagePart | None:
        """Usage in tuichat's terms (see the module docstring), or None if none came."""
        if not self.usage:
            return None
        read = self.usage.get("cache_read_input_tokens")
        write = self.usage.get("cache_creation_input_tokens")
        prompt = [n for n in (self.usage.get("input_tokens"), read, write) if n is not None]
        return UsagePart(
            input_tokens=sum(prompt) if prompt else None,
            output_tokens=self.usage.get("output_tokens"),
            cached_input_tokens=read,
            cache_write_tokens=write,
        )


class AnthropicProvider(SSEClient):
    """The native Anthropic Messages API (streaming)."""

    def __init__(
        self,
        base_url: str = "https://api.anthropic.com",
        api_key: str | None = None,
        *,
        name: str = "anthropic",
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        headers = {"anthropic-version": ANTHROPIC_VERSION, "content-type": "application/json"}
        if api_key:
            headers["x-api-key"] = api_key
        super().__init__(
            messages_url(base_url),
            base_url,
            api_key,
            name=name,
            headers=headers,
            timeout=timeout,
            transport=transport,
        )

    def _max_tokens(self, request: ChatRequest) -> int | None:
        """The cap the request carries: Anthropic requires one (default 4096)."""
        return request.max_tokens if request.max_tokens is not None else DEFAULT_MAX_TOKENS

    async def _stream(
        self, request: ChatRequest, limits: StreamLimits
    ) -> AsyncGenerator[StreamPart, None]:
        """Yield the reply's parts; see the module docstring for the rules."""
        state = _MessageState()
        body = request_body(request)
        parts = self._post_stream(body, lambda events: self._parts(events, state), limits)
        async with aclosing(parts):  # an abandoned stream closes its connection now
            async for part in parts:
                yield part
        if not state.done and state.stop_reason is None:
            raise errors.StreamTruncated("the stream ended before the answer was complete")
        usage = state.usage_part()
        if usage is not None:
            yield usage
        reason = STOP_REASONS.get(state.stop_reason or "", state.stop_reason)
        yield FinishPart(reason, state.served_model)

    async def _parts(self, events: Events, state: _MessageState) -> AsyncIterator[TextPart]:
        """Parse SSE events into text until ``message_stop``."""
        async for sse in events:
            if not sse.data.strip():
                continue
            event = decode_event(sse.data)
            kind = event.get("type") or sse.event
            if kind == "message_stop":
                state.done = True
                break
            text = self._event_text(kind, event, state)
            if text:
                yield TextPart(text)
        if state.done:
            await drain(events, DRAIN_TIMEOUT)

    def _event_text(self, kind: Any, event: dict[str, Any], state: _MessageState) -> str:
        """Apply one event to ``state``; return the answer text it carries, if any."""
        if kind == "content_block_delta":
            return _text_of(event.get("delta"), "text_delta")
        if kind == "content_block_start":
            return _text_of(event.get("content_block"), "text")
        if kind == "message_start":
            state.start(event)
        elif kind == "message_delta":
            state.delta(event)
        elif kind == "error":
            raise self._stream_error(event)
        return ""

    def _stream_error(self, event: dict[str, Any]) -> errors.ProviderError:
        """The typed error for an ``error`` event, by its type's usual HTTP status."""
        kind = error_fields(event)[1]
        status = ERROR_STATUS.get(kind or "", 500)
        return stream_error(event, (self._api_key,), status=status)


def _text_of(block: Any, text_type: str) -> str:
    """The text of a content block or delta of type ``text_type``; "" for other kinds."""
    if not isinstance(block, dict) or block.get("type") != text_type:
        return ""
    text = block.get("text")
    return text if isinstance(text, str) else ""


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
