"""One request/response exchange: what to answer, and a writer that records timings.

Every byte of a response goes through :class:`ResponseWriter`, so the
:class:`RequestRecord` timestamps (headers, first token, last byte) are taken
at the moment of writing, in one place, whatever scenario produced the bytes.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from tuichat.sim.answers import answer_tokens
from tuichat.sim.http1 import LAST_CHUNK, CannedResponse, Connection, chunk, response_head
from tuichat.sim.json_answers import json_answer_tokens
from tuichat.sim.prompt_cache import CacheUse
from tuichat.sim.records import RequestRecord
from tuichat.sim.settings import RequestPlan
from tuichat.sim.wire import Answer, ChatRequest, ErrorResponses, Usage, Wire, prompt_tokens

__all__ = ["Answer", "Exchange", "Outcome", "ResponseWriter", "plan_answer"]


class Outcome(enum.Enum):
    """What the connection does after a response."""

    KEEP_ALIVE = "keep_alive"
    """The response is over; the connection may serve the next request."""
    CLOSE = "close"
    """Close gracefully once written (e.g. a body shorter than announced)."""
    ABORTED = "aborted"
    """The connection is already gone (reset by us or by the client)."""


class ResponseWriter:
    """Writes one HTTP response and stamps its record as bytes go out.

    Stamps are taken just *before* bytes are handed to the socket, so a client
    that has read them (in another thread or process) always finds the record
    already updated: once it has the last byte, ``completed`` is True. The
    head is held back and goes out with the first body bytes, in one send.
    """

    def __init__(
        self, conn: Connection, record: RequestRecord | None, *, keep_alive: bool = True
    ) -> None:
        self.conn = conn
        self.record = record
        self.keep_alive = keep_alive
        self.extra_headers: tuple[tuple[str, str], ...] = ()
        """Sent with the next response head (scenarios add rate-limit headers here)."""
        self.body_prefix = b""
        """Sent before the body's first bytes (the ``bom`` scenario puts a BOM here)."""
        self._head = b""

    def start(self, status: int, headers: Iterable[tuple[str, str]], length: int | None) -> None:
        """Status line and headers; ``length=None`` means a chunked body follows."""
        framing = (
            ("transfer-encoding", "chunked") if length is None else ("content-length", str(length))
        )
        extra = [framing, *self.extra_headers]
        if self.record is not None:
            extra.append(("x-request-id", f"req_sim_{self.record.id}"))
            self.record.status_code = status
        if not self.keep_alive:
            extra.append(("connection", "close"))
        self._head = response_head(status, [*headers, *extra])

    def write(self, data: bytes, *, final: bool = False, tokens: int = 0) -> None:
        """Raw body bytes (the caller does the framing) carrying ``tokens`` answer tokens.

        ``final`` marks the bytes that end the response.
        """
        if self.conn.is_closing:
            raise ConnectionResetError("client closed the connection")
        head, self._head = self._head, b""
        if self.record is not None:
            self._stamp(self.record, bool(head), final, tokens)
        self.conn.write(head + data)

    @staticmethod
    def _stamp(record: RequestRecord, with_head: bool, final: bool, tokens: int) -> None:
        now = time.monotonic()
        if with_head:
            record.headers_sent_at = now
        if tokens:
            if record.first_token_at is None:
                record.first_token_at = now
            record.tokens_sent += tokens
        record.last_byte_at = now
        record.completed = record.completed or final

    def write_chunk(self, data: bytes, *, tokens: int = 0) -> None:
        """Body bytes as one chunk of a chunked body."""
        prefix, self.body_prefix = self.body_prefix, b""
        self.write(chunk(prefix + data), tokens=tokens)

    def end_chunks(self, data: bytes = b"", *, final: bool = True) -> None:
        """A last chunk of ``data`` and the terminator: the body ends cleanly here."""
        self.write(chunk(data) + LAST_CHUNK, final=final)

    async def flush(self) -> None:
        """Wait until the kernel took everything (back-pressure and precise stamps)."""
        if self._head:
            self.write(b"")
        await self.conn.drain()
        if self.record is not None:
            self.record.last_byte_at = time.monotonic()

    async def send(
        self, response: CannedResponse, *, final: bool = True, tokens: int = 0
    ) -> Outcome:
        """A whole non-streamed response (``final=False``: a failure, not completed)."""
        headers = [("content-type", response.content_type), *response.headers]
        body, self.body_prefix = self.body_prefix + response.body, b""
        self.start(response.status, headers, len(body))
        self.write(body, final=final, tokens=tokens)
        await self.flush()
        return Outcome.KEEP_ALIVE


def _cut_at_stop(tokens: list[str], stops: tuple[str, ...]) -> tuple[list[str], str] | None:
    """Tokens up to (not including) the first stop string, and that string; None if none occurs."""
    text = "".join(tokens)
    hits = [(index, stop) for stop in stops if (index := text.find(stop)) >= 0]
    if not hits:
        return None
    (cut, stop), kept, position = min(hits), [], 0
    for token in tokens:
        if position + len(token) >= cut:
            if head := token[: cut - position]:
                kept.append(head)
            break
        kept.append(token)
        position += len(token)
    return kept, stop


def plan_answer(content: str, n: int, max_tokens: int | None, stops: tuple[str, ...]) -> Answer:
    """The answer for a request: ``stop`` ends it with "stop", ``max_tokens`` with "length"."""
    tokens = answer_tokens(content, n)
    stopped = _cut_at_stop(tokens, stops) if stops else None
    kept, stop = stopped if stopped is not None else (tokens, None)
    if max_tokens is not None and len(kept) > max_tokens:
        return Answer(kept[:max_tokens], "length")
    return Answer(kept, "stop", stop_sequence=stop)


def _json_answer(chat: ChatRequest, behaviour: str) -> Answer:
    """A structured-output answer (see :mod:`~tuichat.sim.json_answers`); max_tokens cuts it."""
    tokens = json_answer_tokens(chat, behaviour)
    if chat.max_tokens is not None and len(tokens) > chat.max_tokens:
        return Answer(tokens[: chat.max_tokens], "length")
    return Answer(tokens, "stop")


@dataclass
class Exchange:
    """Everything a scenario needs to answer one chat request, in its API's wire format."""

    out: ResponseWriter
    record: RequestRecord
    plan: RequestPlan
    chat: ChatRequest
    wire: Wire
    errors: ErrorResponses
    cache: CacheUse = field(default_factory=CacheUse)
    presented_key: str | None = None
    """The API key the request carried (hostile scenarios echo pieces of it)."""
    answer: Answer = field(init=False)

    def __post_init__(self) -> None:
        if self.chat.json_requested:
            self.answer = _json_answer(self.chat, self.plan.json)
            return
        self.answer = plan_answer(
            self.plan.content, self.plan.tokens, self.chat.max_tokens, self.chat.stop
        )

    @property
    def conn(self) -> Connection:
        return self.out.conn

    def over_window(self) -> bool:
        """The prompt and its answer budget exceed the plan's ``window`` (if one is set)."""
        window = self.plan.window
        if window is None:
            return False
        return self.usage().prompt + (self.chat.max_tokens or 0) > window

    def usage(self) -> Usage:
        """The answer's token usage, prompt cache included."""
        return Usage(
            prompt=prompt_tokens(self.chat.messages, self.chat.system),
            completion=len(self.answer.tokens),
            cache_read=self.cache.read,
            cache_creation=self.cache.created,
        )
