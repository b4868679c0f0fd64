"""A turn's first step when a response cache is configured: ask it, and play a hit.

Runs right after ``TurnStarted``, with the first target's request (the one a
live answer would send first) and its last user message as the question. It
emits the turn's ``CacheLookedUp``; on a hit it plays the entry as one
attempt from provider ``"cache"`` through the turn's own answer text and
ends the turn with ``TurnFinished`` (the route is never walked). On a miss it
returns at once: no thread hop and no await beyond the lookup itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tuichat.core.cache.key import ProviderIdentity, last_question
from tuichat.core.cache.playback import Playback
from tuichat.core.cache.response_cache import ResponseCache
from tuichat.core.clock import Clock
from tuichat.core.events import Event, TurnFinished
from tuichat.core.outcome import ModelOutcome, RouteOutcome, RouteStep
from tuichat.core.turn.answer_text import AnswerText
from tuichat.core.turn.route import Target

CACHE_OUTCOME = RouteOutcome((ModelOutcome("cache", (RouteStep("answered"),)),))
"""What a turn answered from the cache tried: nothing but the cache."""


@dataclass(frozen=True, slots=True)
class CacheAsk:
    """How a turn asks the cache: bypass it (fresh answer wanted), or re-ask a rejected hit."""

    bypass: bool = False
    rejects: str | None = None
    """The key of the hit the user rejected (implies ``bypass``)."""
    store: bool = True
    """With ``bypass``: False leaves the cache alone, the live answer is not stored either."""


@dataclass(frozen=True, slots=True)
class CacheStep:
    """The cache step of one turn (see the module doc)."""

    cache: ResponseCache
    trace_id: str
    clock: Clock
    emit: Callable[[Event], None]
    answer: AnswerText
    ask: CacheAsk = CacheAsk()

    async def answered(self, target: Target) -> bool:
        """Ask the cache for ``target``'s request; True when a hit answered the turn."""
        request = target.request
        looked = await self.cache.lookup(
            request,
            last_question(request),
            provider=ProviderIdentity(target.provider.name, target.provider.base_url_host),
            trace_id=self.trace_id,
            bypass=self.ask.bypass or self.ask.rejects is not None,
            rejects=self.ask.rejects,
            record=self.ask.store,
        )
        self.emit(looked.event(self.trace_id, self.clock.now()))
        hit = looked.hit
        if hit is None:
            return False
        playback = Playback(self.trace_id, self.clock, self.emit, self.answer,
                            self.cache.replay_pace)  # fmt: skip
        now = await playback.play(hit, request)
        self.emit(
            TurnFinished(
                trace_id=self.trace_id,
                ts=now,
                text=self.answer.text,
                finish_reason=hit.entry.finish_reason,
                model=hit.entry.served_model or hit.entry.model,
                outcome=CACHE_OUTCOME,
            )
        )
        return True
