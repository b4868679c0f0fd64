"""Bound how long and how large a response's header block may be.

httpcore reads the head with the read timeout between *reads*, so a server
trickling one header line every 50 ms is never timed out, and h11 buffers up
to 100 KiB of it. Neither httpx nor httpcore has a per-head deadline, and no
hook sees bytes as they arrive, so this module wraps the network streams
httpcore reads from:

* a request written on a connection means the next bytes are a response head;
* from the first of those bytes, the head must end (a blank line) within
  :data:`~tuichat.providers.stream_limits.HEADERS_TIMEOUT` seconds and
  :data:`~tuichat.providers.stream_limits.MAX_HEADER_BYTES` bytes; interim
  ``1xx`` heads count towards the same budget;
* the wait before the first byte stays the read timeout's: a server may
  legitimately think for a long time before answering.

Going over raises :class:`HeadersTimeout` or :class:`HeadersTooLarge`, which
subclass httpcore's own errors, so httpx wraps them like any read timeout or
protocol error (the original is the wrapper's ``__cause__``).

The wrapper is installed on the connection pools of an ``httpx.AsyncClient``
(:func:`guard_client`), reaching into httpx's ``_transport``/``_mounts`` and
httpcore's ``_network_backend`` because neither offers a public way to do it
while keeping the client's proxy handling; a transport without them (a test's
mock transport) is left alone.
"""

from __future__ import annotations

import re
import ssl
import time
from collections.abc import Callable, Iterable
from typing import Any

import httpcore
import httpx

from tuichat.providers.loop_stream import LoopBackend
from tuichat.providers.stream_limits import HEADERS_TIMEOUT, MAX_HEADER_BYTES

_HEAD_END = re.compile(rb"\n\r?\n")  # h11 accepts bare LF line ends too
_INTERIM_STATUS = re.compile(rb"HTTP/\d(?:\.\d)? +1\d\d")


class HeadersTimeout(httpcore.ReadTimeout):
    """The response head started but did not end within the headers timeout."""


class HeadersTooLarge(httpcore.RemoteProtocolError):
    """The response head went over the header size limit."""


class HeadWatch:
    """The head-reading state of one connection; fed every byte it reads."""

    def __init__(
        self, timeout: float, max_bytes: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._clock = clock
        self._awaiting = False  # a request went out: the next bytes are a head
        self._deadline: float | None = None  # set at the head's first byte
        self._head = bytearray()  # the current head so far (at most max_bytes)

    def request_sent(self) -> None:
        """A request was written; its response head comes next (unless one is under way)."""
        if self._deadline is None:
            self._awaiting = True

    def fresh(self) -> HeadWatch:
        """A new watch with the same limits (for a stream wrapped in TLS)."""
        return HeadWatch(self._timeout, self._max_bytes, self._clock)

    def read_timeout(self, timeout: float | None) -> tuple[float | None, bool]:
        """The timeout for the next read, and whether it is this watch's head deadline."""
        if self._deadline is None:
            return timeout, False
        left = self._deadline - self._clock()
        if left <= 0:
            raise self.timed_out()
        if timeout is not None and timeout <= left:
            return timeout, False
        return left, True

    def timed_out(self) -> HeadersTimeout:
        """The error for a head that did not end in time."""
        return HeadersTimeout(f"response headers did not end within {self._timeout:g} s")

    def received(self, data: bytes) -> None:
        """Account for bytes read; raises ``HeadersTooLarge`` past the limit."""
        while data and self._awaiting:
            if self._deadline is None:
                self._deadline = self._clock() + self._timeout
            data = self._scan(data)

    def _scan(self, data: bytes) -> bytes:
        """Add ``data`` to the head; return what follows the head's end, if it ended."""
        seen = len(self._head)
        self._head += data
        match = _HEAD_END.search(self._head, max(0, seen - 2))
        if match is None:
            if len(self._head) > self._max_bytes:
                raise HeadersTooLarge(f"response headers went over {self._max_bytes} bytes")
            return b""
        rest = bytes(self._head[match.end() :])
        head, self._head = self._head[: match.end()], bytearray()
        if len(head) > self._max_bytes:
            raise HeadersTooLarge(f"response headers went over {self._max_bytes} bytes")
        if not _INTERIM_STATUS.match(head):  # a final head: the body follows
            self._awaiting, self._deadline = False, None
            return b""
        return rest  # a 1xx head: the final one follows, within the same deadline


class GuardedStream(httpcore.AsyncNetworkStream):
    """A network stream that enforces the head limits of :class:`HeadWatch`."""

    def __init__(self, inner: httpcore.AsyncNetworkStream, watch: HeadWatch) -> None:
        self._inner = inner
        self._watch = watch

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Read, with the timeout cut to what is left of a head's deadline."""
        limit, head_deadline = self._watch.read_timeout(timeout)
        try:
            data = await self._inner.read(max_bytes, limit)
        except httpcore.ReadTimeout:
            if head_deadline:
                raise self._watch.timed_out() from None
            raise
        self._watch.received(data)
        return data

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Write; a request going out means a response head is expected next."""
        await self._inner.write(buffer, timeout)
        self._watch.request_sent()

    async def aclose(self) -> None:
        """Close the wrapped stream."""
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """TLS over the wrapped stream; the encrypted stream is guarded afresh."""
        inner = await self._inner.start_tls(ssl_context, server_hostname, timeout)
        return GuardedStream(inner, self._watch.fresh())

    def get_extra_info(self, info: str) -> Any:
        """What the wrapped stream says (``ssl_object``, ``socket``, ...)."""
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """A network backend whose streams are :class:`GuardedStream`."""

    def __init__(
        self,
        inner: httpcore.AsyncNetworkBackend,
        timeout: float = HEADERS_TIMEOUT,
        max_bytes: int = MAX_HEADER_BYTES,
    ) -> None:
        self._inner = inner
        self.timeout = timeout
        self.max_bytes = max_bytes

    def _guard(self, stream: httpcore.AsyncNetworkStream) -> GuardedStream:
        return GuardedStream(stream, HeadWatch(self.timeout, self.max_bytes))

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Connect, then guard the stream."""
        stream = await self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return self._guard(stream)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        """Connect, then guard the stream."""
        stream = await self._inner.connect_unix_socket(path, timeout, socket_options)
        return self._guard(stream)

    async def sleep(self, seconds: float) -> None:
        """The wrapped backend's sleep."""
        await self._inner.sleep(seconds)


def guard_client(
    client: httpx.AsyncClient,
    timeout: float = HEADERS_TIMEOUT,
    max_bytes: int = MAX_HEADER_BYTES,
    *,
    loop_streams: bool = False,
) -> int:
    """Guard every connection pool of ``client``; returns how many were guarded.

    ``loop_streams``: its plain-HTTP connections are asyncio's own
    (:mod:`~tuichat.providers.loop_stream`), not anyio's.
    """
    transports = [getattr(client, "_transport", None)]
    transports += list(getattr(client, "_mounts", {}).values())
    guarded = 0
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if isinstance(backend, httpcore.AsyncNetworkBackend) and not isinstance(
            backend, GuardedBackend
        ):
            if loop_streams:
                backend = LoopBackend(backend)
            pool._network_backend = GuardedBackend(backend, timeout, max_bytes)  # type: ignore[union-attr]
            guarded += 1
    return guarded
