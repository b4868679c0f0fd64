"""Pricing each attempt of a turn, failed and cancelled ones included.

You pay for what a provider accepted and generated, whether or not the turn
ended well. An attempt is billable once the provider accepted it (a 2xx
response head); a 429 or a 5xx before any answer costs nothing. Token counts
are the provider's reported usage when it sent one; otherwise (a cancel, a
drop mid-stream, a server that reports nothing) they are counted locally with
tiktoken — prompt from the request, answer from the text received — and the
cost is marked as an estimate.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from tuichat.core.conversation import ChatRequest
from tuichat.core.cost.budget_guard import BudgetReached, RunningCost, SpendGuard
from tuichat.core.cost.pricing import Cost, PriceBook, Tariff, TokenUsage
from tuichat.core.cost.tokens import TokenCounter
from tuichat.core.events import CostReported, Event
from tuichat.core.provider import ResponseHead, UsagePart

log = logging.getLogger(__name__)


class AttemptLedger:
    """What one attempt used so far: the provider's usage, acceptance, text received."""

    def __init__(self) -> None:
        self.usage: UsagePart | None = None
        self.accepted = False
        self.text: list[str] = []
        self.estimated = False
        """``usage`` is our estimate (a budget cut), not the provider's report."""


class AttemptCosts:
    """One turn's view of its attempts' costs: what each used, priced when it ends.

    The turn tells it when an attempt starts, what streamed in, and when the
    attempt ended; it emits one :class:`CostReported` per attempt (nothing
    without a meter).
    """

    def __init__(
        self,
        meter: CostMeter | None,
        trace_id: str,
        emit: Callable[[Event], None],
        guard: SpendGuard | None = None,
    ) -> None:
        self._meter = meter
        self._trace_id = trace_id
        self._emit = emit
        self._guard = guard
        self._ledger = AttemptLedger()
        self._priced: tuple[Tariff, ChatRequest] | None = None
        self._running: RunningCost | None = None

    def start(self, tariff: Tariff, request: ChatRequest) -> None:
        """A new attempt: ``request`` sent to a model priced by ``tariff``."""
        self._ledger, self._priced = AttemptLedger(), (tariff, request)
        guard, meter = self._guard, self._meter
        self._running = None
        if guard is not None and meter is not None and guard.armed:
            self._running = RunningCost(meter, tariff, request, guard)

    def text(self, text: str) -> None:
        """Answer text received (per chunk: O(1), plus counting the chunk under a hard budget).

        Raises :class:`~tuichat.core.cost.budget_guard.BudgetReached` when the
        attempt's running cost reaches a hard budget limit.
        """
        self._ledger.text.append(text)
        if self._running is not None:
            try:
                self._running.add(text)
            except BudgetReached:
                self._price_as_checked(self._running.usage)
                raise

    def _price_as_checked(self, usage: TokenUsage) -> None:
        """A budget cut: price the attempt at the estimate the limit was checked with."""
        if self._ledger.usage is None:
            self._ledger.usage = UsagePart(usage.input_tokens, usage.output_tokens)
            self._ledger.estimated = True

    def part(self, part: object) -> None:
        """A non-text part: the provider's usage, or the response head (accepted?)."""
        if isinstance(part, UsagePart):
            self._ledger.usage = part
        elif isinstance(part, ResponseHead):
            self._ledger.accepted = 200 <= part.status_code < 300

    async def ready(self) -> None:
        """Load, in a thread, what pricing this attempt will read and is not loaded yet.

        On a cold process the first answer would otherwise import the price
        database (and maybe the encodings) on the event loop when it ends,
        holding back the paint of its text; here the loop stays free.
        """
        if self._meter is not None and self._priced is not None:
            await self._meter.ready(self._priced[0], counts=self._ledger.usage is None)

    def end(self, ts: float, attempt: int) -> None:
        """The attempt ended: price it (before its AttemptEnded, for the log row)."""
        if self._meter is None or self._priced is None:
            return
        tariff, request = self._priced
        self._emit(
            self._meter.report(
                tariff=tariff,
                request=request,
                ledger=self._ledger,
                trace_id=self._trace_id,
                ts=ts,
                attempt=attempt,
            )
        )


class CostMeter:
    """Turns an attempt's ledger into a :class:`CostReported` event."""

    def __init__(self, prices: PriceBook, counter: TokenCounter | None = None) -> None:
        self.prices = prices
        self.counter = counter
        self.before_loading: Callable[[], Awaitable[None]] | None = None
        """Awaited before a load (a front end's "not now": the TUI lets the first text paint)."""

    async def ready(self, tariff: Tariff, *, counts: bool) -> None:
        """Load the price database (and the encodings if ``counts``) in a thread if needed.

        The load is ~0.1 s of imports holding the interpreter: a front end
        that has a first paint to make sets :attr:`before_loading` so the
        load starts after it (the attempt's price is then reported a little
        later; nothing is lost).
        """
        prices = self.prices.needs_database(tariff) and not self.prices.loaded
        counts = counts and self.counter is not None and not self.counter.loaded
        if (prices or counts) and self.before_loading is not None:
            await self.before_loading()
        if prices and not self.prices.loaded:
            await asyncio.to_thread(self.prices.warm_quietly)
        if counts and self.counter is not None and not self.counter.loaded:
            await asyncio.to_thread(self.counter.warm_quietly)

    def report(
        self,
        *,
        tariff: Tariff,
        request: ChatRequest,
        ledger: AttemptLedger,
        trace_id: str,
        ts: float,
        attempt: int,
    ) -> CostReported:
        """Price one attempt (never raises: a pricing bug must not break a turn)."""
        usage, estimated = self._usage(request, ledger)
        try:
            cost = self.prices.cost(tariff, usage)
        except Exception as exc:  # the price database is third-party data
            log.exception("pricing %s failed", tariff.model)
            cost = Cost(None, None, None, f"unknown: pricing failed ({type(exc).__name__})")
        return CostReported(
            trace_id=trace_id,
            ts=ts,
            attempt=attempt,
            model=tariff.model,
            cost_usd=cost.total_usd,
            input_cost_usd=cost.input_usd,
            output_cost_usd=cost.output_usd,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cached_input_tokens=usage.cached_input_tokens,
            price_source=cost.source,
            estimated=estimated,
        )

    def _usage(self, request: ChatRequest, ledger: AttemptLedger) -> tuple[TokenUsage, bool]:
        """Reported usage where given, local counts for what is missing."""
        reported = ledger.usage
        if not ledger.accepted and reported is None:
            return TokenUsage(), False
        estimated = ledger.estimated
        input_tokens = reported.input_tokens if reported else None
        output_tokens = reported.output_tokens if reported else None
        if input_tokens is None:
            input_tokens, estimated = self._count_prompt(request), True
        if output_tokens is None:
            output_tokens, estimated = self._count_answer(request, ledger), True
        return (
            TokenUsage(
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                cached_input_tokens=(reported.cached_input_tokens or 0) if reported else 0,
                cache_write_tokens=(reported.cache_write_tokens or 0) if reported else 0,
            ),
            estimated,
        )

    def _count_prompt(self, request: ChatRequest) -> int:
        return prompt_tokens(request, self.counter)

    def _count_answer(self, request: ChatRequest, ledger: AttemptLedger) -> int:
        text = "".join(ledger.text)
        if not text:
            return 0
        if self.counter is None:
            return max(1, len(text) // CHARS_PER_TOKEN)
        return self.counter.count(text, request.model).tokens


CHARS_PER_TOKEN = 4
"""Rough size of a token when no tokenizer is at hand."""


def prompt_tokens(request: ChatRequest, counter: TokenCounter | None) -> int:
    """Tokens the request's messages send (tiktoken, offline; ≈ chars/4 without it)."""
    if counter is None:
        return sum(len(m.content) for m in request.messages) // CHARS_PER_TOKEN
    messages = ((m.role, m.content) for m in request.messages)
    return counter.count_messages(messages, request.model).tokens


class TurnCost:
    """One turn's cost over all its attempts (a turn observer), for ``ask --json``."""

    def __init__(self) -> None:
        self.cost_usd = 0.0
        self.priced = False
        self.unpriced_attempts = 0
        self.estimated = False
        self.price_source: str | None = None
        self.cached_input_tokens = 0

    def observe(self, event: Event) -> None:
        """Add one attempt's :class:`CostReported`."""
        if not isinstance(event, CostReported):
            return
        if event.cost_usd is None:
            self.unpriced_attempts += 1
        else:
            self.cost_usd += event.cost_usd
            self.priced = True
        self.estimated = self.estimated or event.estimated
        self.price_source = event.price_source
        self.cached_input_tokens += event.cached_input_tokens

    @property
    def total_usd(self) -> float | None:
        """The sum, or None when no attempt had a known price."""
        return self.cost_usd if self.priced else None
