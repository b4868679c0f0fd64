"""The Anthropic Messages wire format: request validation and response bytes.

Streams are framed as the real API frames them: ``event: NAME`` plus a
``data:`` line whose JSON repeats the name in ``type``::

    message_start, content_block_start, ping,
    content_block_delta (one per token), content_block_stop,
    message_delta (stop reason, output tokens), message_stop

Validation is strict where a client can get the protocol wrong: ``max_tokens``
is required, roles must alternate starting with ``user``, and a system prompt
belongs in the top-level ``system`` parameter, not among the messages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tuichat.sim import anthropic_errors
from tuichat.sim.json_answers import prompted_schema
from tuichat.sim.settings import MODEL_NAME
from tuichat.sim.wire import Answer, BadChatRequest, ChatRequest, Usage, dumps

PING = b'event: ping\ndata: {"type":"ping"}\n\n'
MALFORMED = (
    b"event: content_block_delta\n"
    b'data: {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta"\n\n'
)
STOP_REASONS = {"stop": "end_turn", "length": "max_tokens"}


def event(name: str, value: dict[str, Any]) -> bytes:
    """One named SSE event carrying ``value`` as JSON."""
    return f"event: {name}\ndata: {dumps(value)}\n\n".encode()


def presented_key(headers: Mapping[str, str]) -> str | None:
    """The ``x-api-key`` header, if any."""
    return headers.get("x-api-key", "").strip() or None


def _positive_int(body: dict[str, Any], key: str) -> int:
    value = body.get(key)
    if value is None:
        raise BadChatRequest(f"{key}: Field required", key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise BadChatRequest(f"{key}: Input should be an integer greater than 0", key)
    return value


def _check_message(index: int, message: Any, previous_role: str | None) -> None:
    """One message: a dict with an alternating user/assistant role and some content."""
    if not isinstance(message, dict):
        raise BadChatRequest(f"messages.{index}: Input should be a valid dictionary")
    role, content = message.get("role"), message.get("content")
    if role == "system":
        raise BadChatRequest(
            'messages: Unexpected role "system". The Messages API accepts a top-level '
            '`system` parameter, not "system" as an input message role.'
        )
    if role not in ("user", "assistant"):
        raise BadChatRequest(f"messages.{index}.role: Input should be 'user' or 'assistant'")
    if previous_role is None and role != "user":
        raise BadChatRequest('messages: first message must use the "user" role')
    if role == previous_role:
        raise BadChatRequest(
            'messages: roles must alternate between "user" and "assistant", '
            f'but found multiple "{role}" roles in a row'
        )
    if not content or not isinstance(content, str | list):
        raise BadChatRequest(f"messages.{index}.content: must be a non-empty string or list")


def _messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadChatRequest("messages: at least one message is required", "messages")
    previous: str | None = None
    for index, message in enumerate(messages):
        _check_message(index, message, previous)
        previous = message["role"]
    return messages


def _system(body: dict[str, Any]) -> tuple[str, bool]:
    """The system prompt's text, and whether a block of it asks to be cached."""
    system = body.get("system")
    if system is None or isinstance(system, str):
        return system or "", False
    blocks_ok = isinstance(system, list) and all(
        isinstance(b, dict) and b.get("type") == "text" and isinstance(b.get("text"), str)
        for b in system
    )
    if not blocks_ok:
        raise BadChatRequest("system: Input should be a valid string or list of text blocks")
    text = "\n".join(block["text"] for block in system)
    return text, any(block.get("cache_control") for block in system)


def _stop_sequences(body: dict[str, Any]) -> tuple[str, ...]:
    stops = body.get("stop_sequences")
    if stops is None:
        return ()
    if not isinstance(stops, list) or not all(isinstance(s, str) and s.strip() for s in stops):
        raise BadChatRequest("stop_sequences: Input should be a list of non-empty strings")
    return tuple(stops)


def parse_messages_request(body: Any) -> ChatRequest:
    """Validate a decoded ``POST /v1/messages`` body (the honoured fields only)."""
    if not isinstance(body, dict):
        raise BadChatRequest("The request body must be a JSON object.")
    model = body.get("model")
    if not isinstance(model, str):
        raise BadChatRequest("model: Field required", "model")
    max_tokens = _positive_int(body, "max_tokens")
    system, cache_system = _system(body)
    json_requested, schema = prompted_schema(system)
    return ChatRequest(
        model=model,
        messages=_messages(body),
        stream=body.get("stream") is True,
        include_usage=True,
        max_tokens=max_tokens,
        stop=_stop_sequences(body),
        system=system,
        cache_system=cache_system,
        json_requested=json_requested,
        schema=schema,
    )


def _stop(answer: Answer) -> dict[str, Any]:
    """``stop_reason`` and ``stop_sequence`` for an answer."""
    if answer.stop_sequence is not None:
        return {"stop_reason": "stop_sequence", "stop_sequence": answer.stop_sequence}
    reason = STOP_REASONS.get(answer.finish_reason, answer.finish_reason)
    return {"stop_reason": reason, "stop_sequence": None}


def _usage(usage: Usage, output_tokens: int) -> dict[str, int]:
    return {
        "input_tokens": usage.uncached,
        "cache_creation_input_tokens": usage.cache_creation,
        "cache_read_input_tokens": usage.cache_read,
        "output_tokens": output_tokens,
    }


class AnthropicWire:
    """Builds the bytes of one Messages response (stream or not)."""

    def __init__(self, message_id: str) -> None:
        self._id = message_id
        head = event("content_block_delta", {"type": "content_block_delta", "index": 0})
        # b'...,"index":0}\n\n' -> b'...,"index":0,"delta":{"type":"text_delta","text":'
        self._token_prefix = head[: -len(b"}\n\n")] + b',"delta":{"type":"text_delta","text":'
        self._token_suffix = b"}}\n\n"

    def _message(self, content: list[dict[str, str]], usage: dict[str, int]) -> dict[str, Any]:
        return {
            "id": self._id,
            "type": "message",
            "role": "assistant",
            "model": MODEL_NAME,
            "content": content,
            "stop_reason": None,
            "stop_sequence": None,
            "usage": usage,
        }

    def opening(self, usage: Usage) -> bytes:
        """``message_start`` (input usage), the text block's start and a ping."""
        message = self._message([], _usage(usage, 1))
        text_block = {"type": "text", "text": ""}
        block = {"type": "content_block_start", "index": 0, "content_block": text_block}
        start = event("message_start", {"type": "message_start", "message": message})
        return start + event("content_block_start", block) + PING

    def tokens(self, tokens: Sequence[str]) -> bytes:
        """One ``text_delta`` event per token, concatenated for a single write."""
        prefix, suffix = self._token_prefix, self._token_suffix
        return b"".join([prefix + dumps(token).encode() + suffix for token in tokens])

    def finish(self, answer: Answer, usage: Usage | None) -> bytes:
        """Block stop, ``message_delta`` (stop reason, output tokens), ``message_stop``."""
        output = {"output_tokens": usage.completion if usage else len(answer.tokens)}
        delta = {"type": "message_delta", "delta": _stop(answer), "usage": output}
        return (
            event("content_block_stop", {"type": "content_block_stop", "index": 0})
            + event("message_delta", delta)
            + event("message_stop", {"type": "message_stop"})
        )

    def error_event(self, status: int, message: str | None = None) -> bytes:
        """The ``error`` event Anthropic sends when a stream fails; the stream ends after it."""
        type_, usual = anthropic_errors.error_kind(status)
        error = {"type": type_, "message": message or usual}
        return event("error", {"type": "error", "error": error})

    def malformed(self) -> bytes:
        return MALFORMED

    def completion(self, answer: Answer, usage: Usage) -> bytes:
        """The whole non-streamed ``message`` object."""
        content = [{"type": "text", "text": answer.text}]
        message = {**self._message(content, _usage(usage, usage.completion)), **_stop(answer)}
        return dumps(message).encode()
