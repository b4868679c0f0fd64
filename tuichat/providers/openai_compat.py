"""OpenAI-compatible Chat Completions over SSE (OpenAI, vLLM, llama.cpp, Ollama, ...).

The stream is read by :mod:`~tuichat.providers.sse_reader` within the limits
of :class:`~tuichat.providers.sse_client.SSEClient`. Comments, keep-alives
and empty ``data:`` lines are skipped; chunks with no ``choices`` (usage,
Azure preambles) are not text. A stream that ends without ``[DONE]`` and
without a finish reason is truncated, not finished.

Structured output (``ChatRequest.response_format``): with a schema, the
request carries ``response_format: {type: json_schema, json_schema: {name,
schema, strict: false}}`` (OpenAI; llama.cpp, vLLM and Ollama accept the same
shape). ``strict`` stays false because OpenAI's strict mode rejects common
schemas (optional fields, open objects); the answer is validated afterwards
anyway. Without a schema it is ``{type: json_object}``, plus the JSON
instruction in the system prompt, which OpenAI's JSON mode requires.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from typing import Any

import httpx

from tuichat.core import errors
from tuichat.core.conversation import ChatRequest, ResponseFormat
from tuichat.core.provider import (
    FinishPart,
    StreamPart,
    TextPart,
    TimingsPart,
    UsagePart,
)
from tuichat.core.structured.prompts import with_instruction
from tuichat.providers.http_errors import stream_error
from tuichat.providers.sse_client import DEFAULT_TIMEOUT, Events, SSEClient
from tuichat.providers.sse_drain import drain
from tuichat.providers.stream_limits import StreamLimits


def request_body(request: ChatRequest) -> dict[str, Any]:
    """The JSON body of a streamed chat completion."""
    body: dict[str, Any] = {
        "model": request.model,
        "messages": _messages(request),
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    if request.max_tokens is not None:
        body["max_tokens"] = request.max_tokens
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.stop:
        body["stop"] = list(request.stop)
    if request.response_format is not None:
        body["response_format"] = response_format_body(request.response_format)
    return body


def response_format_body(response_format: ResponseFormat) -> dict[str, Any]:
    """``json_schema`` with the schema, ``json_object`` without one."""
    schema = response_format.schema()
    if schema is None:
        return {"type": "json_object"}
    spec = {"name": response_format.name, "schema": schema, "strict": False}
    return {"type": "json_schema", "json_schema": spec}


def _messages(request: ChatRequest) -> list[dict[str, str]]:
    """The messages as sent; JSON mode adds its instruction to the system prompt."""
    messages = [{"role": m.role, "content": m.content} for m in request.messages]
    response_format = request.response_format
    if response_format is None or response_format.schema_json is not None:
        return messages
    if messages and messages[0]["role"] == "system":
        messages[0]["content"] = with_instruction(messages[0]["content"], response_format)
    else:
        messages.insert(0, {"role": "system", "content": with_instruction("", response_format)})
    return messages


class _StreamState:
    """What one stream has told us so far."""

    __slots__ = ("done", "finish_reason", "served_model")

    def __init__(self) -> None:
        self.done = False
        self.finish_reason: str | None = None
        self.served_model: str | None = None


class OpenAICompatProvider(SSEClient):
    """One adapter for every OpenAI-compatible server."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        name: str = "openai-compat",
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        url = base_url.rstrip("/") + "/chat/completions"
        super().__init__(
            url, base_url, api_key, name=name, headers=headers, timeout=timeout, transport=transport
        )

    async def _stream(
        self, request: ChatRequest, limits: StreamLimits
    ) -> AsyncGenerator[StreamPart, None]:
        """Yield the reply's parts; see the module docstring for the rules."""
        state = _StreamState()
        body = request_body(request)
        parts = self._post_stream(body, lambda events: self._parts(events, state), limits)
        async with aclosing(parts):  # an abandoned stream closes its connection now
            async for part in parts:
                yield part
        if not state.done and state.finish_reason is None:
            raise errors.StreamTruncated("the stream ended before the answer was complete")
        yield FinishPart(state.finish_reason, state.served_model)

    async def _parts(self, events: Events, state: _StreamState) -> AsyncIterator[StreamPart]:
        """Parse SSE events into parts until ``[DONE]``."""
        async for sse in events:
            data = sse.data
            if not data.strip():
                continue
            if data.strip() == "[DONE]":
                state.done = True
                await drain(events)
                return
            for part in self._chunk_parts(_load(data), state):
                yield part

    def _chunk_parts(self, chunk: dict[str, Any], state: _StreamState) -> list[StreamPart]:
        """The parts one ``chat.completion.chunk`` carries."""
        if "error" in chunk:
            raise stream_error(chunk, (self._api_key,))
        if isinstance(chunk.get("model"), str):
            state.served_model = chunk["model"]
        parts: list[StreamPart] = []
        for choice in chunk.get("choices") or ():
            text = _choice_text(choice)
            if text:
                parts.append(TextPart(text))
            if isinstance(choice, dict) and choice.get("finish_reason"):
                state.finish_reason = str(choice["finish_reason"])
        usage = chunk.get("usage")
        if isinstance(usage, dict):
            parts.append(_usage(usage))
        timings = chunk.get("timings")
        if isinstance(timings, dict):
            parts.append(_timings(timings))
        return parts


def _load(data: str) -> dict[str, Any]:
    """Decode one event's JSON; anything but an object is a protocol error."""
    try:
        chunk = json.loads(data)
    except (ValueError, RecursionError):  # RecursionError: nesting too deep for the parser
        raise errors.ProtocolError("malformed event in the stream (invalid JSON)") from None
    if not isinstance(chunk, dict):
        raise errors.ProtocolError("malformed event in the stream (not an object)")
    return chunk


def _choice_text(choice: Any) -> str:
    """The content of a choice's delta, if it is text."""
    if not isinstance(choice, dict):
        return ""
    delta = choice.get("delta")
    content = delta.get("content") if isinstance(delta, dict) else None
    return content if isinstance(content, str) else ""


def _usage(usage: dict[str, Any]) -> UsagePart:
    """Read usage, with cached prompt and reasoning tokens where reported."""
    return UsagePart(
        input_tokens=_int_or_none(usage.get("prompt_tokens")),
        output_tokens=_int_or_none(usage.get("completion_tokens")),
        cached_input_tokens=_detail(usage, "prompt_tokens_details", "cached_tokens"),
        reasoning_tokens=_detail(usage, "completion_tokens_details", "reasoning_tokens"),
    )


def _detail(usage: dict[str, Any], section: str, key: str) -> int | None:
    details = usage.get(section)
    return _int_or_none(details.get(key)) if isinstance(details, dict) else None


def _timings(timings: dict[str, Any]) -> TimingsPart:
    """llama.cpp's ``timings``: prefill (prompt) and generation (predicted) ms."""
    return TimingsPart(
        prefill_ms=_float_or_none(timings.get("prompt_ms")),
        generation_ms=_float_or_none(timings.get("predicted_ms")),
        cached_prompt_tokens=_int_or_none(timings.get("cache_n")),
    )


def _float_or_none(value: Any) -> float | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if ok else None


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
