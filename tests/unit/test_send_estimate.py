"""The pre-send estimate: tokens of history + system + draft, cost bounds, context share."""

from __future__ import annotations

from pathlib import Path

import pytest

from tuichat.core.conversation import ChatMessage
from tuichat.core.cost.pricing import PriceBook, Rates, Tariff, TokenUsage
from tuichat.core.cost.send_estimate import SendEstimate, SendEstimator
from tuichat.core.cost.tokens import Count, TokenCounter

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


def _counting(counter: TokenCounter) -> list[str]:
    """Record every text ``counter`` tokenises (the estimator's only tokenising call)."""
    texts: list[str] = []
    original = counter.count

    def count(text: str, model: str) -> Count:
        texts.append(text)
        return original(text, model)

    counter.count = count  # type: ignore[method-assign]
    return texts


def test_each_keystroke_tokenises_only_the_draft(tmp_path: Path) -> None:
    counter = TokenCounter(tmp_path)
    texts = _counting(counter)
    estimator = SendEstimator(counter, PriceBook())
    tariff = Tariff("local", "gemma")
    estimator.estimate(HISTORY, "", tariff, max_tokens=None, context_window=None)
    texts.clear()
    for draft in ("W", "Wh", "Wha", "What"):
        estimator.estimate(HISTORY, draft, tariff, max_tokens=None, context_window=None)
    assert texts == ["userW", "userWh", "userWha", "userWhat"]


def test_a_new_turn_counts_only_its_new_messages(tmp_path: Path) -> None:
    counter = TokenCounter(tmp_path)
    texts = _counting(counter)
    estimator = SendEstimator(counter, PriceBook())
    tariff = Tariff("openai", "gpt-4o")
    history = list(HISTORY)
    estimator.estimate(tuple(history), "", tariff, max_tokens=None, context_window=None)
    for turn in range(50):
        history += [ChatMessage("user", f"q{turn}"), ChatMessage("assistant", f"a{turn} " * 500)]
        texts.clear()
        got = estimator.estimate(tuple(history), "x", tariff, max_tokens=None, context_window=None)
        assert texts == [f"userq{turn}", "assistant" + f"a{turn} " * 500, "userx"]
    whole = [(m.role, m.content) for m in history] + [("user", "x")]
    assert got.prompt_tokens == counter.count_messages(whole, "gpt-4o").tokens
    texts.clear()  # a prompt dropped (the turn produced nothing): nothing to count again
    shorter = estimator.estimate(HISTORY, "x", tariff, max_tokens=None, context_window=None)
    assert texts == ["userx"]
    again = [(m.role, m.content) for m in HISTORY] + [("user", "x")]
    assert shorter.prompt_tokens == counter.count_messages(again, "gpt-4o").tokens


def test_another_model_counts_again(tmp_path: Path) -> None:
    counter = TokenCounter(tmp_path)
    estimator = SendEstimator(counter, PriceBook())
    for model in ("gpt-4o", "gpt-4", "gpt-4o"):
        got = estimator.estimate(
            HISTORY, "hi", Tariff("openai", model), max_tokens=None, context_window=None
        )
        whole = [(m.role, m.content) for m in HISTORY] + [("user", "hi")]
        assert got.prompt_tokens == counter.count_messages(whole, model).tokens


def test_describe() -> None:
    est = SendEstimate(1234, True, 1000, 0.0031, 0.044, 128_000)
    assert est.describe() == "1,234 tok + 1,000 reserved · $0.0031–$0.044 · 2% of 128k"
    free = SendEstimate(50, False, 4096, 0.0, 0.0, None)
    assert free.describe() == "≈50 tok · $0–$0"
    unknown = SendEstimate(50, True, 10, None, None, 4096)
    assert unknown.describe() == "50 tok + 10 reserved · price unknown · 1% of 4k"
    draft = SendEstimate(16, True, 4096, None, None, 8192)  # the answer's reserve, shown apart
    assert draft.describe() == "16 tok + 4,096 reserved · price unknown · 50% of 8k"


def test_unknown_models_are_marked_as_estimates(tmp_path: Path) -> None:
    estimator = SendEstimator(TokenCounter(tmp_path), PriceBook())
    tariff = Tariff("sim", "sim", override=Rates(input=1, output=1))
    got = estimator.estimate((), "hello", tariff, max_tokens=10, context_window=None)
    assert not got.exact and got.describe().startswith("≈")


def test_a_servers_hidden_prompt_is_counted(tmp_path: Path) -> None:
    from tuichat.core.cost.hidden_prompt import HiddenPrompts
    from tuichat.local.profiles import FEW_SHOT_TEXT, bundled_hidden_prompt

    counter = TokenCounter(tmp_path)
    hidden = HiddenPrompts()
    estimator = SendEstimator(counter, PriceBook(), hidden)
    tariff = Tariff("local", "local")
    plain = estimator.estimate((), "Hi", tariff, max_tokens=None, context_window=4096)
    hidden.register("local", "local", bundled_hidden_prompt())
    primed = estimator.estimate((), "Hi", tariff, max_tokens=None, context_window=4096)
    with_system = estimator.estimate(
        HISTORY[:1], "Hi", tariff, max_tokens=None, context_window=4096
    )
    examples = counter.count(FEW_SHOT_TEXT, "local").tokens
    assert primed.prompt_tokens - plain.prompt_tokens > examples  # examples and preamble
    # A system message replaces the default preamble: only the examples stay hidden.
    system_only = counter.count_messages([("system", HISTORY[0].content), ("user", "Hi")], "local")
    assert (
        with_system.prompt_tokens - system_only.tokens < primed.prompt_tokens - plain.prompt_tokens
    )
    assert primed.prompt_tokens > 100  # the "≈14 tok" of issue 16 sent 119


def test_the_few_shot_text_is_what_the_template_sends() -> None:
    from tuichat.local.profiles import BUNDLED_TEMPLATE, FEW_SHOT_TEXT

    for line in FEW_SHOT_TEXT.strip().splitlines():
        assert line.replace('"', '"') in BUNDLED_TEMPLATE.replace("\\n", "\n")
