"""Just enough HTTP/1.1 for the simulator, written by hand on asyncio streams.

A real server library would hide exactly what the simulator must control:
when the status line goes out, whether the chunked body is terminated, and
whether the TCP connection ends with a FIN or a reset. So requests are parsed
here (request line, headers, ``Content-Length`` body, keep-alive) and responses
are written as raw bytes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass
from http import HTTPStatus

MAX_HEAD_BYTES = 64 * 1024
MAX_BODY_BYTES = 16 * 1024 * 1024
READ_SIZE = 64 * 1024
LAST_CHUNK = b"0\r\n\r\n"
_EXTRA_REASONS = {529: "Site Overloaded"}


class ProtocolError(Exception):
    """The peer sent something that is not a request we can parse; answer 400, close."""


@dataclass(frozen=True)
class HttpRequest:
    """One parsed request; header names are lower-case."""

    method: str
    target: str
    version: str
    headers: dict[str, str]
    body: bytes
    received_at: float
    """``time.monotonic()`` when the last byte of the body was read."""

    @property
    def path(self) -> str:
        """The target without its query string."""
        return self.target.partition("?")[0]

    @property
    def keep_alive(self) -> bool:
        """Whether the client lets the connection serve another request."""
        connection = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection


@dataclass(frozen=True)
class CannedResponse:
    """A complete, non-streamed response."""

    status: int
    body: bytes
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()


def reason_phrase(status: int) -> str:
    """The standard phrase for ``status`` (also for non-standard ones like 529)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return _EXTRA_REASONS.get(status, "Unknown")


def response_head(status: int, headers: Iterable[tuple[str, str]]) -> bytes:
    """Status line plus headers plus the blank line, ready for the wire."""
    lines = [f"HTTP/1.1 {status} {reason_phrase(status)}"]
    lines.extend(f"{name}: {value}" for name, value in headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def chunk(data: bytes) -> bytes:
    """One ``Transfer-Encoding: chunked`` chunk (never empty: that would end the body)."""
    return b"%x\r\n%s\r\n" % (len(data), data) if data else b""


def _parse_head(head: bytes) -> tuple[str, str, str, dict[str, str]]:
    """Request line and headers; repeated headers are joined with ", "."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise ProtocolError(f"bad request line: {lines[0][:100]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise ProtocolError(f"bad header line: {line[:100]!r}")
        key = name.lower()
        value = value.strip()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return parts[0], parts[1], parts[2], headers


def _body_length(headers: dict[str, str]) -> int:
    """The body size the client announced; chunked request bodies are refused."""
    if "transfer-encoding" in headers:
        raise ProtocolError("chunked request bodies are not supported; send Content-Length")
    raw = headers.get("content-length", "0")
    if not raw.isdigit():
        raise ProtocolError(f"bad Content-Length: {raw[:40]!r}")
    length = int(raw)
    if length > MAX_BODY_BYTES:
        raise ProtocolError("request body too large")
    return length


class Connection:
    """A client connection: buffered request reading, raw writes, EOF watching.

    The read buffer is ours (not the StreamReader's) so the EOF watcher that
    runs while a response is produced can keep any bytes a pipelining client
    sends early; the next :meth:`read_request` finds them here.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._buffer = bytearray()
        self.peer_closed = False
        # With a zero high-water mark, drain() waits until the kernel took every
        # byte: records then say when the bytes really left, and a slow client
        # applies back-pressure instead of growing our buffer.
        writer.transport.set_write_buffer_limits(high=0)

    async def _fill(self) -> bool:
        """Read more bytes into the buffer; False when the peer closed."""
        if self.peer_closed:
            return False
        try:
            data = await self._reader.read(READ_SIZE)
        except ConnectionError:
            data = b""
        if not data:
            self.peer_closed = True
            return False
        self._buffer += data
        return True

    async def read_request(self) -> HttpRequest | None:
        """The next request, or None when the peer closed between requests."""
        while (end := self._buffer.find(b"\r\n\r\n")) < 0:
            if len(self._buffer) > MAX_HEAD_BYTES:
                raise ProtocolError("request head too large")
            if not await self._fill():
                if self._buffer:
                    raise ProtocolError("connection closed inside a request head")
                return None
        method, target, version, headers = _parse_head(bytes(self._buffer[:end]))
        length = _body_length(headers)
        while len(self._buffer) < end + 4 + length:
            if not await self._fill():
                raise ProtocolError("connection closed inside a request body")
        body = bytes(self._buffer[end + 4 : end + 4 + length])
        del self._buffer[: end + 4 + length]
        return HttpRequest(method, target, version, headers, body, time.monotonic())

    async def watch_for_eof(self) -> None:
        """Return as soon as the peer closes (or resets) the connection."""
        while await self._fill():
            if len(self._buffer) > MAX_HEAD_BYTES + MAX_BODY_BYTES:
                return  # a client flooding us while we answer: treat as gone

    @property
    def is_closing(self) -> bool:
        """True once the transport is closed or lost; writing then is pointless."""
        return self.peer_closed or self._writer.transport.is_closing()

    def write(self, data: bytes) -> None:
        """Queue bytes; raises ConnectionResetError when the client is gone."""
        if self.is_closing:
            raise ConnectionResetError("client closed the connection")
        self._writer.write(data)

    async def drain(self) -> None:
        """Wait until the kernel accepted everything written so far."""
        await self._writer.drain()

    def abort(self) -> None:
        """Drop the connection at once with a TCP reset, discarding unsent data."""
        self._writer.transport.abort()

    def close(self) -> None:
        """Close gracefully: unsent data is flushed first, then a FIN."""
        self._writer.close()
