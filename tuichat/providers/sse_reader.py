"""Server-Sent Events decoded by httpx-sse from body bytes held within :class:`StreamLimits`.

httpx-sse parses the fields (``EventSource.aiter_sse``) but splits lines with
no limit: a line without a newline is buffered whole, however large. So the
body reaches it through :class:`EventStreamGuard`, which looks at each chunk
first (a few ``bytes.find`` calls, never a Python loop per byte) and raises
:class:`~tuichat.core.errors.ResponseTooLarge`, naming the limit, before a
chunk could take the bytes since the last line end past
:attr:`~StreamLimits.max_line_bytes`, the bytes since the last blank line (an
event) past :attr:`~StreamLimits.max_event_bytes`, or the body past
:attr:`~StreamLimits.max_body_bytes`. httpx-sse therefore never holds more
than one line and one event, however hostile the server. Lines end at CRLF, LF
or CR, also when a CRLF is split across chunks, as the SSE specification says.

A byte order mark is stripped where one can appear at the start of a stream:
the body's first bytes (``EF BB BF``, even split across chunks; otherwise
``\\ufeffdata:`` is an unknown field and the first event is lost), and the
first event's data (a JSON parser rejects a leading U+FEFF). Both are done on
the bytes, so the adapters iterate httpx-sse's own generator, with no layer of
ours per event.

What httpx-sse makes of the rest: data decoded as UTF-8 with replacement;
comments skipped; unnamed events are ``message`` events; an event still
incomplete when the body ends is dropped. Unlike the specification, an event
with fields but no data (``event: ping`` and a blank line) is dispatched with
empty data: adapters skip empty data, as they must for ``data:`` alone.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, AsyncIterator

import httpx
from httpx_sse import EventSource, ServerSentEvent

from tuichat.core import errors
from tuichat.providers.stream_limits import StreamLimits, size_text

BOM = b"\xef\xbb\xbf"

EVENT_STREAM_HEADERS = {"content-type": "text/event-stream; charset=utf-8"}
"""How the guarded body presents itself to httpx-sse (event streams are UTF-8)."""


class SpanLimit:
    """The bytes since the last separator (a line end, a blank line), held under a limit.

    Fed line-end-normalised chunks (every line end one ``\\n``); a blank line
    is ``\\n\\n``, or one ``\\n`` right after the last chunk's. A separator's
    *end* is the index of its last byte, and the next span starts after it.
    Per chunk this costs a ``find`` and an ``rfind``; the spans between them
    are walked only when a chunk holds more than a limit's worth of them.
    """

    def __init__(self, separator: bytes, limit: int, message: str) -> None:
        self._separator = separator
        self._back = len(separator) - 1  # from a match's start to its end
        self._limit = limit
        self._message = message
        self.length = 0

    def feed(self, view: bytes, *, ends_at_start: bool = False) -> None:
        """Account for ``view``; ``ends_at_start``: its first byte ends a separator."""
        first = 0 if ends_at_start else self._next_end(view, 0)
        if first < 0:
            self._check(self.length + len(view))
            self.length += len(view)
            return
        self._check(self.length + first)
        match = view.rfind(self._separator)
        last = max(first, match + self._back) if match >= 0 else first
        if last - first > self._limit:
            self._walk(view, first, last)
        self.length = len(view) - last - 1
        self._check(self.length)

    def _next_end(self, view: bytes, start: int) -> int:
        match = view.find(self._separator, start)
        return match + self._back if match >= 0 else -1

    def _walk(self, view: bytes, first: int, last: int) -> None:
        """Check every span between the separators ending at ``first`` and ``last``."""
        end = first
        while end < last:
            following = self._next_end(view, end + 1 - self._back)
            self._check(following - end - 1)
            end = following

    def _check(self, length: int) -> None:
        if length > self._limit:
            raise errors.ResponseTooLarge(self._message)


class FirstDataBom:
    """Drops a BOM at the start of the stream's first ``data:`` value.

    The first data line of a stream is the start of the first event's data,
    and a JSON parser rejects a leading U+FEFF. Done on the bytes, so that the
    events come straight from httpx-sse with no layer of ours per event. Until
    that line is found, an unfinished last line is held back (httpx-sse could
    not act on it yet anyway); after it, bytes pass untouched.
    """

    FIRST_DATA = re.compile(rb"^data(?::( ?)(\xef\xbb\xbf)?|$)", re.MULTILINE)
    """A ``data`` field at a line start; group 2 the BOM opening its value."""

    def __init__(self) -> None:
        self.seeking = True
        self._held = bytearray()  # an unfinished line, held while seeking

    def strip(self, view: bytes) -> bytes:
        """``view`` (line ends normalised to LF) as it may go on; may hold its last line."""
        last = view.rfind(b"\n")
        if last < 0:
            self._held += view
            return b""
        lines = bytes(self._held) + view[: last + 1]
        self._held = bytearray(view[last + 1 :])
        match = self.FIRST_DATA.search(lines)
        if match is None:
            return lines
        self.seeking = False
        if match.group(2):
            lines = lines[: match.start(2)] + lines[match.end(2) :]
        held, self._held = bytes(self._held), bytearray()
        return lines + held


class EventStreamGuard:
    """Body bytes in, the bytes for the SSE decoder out, or ``ResponseTooLarge``.

    What goes out is the body with every line end made LF (the same events,
    and one line end per byte to count), less the BOMs it strips.
    """

    def __init__(self, limits: StreamLimits) -> None:
        self._limits = limits
        self._body_bytes = 0
        self._start = bytearray()  # body bytes seen while a BOM is still possible
        self._started = False
        self._after_cr = False  # the last chunk ended in CR: a leading LF completes a CRLF
        self._at_line_start = True  # the last byte seen ended a line
        line, event = limits.max_line_bytes, limits.max_event_bytes
        self._line = SpanLimit(b"\n", line, _too_long("line", line))
        self._event = SpanLimit(b"\n\n", event, _too_long("event", event))
        self._first_data = FirstDataBom()

    def check(self, chunk: bytes) -> bytes:
        """The bytes of ``chunk`` the SSE decoder may have now; raises over a limit."""
        self._count(len(chunk))
        if not self._started:
            chunk = self._strip_bom(chunk)
        view = self._normalised(chunk)
        if not view:
            return view
        self._line.feed(view)
        self._event.feed(view, ends_at_start=self._at_line_start and view[:1] == b"\n")
        self._at_line_start = view[-1:] == b"\n"
        return self._first_data.strip(view) if self._first_data.seeking else view

    def _normalised(self, chunk: bytes) -> bytes:
        """``chunk`` with CRLF and CR made LF (a CRLF may be split across chunks)."""
        if not chunk:
            return chunk
        view = chunk[1:] if self._after_cr and chunk[:1] == b"\n" else chunk
        self._after_cr = chunk[-1:] == b"\r"
        if b"\r" in view:
            view = view.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        return view

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


def _too_long(what: str, limit: int) -> str:
    return f"an event-stream {what} went over {size_text(limit)}, the {what} limit"


class GuardedBody(httpx.AsyncByteStream):
    """A body's chunks passed through an :class:`EventStreamGuard`, as httpx reads a stream."""

    def __init__(self, chunks: AsyncIterator[bytes], guard: EventStreamGuard) -> None:
        self._chunks = chunks
        self._guard = guard

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._chunks:
            checked = self._guard.check(chunk)
            if checked:  # empty while a BOM or a first line may still be arriving
                yield checked

    async def aclose(self) -> None:
        """Close the source of the chunks (a generator over the real response)."""
        close = getattr(self._chunks, "aclose", None)
        if close is not None:
            await close()


def guarded_response(chunks: AsyncIterator[bytes], limits: StreamLimits) -> httpx.Response:
    """An event-stream response httpx-sse can read, whose body is ``chunks`` under ``limits``."""
    body = GuardedBody(chunks, EventStreamGuard(limits))
    return httpx.Response(200, headers=EVENT_STREAM_HEADERS, stream=body)


def read_events(
    chunks: AsyncIterator[bytes], limits: StreamLimits
) -> AsyncGenerator[ServerSentEvent, None]:
    """The events of a body read as ``chunks``, each yielded as soon as it is complete.

    httpx-sse's own generator: the guard has already done our part on the bytes.
    """
    return EventSource(guarded_response(chunks, limits)).aiter_sse()
