"""Request building, SSE parsing and error mapping of the Anthropic adapter (fake transport)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tuichat.core import errors
from tuichat.core.conversation import ChatMessage, ChatRequest
from tuichat.core.provider import FinishPart, ResponseHead, StreamPart, TextPart, UsagePart
from tuichat.providers.anthropic import (
    DEFAULT_MAX_TOKENS,
    LEADING_USER_TURN,
    AnthropicProvider,
    messages_url,
    request_body,
)

KEY = "sk-ant-test-secret-key-1234"
REQUEST = ChatRequest(model="claude-x", messages=(ChatMessage("user", "hi"),), max_tokens=5)
SSE = {"content-type": "text/event-stream; charset=utf-8"}
Handler = Callable[[httpx.Request], httpx.Response]


def event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n"


def message_start(**usage: int) -> str:
    usage = {"input_tokens": 10, "output_tokens": 1, **usage}
    message = {"id": "msg_1", "type": "message", "model": "claude-served", "usage": usage}
    return event("message_start", {"type": "message_start", "message": message})


def text_delta(text: str, index: int = 0) -> str:
    delta = {"type": "text_delta", "text": text}
    return event(
        "content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}
    )


def message_end(stop_reason: str = "end_turn", output_tokens: int = 2, stop: bool = True) -> str:
    delta = {"stop_reason": stop_reason, "stop_sequence": None}
    out = event("content_block_stop", {"type": "content_block_stop", "index": 0})
    out += event(
        "message_delta",
        {"type": "message_delta", "delta": delta, "usage": {"output_tokens": output_tokens}},
    )
    return out + (event("message_stop", {"type": "message_stop"}) if stop else "")


BLOCK_START = event(
    "content_block_start",
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
)
PING = event("ping", {"type": "ping"})


def provider_for(handler: Handler) -> AnthropicProvider:
    return AnthropicProvider("http://test.local", KEY, transport=httpx.MockTransport(handler))


def sse_response(body: str, status: int = 200, headers: dict[str, str] | None = None) -> Handler:
    return lambda request: httpx.Response(status, headers=headers or SSE, content=body.encode())


async def collect(provider: AnthropicProvider, request: ChatRequest = REQUEST) -> list[StreamPart]:
    try:
        return [part async for part in provider.stream(request)]
    finally:
        await provider.aclose()


def texts(parts: list[StreamPart]) -> str:
    return "".join(p.text for p in parts if isinstance(p, TextPart))


# --- request ---------------------------------------------------------------------------


def test_request_body_has_a_cached_system_block_and_alternating_turns() -> None:
    request = ChatRequest(
        model="claude-x",
        messages=(
            ChatMessage("system", "Be brief."),
            ChatMessage("user", "one"),
            ChatMessage("user", "two"),
            ChatMessage("assistant", "answer"),
            ChatMessage("system", "Be kind."),
            ChatMessage("assistant", "more"),
            ChatMessage("user", "three"),
        ),
        temperature=0.3,
        stop=("END",),
    )
    body = request_body(request)
    assert body["system"] == [
        {"type": "text", "text": "Be brief.\n\nBe kind.", "cache_control": {"type": "ephemeral"}}
    ]
    assert body["messages"] == [
        {"role": "user", "content": "one\n\ntwo"},
        {"role": "assistant", "content": "answer\n\nmore"},
        {"role": "user", "content": "three"},
    ]
    assert body["max_tokens"] == DEFAULT_MAX_TOKENS
    assert body["stream"] is True and body["model"] == "claude-x"
    assert body["temperature"] == 0.3 and body["stop_sequences"] == ["END"]


def test_request_body_minimal() -> None:
    body = request_body(REQUEST)
    assert body == {
        "model": "claude-x",
        "max_tokens": 5,
        "stream": True,
        "messages": [{"role": "user", "content": "hi"}],
    }


def test_history_starting_with_an_answer_gets_a_user_turn_first() -> None:
    messages = (
        ChatMessage("assistant", "Hello!"),
        ChatMessage("user", " "),
        ChatMessage("user", "hi"),
    )
    body = request_body(ChatRequest(model="m", messages=messages))
    assert body["messages"] == [
        {"role": "user", "content": LEADING_USER_TURN},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "hi"},
    ]


@pytest.mark.parametrize(
    ("base", "url"),
    [
        ("https://api.anthropic.com", "https://api.anthropic.com/v1/messages"),
        ("http://h:1/", "http://h:1/v1/messages"),
        ("http://h:1/v1", "http://h:1/v1/messages"),
        ("http://gw/anthropic", "http://gw/anthropic/v1/messages"),
    ],
)
def test_messages_url(base: str, url: str) -> None:
    assert messages_url(base) == url


async def test_sends_anthropic_headers_and_json_body() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, headers=SSE, content=(message_start() + message_end()).encode())

    await collect(provider_for(handler))
    request = seen[0]
    assert request.method == "POST" and request.url == "http://test.local/v1/messages"
    assert request.headers["x-api-key"] == KEY
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert request.headers["content-type"] == "application/json"
    assert "authorization" not in request.headers
    assert json.loads(request.content)["model"] == "claude-x"


async def test_no_key_sends_no_key_header() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, headers=SSE, content=(message_start() + message_end()).encode())

    provider = AnthropicProvider("http://test.local", transport=httpx.MockTransport(handler))
    await collect(provider)
    assert "x-api-key" not in seen[0].headers
    assert (provider.name, provider.base_url_host) == ("anthropic", "test.local")


# --- stream ----------------------------------------------------------------------------


async def test_parses_a_stream_skipping_pings_and_other_blocks() -> None:
    thinking = {"type": "thinking_delta", "thinking": "hmm"}
    signature = {"type": "signature_delta", "signature": "abc"}
    tool = {"type": "input_json_delta", "partial_json": '{"a":'}
    body = (
        message_start(cache_read_input_tokens=100, cache_creation_input_tokens=20)
        + PING
        + ": comment\n\n"
        + "data: \n\n"
        + event(
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "thinking", "thinking": ""},
            },
        )
        + event(
            "content_block_delta", {"type": "content_block_delta", "index": 0, "delta": thinking}
        )
        + event(
            "content_block_delta", {"type": "content_block_delta", "index": 0, "delta": signature}
        )
        + event("content_block_stop", {"type": "content_block_stop", "index": 0})
        + BLOCK_START.replace('"index": 0', '"index": 1')
        + text_delta("Hello", 1)
        + PING
        + text_delta(" world\u2028!", 1)
        + event("content_block_delta", {"type": "content_block_delta", "index": 2, "delta": tool})
        + event("some_future_event", {"type": "some_future_event"})
        + message_end("end_turn", output_tokens=7)
    )
    parts = await collect(provider_for(sse_response(body)))
    assert isinstance(parts[0], ResponseHead) and parts[0].status_code == 200
    assert texts(parts) == "Hello world\u2028!"
    assert parts[-2] == UsagePart(
        input_tokens=130, output_tokens=7, cached_input_tokens=100, cache_write_tokens=20
    )
    assert parts[-1] == FinishPart("stop", "claude-served")


async def test_usage_without_cache_fields() -> None:
    parts = await collect(
        provider_for(sse_response(message_start() + text_delta("a") + message_end()))
    )
    assert UsagePart(10, 2, None, None) in parts


@pytest.mark.parametrize(
    ("stop_reason", "finish"),
    [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("max_tokens", "length"),
        ("refusal", "content_filter"),
        ("pause_turn", "pause_turn"),
    ],
)
async def test_stop_reasons_use_the_common_names(stop_reason: str, finish: str) -> None:
    body = message_start() + text_delta("a") + message_end(stop_reason)
    parts = await collect(provider_for(sse_response(body)))
    assert parts[-1] == FinishPart(finish, "claude-served")


async def test_stop_reason_without_message_stop_is_complete() -> None:
    body = message_start() + text_delta("a") + message_end("max_tokens", stop=False)
    parts = await collect(provider_for(sse_response(body)))
    assert parts[-1] == FinishPart("length", "claude-served")
    assert UsagePart(10, 2) in parts


async def test_stream_without_stop_is_truncated() -> None:
    body = message_start() + BLOCK_START + text_delta("a") + text_delta("b")
    with pytest.raises(errors.StreamTruncated):
        await collect(provider_for(sse_response(body)))


async def test_malformed_json_is_a_protocol_error() -> None:
    body = message_start() + 'event: content_block_delta\ndata: {"type": "content_block_delta"\n\n'
    with pytest.raises(errors.ProtocolError) as info:
        await collect(provider_for(sse_response(body)))
    assert "malformed" in info.value.message


async def test_json_nested_too_deep_is_a_protocol_error_not_a_crash() -> None:
    body = message_start() + "event: content_block_delta\ndata: " + '{"a":' * 200_000 + "\n\n"
    with pytest.raises(errors.ProtocolError, match="malformed"):
        await collect(provider_for(sse_response(body)))


def error_event(kind: str, message: str) -> str:
    return event("error", {"type": "error", "error": {"type": kind, "message": message}})


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("overloaded_error", errors.Overloaded),
        ("api_error", errors.ServerError),
        ("rate_limit_error", errors.RateLimited),
        ("timeout_error", errors.ServerError),
        ("invalid_request_error", errors.BadRequest),
        ("authentication_error", errors.AuthFailed),
        ("brand_new_error", errors.ServerError),
    ],
)
async def test_error_event_mid_stream_maps_by_type(
    kind: str, expected: type[errors.ProviderError]
) -> None:
    body = message_start() + BLOCK_START + text_delta("partial") + error_event(kind, "Nope")
    seen: list[StreamPart] = []
    with pytest.raises(expected) as info:
        async for part in provider_for(sse_response(body)).stream(REQUEST):
            seen.append(part)
    assert type(info.value) is expected
    assert texts(seen) == "partial"
    assert info.value.message == "Nope" and info.value.code == kind


async def test_error_event_never_echoes_the_key() -> None:
    body = message_start() + error_event("api_error", f"bad key {KEY} \x1b[31mred\nline")
    with pytest.raises(errors.ServerError) as info:
        await collect(provider_for(sse_response(body)))
    assert KEY not in info.value.one_line()
    assert "\x1b" not in info.value.message and "\n" not in info.value.message


async def test_non_sse_response_is_a_protocol_error_without_html() -> None:
    page = "<html><body><h1>Sign in</h1></body></html>"
    handler = sse_response(page, headers={"content-type": "text/html; charset=utf-8"})
    with pytest.raises(errors.ProtocolError) as info:
        await collect(provider_for(handler))
    assert "<" not in info.value.message and "text/html" in info.value.message


# --- HTTP errors -----------------------------------------------------------------------


def error_body(kind: str, message: str) -> str:
    return json.dumps({"type": "error", "error": {"type": kind, "message": message}})


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (529, error_body("overloaded_error", "Overloaded"), errors.Overloaded),
        (429, error_body("rate_limit_error", "Rate limited"), errors.RateLimited),
        (401, error_body("authentication_error", "invalid x-api-key"), errors.AuthFailed),
        (403, error_body("permission_error", "not allowed"), errors.AuthFailed),
        (404, error_body("not_found_error", "model: claude-nope"), errors.ModelNotFound),
        (
            400,
            error_body(
                "invalid_request_error", "prompt is too long: 250000 tokens > 200000 maximum"
            ),
            errors.ContextTooLong,
        ),
        (400, error_body("invalid_request_error", "max_tokens: Field required"), errors.BadRequest),
        (413, error_body("request_too_large", "Request too large"), errors.BadRequest),
        (500, error_body("api_error", "Internal server error"), errors.ServerError),
        (502, "<html><h1>502 Bad Gateway</h1>\n</html>", errors.ServerError),
    ],
)
async def test_http_errors_map_to_the_taxonomy(
    status: int, body: str, expected: type[errors.ProviderError]
) -> None:
    headers = {"content-type": "application/json", "retry-after": "3"}
    with pytest.raises(expected) as info:
        await collect(provider_for(sse_response(body, status, headers)))
    assert type(info.value) is expected
    assert info.value.status_code == status
    assert info.value.retry_after == 3.0
    assert "<" not in info.value.message and "\n" not in info.value.message


async def test_html_error_body_is_never_shown() -> None:
    page = "<html><head><title>Oops</title></head><body>secret internals</body></html>"
    handler = sse_response(page, 503, {"content-type": "text/html"})
    with pytest.raises(errors.ServerError) as info:
        await collect(provider_for(handler))
    assert "internals" not in info.value.one_line() and "<" not in info.value.one_line()
    assert info.value.message == "HTTP 503 Service Unavailable"


async def test_http_error_never_echoes_the_key() -> None:
    body = error_body("authentication_error", f"invalid x-api-key {KEY}")
    with pytest.raises(errors.AuthFailed) as info:
        await collect(provider_for(sse_response(body, 401)))
    assert KEY not in info.value.one_line()
    assert KEY not in repr(info.value.args)


async def test_connection_refused_is_a_connection_error() -> None:
    with pytest.raises(errors.ConnectionFailed, match="cannot connect"):
        await collect(AnthropicProvider("http://127.0.0.1:9", KEY))
