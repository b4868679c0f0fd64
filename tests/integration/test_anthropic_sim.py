"""The Anthropic adapter against the simulator's ``/v1/messages`` over real loopback HTTP."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from httpx_sse import connect_sse

from tuichat.core import errors
from tuichat.core.conversation import ChatMessage, ChatRequest
from tuichat.core.events import TurnFinished, UsageReported
from tuichat.core.provider import FinishPart, StreamPart, TextPart, UsagePart
from tuichat.core.turn.route import Target
from tuichat.core.turn.turn import Turn
from tuichat.providers.anthropic import AnthropicProvider
from tuichat.providers.openai_compat import OpenAICompatProvider
from tuichat.sim.answers import answer_text, answer_tokens
from tuichat.sim.settings import SimSettings
from tuichat.sim.thread import SimServerThread

SYSTEM = "You are a terse assistant for operators."  # 7 words: 10 tokens
USER = "Tell me a story please"  # 5 words: 8 tokens
PROMPT_TOKENS = 10 + 8
KEY = "sk-ant-sim-wrong-key-0123456789"


@pytest.fixture
def sim() -> Iterator[SimServerThread]:
    with SimServerThread(SimSettings(ttft_ms=5, tps=0, tokens=20)) as server:
        yield server


@pytest.fixture
async def provider(sim: SimServerThread) -> AsyncIterator[AnthropicProvider]:
    client = AnthropicProvider(sim.root_url)
    yield client
    await client.aclose()


def chat(model: str = "sim", *, system: str | None = SYSTEM, **options: object) -> ChatRequest:
    head = (ChatMessage("system", system),) if system else ()
    return ChatRequest(model=model, messages=(*head, ChatMessage("user", USER)), **options)  # type: ignore[arg-type]


async def collect(provider: AnthropicProvider, request: ChatRequest) -> list[StreamPart]:
    return [part async for part in provider.stream(request)]


def texts(parts: list[StreamPart]) -> str:
    return "".join(p.text for p in parts if isinstance(p, TextPart))


def usage_of(parts: list[StreamPart]) -> UsagePart:
    [usage] = [p for p in parts if isinstance(p, UsagePart)]
    return usage


# --- answers and usage -----------------------------------------------------------------


async def test_full_answer_usage_and_finish(
    provider: AnthropicProvider, sim: SimServerThread
) -> None:
    parts = await collect(provider, chat(system=None))
    assert texts(parts) == answer_text("prose", 20)
    assert usage_of(parts) == UsagePart(8, 20, cached_input_tokens=0, cache_write_tokens=0)
    assert parts[-1] == FinishPart("stop", "sim")
    record = sim.wait_for(lambda r: r.completed)
    assert (record.path, record.status_code, record.tokens_sent) == ("/v1/messages", 200, 20)
    assert record.body is not None and record.body["max_tokens"] == 4096


async def test_second_request_with_the_same_system_prompt_reads_the_cache(
    provider: AnthropicProvider,
) -> None:
    first = usage_of(await collect(provider, chat()))
    second = usage_of(await collect(provider, chat()))
    other = usage_of(await collect(provider, chat(system="A different system prompt.")))
    assert first == UsagePart(PROMPT_TOKENS, 20, cached_input_tokens=0, cache_write_tokens=10)
    assert second == UsagePart(PROMPT_TOKENS, 20, cached_input_tokens=10, cache_write_tokens=0)
    assert (other.cached_input_tokens, other.cache_write_tokens) == (0, 7)


async def test_one_connection_serves_consecutive_answers(
    provider: AnthropicProvider, sim: SimServerThread
) -> None:
    for _ in range(3):
        await collect(provider, chat())
    records = sim.records()
    assert [r.completed for r in records] == [True] * 3
    assert {r.connection_id for r in records} == {records[0].connection_id}


async def test_max_tokens_and_stop_sequences(provider: AnthropicProvider) -> None:
    parts = await collect(provider, chat(max_tokens=5))
    assert texts(parts) == answer_text("prose", 5)
    assert parts[-1] == FinishPart("length", "sim")
    full = answer_text("prose", 20)
    stop = full[30:36]
    parts = await collect(provider, chat(stop=(stop,)))
    assert texts(parts) == full[: full.index(stop)]
    assert parts[-1] == FinishPart("stop", "sim")


async def test_a_turn_reports_cache_usage(provider: AnthropicProvider) -> None:
    await collect(provider, chat())
    turn = Turn(route=[Target("sim", provider, chat())], session_id="s", prompt=USER)
    events = [event async for event in turn]
    [usage] = [e for e in events if isinstance(e, UsageReported)]
    assert (usage.input_tokens, usage.cached_input_tokens, usage.cache_write_tokens) == (18, 10, 0)
    assert isinstance(events[-1], TurnFinished)
    assert events[-1].text == answer_text("prose", 20) and events[-1].finish_reason == "stop"


# --- faults ----------------------------------------------------------------------------


async def test_overload_mid_stream_after_partial_text(provider: AnthropicProvider) -> None:
    seen: list[StreamPart] = []
    with pytest.raises(errors.Overloaded) as info:
        async for part in provider.stream(chat("sim?scenario=overloaded_mid_stream")):
            seen.append(part)
    assert texts(seen) == answer_text("prose", 3)
    assert info.value.message == "Overloaded" and isinstance(info.value, errors.Overloaded)


async def test_openai_route_overload_mid_stream_too(sim: SimServerThread) -> None:
    provider = OpenAICompatProvider(sim.base_url)
    request = ChatRequest(
        model="sim?scenario=overloaded_mid_stream", messages=(ChatMessage("user", USER),)
    )
    seen: list[StreamPart] = []
    try:
        with pytest.raises(errors.Overloaded):
            async for part in provider.stream(request):
                seen.append(part)
    finally:
        await provider.aclose()
    assert texts(seen) == answer_text("prose", 3)


@pytest.mark.parametrize(
    ("model", "expected", "status"),
    [
        ("sim?scenario=http_error&status=429&retry_after=7", errors.RateLimited, 429),
        ("sim?scenario=http_error&status=529", errors.Overloaded, 529),
        ("sim?scenario=http_error&status=500", errors.ServerError, 500),
        ("sim?scenario=http_error&status=400", errors.BadRequest, 400),
        ("sim?scenario=http_error&status=403", errors.AuthFailed, 403),
        ("sim?scenario=context_too_long", errors.ContextTooLong, 400),
        ("claude-nope", errors.ModelNotFound, 404),
        ("sim?scenario=nope", errors.BadRequest, 400),
        ("sim?scenario=http_html", errors.ServerError, 502),
    ],
)
async def test_http_errors_map(
    provider: AnthropicProvider,
    model: str,
    expected: type[errors.ProviderError],
    status: int,
) -> None:
    with pytest.raises(expected) as info:
        await collect(provider, chat(model))
    assert type(info.value) is expected and info.value.status_code == status
    assert "<" not in info.value.message
    if status == 429:
        assert info.value.retry_after == 7.0


async def test_error_messages_are_anthropics(provider: AnthropicProvider) -> None:
    with pytest.raises(errors.ContextTooLong, match="prompt is too long: 250000 tokens"):
        await collect(provider, chat("sim?scenario=context_too_long"))
    with pytest.raises(errors.ModelNotFound, match="model: claude-nope"):
        await collect(provider, chat("claude-nope"))


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        ("truncate", errors.StreamTruncated),
        ("drop", errors.ConnectionFailed),
        ("malformed", errors.ProtocolError),
        ("error_mid_stream", errors.ServerError),
        ("not_sse", errors.ProtocolError),
    ],
)
async def test_stream_faults(
    provider: AnthropicProvider, scenario: str, expected: type[errors.ProviderError]
) -> None:
    with pytest.raises(expected) as info:
        await collect(provider, chat(f"sim?scenario={scenario}"))
    assert type(info.value) is expected


async def test_hang_mid_stream_times_out(sim: SimServerThread) -> None:
    provider = AnthropicProvider(sim.root_url, timeout=httpx.Timeout(5.0, read=0.3))
    try:
        with pytest.raises(errors.ProviderTimeout):
            await collect(provider, chat("sim?scenario=hang_mid"))
    finally:
        await provider.aclose()
    record = sim.wait_for(lambda r: r.disconnected_at is not None)
    assert record.tokens_sent == 3


# --- auth and cancellation -------------------------------------------------------------


async def test_wrong_key_is_auth_failed_and_never_echoed(sim: SimServerThread) -> None:
    right = "sk-ant-sim-right-key-9876543210"
    sim.settings.api_key = right
    wrong = AnthropicProvider(sim.root_url, KEY)
    missing = AnthropicProvider(sim.root_url)
    good = AnthropicProvider(sim.root_url, right)
    try:
        with pytest.raises(errors.AuthFailed) as info:
            await collect(wrong, chat())
        with pytest.raises(errors.AuthFailed, match="x-api-key header is required"):
            await collect(missing, chat())
        assert texts(await collect(good, chat())) == answer_text("prose", 20)
    finally:
        for provider in (wrong, missing, good):
            await provider.aclose()
    assert info.value.status_code == 401
    assert KEY not in info.value.one_line() and KEY[-8:] not in info.value.one_line()
    assert info.value.message == "invalid x-api-key"


async def test_cancelling_mid_stream_disconnects(
    provider: AnthropicProvider, sim: SimServerThread
) -> None:
    received: list[str] = []
    two_tokens = asyncio.Event()

    async def consume() -> None:
        async for part in provider.stream(chat("sim?tps=20&tokens=400")):
            if isinstance(part, TextPart):
                received.append(part.text)
                if len(received) >= 2:
                    two_tokens.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(two_tokens.wait(), timeout=10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    record = sim.wait_for(lambda r: r.disconnected_at is not None)
    assert not record.completed and 2 <= record.tokens_sent < 400
    assert received == answer_tokens("prose", len(received))


# --- the wire itself -------------------------------------------------------------------


def post_messages(sim: SimServerThread, body: dict[str, object], **headers: str) -> httpx.Response:
    all_headers = {"anthropic-version": "2023-06-01", **headers}
    return httpx.post(f"{sim.root_url}/v1/messages", json=body, headers=all_headers, timeout=10)


def body(model: str = "sim", **extra: object) -> dict[str, object]:
    return {
        "model": model,
        "max_tokens": 100,
        "messages": [{"role": "user", "content": USER}],
        **extra,
    }


def test_stream_framing(sim: SimServerThread) -> None:
    payload = body("sim?tokens=3", stream=True)
    headers = {"anthropic-version": "2023-06-01"}
    with (
        httpx.Client(trust_env=False, timeout=10) as client,
        connect_sse(
            client, "POST", f"{sim.root_url}/v1/messages", json=payload, headers=headers
        ) as source,
    ):
        assert source.response.headers["content-type"] == "text/event-stream; charset=utf-8"
        events = [(sse.event, json.loads(sse.data)) for sse in source.iter_sse()]
    names = [name for name, _ in events]
    assert names == [
        "message_start",
        "content_block_start",
        "ping",
        *["content_block_delta"] * 3,
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert all(data["type"] == name for name, data in events)
    message = events[0][1]["message"]
    assert message["id"] == "msg_sim_1" and message["model"] == "sim"
    assert message["usage"] == {
        "input_tokens": 8,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": 1,
    }
    assert events[1][1]["content_block"] == {"type": "text", "text": ""}
    assert [data["delta"] for _, data in events[3:6]] == [
        {"type": "text_delta", "text": token} for token in answer_tokens("prose", 3)
    ]
    assert events[-2][1] == {
        "type": "message_delta",
        "delta": {"stop_reason": "end_turn", "stop_sequence": None},
        "usage": {"output_tokens": 3},
    }


def test_non_streamed_message(sim: SimServerThread) -> None:
    stop = answer_text("prose", 20)[30:36]
    response = post_messages(sim, body(stop_sequences=[stop]))
    assert response.status_code == 200
    data = response.json()
    assert data["type"] == "message" and data["role"] == "assistant"
    assert data["content"] == [{"type": "text", "text": answer_text("prose", 20).split(stop)[0]}]
    assert (data["stop_reason"], data["stop_sequence"]) == ("stop_sequence", stop)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"model": "sim", "messages": [{"role": "user", "content": "x"}]}, "max_tokens: Field"),
        (body(messages=[{"role": "system", "content": "x"}]), 'Unexpected role "system"'),
        (body(messages=[{"role": "assistant", "content": "x"}]), "first message must use"),
        (
            body(messages=[{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]),
            "roles must alternate",
        ),
        (body(system=[{"type": "image"}]), "system:"),
    ],
)
def test_invalid_requests_are_400(
    sim: SimServerThread, payload: dict[str, object], message: str
) -> None:
    response = post_messages(sim, payload)
    assert response.status_code == 400
    error = response.json()
    assert error["type"] == "error" and error["error"]["type"] == "invalid_request_error"
    assert message in error["error"]["message"]


def test_anthropic_version_header_is_required(sim: SimServerThread) -> None:
    response = httpx.post(f"{sim.root_url}/v1/messages", json=body(), timeout=10)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "anthropic-version: header is required"


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (429, "rate_limit_error"),
        (529, "overloaded_error"),
        (500, "api_error"),
        (400, "invalid_request_error"),
        (401, "authentication_error"),
        (404, "not_found_error"),
    ],
)
def test_http_error_bodies(sim: SimServerThread, status: int, kind: str) -> None:
    response = post_messages(sim, body(f"sim?scenario=http_error&status={status}"))
    assert response.status_code == status
    assert response.json()["error"]["type"] == kind
    assert ("retry-after" in response.headers) == (status == 429)
    if status == 429:
        assert response.headers["anthropic-ratelimit-requests-remaining"] == "0"
