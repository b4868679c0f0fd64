"""Plain-HTTP connections on asyncio's own transports: a streamed token costs one wake-up.

httpcore reads a response through anyio, which for every read enters a
cancel scope with its timer (the read timeout), yields to the loop once
more, and pauses and resumes the socket's reading (two ``epoll_ctl`` calls).
An answer streamed at 200 tokens a second is 200 reads a second or more,
and in the chat app those reads were ~5% of a streamed markdown answer's CPU
(``bench/pty_profile.py``).

:class:`LoopBackend` connects with ``loop.create_connection`` and reads from
a protocol's buffer: a read that finds bytes returns them (after one yield,
so a burst still lets the screen paint between reads, as anyio's did); a
read that must wait sets one timer for the read timeout. The errors are
httpcore's, as anyio's backend maps them (``ConnectError``,
``ConnectTimeout``, ``ReadError``, ``ReadTimeout``, ``WriteError``,
``WriteTimeout``), so httpx and tuichat's fault handling see the same
exceptions.

It serves plain ``http://`` only (the embedded model, a local server, the
simulator: :func:`use_loop_streams` decides). TLS stays with anyio, whose
handshake and certificate checks every hosted provider relies on: should a
TLS upgrade ever be asked of a :class:`LoopStream`, it fails closed with a
``ConnectError``. Unix sockets and socket options go to the wrapped backend.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore

from tuichat.providers.local_tls import proxies_configured

READ_BUFFER_HIGH = 256 * 1024
"""Stop reading the socket when this much waits unread (the server is then held back)."""

READ_BUFFER_LOW = 64 * 1024
"""Read the socket again once the unread bytes fall to this."""


class _Wire(asyncio.Protocol):
    """The protocol under a :class:`LoopStream`: received bytes, end of stream, flow control."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.eof = False  # no more bytes will come (end of stream, or the connection lost)
        self.error: BaseException | None = None  # why the connection was lost, if it broke
        self.lost = False
        self._reading_paused = False
        self._writing_paused = False
        self._waiter: asyncio.Future[None] | None = None  # a read waiting for bytes
        self._drain: asyncio.Future[None] | None = None  # a write waiting for the buffer

    # -- asyncio's callbacks -----------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > READ_BUFFER_HIGH and self.transport is not None:
            self._reading_paused = True
            self.transport.pause_reading()
        _wake(self._waiter)

    def eof_received(self) -> bool:
        self.eof = True
        _wake(self._waiter)
        return False  # the transport closes itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = self.eof = True
        self.error = exc
        _wake(self._waiter)
        _wake(self._drain)

    def pause_writing(self) -> None:
        self._writing_paused = True

    def resume_writing(self) -> None:
        self._writing_paused = False
        _wake(self._drain)

    # -- what the stream asks ----------------------------------------------------

    def why(self) -> str:
        """What broke the connection, in one line (its error's text, or its kind)."""
        return str(self.error) or type(self.error).__name__

    def take(self, max_bytes: int) -> bytes:
        """Up to ``max_bytes`` received bytes (``b""``: none, and none will come)."""
        data = bytes(self.buffer[:max_bytes])
        del self.buffer[:max_bytes]
        if self._reading_paused and len(self.buffer) <= READ_BUFFER_LOW:
            self._reading_paused = False
            if self.transport is not None and not self.lost:
                self.transport.resume_reading()
        return data

    async def readable(self, timeout: float | None) -> None:
        """Return once bytes or the end arrived; ``TimeoutError`` after ``timeout`` seconds."""
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            await _within(self._waiter, timeout)
        finally:
            self._waiter = None

    async def drained(self, timeout: float | None) -> None:
        """Return once the transport takes writes again; ``TimeoutError`` after ``timeout``."""
        if not self._writing_paused or self.lost:
            return
        self._drain = asyncio.get_running_loop().create_future()
        try:
            await _within(self._drain, timeout)
        finally:
            self._drain = None


def _wake(future: asyncio.Future[None] | None) -> None:
    if future is not None and not future.done():
        future.set_result(None)


async def _within(future: asyncio.Future[None], timeout: float | None) -> None:
    """Await ``future``; past ``timeout`` seconds, ``TimeoutError`` (one timer, no task)."""
    if timeout is None:
        await future
        return
    timer = asyncio.get_running_loop().call_later(timeout, _time_out, future)
    try:
        await future
    finally:
        timer.cancel()


def _time_out(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_exception(TimeoutError())


class LoopStream(httpcore.AsyncNetworkStream):
    """A plain TCP connection read from asyncio's transport (see the module doc)."""

    def __init__(self, wire: _Wire) -> None:
        assert wire.transport is not None  # (the connection is made)
        self._transport = wire.transport
        self._wire = wire

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Bytes received (``b""`` at the end); httpcore's ``ReadTimeout``/``ReadError``."""
        wire = self._wire
        if wire.buffer:
            await asyncio.sleep(0)  # bytes were waiting: let the loop run (a burst paints)
        elif not wire.eof:
            try:
                await wire.readable(timeout)
            except TimeoutError:
                raise httpcore.ReadTimeout("timed out reading the response") from None
        if not wire.buffer and wire.error is not None:
            raise httpcore.ReadError(wire.why())
        return wire.take(max_bytes)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Send ``buffer``; httpcore's ``WriteTimeout``/``WriteError``."""
        if not buffer:
            return
        if self._wire.lost or self._transport.is_closing():
            raise httpcore.WriteError("the connection is closed")
        try:
            self._transport.write(buffer)
            await self._wire.drained(timeout)
        except TimeoutError:
            raise httpcore.WriteTimeout("timed out sending the request") from None
        if self._wire.error is not None:
            raise httpcore.WriteError(self._wire.why())

    async def aclose(self) -> None:
        """Close the connection now: the end of stream goes out at once, as anyio's did.

        (A caller may block the loop right after, as a test polling the
        server does: the peer must see the close without waiting for it.)
        """
        transport = self._transport
        if transport.is_closing():
            return
        try:
            if transport.can_write_eof():
                transport.write_eof()
        except OSError:
            pass
        transport.close()
        await asyncio.sleep(0)
        transport.abort()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Never done here: TLS belongs to anyio's streams (fails closed)."""
        self._transport.abort()
        raise httpcore.ConnectError("TLS is not available on a plain-HTTP connection")

    def get_extra_info(self, info: str) -> Any:
        """What httpcore asks: ``is_readable``, ``client_addr``, ``server_addr``, ``socket``."""
        transport = self._transport
        if info == "is_readable":  # an idle pooled connection the server closed, or wrote to
            return bool(self._wire.buffer) or self._wire.eof
        if info == "client_addr":
            return transport.get_extra_info("sockname")
        if info == "server_addr":
            return transport.get_extra_info("peername")
        if info == "socket":
            return transport.get_extra_info("socket")
        return None  # no ssl_object: this connection is never TLS


class LoopBackend(httpcore.AsyncNetworkBackend):
    """Connects TCP with asyncio's transports; Unix sockets and socket options go to ``inner``."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self._inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Open a TCP connection (asyncio sets ``TCP_NODELAY``, as anyio does)."""
        if socket_options:  # set before connecting: anyio's backend does that
            return await self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        loop = asyncio.get_running_loop()
        local = None if local_address is None else (local_address, 0)
        try:
            async with asyncio.timeout(timeout):
                _, wire = await loop.create_connection(
                    _Wire, host, port, local_addr=local, happy_eyeballs_delay=0.25
                )
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"timed out connecting to {host}:{port}") from None
        except OSError as exc:
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        return LoopStream(wire)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        """The wrapped backend's Unix socket."""
        return await self._inner.connect_unix_socket(path, timeout, socket_options)

    async def sleep(self, seconds: float) -> None:
        """asyncio's sleep."""
        await asyncio.sleep(seconds)


def use_loop_streams(base_url: str) -> bool:
    """True for a provider reached over plain ``http://`` with no proxy configured.

    (A proxy may be reached over TLS, or tunnel to it: those stay with anyio.)
    """
    return urlsplit(base_url).scheme == "http" and not proxies_configured()
