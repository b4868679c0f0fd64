"""Plain-HTTP connections on asyncio's transports: what httpcore's anyio streams did, for real.

Each test talks to a real TCP server on 127.0.0.1 (a few lines of asyncio),
so the bytes, the ends of stream and the resets are the kernel's.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpcore
import httpx
import pytest

from tuichat.providers import loop_stream
from tuichat.providers.head_guard import GuardedBackend, guard_client
from tuichat.providers.loop_stream import LoopBackend, LoopStream, use_loop_streams

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def server(handler: Handler) -> AsyncIterator[int]:
    """A TCP server on 127.0.0.1 running ``handler`` per connection; yields its port."""
    srv = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    try:
        yield port
    finally:
        srv.close()


async def connect(port: int) -> httpcore.AsyncNetworkStream:
    return await LoopBackend(httpcore.AnyIOBackend()).connect_tcp("127.0.0.1", port, timeout=5)


async def read_all(stream: httpcore.AsyncNetworkStream) -> bytes:
    received = bytearray()
    while chunk := await stream.read(65536, timeout=5):
        received += chunk
    return bytes(received)


def test_plain_http_without_a_proxy_uses_loop_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert use_loop_streams("http://127.0.0.1:8080/v1")
    assert use_loop_streams("http://gpu-box.lan:8000/v1")
    assert not use_loop_streams("https://api.openai.com/v1")
    monkeypatch.setenv("HTTPS_PROXY", "https://proxy.example:3128")
    assert not use_loop_streams("http://127.0.0.1:8080/v1")


def test_guard_client_puts_loop_streams_under_the_head_guard() -> None:
    client = httpx.AsyncClient()
    assert guard_client(client, loop_streams=True) == 1
    backend = client._transport._pool._network_backend  # type: ignore[attr-defined]
    assert isinstance(backend, GuardedBackend) and isinstance(backend._inner, LoopBackend)
    plain = httpx.AsyncClient()
    guard_client(plain)
    assert not isinstance(plain._transport._pool._network_backend._inner, LoopBackend)  # type: ignore[attr-defined]


async def test_bytes_arrive_as_sent_then_the_end_of_stream() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await reader.readexactly(5)
        for part in (b"one ", b"two ", request):
            writer.write(part)
            await writer.drain()
            await asyncio.sleep(0.01)
        writer.close()

    async with server(handler) as port:
        stream = await connect(port)
        await stream.write(b"hello", timeout=5)
        assert await read_all(stream) == b"one two hello"
        assert await stream.read(10, timeout=5) == b""  # and stays at the end
        assert stream.get_extra_info("is_readable")  # a closed idle connection is not reused
        assert stream.get_extra_info("ssl_object") is None
        assert stream.get_extra_info("server_addr")[1] == port
        await stream.aclose()


async def test_a_silent_server_is_a_read_timeout() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1)  # never answers; returns when the client closes

    async with server(handler) as port:
        stream = await connect(port)
        with pytest.raises(httpcore.ReadTimeout):
            await stream.read(100, timeout=0.05)
        assert not stream.get_extra_info("is_readable")
        await stream.aclose()


async def test_a_reset_mid_answer_is_a_read_error_after_the_bytes_before_it() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"partial")
        await writer.drain()
        await asyncio.sleep(0.05)
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()  # RST, not FIN

    async with server(handler) as port:
        stream = await connect(port)
        assert await stream.read(100, timeout=5) == b"partial"
        with pytest.raises(httpcore.ReadError):
            await stream.read(100, timeout=5)
        with pytest.raises(httpcore.WriteError):
            await stream.write(b"more", timeout=5)
        await stream.aclose()


async def test_a_refused_connection_is_a_connect_error() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(httpcore.ConnectError):
        await connect(port)


async def test_tls_is_never_done_on_a_plain_connection() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1)

    async with server(handler) as port:
        stream = await connect(port)
        with pytest.raises(httpcore.ConnectError, match="TLS"):
            await stream.start_tls(httpx.create_ssl_context(), "example.com", timeout=5)


async def test_a_large_answer_pauses_the_socket_and_arrives_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(loop_stream, "READ_BUFFER_HIGH", 4096)
    monkeypatch.setattr(loop_stream, "READ_BUFFER_LOW", 1024)
    body = bytes(range(256)) * 2048  # 512 KiB

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(body)
        await writer.drain()
        writer.close()

    async with server(handler) as port:
        stream = await connect(port)
        assert isinstance(stream, LoopStream)
        await asyncio.sleep(0.05)  # the server fills the buffer past its high mark
        assert stream._wire._reading_paused
        received = bytearray()
        while chunk := await stream.read(1000, timeout=5):
            received += chunk
        assert bytes(received) == body
        await stream.aclose()


async def test_a_read_that_finds_bytes_waiting_still_lets_the_loop_run() -> None:
    """A burst arrives at once: between its reads the screen (any other task) gets a turn."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"x" * 10)
        await writer.drain()
        writer.close()

    async with server(handler) as port:
        stream = await connect(port)
        await asyncio.sleep(0.05)  # all ten bytes are buffered
        turns = 0

        async def other() -> None:
            nonlocal turns
            while True:
                turns += 1
                await asyncio.sleep(0)

        task = asyncio.create_task(other())
        await asyncio.sleep(0)
        before = turns
        for _ in range(5):
            assert await stream.read(2, timeout=5) == b"xx"
        task.cancel()
        assert turns - before >= 4
        await stream.aclose()


async def test_closing_sends_the_end_at_once() -> None:
    """The peer sees the close even if the loop is blocked right after (as a polling test does)."""
    listener = socket.create_server(("127.0.0.1", 0))
    ended = threading.Event()

    def serve() -> None:  # a thread: it must see the end while the loop is held
        conn, _ = listener.accept()
        with conn:
            while conn.recv(100):
                pass
            ended.set()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        stream = await connect(listener.getsockname()[1])
        await stream.aclose()
        assert ended.wait(5)  # blocks the loop: nothing more of the close may be left to it
    finally:
        listener.close()
        thread.join(5)
