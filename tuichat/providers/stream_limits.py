"""How much a response may cost us: the size and time limits of one streamed reply.

A server is hostile input. Without limits, one SSE line with no newline grows
the process by its size, an endless body keeps a core busy until the read
timeout, and header lines trickled one at a time hold a request for as long as
the server likes. Each limit below turns such a response into one accurate
error (:class:`~tuichat.core.errors.ResponseTooLarge` or
:class:`~tuichat.core.errors.ResponseHeadersTimeout`) within seconds, with the
memory it can take bounded to a few MiB.

The answer and body limits scale with ``max_tokens``: a reply can never
legitimately be longer than the tokens it was allowed, so a generous multiple
of them costs honest servers nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

KIB = 1024
MIB = 1024 * KIB

MAX_LINE_BYTES = 1 * MIB
"""Longest SSE line (the bytes between two line ends).

The biggest event a chat stream sends legitimately (a usage chunk, Anthropic's
``message_start``, a thinking signature) is a few KiB: 1 MiB is hundreds of
times that, and is all a server that never sends a newline can make us hold.
"""

MAX_EVENT_BYTES = 1 * MIB
"""Largest SSE event (the bytes between two blank lines), for the same reason:
without it, a server could send ``data:`` lines forever and never end the event."""

CHARS_PER_TOKEN = 32
"""Answer characters allowed per token of ``max_tokens``.

A token averages about four characters; the longest in common vocabularies
(runs of spaces, dashes or ``=``) are a few dozen. 32 per token is far above
any real answer and still a hard stop for a server that never stops.
"""

MIN_ANSWER_CHARS = 64 * KIB
"""Floor of the answer limit, so a tiny ``max_tokens`` (or a server counting
tokens differently) never cuts an honest answer."""

BYTES_PER_TOKEN = 2 * KIB
"""Body bytes allowed per token of ``max_tokens``.

One token is one event of about 150–400 bytes (OpenAI's chunk JSON, Azure's
content-filter annotations, Anthropic's deltas); reasoning and thinking tokens
travel in events of the same size. 2 KiB per token also covers pings, usage
chunks and keep-alive comments.
"""

MIN_BODY_BYTES = 16 * MIB
"""Floor of the body limit (Anthropic's default 4096 tokens sits exactly on it)."""

ASSUMED_MAX_TOKENS = 128 * KIB
"""The answer size assumed when a request sets no ``max_tokens``: the largest
output current models produce (OpenAI-compatible servers make the cap optional).
It bounds an uncapped reply to 4 Mi characters and a 256 MiB body."""

MAX_HEADER_BYTES = 64 * KIB
"""Largest response header block (status line and headers).

Provider headers are 1–4 KiB (request ids, rate limits, cookies). httpcore
lets h11 buffer 100 KiB; a smaller limit of our own names the cause.
"""

HEADERS_TIMEOUT = 5.0
"""Seconds from the first byte of a response's headers to their end.

An honest server writes its header block in one go, so this only ever waits on
a stalled network (a few TCP retransmissions fit in it) or on a server
trickling header lines. The wait *before* the first byte is the read timeout's,
since servers such as llama.cpp send nothing until the prompt is processed.
"""


@dataclass(frozen=True, slots=True)
class StreamLimits:
    """The size limits of one streamed reply (see the module constants for why)."""

    max_line_bytes: int = MAX_LINE_BYTES
    """Longest SSE line."""
    max_event_bytes: int = MAX_EVENT_BYTES
    """Largest SSE event."""
    max_body_bytes: int = MIN_BODY_BYTES
    """Largest (decoded) body."""
    max_answer_chars: int = MIN_ANSWER_CHARS
    """Most answer text, in characters."""
    max_tokens: int | None = None
    """The ``max_tokens`` the limits were derived from, for the error message."""

    @classmethod
    def for_max_tokens(cls, max_tokens: int | None) -> StreamLimits:
        """The limits for a request allowed ``max_tokens`` answer tokens (None: uncapped)."""
        tokens = ASSUMED_MAX_TOKENS if max_tokens is None else max(0, max_tokens)
        return cls(
            max_body_bytes=max(MIN_BODY_BYTES, BYTES_PER_TOKEN * tokens),
            max_answer_chars=max(MIN_ANSWER_CHARS, CHARS_PER_TOKEN * tokens),
            max_tokens=max_tokens,
        )

    def basis(self) -> str:
        """What the size-relative limits were derived from, for messages."""
        if self.max_tokens is None:
            return "no max_tokens set"
        return f"max_tokens {self.max_tokens}"


def size_text(n: int) -> str:
    """``1 MiB``, ``64 KiB``, ``512 bytes``: a limit as a person reads it."""
    for unit, name in ((MIB, "MiB"), (KIB, "KiB")):
        if n >= unit and n % unit == 0:
            return f"{n // unit} {name}"
    return f"{n} bytes"
