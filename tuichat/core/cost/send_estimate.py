"""Before sending: how many tokens the request will carry and what it may cost.

The prompt area shows this while the user types: history + system + draft in
tokens (tiktoken, offline; ≈ for models tiktoken does not know), the tokens
reserved for the answer (max_tokens), the cost range from "no answer" to "an
answer of max_tokens", and how much of the model's context window the request
and its reserve can fill. Text a server adds unseen (the local model's few-shot
preamble, :mod:`.hidden_prompt`) is counted too. Each message of the history
is counted once (:class:`HistoryCount`): a keystroke counts only the draft, and
a new turn only its new messages, however long the conversation.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from tuichat.core.conversation import ChatMessage
from tuichat.core.cost.hidden_prompt import HIDDEN_PROMPTS, HiddenPrompts
from tuichat.core.cost.money import usd
from tuichat.core.cost.pricing import PriceBook, Tariff, TokenUsage
from tuichat.core.cost.tokens import REPLY_PRIMING, TOKENS_PER_MESSAGE, TokenCounter

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
        """``1,234 tok + 1,000 reserved · $0.0031–$0.044 · 2% of 128k`` for the prompt's border.

        The answer's reserve is shown apart from the prompt: the context share
        counts both, and "50% of 8k" for a 16-token draft read as a mistake.
        """
        tokens = f"{self.prompt_tokens:,}" if self.exact else f"≈{self.prompt_tokens:,}"
        share = self.context_share
        parts = [
            f"{tokens} tok" + (f" + {self.answer_cap:,} reserved" if share is not None else "")
        ]
        if self.cost_low is not None and self.cost_high is not None:
            parts.append(f"{usd(self.cost_low)}–{usd(self.cost_high)}")
        else:
            parts.append("price unknown")
        if share is not None and self.context_window:
            parts.append(f"{share:.0%} of {_k(self.context_window)}")
        return " · ".join(parts)


class HistoryCount:
    """Token counts of a growing history, one message at a time.

    Keeps the messages counted so far and the running sums of their tokens
    (as :meth:`TokenCounter.count_messages` counts them, less the reply
    priming); a history that shares a prefix with them is counted from where
    they part. Conversations only grow at the end (or lose their last
    prompt), so that is at most the newest messages.
    """

    def __init__(self, counter: TokenCounter) -> None:
        self.counter = counter
        self._model: str | None = None
        self._exact = True
        self._messages: list[ChatMessage] = []
        self._sums: list[int] = [0]  # tokens of the first i messages

    def count(self, history: Sequence[ChatMessage], model: str) -> tuple[int, bool]:
        """Tokens ``history`` sends to ``model`` (reply priming included), and if exact."""
        if model != self._model:
            self._model, self._messages, self._sums = model, [], [0]
            self._exact = self.counter.encoding_for(model)[1]
        same = self._shared_prefix(history)
        del self._messages[same:], self._sums[same + 1 :]
        for message in history[same:]:
            tokens = self.counter.count(message.role + message.content, model).tokens
            self._messages.append(message)
            self._sums.append(self._sums[-1] + TOKENS_PER_MESSAGE + tokens)
        return REPLY_PRIMING + self._sums[-1], self._exact

    def _shared_prefix(self, history: Sequence[ChatMessage]) -> int:
        """How many leading messages ``history`` shares with those counted."""
        same = 0
        for counted, message in zip(self._messages, history, strict=False):
            if counted != message:  # identical objects compare in no time
                break
            same += 1
        return same


class SendEstimator:
    """Estimates the next request; the history's count carries over between keystrokes."""

    def __init__(
        self, counter: TokenCounter, prices: PriceBook, hidden: HiddenPrompts = HIDDEN_PROMPTS
    ) -> None:
        self.counter = counter
        self.prices = prices
        self.hidden = hidden
        self._hidden_counts: dict[tuple[str, str], int] = {}  # (model, text): tokens
        self._lock = threading.Lock()  # estimates run on worker threads
        self._history = HistoryCount(counter)

    def loaded(self) -> bool:
        """True once counting and pricing a draft loads nothing (encodings, price database)."""
        return self.counter.loaded and self.prices.loaded

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
        prompt += self._hidden_tokens(history, tariff)
        cap = max_tokens or DEFAULT_ANSWER_CAP
        low = self.prices.cost(tariff, TokenUsage(prompt, 0)).total_usd
        high = self.prices.cost(tariff, TokenUsage(prompt, cap)).total_usd
        return SendEstimate(prompt, exact and draft_count.exact, cap, low, high, context_window)

    def _hidden_tokens(self, history: Sequence[ChatMessage], tariff: Tariff) -> int:
        """Tokens of the text the server adds to this conversation unseen (usually 0)."""
        hidden = self.hidden.lookup(tariff.provider, tariff.model)
        if hidden is None:
            return 0
        has_system = any(message.role == "system" for message in history)
        key = (tariff.model, hidden.text(has_system))
        with self._lock:
            if key not in self._hidden_counts:  # tokenised once, not per keystroke
                self._hidden_counts[key] = self.counter.count(key[1], tariff.model).tokens
            return self._hidden_counts[key]

    def _count_history(self, history: Sequence[ChatMessage], model: str) -> tuple[int, bool]:
        with self._lock:
            return self._history.count(history, model)


def _k(tokens: int) -> str:
    return f"{tokens // 1000}k" if tokens >= 1000 else str(tokens)
