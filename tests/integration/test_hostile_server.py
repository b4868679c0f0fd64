"""A hostile server on loopback costs bounded memory and time, and never gets a key shown.

Each test runs a small asyncio server on 127.0.0.1 that misbehaves on purpose
(one endless line or event, an endless answer, headers trickled forever, a BOM, key
pieces echoed in errors) against both adapters. Memory is checked by sampling
this process's RSS while the stream runs; time only through a generous outer
timeout and the error's type (never by measuring it).
"""

from __future__ import annotations

import asyncio
import gzip
import json
import resource
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest

from tuichat.core import errors
from tuichat.core.conversation import ChatMessage, ChatRequest
from tuichat.core.provider import FinishPart, StreamPart, TextPart
from tuichat.providers.anthropic import AnthropicProvider
from tuichat.providers.openai_compat import OpenAICompatProvider
from tuichat.providers.sse_client import SSEClient
from tuichat.providers.stream_limits import HEADERS_TIMEOUT

KEY = "sk-hostile-SECRET-e7d6c5b4a"
MB = 1024 * 1024
MAX_GROWTH = 50 * MB
GIVE_UP = 60.0  # seconds: far above what any of these takes when bounded
BOM = b"\xef\xbb\xbf"
SSE_HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n"
FILL = b"x" * (64 * 1024)

Respond = Callable[[dict[str, str], asyncio.StreamWriter], Awaitable[None]]


# --- the server ---------------------------------------------------------------


async def read_request(reader: asyncio.StreamReader) -> dict[str, str]:
    """Read one request; returns its headers (lower-case names)."""
    head = await reader.readuntil(b"\r\n\r\n")
    headers = {}
    for line in head.decode("latin-1").split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name:
            headers[name.strip().lower()] = value.strip()
    await reader.readexactly(int(headers.get("content-length", "0")))
    return headers


@asynccontextmanager
async def loopback(respond: Respond) -> AsyncIterator[str]:
    """A server on 127.0.0.1 answering every request with ``respond``; yields its URL."""
    tasks: set[asyncio.Task[None]] = set()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        tasks.add(asyncio.current_task())  # type: ignore[arg-type]
        try:
            await respond(await read_request(reader), writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # the client gave up (what these tests want), or the test is over
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def send(writer: asyncio.StreamWriter, data: bytes) -> None:
    writer.write(data)
    await writer.drain()


# --- the two wire formats -----------------------------------------------------


@dataclass(frozen=True)
class Dialect:
    """How each adapter's server writes the events these tests need."""

    name: str
    make: Callable[[str], SSEClient]
    opening: bytes
    text: Callable[[str], bytes]
    closing: bytes
    error: Callable[[str], bytes]
    ping: bytes


def _openai_text(text: str) -> bytes:
    body = {"model": "m", "choices": [{"index": 0, "delta": {"content": text}}]}
    return f"data: {json.dumps(body)}\n\n".encode()


def _openai_error(message: str) -> bytes:
    return (
        f"data: {json.dumps({'error': {'message': message, 'type': 'server_error'}})}\n\n".encode()
    )


OPENAI = Dialect(
    name="openai",
    make=lambda url: OpenAICompatProvider(url + "/v1", KEY),
    opening=b"",
    text=_openai_text,
    closing=(
        b'data: {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}\n\n'
        b"data: [DONE]\n\n"
    ),
    error=_openai_error,
    ping=b'data: {"choices": []}\n\n',
)


def _event(name: str, data: dict[str, object]) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


def _anthropic_text(text: str) -> bytes:
    delta = {"type": "text_delta", "text": text}
    return _event(
        "content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}
    )


def _anthropic_error(message: str) -> bytes:
    return _event("error", {"type": "error", "error": {"type": "api_error", "message": message}})


_MESSAGE = {"id": "msg_1", "type": "message", "model": "claude-x", "usage": {"input_tokens": 3}}
ANTHROPIC = Dialect(
    name="anthropic",
    make=lambda url: AnthropicProvider(url, KEY),
    opening=_event("message_start", {"type": "message_start", "message": _MESSAGE})
    + _event(
        "content_block_start",
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    ),
    text=_anthropic_text,
    closing=_event(
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn"},
            "usage": {"output_tokens": 2},
        },
    )
    + _event("message_stop", {"type": "message_stop"}),
    error=_anthropic_error,
    ping=_event("ping", {"type": "ping"}),
)
DIALECTS = pytest.mark.parametrize("dialect", [OPENAI, ANTHROPIC], ids=lambda d: d.name)


def request(max_tokens: int | None = 16) -> ChatRequest:
    return ChatRequest(model="m", messages=(ChatMessage("user", "hi"),), max_tokens=max_tokens)


async def run(dialect: Dialect, url: str, max_tokens: int | None = 16) -> list[StreamPart]:
    provider = dialect.make(url)
    try:
        async with asyncio.timeout(GIVE_UP):
            return [part async for part in provider.stream(request(max_tokens))]
    finally:
        await provider.aclose()


async def failure(dialect: Dialect, url: str, max_tokens: int | None = 16) -> errors.ProviderError:
    with pytest.raises(errors.ProviderError) as caught:
        await run(dialect, url, max_tokens)
    return caught.value


# --- memory -------------------------------------------------------------------


def rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


def max_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class MemoryWatch:
    """Samples RSS every few ms while a block runs; ``growth`` is its peak over the start."""

    def __init__(self) -> None:
        self.start = rss()
        self.start_max = max_rss()
        self.peak = self.start
        self._task: asyncio.Task[None] | None = None

    async def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, rss())
            await asyncio.sleep(0.002)

    async def __aenter__(self) -> MemoryWatch:
        self._task = asyncio.create_task(self._sample())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        self.peak = max(self.peak, rss())

    @property
    def growth(self) -> int:
        return max(self.peak - self.start, max_rss() - self.start_max)


# --- (a) one endless line -----------------------------------------------------


@DIALECTS
async def test_an_endless_line_is_a_protocol_error_in_bounded_memory(dialect: Dialect) -> None:
    async def respond(headers: dict[str, str], writer: asyncio.StreamWriter) -> None:
        await send(writer, SSE_HEAD + b"data: ")
        for _ in range(64 * MB // len(FILL)):  # 64 MB, no newline
            await send(writer, FILL)

    async with loopback(respond) as url, MemoryWatch() as memory:
        error = await failure(dialect, url)
    assert isinstance(error, errors.ResponseTooLarge)
    assert "line" in error.message and "1 MiB" in error.message
    assert memory.growth < MAX_GROWTH, f"grew {memory.growth / MB:.0f} MB"


@DIALECTS
async def test_an_endless_event_is_a_protocol_error_in_bounded_memory(dialect: Dialect) -> None:
    line = b"data: " + b"x" * 1000 + b"\r\n"  # short lines, never a blank one

    async def respond(headers: dict[str, str], writer: asyncio.StreamWriter) -> None:
        await send(writer, SSE_HEAD)
        for _ in range(64 * MB // (64 * len(line))):
            await send(writer, line * 64)

    async with loopback(respond) as url, MemoryWatch() as memory:
        error = await failure(dialect, url)
    assert isinstance(error, errors.ResponseTooLarge)
    assert "event limit" in error.message and "1 MiB" in error.message
    assert memory.growth < MAX_GROWTH, f"grew {memory.growth / MB:.0f} MB"


async def test_a_compressed_endless_line_is_inflated_in_bounded_steps() -> None:
    bomb = gzip.compress(b"data: " + b"x" * (64 * MB), compresslevel=9)
    head = SSE_HEAD.replace(b"connection: close", b"content-encoding: gzip\r\nconnection: close")

    async def respond(headers: dict[str, str], writer: asyncio.StreamWriter) -> None:
        assert headers.get("accept-encoding") == "identity"
        await send(writer, head + bomb)

    async with loopback(respond) as url, MemoryWatch() as memory:
        error = await failure(OPENAI, url)
    assert isinstance(error, errors.ResponseTooLarge) and "line limit" in error.message
    assert memory.growth < MAX_GROWTH, f"grew {memory.growth / MB:.0f} MB"


async def test_a_compressed_stream_still_reads() -> None:
    events = gzip.compress(OPENAI.text("squeezed") + OPENAI.closing)
    head = SSE_HEAD.replace(b"connection: close", b"content-encoding: gzip\r\nconnection: close")

    async def respond(headers: dict[str, str], writer: asyncio.StreamWriter) -> None:
        await send(writer, head + events)

    async with loopback(respond) as url:
        parts = await run(OPENAI, url)
    assert "".join(p.text for p in parts if isinstance(p, TextPart)) == "squeezed"


# --- (b) an endless answer ----------------------------------------------------


@DIALECTS
async def test_an_endless_answer_stops_at_the_answer_limit(dialect: Dialect) -> None:
    async def respond(headers: dict[str, str], writer: asyncio.StreamWriter) -> None:
        await send(writer, SSE_HEAD + dialect.opening)
        event = dialect.text("Hello ")
        while True:
            await send(writer, event * 64)

    async with loopback(respond) as url, MemoryWatch() as memory:
        provider = dialect.make(url)
        shown = 0
        with pytest.raises(errors.ResponseTooLarge) as caught:
            async with asyncio.timeout(GIVE_UP):
                async for part in provider.stream(request(max_tokens=16)):
                    shown += len(part.text) if isinstance(part, TextPart) else 0
        await provider.aclose()
    assert "answer limit" in caught.value.message and "max_tokens 16" in caught.value.message
    assert 0 < shown <= 64 * 1024  # the text before the limit was delivered, not more
    assert memory.growth < MAX_GROWTH


@DIALECTS
async def test_an_endless_stream_without_text_stops_at_the_body_limit(dialect: Dialect) -> None:
    async def respond(headers: dict[str, str], writer: asyncio.StreamWriter) -> None:
        await send(writer, SSE_HEAD + dialect.opening)
        while True:
            await send(writer, dialect.ping * 256)

    async with loopback(respond) as url, MemoryWatch() as memory:
        error = await failure(dialect, url)
    assert isinstance(error, errors.ResponseTooLarge)
    assert "body limit" in error.message and "16 MiB" in error.message
    assert memory.growth < MAX_GROWTH


async def test_an_uncapped_request_is_still_bounded() -> None:
    async def respond(headers: dict[str, str], writer: asyncio.StreamWriter) -> None:
        await send(writer, SSE_HEAD)
        event = OPENAI.text("y" * 4000)
        while True:
            await send(writer, event * 16)

    async with loopback(respond) as url, MemoryWatch() as memory:
        error = await failure(OPENAI, url, max_tokens=None)
    assert isinstance(error, errors.ResponseTooLarge)
    assert "no max_tokens set" in error.message
    assert memory.growth < MAX_GROWTH


# --- (c) headers that never end -----------------------------------------------


async def test_headers_trickled_forever_time_out_as_response_headers() -> None:
    async def respond(headers: dict[str, str], writer: asyncio.StreamWriter) -> None:
        await send(writer, b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n")
        n = 0
        while True:
            n += 1
            await send(writer, b"x-pad-%d: v\r\n" % n)
            await asyncio.sleep(0.05)

    async with loopback(respond) as url, MemoryWatch() as memory:
        error = await failure(OPENAI, url)
    assert isinstance(error, errors.ResponseHeadersTimeout)
    assert isinstance(error, errors.ProviderTimeout)
    assert "response headers" in error.message and f"{HEADERS_TIMEOUT:g} s" in error.message
    assert "cut mid-response" not in error.message
    assert memory.growth < MAX_GROWTH


async def test_a_flood_of_headers_is_refused_by_size() -> None:
    async def respond(headers: dict[str, str], writer: asyncio.StreamWriter) -> None:
        await send(writer, b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n")
        while True:
            await send(writer, b"x-pad: " + FILL[:1000] + b"\r\n")

    async with loopback(respond) as url:
        error = await failure(ANTHROPIC, url)
    assert isinstance(error, errors.ResponseTooLarge)
    assert "response headers" in error.message and "64 KiB" in error.message


async def test_a_slow_first_byte_is_not_a_headers_timeout() -> None:
    """The header deadline starts at the first byte: thinking before answering is fine."""

    async def respond(headers: dict[str, str], writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(HEADERS_TIMEOUT + 0.5)
        await send(writer, SSE_HEAD + OPENAI.text("late but fine") + OPENAI.closing)

    async with loopback(respond) as url:
        parts = await run(OPENAI, url)
    assert "".join(p.text for p in parts if isinstance(p, TextPart)) == "late but fine"


# --- (d) a byte order mark ----------------------------------------------------


@DIALECTS
@pytest.mark.parametrize("where", ["body", "body_split", "data"])
async def test_a_bom_at_the_start_loses_nothing(dialect: Dialect, where: str) -> None:
    events = dialect.opening + dialect.text("Hello ") + dialect.text("world") + dialect.closing

    async def respond(headers: dict[str, str], writer: asyncio.StreamWriter) -> None:
        if where == "body":
            await send(writer, SSE_HEAD + BOM + events)
        elif where == "body_split":
            await send(writer, SSE_HEAD + BOM[:1])
            await asyncio.sleep(0.05)
            await send(writer, BOM[1:] + events)
        else:  # the first event's data begins with U+FEFF
            await send(writer, SSE_HEAD + events.replace(b"data: ", b"data: " + BOM, 1))

    async with loopback(respond) as url:
        parts = await run(dialect, url)
    assert "".join(p.text for p in parts if isinstance(p, TextPart)) == "Hello world"
    assert isinstance(parts[-1], FinishPart) and parts[-1].reason == "stop"


# --- key fragments ------------------------------------------------------------

ECHO = "prefix sk-hostile mid hostile-SEC tail e7d6c5b4a, and whole: " + KEY


def windows(key: str) -> set[str]:
    return {key[i : i + 6] for i in range(len(key) - 5)}


def assert_no_key_piece(error: errors.ProviderError, key: str = KEY) -> None:
    texts = [error.message, str(error), error.one_line(), error.code or "", repr(error)]
    cause: BaseException | None = error
    while (cause := cause.__cause__ or cause.__context__) is not None:
        texts.append(str(cause))
    found = {w for w in windows(key) for text in texts if w in text}
    assert not found, f"key pieces {found} in {texts}"


def json_error(status: int, reason: str, body: dict[str, object]) -> bytes:
    data = json.dumps(body).encode()
    head = f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
    return head.encode() + b"content-length: %d\r\nconnection: close\r\n\r\n" % len(data) + data


@DIALECTS
@pytest.mark.parametrize("status", [400, 401, 500])
async def test_key_pieces_echoed_in_an_error_body_are_redacted(
    dialect: Dialect, status: int
) -> None:
    async def respond(headers: dict[str, str], writer: asyncio.StreamWriter) -> None:
        body = {"error": {"message": ECHO, "type": "invalid_request_error", "code": KEY[:12]}}
        await send(writer, json_error(status, "Bad " + KEY[3:15], body))

    async with loopback(respond) as url:
        error = await failure(dialect, url)
    assert error.status_code == status
    assert "[redacted]" in error.message
    assert_no_key_piece(error)


@DIALECTS
async def test_key_pieces_in_an_error_event_mid_stream_are_redacted(dialect: Dialect) -> None:
    async def respond(headers: dict[str, str], writer: asyncio.StreamWriter) -> None:
        await send(writer, SSE_HEAD + dialect.opening + dialect.text("Hi") + dialect.error(ECHO))

    async with loopback(respond) as url:
        error = await failure(dialect, url)
    assert "[redacted]" in error.message
    assert_no_key_piece(error)


@DIALECTS
async def test_key_pieces_hidden_by_control_characters_are_redacted(dialect: Dialect) -> None:
    """Characters a terminal drops cannot split a key into pieces that rejoin on screen."""
    split = "\x1b[0m".join(KEY[i : i + 3] for i in range(0, len(KEY), 3))

    async def respond(headers: dict[str, str], writer: asyncio.StreamWriter) -> None:
        await send(writer, json_error(401, "Unauthorized", {"error": {"message": split}}))

    async with loopback(respond) as url:
        error = await failure(dialect, url)
    assert_no_key_piece(error)


@DIALECTS
async def test_key_pieces_in_a_content_type_are_redacted(dialect: Dialect) -> None:
    async def respond(headers: dict[str, str], writer: asyncio.StreamWriter) -> None:
        head = f"HTTP/1.1 200 OK\r\ncontent-type: text/{KEY[2:20]}\r\ncontent-length: 2\r\n\r\n"
        await send(writer, head.encode() + b"{}")

    async with loopback(respond) as url:
        error = await failure(dialect, url)
    assert isinstance(error, errors.ProtocolError)
    assert_no_key_piece(error)


@DIALECTS
async def test_a_key_no_header_can_carry_is_never_quoted(dialect: Dialect) -> None:
    key = "sk-multi-line-KEY\nsecond-line-123456"

    async def respond(headers: dict[str, str], writer: asyncio.StreamWriter) -> None:
        await send(writer, SSE_HEAD + dialect.closing)  # never reached

    async with loopback(respond) as url:
        provider = OpenAICompatProvider(url + "/v1", key)
        if dialect is ANTHROPIC:
            provider = AnthropicProvider(url, key)  # type: ignore[assignment]
        with pytest.raises(errors.ProviderError) as caught:
            async for _ in provider.stream(request()):
                pass
        await provider.aclose()
    assert_no_key_piece(caught.value, key)
    assert "HTTP request" in caught.value.message


@DIALECTS
async def test_key_pieces_in_the_served_model_are_redacted(dialect: Dialect) -> None:
    opening = dialect.opening.replace(b'"claude-x"', json.dumps(ECHO).encode())
    text = dialect.text("ok")
    if dialect is OPENAI:
        text = text.replace(b'"model": "m"', b'"model": ' + json.dumps(ECHO).encode())

    async def respond(headers: dict[str, str], writer: asyncio.StreamWriter) -> None:
        await send(writer, SSE_HEAD + opening + text + dialect.closing)

    async with loopback(respond) as url:
        parts = await run(dialect, url)
    finish = parts[-1]
    assert isinstance(finish, FinishPart) and finish.served_model
    assert not {w for w in windows(KEY) if w in finish.served_model}
