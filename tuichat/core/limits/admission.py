"""How a session's requests pass the client-side rate limiter.

Before each attempt the turn asks the limiter for a ticket (one request plus
the estimated tokens); while it waits, ``Queued`` events show the position and
expected wait; low-priority work whose wait exceeds its budget is refused
(``RequestShed``) so interactive chat does not suffer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tuichat.core import errors
from tuichat.core.clock import Clock
from tuichat.core.conversation import ChatRequest
from tuichat.core.cost.attempt_cost import prompt_tokens
from tuichat.core.cost.tokens import TokenCounter
from tuichat.core.events import Event, Queued
from tuichat.core.limits.limiter import LoadShed, Priority, QueueUpdate, RateLimiter, Ticket
from tuichat.core.provider import UsagePart
from tuichat.core.untrusted import one_line

DEFAULT_ANSWER_TOKENS = 512


@dataclass(frozen=True, slots=True)
class Admission:
    """The limiter and this session's place in it."""

    limiter: RateLimiter
    profile: str = "default"
    priority: Priority = "interactive"
    budget: float | None = None
    """Longest acceptable queue wait in seconds; None waits as long as it takes."""
    label: str | None = None
    """Names the work in refusal messages, e.g. "bench"."""
    counter: TokenCounter | None = None
    """tiktoken counts for the prompt; None falls back to characters / 4."""


def estimate_tokens(request: ChatRequest, counter: TokenCounter | None = None) -> int:
    """Prompt tokens (tiktoken, offline) plus the answer cap, before sending.

    The bucket is corrected by the provider's reported usage afterwards, so
    an unknown model's ≈ count is good enough here.
    """
    answer = request.max_tokens if request.max_tokens is not None else DEFAULT_ANSWER_TOKENS
    return prompt_tokens(request, counter) + answer


class Gate:
    """One turn's passage through the limiter: tickets, queue events, settlement."""

    def __init__(
        self, admission: Admission, trace_id: str, clock: Clock, emit: Callable[[Event], None]
    ) -> None:
        self._admission = admission
        self._trace_id = trace_id
        self._clock = clock
        self._emit = emit
        self._ticket: Ticket | None = None

    async def admit(self, model: str, request: ChatRequest) -> None:
        """Wait for a ticket for one attempt on ``model``."""
        admission, self._ticket = self._admission, None
        try:
            self._ticket = await admission.limiter.acquire(
                model,
                admission.profile,
                estimate_tokens(request, admission.counter),
                priority=admission.priority,
                budget=admission.budget,
                label=admission.label,
                ticket_id=self._trace_id,
                on_update=lambda update: self._queued(model, update),
            )
        except LoadShed as exc:
            raise errors.RequestShed(one_line(exc.message)) from None

    def settle(self, usage: UsagePart) -> None:
        """Correct the token buckets by the provider's reported usage."""
        if self._ticket is None or usage.input_tokens is None or usage.output_tokens is None:
            return
        self._ticket.settle(usage.input_tokens + usage.output_tokens)
        self._ticket = None

    def _queued(self, model: str, update: QueueUpdate) -> None:
        if update.status not in ("queued", "moved") or update.position is None:
            return
        self._emit(
            Queued(
                trace_id=self._trace_id,
                ts=self._clock.now(),
                model=model,
                position=update.position,
                expected_wait_s=update.expected_wait,
                limited_by=update.limited_by,
            )
        )
