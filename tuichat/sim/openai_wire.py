"""The OpenAI Chat Completions wire format: request parsing and response bytes.

Kept apart from timing and faults: it is one :class:`~tuichat.sim.wire.Wire`,
and the streaming engine and scenarios work with any of them.
Token events are built from a pre-rendered prefix and suffix around
``json.dumps(token)``: a 3,000-token burst must cost milliseconds, not tens.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from tuichat.sim import openai_errors
from tuichat.sim.json_answers import requested_schema
from tuichat.sim.settings import MODEL_NAME
from tuichat.sim.wire import Answer, BadChatRequest, ChatRequest, Usage, dumps, prompt_tokens

__all__ = [
    "BadChatRequest",
    "ChatRequest",
    "OpenAIWire",
    "dumps",
    "models_list",
    "parse_chat_request",
    "presented_key",
    "prompt_tokens",
]

KEEP_ALIVE = b": keep-alive\n\n"
DONE = b"data: [DONE]\n\n"
MALFORMED = b'data: {"choices": [{"delta": {"content": "x"\n\n'


def sse(value: Any) -> bytes:
    """One ``data:`` event carrying ``value`` as JSON."""
    return f"data: {dumps(value)}\n\n".encode()


def _max_tokens(body: dict[str, Any]) -> int | None:
    for key in ("max_completion_tokens", "max_tokens"):
        value = body.get(key)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise BadChatRequest(f"'{key}' must be an integer >= 1", key)
        return value
    return None


def _stop(body: dict[str, Any]) -> tuple[str, ...]:
    stop = body.get("stop")
    if stop is None:
        return ()
    items = [stop] if isinstance(stop, str) else stop
    if not isinstance(items, list) or not all(isinstance(s, str) and s for s in items):
        raise BadChatRequest("'stop' must be a non-empty string or a list of them", "stop")
    return tuple(items)


def parse_chat_request(body: Any) -> ChatRequest:
    """Validate a decoded JSON body the way OpenAI would (the honoured fields only)."""
    if not isinstance(body, dict):
        raise BadChatRequest("The request body must be a JSON object.")
    model, messages = body.get("model"), body.get("messages")
    if not isinstance(model, str):
        raise BadChatRequest("you must provide a model parameter", "model")
    if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
        raise BadChatRequest("'messages' must be a list of message objects", "messages")
    options = body.get("stream_options") or {}
    json_requested, schema = requested_schema(body)
    return ChatRequest(
        model=model,
        messages=messages,
        stream=body.get("stream") is True,
        include_usage=isinstance(options, dict) and options.get("include_usage") is True,
        max_tokens=_max_tokens(body),
        stop=_stop(body),
        json_requested=json_requested,
        schema=schema,
    )


def presented_key(headers: Mapping[str, str]) -> str | None:
    """The bearer token of ``Authorization: Bearer KEY``, if any."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def usage(usage_: Usage) -> dict[str, int]:
    """OpenAI's usage object."""
    return {
        "prompt_tokens": usage_.prompt,
        "completion_tokens": usage_.completion,
        "total_tokens": usage_.prompt + usage_.completion,
    }


class OpenAIWire:
    """Builds the bytes of one chat completion response (stream or not)."""

    media_type = "text/event-stream; charset=utf-8"

    def __init__(self, completion_id: str, created: int | None = None) -> None:
        self._id = completion_id
        self._created = int(time.time()) if created is None else created
        head = dumps(self._chunk_base())[:-1]
        self._token_prefix = f'data: {head},"choices":[{{"index":0,"delta":{{"content":'.encode()
        self._token_suffix = b'},"finish_reason":null}]}\n\n'

    def _chunk_base(self) -> dict[str, Any]:
        return {
            "id": self._id,
            "object": "chat.completion.chunk",
            "created": self._created,
            "model": MODEL_NAME,
        }

    def _choice_chunk(self, delta: dict[str, str], finish_reason: str | None) -> bytes:
        choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
        return sse({**self._chunk_base(), "choices": [choice]})

    def opening(self, usage: Usage) -> bytes:
        """The role chunk every OpenAI stream starts with, and a keep-alive comment."""
        return self._choice_chunk({"role": "assistant", "content": ""}, None) + KEEP_ALIVE

    def tokens(self, tokens: Sequence[str]) -> bytes:
        """One content chunk per token, concatenated for a single write."""
        prefix, suffix = self._token_prefix, self._token_suffix
        return b"".join([prefix + dumps(token).encode() + suffix for token in tokens])

    def finish(self, answer: Answer, usage_: Usage | None) -> bytes:
        """The finish chunk, the usage chunk when asked for, and ``[DONE]``."""
        out = self._choice_chunk({}, answer.finish_reason)
        if usage_ is not None:
            out += sse({**self._chunk_base(), "choices": [], "usage": usage(usage_)})
        return out + DONE

    def error_event(self, status: int, message: str | None = None) -> bytes:
        """The error event OpenAI sends when generation fails mid-stream, then ``[DONE]``."""
        type_, _, usual = openai_errors.error_kind(status)
        return sse({"error": {"message": message or usual, "type": type_}}) + DONE

    def malformed(self) -> bytes:
        return MALFORMED

    def completion(self, answer: Answer, usage_: Usage) -> bytes:
        """The whole non-streamed ``chat.completion`` object."""
        message = {"role": "assistant", "content": answer.text}
        choice = {
            "index": 0,
            "message": message,
            "logprobs": None,
            "finish_reason": answer.finish_reason,
        }
        body = {
            "id": self._id,
            "object": "chat.completion",
            "created": self._created,
            "model": MODEL_NAME,
            "choices": [choice],
            "usage": usage(usage_),
        }
        return dumps(body).encode()


def models_list() -> bytes:
    """``GET /v1/models``: the one model the simulator serves."""
    model = {"id": MODEL_NAME, "object": "model", "created": 1_700_000_000, "owned_by": "tuichat"}
    return dumps({"object": "list", "data": [model]}).encode()
