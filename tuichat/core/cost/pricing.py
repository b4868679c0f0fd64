"""What tokens cost: the genai-prices database, local overrides, free local models.

Prices come from ``genai-prices`` (a maintained database that ships with the
package and works offline; it knows cache-read and cache-write prices and
tiered prices). It pulls in pydantic, so it is imported on the first price
asked for, never at start-up. A ``price`` table on a model in the config
overrides the database field by field; models tuichat runs itself (``local``,
``sim``) cost nothing unless the config gives them a price.

Token semantics follow the providers' usage as tuichat normalises it:
``input_tokens`` is the whole prompt, and ``cached_input_tokens`` (read from
the provider's prompt cache) and ``cache_write_tokens`` are parts of it.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

log = logging.getLogger(__name__)

FREE_PROVIDERS = ("local", "sim", "simulator")
"""Provider kinds tuichat runs on this machine: no bill unless a price is set."""
GENAI_PROVIDER_IDS = {"openai": "openai", "anthropic": "anthropic"}
"""tuichat provider kind → genai-prices provider id (others are matched by URL or model)."""
MTOK = 1_000_000


@dataclass(frozen=True, slots=True)
class Rates:
    """USD per million tokens; None means "not given" (an override keeps the database's)."""

    input: float | None = None
    output: float | None = None
    cache_read: float | None = None
    cache_write: float | None = None


@dataclass(frozen=True, slots=True)
class Tariff:
    """Everything needed to price a model: who serves it, its id, a local override."""

    provider: str
    """tuichat provider kind: openai, anthropic, openai-compat, local, sim."""
    model: str
    """The provider's model id."""
    base_url: str | None = None
    """API base URL, used to recognise OpenAI-compatible hosts (Groq, OpenRouter, ...)."""
    override: Rates | None = None
    """The config's ``price`` table for this model."""
    override_origin: str = "config price"
    """Where the override was written, for ``price_source``."""


@dataclass(frozen=True, slots=True)
class TokenUsage:
    """Tokens one attempt used (cached and cache-write tokens are part of ``input``)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0
    cache_write_tokens: int = 0


@dataclass(frozen=True, slots=True)
class Cost:
    """A price in USD (None when the model's price is unknown) and where it came from."""

    total_usd: float | None
    input_usd: float | None
    output_usd: float | None
    source: str


class PriceBook:
    """Prices tokens for tariffs; the database loads lazily, once, thread-safely."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._module: Any = None
        self._lookups: dict[Tariff, tuple[Any, str] | None] = {}

    def cost(self, tariff: Tariff, usage: TokenUsage) -> Cost:
        """What ``usage`` costs on ``tariff``."""
        override = tariff.override
        if override is not None and _complete(override):
            return _priced(override, usage, tariff.override_origin)
        if tariff.provider in FREE_PROVIDERS and override is None:
            return Cost(0.0, 0.0, 0.0, f"{tariff.provider} model: free")
        found = self._lookup(tariff)
        if found is None:
            if override is not None:
                return _priced(override, usage, f"{tariff.override_origin} (partial)")
            return Cost(None, None, None, f"unknown: no price for {tariff.model}")
        price, source = found
        if override is not None:
            merged = _merge(override, _rates_of(price))
            return _priced(merged, usage, f"{tariff.override_origin} over {source}")
        return self._database_cost(price, usage, source)

    def warm(self) -> None:
        """Import the database now (from a thread: it costs ~0.1-0.2 s of CPU)."""
        self._genai()
        self._bundled_snapshot()

    def warm_in_background(self) -> None:
        """``warm`` on a daemon thread, so the first priced attempt never stalls the loop."""
        threading.Thread(target=self.warm_quietly, name="prices-warm", daemon=True).start()

    @property
    def loaded(self) -> bool:
        """True once the database is imported: pricing then never imports on the caller."""
        return self._module is not None

    def needs_database(self, tariff: Tariff) -> bool:
        """Whether pricing ``tariff`` reads the database (not a complete override, not free)."""
        override = tariff.override
        if override is not None and _complete(override):
            return False
        return not (tariff.provider in FREE_PROVIDERS and override is None)

    def warm_quietly(self) -> None:
        """``warm``, logging a failure instead of raising (for threads and warm-ups)."""
        try:
            self.warm()
        except Exception:  # the same failure shows (and is handled) at first use
            log.warning("could not load the price database", exc_info=True)

    def _bundled_snapshot(self) -> None:
        """Resolve a common model once: builds genai-prices' lookup tables."""
        self._lookup(Tariff("openai", "gpt-4o"))

    def version(self) -> str:
        """The price database's version, e.g. ``genai-prices 0.2.3``."""
        return f"genai-prices {self._genai().__version__}"

    def context_window(self, tariff: Tariff) -> int | None:
        """The model's context window per genai-prices (None: not listed, or no window there).

        Models tuichat runs itself are never looked up: their window is the server's.
        """
        if tariff.provider in FREE_PROVIDERS:
            return None
        hint = _provider_hint(tariff)
        found = self._calc_zero(tariff.model, hint)
        if found is None and "provider_api_url" in hint:
            found = self._calc_zero(tariff.model, {})
        window = getattr(found.model, "context_window", None) if found is not None else None
        return window if isinstance(window, int) and window > 0 else None

    def _database_cost(self, price: Any, usage: TokenUsage, source: str) -> Cost:
        """The database's own calculation (tiers included) with the model's current price."""
        genai = self._genai()
        calc = price.calc_price(
            genai.Usage(
                input_tokens=usage.input_tokens,
                output_tokens=usage.output_tokens,
                cache_read_tokens=usage.cached_input_tokens,
                cache_write_tokens=usage.cache_write_tokens,
            )
        )
        total, inp, out = calc["total_price"], calc["input_price"], calc["output_price"]
        return Cost(float(total), float(inp), float(out), source)

    def _lookup(self, tariff: Tariff) -> tuple[Any, str] | None:
        """The database's ModelPrice for ``tariff`` and a source line, or None."""
        key = Tariff(tariff.provider, tariff.model, tariff.base_url)
        if key not in self._lookups:
            self._lookups[key] = self._find(key)
        return self._lookups[key]

    def _find(self, tariff: Tariff) -> tuple[Any, str] | None:
        """Look up by provider (id or API URL); an unknown URL falls back to the model id.

        The fallback prices a gateway (a LiteLLM proxy on localhost serving
        ``gpt-4o``) at the upstream price; the source line says it was matched
        by name, and a ``price`` override in the config settles any doubt.
        """
        hint = _provider_hint(tariff)
        found = self._calc_zero(tariff.model, hint)
        note = ""
        if found is None and "provider_api_url" in hint:
            found, note = self._calc_zero(tariff.model, {}), " (matched by model name)"
        if found is None:
            log.info("no price for %s (%s)", tariff.model, tariff.provider)
            return None
        source = f"{self.version()}: {found.provider.id} {found.model.id}{note}"
        return found.model_price, source

    def _calc_zero(self, model: str, hint: dict[str, str]) -> Any:
        """genai-prices' calculation for zero tokens (finds the model), or None."""
        genai = self._genai()
        try:
            return genai.calc_price(genai.Usage(input_tokens=0), model, **hint)
        except (LookupError, ValueError):
            return None

    def _genai(self) -> Any:
        with self._lock:
            if self._module is None:
                import genai_prices

                self._module = genai_prices
            return self._module


def _provider_hint(tariff: Tariff) -> dict[str, str]:
    """How genai-prices should find the provider: by id, by API URL, or by the model alone."""
    if tariff.provider in GENAI_PROVIDER_IDS:
        return {"provider_id": GENAI_PROVIDER_IDS[tariff.provider]}
    if tariff.base_url:
        return {"provider_api_url": tariff.base_url}
    return {}


def _complete(rates: Rates) -> bool:
    """An override that prices everything by itself needs input and output prices."""
    return rates.input is not None and rates.output is not None


def _merge(override: Rates, base: Rates) -> Rates:
    """Fields of ``override`` over ``base``."""
    return Rates(
        input=override.input if override.input is not None else base.input,
        output=override.output if override.output is not None else base.output,
        cache_read=override.cache_read if override.cache_read is not None else base.cache_read,
        cache_write=override.cache_write if override.cache_write is not None else base.cache_write,
    )


def _rates_of(model_price: Any) -> Rates:
    """Flat per-MTok rates of a genai-prices ModelPrice (a tiered price uses its base)."""

    def flat(name: str) -> float | None:
        value = getattr(model_price, name, None)
        if value is None:
            return None
        return float(getattr(value, "base", value))

    return Rates(
        input=flat("input_mtok"),
        output=flat("output_mtok"),
        cache_read=flat("cache_read_mtok"),
        cache_write=flat("cache_write_mtok"),
    )


def _priced(rates: Rates, usage: TokenUsage, source: str) -> Cost:
    """Price ``usage`` at flat ``rates``: cache reads and writes at their own rates if set."""
    per_input = Decimal(str(rates.input or 0))
    read = Decimal(str(rates.cache_read)) if rates.cache_read is not None else per_input
    write = Decimal(str(rates.cache_write)) if rates.cache_write is not None else per_input
    uncached = max(0, usage.input_tokens - usage.cached_input_tokens - usage.cache_write_tokens)
    input_usd = (
        uncached * per_input + usage.cached_input_tokens * read + usage.cache_write_tokens * write
    ) / MTOK
    output_usd = usage.output_tokens * Decimal(str(rates.output or 0)) / MTOK
    return Cost(float(input_usd + output_usd), float(input_usd), float(output_usd), source)
