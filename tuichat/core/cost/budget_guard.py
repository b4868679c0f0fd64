"""Hard budgets that hold mid-stream: an answer is cut when its running cost crosses a limit.

A hard limit is checked before sending (the chat asks, ``ask`` refuses), but a
long answer can cross it while it streams. :class:`RunningCost` estimates the
attempt's cost as text arrives — the prompt's tokens once, the answer's tokens
chunk by chunk, with the counter pricing uses (tiktoken when loaded, else
chars/4) — and asks the :class:`SpendGuard` (the session's
:class:`~tuichat.core.cost.budget.Budgets`) whether that much more would cross
a hard limit. If so it raises :class:`BudgetReached`; the turn stops the
attempt like a user cancel (the partial answer is kept) with the reason as
its ``TurnCancelled.reason``. Soft limits never cut. The attempt's final cost
is still priced as usual when it ends (``CostReported``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, ClassVar, Protocol

from tuichat.core import errors
from tuichat.core.conversation import ChatRequest
from tuichat.core.cost.money import usd
from tuichat.core.cost.pricing import Tariff, TokenUsage

if TYPE_CHECKING:
    from tuichat.core.cost.attempt_cost import CostMeter

CHARS_PER_TOKEN = 4


class BudgetReached(errors.ProviderError):
    """A hard budget limit was reached while the answer streamed (message: which, at what)."""

    error_type: ClassVar[str] = "budget"


class SpendGuard(Protocol):
    """What the turn asks about budgets while streaming (``Budgets`` implements it)."""

    @property
    def armed(self) -> bool:
        """True when some hard limit applies (otherwise nothing is estimated)."""
        ...

    def crossing(self, extra_usd: float) -> str | None:
        """Which hard limit ``extra_usd`` more would reach, in words; None when none."""
        ...


class RunningCost:
    """One attempt's cost so far, estimated per chunk, checked against the guard."""

    def __init__(
        self, meter: CostMeter, tariff: Tariff, request: ChatRequest, guard: SpendGuard
    ) -> None:
        self._meter, self._tariff, self._request, self._guard = meter, tariff, request, guard
        self._input: int | None = None
        self._chars = 0
        self._tokens: int | None = None
        self._warming = False
        self.usage = TokenUsage()
        """The tokens of the latest estimate: what a cut attempt is priced at, so the
        log's cost is the one the limit was checked against."""

    def add(self, text: str) -> None:
        """Answer text arrived; raise :class:`BudgetReached` when a hard limit is reached."""
        self._count(text)
        cost = self._estimate()
        if cost is None or cost <= 0:
            return
        reason = self._guard.crossing(cost)
        if reason is not None:
            raise BudgetReached(reason)

    def _count(self, text: str) -> None:
        counter = self._meter.counter
        if self._input is None:
            self._tokens = 0 if counter is not None and counter.loaded else None
            from tuichat.core.cost.attempt_cost import prompt_tokens  # (a cycle at import)

            self._input = prompt_tokens(self._request, counter if self._tokens == 0 else None)
        self._chars += len(text)
        if self._tokens is not None and counter is not None:
            self._tokens += counter.count(text, self._request.model).tokens

    def _estimate(self) -> float | None:
        """USD so far; None while the price database is still loading (never on the loop)."""
        prices = self._meter.prices
        if prices.needs_database(self._tariff) and not prices.loaded:
            if not self._warming:
                self._warming = True
                prices.warm_in_background()
            return None
        output = self._tokens
        if output is None:
            output = math.ceil(self._chars / CHARS_PER_TOKEN)
        self.usage = TokenUsage(input_tokens=self._input or 0, output_tokens=output)
        try:
            return self._meter.prices.cost(self._tariff, self.usage).total_usd
        except Exception:  # third-party price data: no estimate, no cut
            return None


def reached_line(scope: str, limit_usd: float, at_usd: float) -> str:
    """``daily limit $0.50 reached at $0.5003`` (the spend with four decimals)."""
    words = {"session": "session", "day": "daily", "month": "monthly"}
    head, _, period = scope.rpartition(" ")
    name = words.get(period, period)
    scope_words = f"{head} {name}" if head else name
    at = f"${at_usd:.4f}" if at_usd < 100 else usd(at_usd)
    return f"{scope_words} limit {usd(limit_usd)} reached at {at}"
