"""One live answer, collected from its events into what the cache would store.

The response cache watches the events of the turns it missed (or was told to
bypass) and keeps, per turn, what a :class:`~tuichat.core.cache.ports.CacheEntry`
needs: the answering attempt's chunks with their offsets from that attempt's
start (for playback at the original pace), its time to first token, its
duration (start to last text), its cost and token counts, the served model
and finish reason. An earlier failed attempt's figures are replaced when the
next attempt starts: only the attempt that answered is replayed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tuichat.core.cache.key import CacheKeys
from tuichat.core.cache.ports import CacheEntry
from tuichat.core.events import (
    AttemptEnded,
    AttemptStarted,
    CostReported,
    Event,
    FirstToken,
    StaleAnswerOffered,
    TextDelta,
    TurnFinished,
    UsageReported,
)


@dataclass(frozen=True, slots=True)
class EntryTerms:
    """How long an entry lives and what it is tagged with (the cache's settings)."""

    created_at: float
    """Wall time the answer finished."""
    ttl_s: float | None
    tags: tuple[str, ...] = ()


@dataclass(slots=True)
class _Attempt:
    """The figures of the latest attempt."""

    start: float
    provider: str
    chunks: list[tuple[float, str]] = field(default_factory=list)
    ttft_s: float | None = None
    duration_s: float | None = None
    cost_usd: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    served_model: str | None = None


class AnswerRecording:
    """Collects one turn's answer for the cache (see the module doc)."""

    def __init__(
        self, keys: CacheKeys, question: str, model: str, vector: bytes | None = None
    ) -> None:
        self.keys = keys
        self.question = question
        self.model = model
        self.vector = vector
        """The question's embedding when the semantic matcher computed one."""
        self.stale = False
        self._attempt: _Attempt | None = None

    @property
    def provider(self) -> str | None:
        """The provider of the latest attempt (``"cache"`` for a played hit)."""
        return self._attempt.provider if self._attempt else None

    def observe(self, event: Event) -> None:
        """Take what the entry needs from one event of the turn."""
        if isinstance(event, AttemptStarted):
            self._attempt = _Attempt(start=event.ts, provider=event.provider)
        elif isinstance(event, StaleAnswerOffered):
            self.stale = True
        elif self._attempt is not None:
            _take(self._attempt, event)

    def entry(self, finished: TurnFinished, terms: EntryTerms) -> CacheEntry:
        """The entry for a finished turn (call only when it is storable)."""
        attempt = self._attempt or _Attempt(start=finished.ts, provider="")
        chunks = tuple(attempt.chunks)
        if "".join(text for _, text in chunks) != finished.text:
            chunks = ((attempt.ttft_s or 0.0, finished.text),)  # played as one piece
        ttl = terms.ttl_s
        return CacheEntry(
            key=self.keys.key,
            scope=self.keys.scope,
            question=self.question,
            answer=finished.text,
            model=self.model,
            served_model=attempt.served_model,
            created_at=terms.created_at,
            ttft_ms=_ms(attempt.ttft_s),
            duration_ms=_ms(attempt.duration_s),
            cost_usd=attempt.cost_usd,
            finish_reason=finished.finish_reason,
            chunks=chunks,
            tags=terms.tags,
            expires_at=None if ttl is None else terms.created_at + ttl,
            input_tokens=attempt.input_tokens,
            output_tokens=attempt.output_tokens,
        )


def _take(attempt: _Attempt, event: Event) -> None:
    """Update the attempt's figures from one of its events."""
    offset = event.ts - attempt.start
    if isinstance(event, TextDelta):
        attempt.chunks.append((offset, event.text))
    elif isinstance(event, FirstToken):
        attempt.ttft_s = offset
    elif isinstance(event, UsageReported):
        attempt.input_tokens, attempt.output_tokens = event.input_tokens, event.output_tokens
    elif isinstance(event, CostReported):
        attempt.cost_usd = event.cost_usd
    elif isinstance(event, AttemptEnded):
        attempt.served_model = event.served_model
        last = event.last_text_at if event.last_text_at is not None else event.ts
        attempt.duration_s = last - attempt.start


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000.0
