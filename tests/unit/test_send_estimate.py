"""The pre-send estimate: tokens of history + system + draft, cost bounds, context share."""

from __future__ import annotations

from pathlib import Path

import pytest

from tuichat.core.conversation import ChatMessage
from tuichat.core.cost.pricing import PriceBook, Rates, Tariff, TokenUsage
from tuichat.core.cost.send_estimate import SendEstimate, SendEstimator
from tuichat.core.cost.tokens import TokenCounter

HISTORY = (
    ChatMessage("system", "You are concise."),
    ChatMessage("user", "What is the capital of France?"),
    ChatMessage("assistant", "Paris."),
)


def test_tokens_equal_counting_the_whole_request(tmp_path: Path) -> None:
    counter = TokenCounter(tmp_path)
    estimator = SendEstimator(counter, PriceBook())
    tariff = Tariff("openai", "gpt-4o")
    got = estimator.estimate(HISTORY, "And of Italy?", tariff, max_tokens=100, context_window=None)
    whole = [(m.role, m.content) for m in HISTORY] + [("user", "And of Italy?")]
    assert got.prompt_tokens == counter.count_messages(whole, "gpt-4o").tokens
    assert got.exact and got.answer_cap == 100


def test_cost_bounds_are_no_answer_and_a_full_answer(tmp_path: Path) -> None:
    book = PriceBook()
    estimator = SendEstimator(TokenCounter(tmp_path), book)
    tariff = Tariff("openai", "gpt-4o")
    got = estimator.estimate(HISTORY, "Hi", tariff, max_tokens=1000, context_window=128_000)
    assert got.cost_low == pytest.approx(book.cost(tariff, TokenUsage(got.prompt_tokens)).total_usd)
    assert got.cost_high == pytest.approx(
        book.cost(tariff, TokenUsage(got.prompt_tokens, 1000)).total_usd
    )
    assert got.context_share == pytest.approx((got.prompt_tokens + 1000) / 128_000)


def test_the_history_is_counted_once_per_change(tmp_path: Path) -> None:
    counter = TokenCounter(tmp_path)
    calls = 0
    original = counter.count_messages

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        return original(*args, **kwargs)

    counter.count_messages = counting  # type: ignore[method-assign]
    estimator = SendEstimator(counter, PriceBook())
    tariff = Tariff("local", "gemma")
    for draft in ("W", "Wh", "Wha", "What"):
        estimator.estimate(HISTORY, draft, tariff, max_tokens=None, context_window=None)
    assert calls == 1
    estimator.estimate(HISTORY[:2], "What", tariff, max_tokens=None, context_window=None)
    assert calls == 2


def test_describe() -> None:
    est = SendEstimate(1234, True, 1000, 0.0031, 0.044, 128_000)
    assert est.describe() == "1,234 tok · $0.0031–$0.0440 · 2% of 128k"
    free = SendEstimate(50, False, 4096, 0.0, 0.0, None)
    assert free.describe() == "≈50 tok · $0–$0"
    unknown = SendEstimate(50, True, 10, None, None, 4096)
    assert unknown.describe() == "50 tok · price unknown · 1% of 4k"


def test_unknown_models_are_marked_as_estimates(tmp_path: Path) -> None:
    estimator = SendEstimator(TokenCounter(tmp_path), PriceBook())
    tariff = Tariff("sim", "sim", override=Rates(input=1, output=1))
    got = estimator.estimate((), "hello", tariff, max_tokens=10, context_window=None)
    assert not got.exact and got.describe().startswith("≈")
