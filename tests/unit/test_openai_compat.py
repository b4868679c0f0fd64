"""SSE parsing and error mapping of the OpenAI-compatible adapter (fake transport)."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from tuichat.core import errors
from tuichat.core.conversation import ChatMessage, ChatRequest
from tuichat.core.provider import (
    FinishPart,
    ResponseHead,
    StreamPart,
    TextPart,
    TimingsPart,
    UsagePart,
)
from tuichat.providers.openai_compat import OpenAICompatProvider, request_body

REQUEST = ChatRequest(model="m", messages=(ChatMessage("user", "hi"),), max_tokens=5)
SSE = {"content-type": "text/event-stream"}


def chunk(content: str | None = None, finish: str | None = None, **extra: object) -> str:
    delta = {} if content is None else {"content": content}
    body = {"model": "served-m", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    body.update(extra)
    return f"data: {json.dumps(body)}\n\n"


def provider_for(handler: Callable[[httpx.Request], httpx.Response]) -> OpenAICompatProvider:
    return OpenAICompatProvider(
        "http://test.local/v1", "sk-test-secret-key-1234", transport=httpx.MockTransport(handler)
    )


async def collect(provider: OpenAICompatProvider) -> list[StreamPart]:
    return [part async for part in provider.stream(REQUEST)]


def sse_response(body: str, status: int = 200, headers: dict[str, str] | None = None):
    return lambda request: httpx.Response(status, headers=headers or SSE, content=body.encode())


def texts(parts: list[StreamPart]) -> str:
    return "".join(p.text for p in parts if isinstance(p, TextPart))


def test_request_body_streams_with_usage() -> None:
    body = request_body(
        ChatRequest(
            model="m",
            messages=(ChatMessage("system", "s"), ChatMessage("user", "u")),
            max_tokens=7,
            temperature=0.2,
            stop=("END",),
        )
    )
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["max_tokens"] == 7 and body["temperature"] == 0.2 and body["stop"] == ["END"]
    assert body["messages"] == [
        {"role": "system", "content": "s"},
        {"role": "user", "content": "u"},
    ]


async def test_parses_a_stream_skipping_comments_keepalives_and_preambles() -> None:
    body = (
        ": keep-alive\n\n"
        "data: \n\n"
        'data: {"choices": [], "prompt_filter_results": []}\n\n'
        + chunk("")
        + chunk("Hello")
        + chunk(" world\u2028!")
        + chunk(None, "stop")
        + 'data: {"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 2,'
        ' "prompt_tokens_details": {"cached_tokens": 1}}}\n\n'
        "data: [DONE]\n\n"
    )
    parts = await collect(provider_for(sse_response(body)))
    assert isinstance(parts[0], ResponseHead) and parts[0].status_code == 200
    assert texts(parts) == "Hello world\u2028!"
    assert UsagePart(3, 2, 1) in parts
    assert parts[-1] == FinishPart("stop", "served-m")


async def test_sends_bearer_key_and_json_body() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, headers=SSE, content=(chunk("x", "stop")).encode())

    await collect(provider_for(handler))
    assert seen[0].url == "http://test.local/v1/chat/completions"
    assert seen[0].headers["authorization"] == "Bearer sk-test-secret-key-1234"
    assert json.loads(seen[0].content)["model"] == "m"


async def test_done_without_finish_reason_is_complete() -> None:
    parts = await collect(provider_for(sse_response(chunk("a") + "data: [DONE]\n\n")))
    assert parts[-1] == FinishPart(None, "served-m")


async def test_stream_without_done_or_finish_is_truncated() -> None:
    with pytest.raises(errors.StreamTruncated):
        await collect(provider_for(sse_response(chunk("a") + chunk("b"))))


async def test_malformed_json_is_a_protocol_error() -> None:
    body = chunk("a") + 'data: {"choices": [{"delta": \n\n'
    with pytest.raises(errors.ProtocolError) as info:
        await collect(provider_for(sse_response(body)))
    assert "malformed" in info.value.message


async def test_json_nested_too_deep_is_a_protocol_error_not_a_crash() -> None:
    body = chunk("a") + "data: " + "[" * 200_000 + "\n\n"
    with pytest.raises(errors.ProtocolError, match="malformed"):
        await collect(provider_for(sse_response(body)))


async def test_a_bom_before_the_first_event_loses_nothing() -> None:
    body = "\ufeff" + chunk("Hello ") + chunk("world", "stop") + "data: [DONE]\n\n"
    assert texts(await collect(provider_for(sse_response(body)))) == "Hello world"


async def test_error_object_mid_stream_maps_to_server_error() -> None:
    body = chunk("a") + 'data: {"error": {"message": "boom", "type": "server_error"}}\n\n'
    with pytest.raises(errors.ServerError, match="boom"):
        await collect(provider_for(sse_response(body)))


async def test_non_sse_response_is_a_protocol_error_without_html() -> None:
    page = "<html><body><h1>Welcome</h1></body></html>"
    handler = sse_response(page, headers={"content-type": "text/html"})
    with pytest.raises(errors.ProtocolError) as info:
        await collect(provider_for(handler))
    assert "<" not in info.value.message and "text/html" in info.value.message


def error_body(message: str, kind: str, code: str | None = None) -> str:
    return json.dumps({"error": {"message": message, "type": kind, "code": code}})


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (
            401,
            error_body("Incorrect API key", "invalid_request_error", "invalid_api_key"),
            errors.AuthFailed,
        ),
        (403, error_body("forbidden", "permission_error"), errors.AuthFailed),
        (
            404,
            error_body("The model `x` does not exist", "invalid_request_error", "model_not_found"),
            errors.ModelNotFound,
        ),
        (
            400,
            error_body(
                "maximum context length is 8192", "invalid_request_error", "context_length_exceeded"
            ),
            errors.ContextTooLong,
        ),
        (  # llama.cpp's server, so a chain falls back from a small local context
            400,
            json.dumps(
                {
                    "error": {
                        "code": 400,
                        "message": "the request exceeds the available context size, "
                        "try increasing it",
                        "type": "exceed_context_size_error",
                        "n_prompt_tokens": 5000,
                        "n_ctx": 4096,
                    }
                }
            ),
            errors.ContextTooLong,
        ),
        (400, error_body("bad temperature", "invalid_request_error"), errors.BadRequest),
        (429, error_body("slow down", "rate_limit_exceeded"), errors.RateLimited),
        (500, error_body("oops", "server_error"), errors.ServerError),
        (503, "<html><h1>503 Service Unavailable</h1></html>", errors.ServerError),
        (529, error_body("Overloaded", "overloaded_error"), errors.Overloaded),
        (408, "", errors.ProviderTimeout),
    ],
)
async def test_http_errors_map_to_the_taxonomy(
    status: int, body: str, expected: type[errors.ProviderError]
) -> None:
    handler = sse_response(body, status, {"content-type": "application/json", "retry-after": "3"})
    with pytest.raises(expected) as info:
        await collect(provider_for(handler))
    assert type(info.value) is expected
    assert info.value.status_code == status
    assert "<" not in info.value.message and "\n" not in info.value.message
    assert info.value.retry_after == 3.0


async def test_error_messages_never_echo_the_key() -> None:
    body = error_body(
        "Incorrect API key provided: sk-test-secret-key-1234", "invalid_request_error"
    )
    with pytest.raises(errors.AuthFailed) as info:
        await collect(provider_for(sse_response(body, 401)))
    assert "sk-test-secret-key-1234" not in info.value.one_line()


async def test_hostile_error_body_is_inert() -> None:
    body = error_body("bad \x1b]52;c;aGk=\x07 [bold]thing[/bold]\nsecond line", "x")
    with pytest.raises(errors.BadRequest) as info:
        await collect(provider_for(sse_response(body, 400)))
    assert "\x1b" not in info.value.message and "\n" not in info.value.message


async def test_connection_refused_is_a_connection_error() -> None:
    provider = OpenAICompatProvider("http://127.0.0.1:9/v1")
    with pytest.raises(errors.ConnectionFailed, match="cannot connect"):
        await collect(provider)
    await provider.aclose()


async def test_reads_reasoning_tokens_and_llama_cpp_timings() -> None:
    body = (
        chunk("a", "stop")
        + 'data: {"choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 9,'
        ' "completion_tokens_details": {"reasoning_tokens": 4}},'
        ' "timings": {"prompt_ms": 12.5, "predicted_ms": 80, "cache_n": 3}}\n\n'
        "data: [DONE]\n\n"
    )
    parts = await collect(provider_for(sse_response(body)))
    assert UsagePart(5, 9, None, None, 4) in parts
    assert TimingsPart(12.5, 80.0, 3) in parts


async def test_quota_429_is_not_a_plain_rate_limit() -> None:
    body = json.dumps(
        {"error": {"message": "You exceeded your quota", "type": "insufficient_quota"}}
    )
    with pytest.raises(errors.QuotaExceeded):
        await collect(provider_for(sse_response(body, 429)))
