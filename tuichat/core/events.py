"""The events a turn emits.

A turn is an async iterator of these small, immutable events. The UI, the
metrics aggregator and the store all consume the same stream, so everything a
consumer needs must be *in* an event: nobody reaches back into the provider.

Every event carries the turn's ``trace_id`` and ``ts``, a monotonic timestamp
in seconds (``time.monotonic`` by default, an injected clock in tests).
Wall-clock time appears once, in :class:`TurnStarted`, so consumers can map
monotonic stamps to wall time without a second clock read.

Order within a turn (``?`` at most once, ``*`` any number, ``+`` at least once)::

    TurnStarted
    CacheLookedUp?                           (when a response cache is configured)
      ( Queued*
        ( AttemptStarted HeadersReceived? RateLimitObserved? FirstToken?
          (TextDelta | TextReleased)* UsageReported? TimingsReported? CostReported?
          AttemptEnded
        )?                                   (none when the limiter refused)
        BreakerChanged*
        (RetryScheduled | FallbackTaken)?
      )+
    StaleAnswerOffered?                      (only before TurnFailed)
    TurnFinished | TurnFailed | TurnCancelled

A cache hit is one more source of the same events: after ``CacheLookedUp``
(verdict ``exact`` or ``semantic``) it plays one attempt from ``provider``
``"cache"`` (FirstToken, the deltas, a zero ``CostReported``, AttemptEnded)
and a ``TurnFinished``; nothing reaches a provider.

Every terminal event is a :class:`TurnEnded`: it carries the answer's text as
received (complete, or the partial one), its status and a typed
:class:`~tuichat.core.outcome.RouteOutcome` saying what was tried. Code that
must keep the answer reads ``event.text`` on ``TurnEnded``, whatever the kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tuichat.core.conversation import ChatRequest
from tuichat.core.limit_state import RateLimitState
from tuichat.core.outcome import NO_OUTCOME, RouteOutcome
from tuichat.core.route_choice import RouteChoice

AttemptStatus = Literal["ok", "cancelled", "failed", "truncated"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Base of every turn event."""

    trace_id: str
    ts: float


@dataclass(frozen=True, slots=True, kw_only=True)
class TurnStarted(Event):
    """The user sent a prompt; ``wall_time`` is the epoch time at ``ts``.

    ``route``: which ``[[routing]]`` rule picked the model, and why (None:
    no routing configured, or a replayed turn logged without it).
    """

    session_id: str
    prompt: str
    model: str
    wall_time: float
    route: RouteChoice | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Queued(Event):
    """The client-side limiter holds the request: its place and expected wait."""

    model: str
    position: int
    expected_wait_s: float
    limited_by: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class AttemptStarted(Event):
    """One request to one provider/model is about to be sent; ``request`` is it, as sent.

    The request holds the messages (system prompt included) and the sampling
    parameters, never a key: keys live in the provider's HTTP client only.
    The log keeps it so a turn can be replayed and re-sent.
    """

    attempt: int
    model: str
    provider: str
    base_url_host: str
    request: ChatRequest | None = None
    headers_timeout_s: float | None = None
    """The attempt gives up at ``ts`` + this without response headers (None: no limit)."""
    first_token_timeout_s: float | None = None
    """The attempt gives up at ``ts`` + this without text (None: no limit); the UI counts down."""


@dataclass(frozen=True, slots=True, kw_only=True)
class HeadersReceived(Event):
    """The provider answered with a status line and headers.

    ``connect_ms`` is the TCP connect + TLS handshake of this request as the
    HTTP client measured it: 0 on a reused keep-alive connection
    (``connection_reused``), None where the transport does not say.
    """

    attempt: int
    status_code: int
    connect_ms: float | None = None
    connection_reused: bool | None = None
    client_busy_ms: float | None = None
    """Time since the attempt started that our own process could not run its event
    loop (:mod:`tuichat.core.turn.loop_lag`): part of the wait was ours, not the
    network's. None where it was not measured (older logs, replays)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FirstToken(Event):
    """The first non-empty text of an attempt arrived (TTFT is measured here)."""

    attempt: int
    client_busy_ms: float | None = None
    """Attempt start → here, the time our process could not run its event loop
    (includes ``HeadersReceived.client_busy_ms``); None where not measured."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TextDelta(Event):
    """A chunk of answer text exactly as it arrived (a lone surrogate becomes U+FFFD).

    Untrusted: it may hold terminal controls. Show it only through
    :func:`tuichat.core.untrusted.neutralise`.
    """

    attempt: int
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TextReleased(Event):
    """Text the sentence buffer releases for display, neutralised visibly.

    The concatenation of all ``TextReleased`` of a turn is the neutralised
    concatenation of its ``TextDelta`` (``␛`` for ESC, ...); only the chunking
    differs. Safe to put on a terminal as it is.
    """

    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class UsageReported(Event):
    """Token usage as reported by the provider (None where it said nothing)."""

    attempt: int
    input_tokens: int | None
    output_tokens: int | None
    cached_input_tokens: int | None = None
    cache_write_tokens: int | None = None
    reasoning_tokens: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TimingsReported(Event):
    """Where the server's own time went (prefill vs generation), if it says."""

    attempt: int
    prefill_ms: float | None
    generation_ms: float | None
    cached_prompt_tokens: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CostReported(Event):
    """What one attempt cost, just before its ``AttemptEnded``.

    Failed and cancelled attempts are priced too: what was generated is paid
    for. Token counts are the provider's where it reported usage, otherwise
    local tiktoken counts (``estimated``). ``cost_usd`` is None when no price
    is known for the model; ``price_source`` says where the price came from.
    """

    attempt: int
    model: str
    cost_usd: float | None
    input_cost_usd: float | None
    output_cost_usd: float | None
    input_tokens: int
    output_tokens: int
    cached_input_tokens: int
    price_source: str
    estimated: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class AttemptEnded(Event):
    """An attempt is over, whatever happened to it."""

    attempt: int
    status: AttemptStatus
    finish_reason: str | None = None
    served_model: str | None = None
    error_type: str | None = None
    error_message: str | None = None
    last_text_at: float | None = None
    """``ts`` of the attempt's last text (generation ends there, not at ``[DONE]``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RateLimitObserved(Event):
    """The provider's rate-limit headers, as of this response."""

    attempt: int
    state: RateLimitState


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryScheduled(Event):
    """The attempt failed in a way a retry can fix; waiting ``wait_s`` first."""

    attempt: int
    model: str
    wait_s: float
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FallbackTaken(Event):
    """Moving on from ``from_model`` to the next model of the route."""

    from_model: str
    to_model: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class BreakerChanged(Event):
    """A provider's circuit breaker changed state (closed, open, half_open)."""

    provider: str
    from_state: str
    to_state: str
    reason: str


CacheVerdict = Literal["exact", "semantic", "miss", "bypass", "unavailable"]
"""What the response cache said: a hit of either kind, a miss, bypassed by
the user (``--no-cache``, "freshness critical", a rejected hit), or not usable
(a corrupt row, an embedding model that failed to load: ``reason`` says)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CacheLookedUp(Event):
    """The response cache was asked for this turn's request, before any attempt."""

    verdict: CacheVerdict
    entry_key: str | None = None
    """The hit's cache key (what "not what I asked" marks as a false hit)."""
    similarity: float | None = None
    """Semantic hits: cosine similarity of the two questions."""
    matched_question: str | None = None
    """Semantic hits: the cached question that matched (untrusted text)."""
    age_s: float | None = None
    saved_ms: float | None = None
    """The original answer's duration (request to last token), not paid again."""
    saved_usd: float | None = None
    """The original answer's cost, not paid again (None: it was not priced)."""
    original_ttft_ms: float | None = None
    reason: str | None = None
    """Misses and skips: one line on why (e.g. "numbers differ: 5 vs 7")."""
    rejects: str | None = None
    """A re-sent question: the key of the hit the user rejected ("not what I
    asked"), now marked a false hit (the verdict is then ``bypass``)."""

    @property
    def hit(self) -> bool:
        """True when the answer comes from the cache."""
        return self.verdict in ("exact", "semantic")


@dataclass(frozen=True, slots=True, kw_only=True)
class StaleAnswerOffered(Event):
    """Every provider failed; an earlier answer to the same prompt exists (stale)."""

    text: str
    age_s: float
    model: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class TurnEnded(Event):
    """Base of the terminal events: the text received, how it ended, what was tried."""

    text: str
    """The answer as received: complete for ``ok``, the partial one otherwise."""
    status: AttemptStatus
    outcome: RouteOutcome = NO_OUTCOME

    @property
    def summary(self) -> str:
        """What was tried, in one line (derived from ``outcome``)."""
        return self.outcome.summary()

    @property
    def answered(self) -> bool:
        """True when the turn leaves an answer, complete or partial, in the history."""
        return self.status == "ok" or bool(self.text)


@dataclass(frozen=True, slots=True, kw_only=True)
class TurnFinished(TurnEnded):
    """The answer is complete."""

    finish_reason: str | None
    model: str
    status: AttemptStatus = "ok"


@dataclass(frozen=True, slots=True, kw_only=True)
class TurnFailed(TurnEnded):
    """The turn ended with an error; ``text`` is what was received before it."""

    error_type: str
    message: str
    status: AttemptStatus = "failed"


@dataclass(frozen=True, slots=True, kw_only=True)
class TurnCancelled(TurnEnded):
    """The user cancelled, or a hard budget cut the answer; the partial ``text`` is kept."""

    status: AttemptStatus = "cancelled"
    reason: str | None = None
    """Why, when it was not the user: "budget: day limit $0.50 reached at $0.5003"."""


TerminalEvent = TurnFinished | TurnFailed | TurnCancelled
TERMINAL_EVENTS = (TurnFinished, TurnFailed, TurnCancelled)
