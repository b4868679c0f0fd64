"""A cache hit played as one attempt, through the same events as a live answer.

After the turn's ``CacheLookedUp``, a hit emits exactly the shape of a live
attempt (see :mod:`tuichat.core.events`)::

    AttemptStarted(provider="cache", base_url_host="cache")
    FirstToken (TextDelta | TextReleased)*          via the turn's own answer text
    UsageReported (the original token counts)
    CostReported  (0.0, price_source "cache")
    AttemptEnded(ok, the entry's finish_reason and served model)

and the turn then ends with its ``TurnFinished``. The text goes through the
turn's :class:`TextSink` (its ``AnswerText``), so the sentence buffer, the
visible neutralising and the first-token stamp are the live ones: the chat
screen, the HUD, the log and the history cannot tell the source apart except
by ``provider == "cache"``.

Pacing: ``"instant"`` emits every chunk at once (no sleep, no await);
``"original"`` waits out each chunk's recorded offset on the injected clock,
so the answer streams as it first did. Cancelling during an original-pace
playback ends the attempt ``cancelled`` (with its zero cost) and lets the
cancellation through to the turn, which ends with ``TurnCancelled`` and the
partial text, like a live answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from tuichat.core.cache.ports import CacheEntry, CacheHit
from tuichat.core.clock import Clock
from tuichat.core.conversation import ChatRequest
from tuichat.core.events import (
    AttemptEnded,
    AttemptStarted,
    AttemptStatus,
    CostReported,
    Event,
    UsageReported,
)

ReplayPace = Literal["instant", "original"]
REPLAY_PACES: tuple[ReplayPace, ...] = ("instant", "original")

CACHE_PROVIDER = "cache"
"""The provider name (and host) of an attempt played from the cache."""


class TextSink(Protocol):
    """Where a turn's answer text goes (the turn's ``AnswerText``)."""

    last_text_at: float | None
    """When the latest text was fed."""

    def feed(self, raw: str, attempt: int) -> None:
        """Text arrived: emit the first token, the delta and what the buffer releases."""
        ...

    def flush(self, attempt: int) -> float:
        """Release everything held; return now."""
        ...


@dataclass(frozen=True, slots=True)
class Playback:
    """Where a hit plays: the turn's trace, clock, emit and answer text, and the pace."""

    trace_id: str
    clock: Clock
    emit: Callable[[Event], None]
    text: TextSink
    pace: ReplayPace = "instant"
    attempt: int = 1

    async def play(self, hit: CacheHit, request: ChatRequest | None) -> float:
        """Emit the hit's attempt (the turn emits TurnFinished); return the end time."""
        entry = hit.entry
        self.emit(
            AttemptStarted(
                trace_id=self.trace_id,
                ts=self.clock.now(),
                attempt=self.attempt,
                model=entry.model,
                provider=CACHE_PROVIDER,
                base_url_host=CACHE_PROVIDER,
                request=request,
            )
        )
        try:
            await self._stream(entry)
        except asyncio.CancelledError:
            self._end(entry, "cancelled")
            raise
        return self._end(entry, "ok")

    async def _stream(self, entry: CacheEntry) -> None:
        chunks = entry.chunks or (((entry.ttft_ms or 0.0) / 1000.0, entry.answer),)
        if self.pace == "instant":  # all at once: one delta, not one per recorded chunk
            self.text.feed("".join(text for _, text in chunks), self.attempt)
            return
        start = self.clock.now()
        for offset, text in chunks:
            wait = offset - (self.clock.now() - start)
            if wait > 0:
                await self.clock.sleep(wait)
            self.text.feed(text, self.attempt)

    def _end(self, entry: CacheEntry, status: AttemptStatus) -> float:
        """Usage, the zero cost and the attempt's end; return the end time."""
        now = self.text.flush(self.attempt)
        trace_id, attempt, ok = self.trace_id, self.attempt, status == "ok"
        self.emit(UsageReported(trace_id=trace_id, ts=now, attempt=attempt,
                                input_tokens=entry.input_tokens,
                                output_tokens=entry.output_tokens))  # fmt: skip
        self.emit(_zero_cost(entry, trace_id, now, attempt))
        self.emit(
            AttemptEnded(
                trace_id=trace_id,
                ts=now,
                attempt=attempt,
                status=status,
                finish_reason=entry.finish_reason if ok else None,
                served_model=entry.served_model if ok else None,
                last_text_at=self.text.last_text_at,
            )
        )
        return now


def _zero_cost(entry: CacheEntry, trace_id: str, now: float, attempt: int) -> CostReported:
    """What a hit costs: nothing (the original counts kept for the figures)."""
    return CostReported(
        trace_id=trace_id,
        ts=now,
        attempt=attempt,
        model=entry.model,
        cost_usd=0.0,
        input_cost_usd=0.0,
        output_cost_usd=0.0,
        input_tokens=entry.input_tokens or 0,
        output_tokens=entry.output_tokens or 0,
        cached_input_tokens=0,
        price_source=CACHE_PROVIDER,
        estimated=False,
    )
