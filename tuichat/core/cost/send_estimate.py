"""Before sending: how many tokens the request will carry and what it may cost.

The prompt area shows this while the user types: history + system + draft in
tokens (tiktoken, offline; ≈ for models tiktoken does not know), the cost
range from "no answer" to "an answer of max_tokens", and how much of the
model's context window the request can fill. The history is counted once
per change of the conversation; each keystroke only counts the draft.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from tuichat.core.conversation import ChatMessage
from tuichat.core.cost.pricing import PriceBook, Tariff, TokenUsage
from tuichat.core.cost.tokens import TOKENS_PER_MESSAGE, TokenCounter

DEFAULT_ANSWER_CAP = 4096
"""Answer tokens assumed for the upper cost bound when no max_tokens is set."""


@dataclass(frozen=True, slots=True)
class SendEstimate:
    """What the next request will send, and its cost bounds in USD (None: unknown price)."""

    prompt_tokens: int
    exact: bool
    answer_cap: int
    cost_low: float | None
    cost_high: float | None
    context_window: int | None

    @property
    def context_share(self) -> float | None:
        """Prompt plus the answer cap over the context window (above 1: too long)."""
        if not self.context_window:
            return None
        return (self.prompt_tokens + self.answer_cap) / self.context_window

    def describe(self) -> str:
        """``≈1,234 tok · $0.0031–$0.0440 · 3% of 128k`` for the prompt's border."""
        tokens = f"{self.prompt_tokens:,}" if self.exact else f"≈{self.prompt_tokens:,}"
        parts = [f"{tokens} tok"]
        if self.cost_low is not None and self.cost_high is not None:
            parts.append(f"{_usd(self.cost_low)}–{_usd(self.cost_high)}")
        else:
            parts.append("price unknown")
        share = self.context_share
        if share is not None and self.context_window:
            parts.append(f"{share:.0%} of {_k(self.context_window)}")
        return " · ".join(parts)


class SendEstimator:
    """Estimates the next request; caches the history's count between keystrokes."""

    def __init__(self, counter: TokenCounter, prices: PriceBook) -> None:
        self.counter = counter
        self.prices = prices
        self._lock = threading.Lock()  # estimates run on worker threads
        self._cached: tuple[tuple[str, int, ChatMessage | None], tuple[int, bool]] | None = None

    def estimate(
        self,
        history: Sequence[ChatMessage],
        draft: str,
        tariff: Tariff,
        *,
        max_tokens: int | None,
        context_window: int | None,
    ) -> SendEstimate:
        """Tokens and cost bounds of sending ``draft`` after ``history`` to ``tariff``."""
        history_tokens, exact = self._count_history(history, tariff.model)
        draft_count = self.counter.count("user" + draft, tariff.model)
        prompt = history_tokens + TOKENS_PER_MESSAGE + draft_count.tokens
        cap = max_tokens or DEFAULT_ANSWER_CAP
        low = self.prices.cost(tariff, TokenUsage(prompt, 0)).total_usd
        high = self.prices.cost(tariff, TokenUsage(prompt, cap)).total_usd
        return SendEstimate(prompt, exact and draft_count.exact, cap, low, high, context_window)

    def _count_history(self, history: Sequence[ChatMessage], model: str) -> tuple[int, bool]:
        key = (model, len(history), history[-1] if history else None)
        with self._lock:
            if self._cached is not None and self._cached[0] == key:
                return self._cached[1]
        count = self.counter.count_messages(((m.role, m.content) for m in history), model)
        with self._lock:
            self._cached = (key, (count.tokens, count.exact))
        return count.tokens, count.exact


def _usd(value: float) -> str:
    if value == 0:
        return "$0"
    return f"${value:.4f}" if value < 1 else f"${value:,.2f}"


def _k(tokens: int) -> str:
    return f"{tokens // 1000}k" if tokens >= 1000 else str(tokens)
