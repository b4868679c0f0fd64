"""Server-Sent Events parsed from raw body bytes, within :class:`StreamLimits`.

httpx-sse decodes text and splits lines with no limit: a line without a
newline is buffered whole, however large. This parser works on bytes and holds
at most one line (:data:`~tuichat.providers.stream_limits.MAX_LINE_BYTES`) and
one event's data; it counts every body byte against the body limit. Lines end
at CRLF, LF or CR (a CR at the end of one chunk and an LF at the start of the
next are one line end); data is decoded as UTF-8 with replacement, as the SSE
specification says.

A byte order mark is stripped where one can appear at the start of a stream:
the body's first bytes (``EF BB BF``; otherwise ``\\ufeffdata:`` is an unknown
field and the first event is lost) and the first event's data (a JSON parser
rejects a leading U+FEFF). An event still incomplete when the body ends is
dropped, as the specification says.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from tuichat.core import errors
from tuichat.providers.stream_limits import StreamLimits, size_text

BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class ServerEvent:
    """One dispatched event: its type (``""`` when unnamed) and its data."""

    event: str
    data: str


class EventStreamParser:
    """Bytes in, events out; one parser per response body."""

    def __init__(self, limits: StreamLimits) -> None:
        self._limits = limits
        self._body_bytes = 0
        self._start = bytearray()  # body bytes seen while a BOM is still possible
        self._started = False
        self._skip_lf = False
        self._partial = bytearray()
        self._data: list[bytes] = []
        self._data_bytes = 0
        self._event = ""
        self._dispatched = False

    def feed(self, chunk: bytes) -> list[ServerEvent]:
        """The events ``chunk`` completes (raises ``ResponseTooLarge`` over a limit)."""
        self._count(len(chunk))
        if not self._started:
            chunk = self._strip_bom(chunk)
        if self._skip_lf and chunk[:1] == b"\n":
            chunk = chunk[1:]
        if not chunk:
            return []
        self._skip_lf = chunk[-1:] == b"\r"
        if b"\r" in chunk:
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        pieces = chunk.split(b"\n")
        self._grow_partial(pieces[0])
        if len(pieces) == 1:
            return []
        lines = [bytes(self._partial), *pieces[1:-1]]
        self._partial = bytearray()
        self._grow_partial(pieces[-1])
        events = []
        for line in lines:
            if len(line) > self._limits.max_line_bytes:  # only a chunk above the limit
                raise errors.ResponseTooLarge(self._too_long("line"))
            event = self._line(line)
            if event is not None:
                events.append(event)
        return events

    def _count(self, n: int) -> None:
        self._body_bytes += n
        limit = self._limits.max_body_bytes
        if self._body_bytes > limit:
            raise errors.ResponseTooLarge(
                f"the event stream went over {size_text(limit)}, the body limit "
                f"for {self._limits.basis()}"
            )

    def _strip_bom(self, chunk: bytes) -> bytes:
        """Drop a leading BOM, even one split across chunks."""
        self._start += chunk
        if len(self._start) < len(BOM) and BOM.startswith(self._start):
            return b""
        self._started = True
        start, self._start = bytes(self._start), bytearray()
        return start[len(BOM) :] if start.startswith(BOM) else start

    def _grow_partial(self, piece: bytes) -> None:
        if len(self._partial) + len(piece) > self._limits.max_line_bytes:
            raise errors.ResponseTooLarge(self._too_long("line"))
        self._partial += piece

    def _too_long(self, what: str) -> str:
        limit = size_text(self._limits.max_line_bytes)
        return f"an event-stream {what} went over {limit}, the line limit"

    def _line(self, line: bytes) -> ServerEvent | None:
        """Apply one line; an empty line dispatches the pending event."""
        if not line:
            return self._dispatch()
        if line[:1] == b":":
            return None  # a comment (keep-alive)
        name, colon, value = line.partition(b":")
        if colon and value[:1] == b" ":
            value = value[1:]
        if name == b"data":
            self._data_bytes += len(value) + 1
            if self._data_bytes > self._limits.max_line_bytes:
                raise errors.ResponseTooLarge(self._too_long("event"))
            self._data.append(value)
        elif name == b"event":
            self._event = value.decode("utf-8", "replace")
        return None  # id and retry matter only to reconnecting clients; others are ignored

    def _dispatch(self) -> ServerEvent | None:
        data, event = self._data, self._event
        self._data, self._data_bytes, self._event = [], 0, ""
        if not data:
            return None
        text = b"\n".join(data).decode("utf-8", "replace")
        if not self._dispatched and text.startswith("\ufeff"):
            text = text[1:]
        self._dispatched = True
        return ServerEvent(event, text)


async def read_events(
    chunks: AsyncIterator[bytes], limits: StreamLimits
) -> AsyncIterator[ServerEvent]:
    """The events of a body read as ``chunks``, each yielded as soon as it is complete."""
    parser = EventStreamParser(limits)
    async for chunk in chunks:
        for event in parser.feed(chunk):
            yield event
