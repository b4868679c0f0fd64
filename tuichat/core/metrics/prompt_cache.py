"""Provider prompt caches: when a turn that should have reused the prompt's prefix did not.

Providers keep the prefix of recent prompts (OpenAI automatically from 1,024
tokens, Anthropic at its ``cache_control`` marks, llama.cpp in its slot), so
a turn that re-sends the previous turn's prompt plus one exchange reads most
of it from cache at a fraction of the price. :class:`PromptCacheWatch` reads
a session's events and, at each turn's end, compares the answering attempt's
request (``AttemptStarted.request``) with the previous turn's of the session.

Reuse was **due** when the previous turn showed the provider held its prefix
(cache read + written > 0), or its prompt was at least ``CACHEABLE_TOKENS``
long and the provider reports on its cache. The turn **broke** the cache when
the provider then reported less than ``NEAR_ZERO`` of that from cache. The
cause is the first that applies:

- ``model``: the model changed (another model has no cache of this prompt);
- ``system``: the system prompt changed, appeared or went;
- ``history``: earlier messages were trimmed or edited at the front;
- ``expired``: the prefix was sent unchanged; the provider evicted it or
  its time to live ran out;
- ``unknown``: a request was not seen (e.g. not logged), so no comparison.

The extra cost is the uncached prefix × (input price − cached price), both
fitted from the model's ``CostReported`` figures
(:class:`~tuichat.core.metrics.tariff_fit.TariffFit`); None while unknown.
Turns served by tuichat's response cache (provider ``"cache"``) never reach
a provider and are skipped. ``observe`` is O(1) per event except at a turn's
end, where the two requests' messages are compared once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tuichat.core.conversation import ChatMessage, ChatRequest
from tuichat.core.events import (
    AttemptEnded,
    AttemptStarted,
    CostReported,
    Event,
    TimingsReported,
    TurnEnded,
    TurnStarted,
    UsageReported,
)
from tuichat.core.metrics.tariff_fit import PricedPrompt, TariffFit

CACHEABLE_TOKENS = 1024
"""Providers cache prompts at least this long (OpenAI 1,024; Anthropic 1,024 and up)."""
NEAR_ZERO = 0.1
"""Below this share of the due prefix read from cache, reuse counts as broken."""
BREAKS_KEPT = 200
"""Breaks kept for the debug view (the count and the cost keep adding up past it)."""
CACHE_PROVIDER = "cache"
"""The provider name of a turn tuichat's response cache answered."""

BreakCause = Literal["model", "system", "history", "expired", "unknown"]
_Found = tuple[BreakCause, str, int]
"""A break's cause, its words and the tokens that were due."""


@dataclass(frozen=True, slots=True)
class PromptCacheBreak:
    """A turn whose prompt the provider did not serve from cache although it should have."""

    trace_id: str
    session_id: str
    turn: int
    """The turn's number in its session as observed (1-based)."""
    model: str
    cause: BreakCause
    detail: str
    """The cause in words, e.g. "history: 2 messages dropped at the front"."""
    due_tokens: int
    """Prompt tokens the provider should have read from cache."""
    cached_tokens: int
    """What it did read."""
    extra_usd: float | None
    """Uncached prefix × (input − cached price); None when the prices are unknown."""

    @property
    def lost_tokens(self) -> int:
        """Prefix tokens paid at the full input price."""
        return max(0, self.due_tokens - self.cached_tokens)


@dataclass(frozen=True, slots=True)
class PromptCacheBreaks:
    """The session's breaks in short: how many, what they cost, the latest one."""

    count: int
    extra_usd: float | None
    """Sum of the known extra costs (None when no break had a known cost)."""
    unpriced: int
    latest: PromptCacheBreak | None


@dataclass(slots=True)
class _PromptSeen:
    """One attempt's request and what the provider said about its prompt."""

    model: str
    request: ChatRequest | None
    input_tokens: int | None = None
    cached: int | None = None
    written: int | None = None

    @property
    def reported(self) -> bool:
        """True when the provider said anything about its cache for this prompt."""
        return self.cached is not None or self.written is not None

    def due(self) -> int:
        """What the next turn should read from cache, if this was the previous turn."""
        held = (self.cached or 0) + (self.written or 0)
        if held > 0:
            return held
        size = self.input_tokens or 0
        return size if self.reported and size >= CACHEABLE_TOKENS else 0


class PromptCacheWatch:
    """Finds prompt-cache breaks in a stream of events (see the module docstring)."""

    def __init__(self) -> None:
        self.tariffs = TariffFit()
        self.breaks: list[PromptCacheBreak] = []
        self._count = 0
        self._extra = 0.0
        self._priced = 0
        self._turns: dict[str, int] = {}
        self._previous: dict[str, _PromptSeen] = {}
        self._started: TurnStarted | None = None
        self._attempt: _PromptSeen | None = None
        self._answer: _PromptSeen | None = None
        self.latest: PromptCacheBreak | None = None

    def observe(self, event: Event) -> None:
        """Fold one event in (text events are ignored)."""
        if isinstance(event, TurnStarted):
            self._started, self._attempt, self._answer = event, None, None
            self._turns[event.session_id] = self._turns.get(event.session_id, 0) + 1
        elif isinstance(event, AttemptStarted):
            live = event.provider != CACHE_PROVIDER
            self._attempt = _PromptSeen(event.model, event.request) if live else None
        elif self._attempt is not None:
            self._attempt_event(event, self._attempt)
        if isinstance(event, TurnEnded):
            self._turn_ended()

    def _attempt_event(self, event: Event, seen: _PromptSeen) -> None:
        if isinstance(event, UsageReported):
            seen.input_tokens = event.input_tokens
            seen.cached, seen.written = event.cached_input_tokens, event.cache_write_tokens
        elif isinstance(event, TimingsReported) and seen.cached is None:
            seen.cached = event.cached_prompt_tokens  # llama.cpp's cache_n
        elif isinstance(event, CostReported):
            self._priced_prompt(event, seen)
        elif isinstance(event, AttemptEnded) and seen.input_tokens is not None:
            self._answer = seen

    def _priced_prompt(self, event: CostReported, seen: _PromptSeen) -> None:
        if event.input_cost_usd is None or event.estimated or seen.input_tokens is None:
            return
        cached, written = seen.cached or 0, seen.written or 0
        uncached = max(0, seen.input_tokens - cached - written)
        self.tariffs.add(event.model, PricedPrompt(uncached, cached, written, event.input_cost_usd))

    def _turn_ended(self) -> None:
        started, answer = self._started, self._answer
        self._started = self._attempt = self._answer = None
        if started is None or answer is None:
            return  # answered by the response cache, or no usage: nothing to compare
        previous = self._previous.get(started.session_id)
        self._previous[started.session_id] = answer
        if previous is None or not answer.reported:
            return
        found = _broken(previous, answer)
        if found is not None:
            self._add(started, answer, found)

    def _add(self, started: TurnStarted, answer: _PromptSeen, found: _Found) -> None:
        cause, detail, due = found
        cached = answer.cached or 0
        discount = self.tariffs.rates(answer.model).cache_discount
        extra = None if discount is None else max(0, due - cached) * discount
        seen = PromptCacheBreak(
            trace_id=started.trace_id,
            session_id=started.session_id,
            turn=self._turns[started.session_id],
            model=answer.model,
            cause=cause,
            detail=detail,
            due_tokens=due,
            cached_tokens=cached,
            extra_usd=extra,
        )
        self._count += 1
        if extra is not None:
            self._extra, self._priced = self._extra + extra, self._priced + 1
        if len(self.breaks) < BREAKS_KEPT:
            self.breaks.append(seen)
        self.latest = seen

    def summary(self) -> PromptCacheBreaks:
        """How many breaks, their known extra cost, the latest."""
        extra = self._extra if self._priced else None
        return PromptCacheBreaks(self._count, extra, self._count - self._priced, self.latest)


def _broken(previous: _PromptSeen, answer: _PromptSeen) -> _Found | None:
    """``(cause, detail, due tokens)`` when ``answer`` missed a prefix it should have read."""
    due = min(previous.due(), answer.input_tokens or 0)
    if due <= 0 or (answer.cached or 0) >= NEAR_ZERO * due:
        return None
    cause, detail = prefix_change(previous.model, previous.request, answer.model, answer.request)
    return cause, detail, due


def prefix_change(
    old_model: str, old: ChatRequest | None, new_model: str, new: ChatRequest | None
) -> tuple[BreakCause, str]:
    """What changed at the front of the prompt between two requests, in words."""
    if old_model != new_model:
        return "model", f"model changed: {old_model} → {new_model}"
    if old is None or new is None:
        return "unknown", "a request was not recorded: cannot say what changed"
    old_system, old_history = _split(old.messages)
    new_system, new_history = _split(new.messages)
    if old_system != new_system:
        return "system", _system_change(old_system, new_system)
    if new_history[: len(old_history)] != old_history:
        return "history", _history_change(old_history, new_history)
    return "expired", "prefix sent unchanged: the provider evicted it or its TTL ran out"


def _split(messages: tuple[ChatMessage, ...]) -> tuple[str | None, tuple[ChatMessage, ...]]:
    if messages and messages[0].role == "system":
        return messages[0].content, messages[1:]
    return None, messages


def _system_change(old: str | None, new: str | None) -> str:
    if old is None:
        return "system prompt added"
    return "system prompt removed" if new is None else "system prompt changed"


def _history_change(old: tuple[ChatMessage, ...], new: tuple[ChatMessage, ...]) -> str:
    """Trimmed (the new history starts further in the old one) or edited at a message."""
    if new:
        for dropped in range(1, len(old)):
            tail = old[dropped:]
            if new[: len(tail)] == tail:
                return f"history: {_messages(dropped)} dropped at the front"
    pairs = enumerate(zip(old, new, strict=False))
    edited = next((i for i, (a, b) in pairs if a != b), min(len(old), len(new)))
    return f"history: edited at message {edited + 1}"


def _messages(n: int) -> str:
    return f"{n} message" if n == 1 else f"{n} messages"
