"""One ``[models.NAME]`` table of the config file, validated into a :class:`ModelSpec`."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

from tuichat.config.bounds import (
    MAX_CONTEXT_WINDOW,
    MAX_RATE,
    MAX_TEMPERATURE,
    MAX_TOKENS,
    MAX_USD,
)
from tuichat.config.errors import expected_one_of
from tuichat.config.fields import (
    Where,
    check_keys,
    number,
    positive_int,
    quoted,
    string,
    table,
)
from tuichat.config.locate import KeyPath
from tuichat.config.model import (
    DEFAULT_BASE_URLS,
    EMBEDDED,
    LOCAL,
    OPENAI_COMPAT,
    PROVIDERS,
    SIM,
    ModelSpec,
    Price,
)
from tuichat.config.stop_table import parse_stop

MODEL_FIELDS = (
    "provider",
    "model",
    "base_url",
    "api_key_env",
    "api_key_command",
    "context_window",
    "price",
    "max_tokens",
    "temperature",
    "model_path",
    "requests_per_minute",
    "tokens_per_minute",
    "requests_per_day",
    "stop",
)
PRICE_FIELDS = ("input_per_mtok", "output_per_mtok", "cache_read_per_mtok", "cache_write_per_mtok")
_KEY_HINT = 'keys do not belong in this file: use api_key_env = "NAME" or api_key_command'
_PRICE_HINT = "put it in price = { ... }"
MODEL_HINTS = {"api_key": _KEY_HINT, "key": _KEY_HINT} | dict.fromkeys(PRICE_FIELDS, _PRICE_HINT)

CAPS = {
    "context_window": MAX_CONTEXT_WINDOW,
    "max_tokens": MAX_TOKENS,
    "requests_per_minute": MAX_RATE,
    "tokens_per_minute": MAX_RATE,
    "requests_per_day": MAX_RATE,
}
"""Upper bound of each whole-number field (each is at least 1)."""

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def parse_model(name: str, value: Any, where: Where) -> ModelSpec:
    """Validate ``[models.<name>]`` into a spec; raise ``ConfigError`` at the bad key."""
    keys: KeyPath = ("models", name)
    if not name.strip() or any(c.isspace() for c in name):
        raise where.error(keys, "model names must be non-empty and without spaces")
    data = table(value, keys, where)
    check_keys(data, MODEL_FIELDS, keys, where, MODEL_HINTS)
    provider = _provider(data, keys, where)
    _check_fits_provider(data, provider, keys, where)
    get = data.get
    return ModelSpec(
        name=name,
        provider=provider,
        model=_model_id(name, data, provider, keys, where),
        origin=where.origin(keys),
        base_url=_base_url(data, provider, keys, where),
        api_key_env=_key_env(data, keys, where),
        api_key_command=_key_command(data, keys, where),
        context_window=_optional(data, "context_window", keys, where),
        price=_price(get("price"), (*keys, "price"), where) if "price" in data else None,
        max_tokens=_optional(data, "max_tokens", keys, where),
        temperature=_temperature(data, keys, where),
        model_path=_model_path(data, keys, where),
        requests_per_minute=_optional(data, "requests_per_minute", keys, where),
        tokens_per_minute=_optional(data, "tokens_per_minute", keys, where),
        requests_per_day=_optional(data, "requests_per_day", keys, where),
        stop=parse_stop(data["stop"], (*keys, "stop"), where) if "stop" in data else None,
    )


def _model_id(name: str, data: dict[str, Any], provider: str, keys: KeyPath, where: Where) -> str:
    """``model``, else the table's name; the simulator's own id for ``provider = "sim"``.

    The simulator answers only its own id (``sim``, with settings after a
    ``?``), so ``[models.fast] provider = "sim"`` means the simulator, not a
    404 for a model called "fast".
    """
    if "model" in data:
        return string(data["model"], (*keys, "model"), where)
    return SIM if provider == SIM else name


def _provider(data: dict[str, Any], keys: KeyPath, where: Where) -> str:
    if "provider" not in data:
        raise where.error((*keys, "provider"), f"is required{expected_one_of(PROVIDERS)}")
    provider = string(data["provider"], (*keys, "provider"), where)
    if provider not in PROVIDERS:
        message = f"unknown provider {quoted(provider)}{expected_one_of(PROVIDERS)}"
        raise where.error((*keys, "provider"), message)
    return provider


def _check_fits_provider(data: dict[str, Any], provider: str, keys: KeyPath, where: Where) -> None:
    """Reject settings the provider kind cannot use, so a typo'd kind is not silent."""
    unusable = ["base_url", "api_key_env", "api_key_command"] if provider in EMBEDDED else []
    if provider != LOCAL:
        unusable.append("model_path")
    for key in unusable:
        if key in data:
            raise where.error((*keys, key), f"is not used by provider {provider!r}")
    if provider == OPENAI_COMPAT and "base_url" not in data:
        raise where.error((*keys, "base_url"), "is required for provider 'openai-compat'")
    if "api_key_env" in data and "api_key_command" in data:
        raise where.error(
            (*keys, "api_key_command"), "set only one of api_key_env, api_key_command"
        )


def _base_url(data: dict[str, Any], provider: str, keys: KeyPath, where: Where) -> str | None:
    if "base_url" not in data:
        return DEFAULT_BASE_URLS.get(provider)
    url = string(data["base_url"], (*keys, "base_url"), where).strip()
    if not url.startswith(("http://", "https://")):
        raise where.error(
            (*keys, "base_url"), f"must be an http:// or https:// URL, got {quoted(url)}"
        )
    return url.rstrip("/")


def _key_env(data: dict[str, Any], keys: KeyPath, where: Where) -> str | None:
    if "api_key_env" not in data:
        return None
    value = data["api_key_env"]
    if not isinstance(value, str) or not _ENV_NAME.fullmatch(value):
        # Never echo the value: a key pasted here instead of a variable name is common.
        message = "must be the name of an environment variable (like OPENAI_API_KEY)"
        raise where.error((*keys, "api_key_env"), message)
    return value


def _key_command(data: dict[str, Any], keys: KeyPath, where: Where) -> str | None:
    if "api_key_command" not in data:
        return None
    path = (*keys, "api_key_command")
    command = string(data["api_key_command"], path, where)
    try:
        shlex.split(command)
    except ValueError as exc:  # e.g. "No closing quotation"
        raise where.error(path, f"cannot split into words: {exc}") from None
    return command


def _optional(data: dict[str, Any], key: str, keys: KeyPath, where: Where) -> int | None:
    return positive_int(data[key], (*keys, key), where, CAPS[key]) if key in data else None


def _temperature(data: dict[str, Any], keys: KeyPath, where: Where) -> float | None:
    if "temperature" not in data:
        return None
    return number(data["temperature"], (*keys, "temperature"), where, 0, MAX_TEMPERATURE)


def _price(value: Any, keys: KeyPath, where: Where) -> Price:
    data = table(value, keys, where)
    check_keys(data, PRICE_FIELDS, keys, where, {})
    return Price(**{k: number(v, (*keys, k), where, 0, MAX_USD) for k, v in data.items()})


def _model_path(data: dict[str, Any], keys: KeyPath, where: Where) -> Path | None:
    if "model_path" not in data:
        return None
    return Path(string(data["model_path"], (*keys, "model_path"), where)).expanduser()
