"""A response body as bytes, decompressed in bounded steps.

tuichat asks for uncompressed bodies (``Accept-Encoding: identity``): event
streams gain nothing from compression, and httpx inflates each network read in
one call, so a 64 KiB gzip chunk of zeros would become 64 MiB at once. A server
that compresses anyway is still read, through a decompressor that never hands
out more than :data:`MAX_CHUNK` bytes per step; encodings it cannot bound
(brotli, zstd, stacked codings) are a protocol error.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Iterator

import httpx

from tuichat.core import errors
from tuichat.core.untrusted import one_line

MAX_CHUNK = 64 * 1024
"""Most decompressed bytes produced per step."""

_WBITS = {"gzip": zlib.MAX_WBITS | 16, "x-gzip": zlib.MAX_WBITS | 16, "deflate": zlib.MAX_WBITS}


async def body_chunks(response: httpx.Response) -> AsyncIterator[bytes]:
    """The body of a streamed ``response``, decoded per its ``Content-Encoding``."""
    if response.is_stream_consumed:  # already in memory (a test transport's response)
        content = response.content
        for start in range(0, len(content), MAX_CHUNK):
            yield content[start : start + MAX_CHUNK]
        return
    coding = response.headers.get("content-encoding", "").strip().lower()
    if coding in ("", "identity"):
        async for chunk in response.aiter_raw():
            yield chunk
        return
    wbits = _WBITS.get(coding)
    if wbits is None:
        raise errors.ProtocolError(f"unsupported content-encoding {one_line(coding, 40)!r}")
    inflater = _Inflater(wbits)
    async for chunk in response.aiter_raw():
        for piece in inflater.feed(chunk):
            yield piece


class _Inflater:
    """zlib in steps of at most :data:`MAX_CHUNK` output bytes.

    ``deflate`` is meant to be zlib-wrapped, but some servers send raw deflate:
    like httpx, a failure on the first bytes retries them as raw deflate.
    """

    def __init__(self, wbits: int) -> None:
        self._wbits = wbits
        self._zlib = zlib.decompressobj(wbits)
        self._first = True

    def feed(self, data: bytes) -> Iterator[bytes]:
        """Decompress ``data``, one bounded piece at a time (lazily: a bomb is never whole)."""
        if self._first:
            self._first = False
            data = self._sniff(data)
        try:
            while True:
                piece = self._zlib.decompress(data, MAX_CHUNK)
                if piece:
                    yield piece
                data = self._zlib.unconsumed_tail
                if not data and len(piece) < MAX_CHUNK:
                    return
        except zlib.error as exc:
            raise errors.ProtocolError(f"the compressed body is corrupt ({exc})") from None

    def _sniff(self, data: bytes) -> bytes:
        """Switch ``deflate`` to raw deflate if its first bytes are not zlib-wrapped."""
        if self._wbits == zlib.MAX_WBITS:
            try:
                zlib.decompressobj(zlib.MAX_WBITS).decompress(data[:64], 1)
            except zlib.error:
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
        return data
