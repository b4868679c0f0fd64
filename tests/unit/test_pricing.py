"""Prices: the genai-prices database's own numbers, config overrides, free local models."""

from __future__ import annotations

import socket
import subprocess
import sys
from decimal import Decimal

import genai_prices
import pytest

from tuichat.core.cost.pricing import PriceBook, Rates, Tariff, TokenUsage


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a connection fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def reference(model: str, provider: str, usage: TokenUsage) -> Decimal:
    """What genai-prices itself says ``usage`` costs."""
    calc = genai_prices.calc_price(
        genai_prices.Usage(
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cache_read_tokens=usage.cached_input_tokens,
            cache_write_tokens=usage.cache_write_tokens,
        ),
        model,
        provider_id=provider,
    )
    return calc.total_price


@pytest.mark.parametrize(
    "provider,model,usage",
    [
        ("openai", "gpt-4o", TokenUsage(12_000, 800)),
        ("openai", "gpt-4o-mini", TokenUsage(5_000, 1_000, cached_input_tokens=4_096)),
        ("anthropic", "claude-3-5-haiku-latest", TokenUsage(3_000, 250, 1_000, 1_500)),
        ("anthropic", "claude-sonnet-4-5", TokenUsage(20_000, 2_000, cached_input_tokens=18_000)),
    ],
)
def test_cost_equals_the_price_databases_own_calculation(
    provider: str, model: str, usage: TokenUsage, no_network: None
) -> None:
    cost = PriceBook().cost(Tariff(provider, model), usage)
    expected = reference(model, provider, usage)
    assert cost.total_usd == pytest.approx(float(expected), rel=1e-12)
    assert cost.input_usd is not None and cost.output_usd is not None
    assert cost.input_usd + cost.output_usd == pytest.approx(cost.total_usd)
    assert cost.source.startswith(f"genai-prices {genai_prices.__version__}: {provider}")


def test_cached_tokens_are_cheaper_than_uncached(no_network: None) -> None:
    book, tariff = PriceBook(), Tariff("openai", "gpt-4o")
    cold = book.cost(tariff, TokenUsage(10_000, 0))
    warm = book.cost(tariff, TokenUsage(10_000, 0, cached_input_tokens=8_000))
    assert warm.total_usd is not None and cold.total_usd is not None
    assert warm.total_usd < cold.total_usd


def test_openai_compatible_hosts_are_recognised_by_url(no_network: None) -> None:
    tariff = Tariff("openai-compat", "llama-3.1-8b-instant", "https://api.groq.com/openai/v1")
    cost = PriceBook().cost(tariff, TokenUsage(1_000_000, 0))
    assert cost.total_usd and cost.total_usd > 0
    assert "groq" in cost.source


def test_a_gateway_on_localhost_is_priced_by_model_name_and_says_so(no_network: None) -> None:
    tariff = Tariff("openai-compat", "gpt-4o", "http://127.0.0.1:4000/v1")
    cost = PriceBook().cost(tariff, TokenUsage(1_000, 100))
    assert cost.total_usd == pytest.approx(
        float(reference("gpt-4o", "openai", TokenUsage(1_000, 100)))
    )
    assert "matched by model name" in cost.source


def test_local_models_are_free_unless_priced() -> None:
    book, usage = PriceBook(), TokenUsage(1_000, 1_000)
    assert book.cost(Tariff("local", "gemma"), usage).total_usd == 0.0
    assert book.cost(Tariff("local", "gemma"), usage).source == "local model: free"
    priced = Tariff("local", "gemma", override=Rates(input=1.0, output=2.0))
    assert book.cost(priced, usage).total_usd == pytest.approx(0.003)


def test_a_complete_override_replaces_the_database() -> None:
    tariff = Tariff(
        "openai",
        "gpt-4o",
        override=Rates(input=1.0, output=4.0, cache_read=0.1),
        override_origin="config: models.x.price",
    )
    cost = PriceBook().cost(tariff, TokenUsage(2_000_000, 1_000_000, cached_input_tokens=1_000_000))
    assert cost.total_usd == pytest.approx(1.0 + 0.1 + 4.0)
    assert cost.source == "config: models.x.price"


def test_a_partial_override_keeps_the_databases_other_prices(no_network: None) -> None:
    usage = TokenUsage(1_000_000, 1_000_000)
    base = PriceBook().cost(Tariff("openai", "gpt-4o"), usage)
    cost = PriceBook().cost(Tariff("openai", "gpt-4o", override=Rates(output=0.0)), usage)
    assert base.input_usd is not None
    assert cost.total_usd == pytest.approx(base.input_usd)
    assert "over genai-prices" in cost.source


def test_unknown_models_have_no_price_rather_than_a_wrong_one(no_network: None) -> None:
    cost = PriceBook().cost(
        Tariff("openai-compat", "my-finetune-7b", "http://gpu:8000/v1"), TokenUsage(10, 10)
    )
    assert cost.total_usd is None
    assert cost.source == "unknown: no price for my-finetune-7b"


def test_the_price_database_is_imported_lazily() -> None:
    code = (
        "import sys; import tuichat.core.cost.pricing as p; p.PriceBook();"
        " import tuichat.core.turn.turn, tuichat.headless.ask;"
        " print('genai_prices' in sys.modules, 'pydantic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
