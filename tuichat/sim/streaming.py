"""The answer engine: paces tokens in time and lets a fault take over at a token.

Token ``i`` is due at ``first + i / tps`` on an absolute schedule, so sleeping
late never accumulates drift; every token already due is written in one batch.
``first`` is ``received_at + ttft``, moved to when the first token really went
out if that was later, so no gap after it is ever shorter than ``1 / tps``.
With ``tps == 0`` (burst) nothing sleeps after the first token and thousands
of events go out in a few large writes.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

from tuichat.sim.exchange import Exchange, Outcome
from tuichat.sim.http1 import CannedResponse

MAX_BATCH = 2048
"""Tokens per write at most, so huge bursts stream instead of piling up in memory."""

SSE_HEADERS = (
    ("content-type", "text/event-stream; charset=utf-8"),
    ("cache-control", "no-cache"),
)


class Fault(Protocol):
    """A misbehaviour that takes over an answer once ``position`` tokens went out."""

    def position(self, n_tokens: int) -> int:
        """How many tokens to send before the fault fires."""
        ...

    async def in_stream(self, ex: Exchange) -> Outcome | None:
        """Misbehave inside an SSE stream; None lets the stream carry on."""
        ...

    async def in_body(self, ex: Exchange, body: bytes) -> Outcome:
        """Misbehave instead of sending the complete non-streamed ``body``."""
        ...


class Pacer:
    """When each token is due."""

    def __init__(self, start: float, ttft_ms: float, tps: float) -> None:
        self._first = start + ttft_ms / 1000.0
        self._interval = 1.0 / tps if tps > 0 else 0.0

    def first_sent(self, at: float) -> None:
        """Anchor the schedule on the first token's real send time (never earlier)."""
        self._first = max(self._first, at)

    def due(self, index: int) -> float:
        return self._first + index * self._interval

    async def wait_for(self, index: int) -> None:
        """Sleep until token ``index`` is due (not at all if it already is)."""
        delay = self.due(index) - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    def due_until(self, start: int, stop: int) -> int:
        """End of the batch beginning at ``start``: every token due by now, capped."""
        limit = min(stop, start + MAX_BATCH)
        if self._interval == 0.0:
            return limit
        now = time.monotonic()
        end = start + 1
        while end < limit and self.due(end) <= now:
            end += 1
        return end


async def _send_tokens(ex: Exchange, pacer: Pacer, start: int, stop: int) -> None:
    """Write tokens ``start..stop`` on schedule, batching those already due."""
    tokens, index = ex.answer.tokens, start
    while index < stop:
        await pacer.wait_for(index)
        end = pacer.due_until(index, stop)
        ex.out.write_chunk(ex.wire.tokens(tokens[index:end]), tokens=end - index)
        if index == 0:
            pacer.first_sent(time.monotonic())
        index = end
        await ex.out.flush()


async def stream_answer(ex: Exchange, fault: Fault | None) -> Outcome:
    """Answer as an SSE stream: the wire's opening, tokens on schedule, its finish."""
    n = len(ex.answer.tokens)
    fault_at = n if fault is None else min(n, fault.position(n))
    ex.out.start(200, SSE_HEADERS, length=None)
    ex.out.write_chunk(ex.wire.opening(ex.usage()))
    await ex.out.flush()
    pacer = Pacer(ex.record.received_at, ex.plan.ttft_ms, ex.plan.tps)
    await _send_tokens(ex, pacer, 0, fault_at)
    if fault is not None:
        outcome = await fault.in_stream(ex)
        if outcome is not None:
            return outcome
        await _send_tokens(ex, pacer, fault_at, n)
    usage = ex.usage() if ex.chat.include_usage else None
    ex.out.end_chunks(ex.wire.finish(ex.answer, usage))
    await ex.out.flush()
    return Outcome.KEEP_ALIVE


async def complete_answer(ex: Exchange, fault: Fault | None) -> Outcome:
    """Answer as one response object, after the whole generation time."""
    n = len(ex.answer.tokens)
    await Pacer(ex.record.received_at, ex.plan.ttft_ms, ex.plan.tps).wait_for(max(0, n - 1))
    body = ex.wire.completion(ex.answer, ex.usage())
    if fault is not None:
        return await fault.in_body(ex, body)
    return await ex.out.send(CannedResponse(200, body), tokens=n)
