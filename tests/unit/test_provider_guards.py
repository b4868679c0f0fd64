"""The head guard (manual clock), bounded decompression and the error scrubber."""

from __future__ import annotations

import gzip
import zlib

import httpx
import pytest

from tuichat.core import errors
from tuichat.core.conversation import ChatMessage, ChatRequest
from tuichat.providers.body_bytes import MAX_CHUNK, _Inflater, body_chunks
from tuichat.providers.head_guard import HeadersTimeout, HeadersTooLarge, HeadWatch, guard_client
from tuichat.providers.http_errors import transport_error
from tuichat.providers.openai_compat import OpenAICompatProvider
from tuichat.providers.scrub import Scrubber

KEY = "sk-hostile-SECRET-e7d6c5b4a"


class ManualClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def watch(clock: ManualClock, timeout: float = 5.0, max_bytes: int = 1024) -> HeadWatch:
    head = HeadWatch(timeout, max_bytes, clock)
    head.request_sent()
    return head


def test_before_the_first_byte_the_callers_timeout_applies() -> None:
    head = watch(ManualClock())
    assert head.read_timeout(120.0) == (120.0, False)
    assert head.read_timeout(None) == (None, False)


def test_from_the_first_byte_the_head_must_end_in_time() -> None:
    clock = ManualClock()
    head = watch(clock)
    head.received(b"HTTP/1.1 200 OK\r\n")
    assert head.read_timeout(120.0) == (5.0, True)
    clock.now += 3.0
    head.received(b"x-pad: 1\r\n")
    assert head.read_timeout(120.0) == (2.0, True)
    assert head.read_timeout(1.0) == (1.0, False)  # the caller's is shorter: it is theirs
    clock.now += 2.0
    with pytest.raises(HeadersTimeout, match="response headers did not end within 5 s"):
        head.read_timeout(120.0)


@pytest.mark.parametrize("end", [b"\r\n\r\n", b"\n\n", b"\r\n\n"])
def test_a_finished_head_hands_over_to_the_body(end: bytes) -> None:
    clock = ManualClock()
    head = watch(clock)
    head.received(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream" + end + b"data: 1\n\n")
    clock.now += 60.0
    assert head.read_timeout(120.0) == (120.0, False)
    head.received(b"x" * 10_000)  # body bytes are not head bytes


def test_a_head_end_split_across_reads_is_found() -> None:
    head = watch(ManualClock())
    for piece in (b"HTTP/1.1 200 OK\r\na: b\r", b"\n", b"\r", b"\n"):
        head.received(piece)
    assert head.read_timeout(9.0) == (9.0, False)


def test_interim_heads_share_the_deadline_of_the_final_one() -> None:
    clock = ManualClock()
    head = watch(clock)
    head.received(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n")
    clock.now += 4.0
    assert head.read_timeout(120.0) == (pytest.approx(1.0), True)
    head.received(b"\r\n")
    assert head.read_timeout(120.0) == (120.0, False)


def test_the_next_request_on_the_connection_is_watched_again() -> None:
    clock = ManualClock()
    head = watch(clock)
    head.received(b"HTTP/1.1 200 OK\r\n\r\n")
    head.request_sent()
    head.received(b"HTTP/1.1 200")
    assert head.read_timeout(120.0) == (5.0, True)


def test_a_head_over_the_size_limit_is_refused() -> None:
    head = watch(ManualClock(), max_bytes=100)
    head.received(b"HTTP/1.1 200 OK\r\n")
    with pytest.raises(HeadersTooLarge):
        for _ in range(20):
            head.received(b"x-pad: 0123456789\r\n")


def test_the_guard_reaches_the_pool_of_a_real_client_only() -> None:
    assert guard_client(httpx.AsyncClient()) == 1
    mock = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    assert guard_client(mock) == 0


def test_guard_errors_map_to_their_own_types() -> None:
    timeout = httpx.ReadTimeout("x")
    timeout.__cause__ = HeadersTimeout("x")
    mapped = transport_error(timeout, "h:1")
    assert isinstance(mapped, errors.ResponseHeadersTimeout)
    assert "response headers" in mapped.message
    too_large = httpx.RemoteProtocolError("x")
    too_large.__cause__ = HeadersTooLarge("x")
    assert isinstance(transport_error(too_large, "h:1"), errors.ResponseTooLarge)
    cut = transport_error(httpx.RemoteProtocolError("x"), "h:1", head_received=False)
    assert "before its response began" in cut.message


def test_a_decompression_bomb_comes_out_in_bounded_pieces() -> None:
    bomb = gzip.compress(b"\0" * (32 * MAX_CHUNK))
    pieces = _Inflater(zlib.MAX_WBITS | 16).feed(bomb)
    sizes = [len(piece) for piece in pieces]
    assert sum(sizes) == 32 * MAX_CHUNK and max(sizes) <= MAX_CHUNK


def test_raw_deflate_is_accepted_like_httpx_does() -> None:
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    data = raw.compress(b"data: 1\n\n") + raw.flush()
    assert b"".join(_Inflater(zlib.MAX_WBITS).feed(data)) == b"data: 1\n\n"


async def test_an_unbounded_encoding_is_a_protocol_error() -> None:
    response = httpx.Response(200, headers={"content-encoding": "br"}, stream=_Stream())
    with pytest.raises(errors.ProtocolError, match="unsupported content-encoding 'br'"):
        async for _ in body_chunks(response):
            pass


class _Stream(httpx.AsyncByteStream):
    async def __aiter__(self):  # type: ignore[override]
        yield b"..."


def test_the_scrubber_cleans_message_code_and_a_quoting_cause() -> None:
    error = errors.ServerError(f"echo {KEY[:9]} and {KEY[-8:]}", code=KEY[2:12])
    try:
        raise error from ValueError(f"Illegal header value b'Bearer {KEY}'")
    except errors.ServerError as exc:
        Scrubber([KEY]).error(exc)
    assert error.message == "echo [redacted] and [redacted]" and str(error) == error.message
    assert error.code == "[redacted]"
    assert error.__cause__ is None and error.__suppress_context__


def test_the_scrubber_keeps_a_clean_cause() -> None:
    cause = ConnectionRefusedError("refused")
    error = errors.ConnectionFailed("cannot connect")
    error.__cause__ = cause
    Scrubber([KEY]).error(error)
    assert error.__cause__ is cause


async def test_an_error_body_we_cannot_inflate_still_maps_by_status() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"content-encoding": "br", "retry-after": "3"}
        return httpx.Response(429, headers=headers, stream=_Stream())

    provider = OpenAICompatProvider(
        "http://test.local/v1", KEY, transport=httpx.MockTransport(handler)
    )
    request = ChatRequest(model="m", messages=(ChatMessage("user", "hi"),))
    with pytest.raises(errors.RateLimited) as caught:
        async for _ in provider.stream(request):
            pass
    assert caught.value.retry_after == 3.0
