"""The ``[cache]`` table: the response cache.

    [cache]
    enabled = true              # serve and store answers that finished normally
    semantic = false            # also answer paraphrases (same conversation scope only)
    threshold = 0.90            # cosine similarity a semantic match needs
    ttl = "7d"                  # "30s", "90m", "12h", "7d", or seconds as a number
    replay_pace = "instant"     # or "original": a hit streams at its first pace
    max_mb = 100                # size cap of the cache file (LRU eviction)
    embeddings = "wordllama"    # or "provider": the model's /v1/embeddings
    embedding_model = "..."     # with embeddings = "provider"

Each mistake is one line naming the key and what it must be.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from tuichat.config.fields import Where, check_keys, number, shown, string, table
from tuichat.config.model import EMBEDDINGS_SOURCES, REPLAY_PACE_SETTINGS, CacheSettings

CACHE_FIELDS = (
    "enabled",
    "semantic",
    "threshold",
    "ttl",
    "replay_pace",
    "max_mb",
    "embeddings",
    "embedding_model",
)
MAX_TTL_S = 10 * 365 * 86400.0
"""Ten years: a longer TTL is a typo."""
MAX_CACHE_MB = 1024 * 1024.0

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)")
_UNIT_S = {"s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}

T = TypeVar("T", bound=str)


def parse_duration(text: str) -> float | None:
    """``"90m"``, ``"12h"``, ``"7d"`` → seconds; None when it is not a positive duration."""
    match = _DURATION.fullmatch(text.strip().lower())
    if match is None:
        return None
    seconds = float(match[1]) * _UNIT_S[match[2]]
    return seconds if seconds > 0 else None


def parse_cache(value: Any, where: Where) -> CacheSettings:
    """Validate ``[cache]``; raise ``ConfigError`` at the bad key."""
    data = table(value, ("cache",), where)
    check_keys(data, CACHE_FIELDS, ("cache",), where, {})
    found: dict[str, Any] = {}
    for key in ("enabled", "semantic"):
        if key in data:
            found[key] = _flag(data[key], key, where)
    if "threshold" in data:
        found["threshold"] = number(data["threshold"], ("cache", "threshold"), where, 0.0, 1.0)
    if "ttl" in data:
        found["ttl_s"] = _ttl(data["ttl"], where)
    if "max_mb" in data:
        keys = ("cache", "max_mb")
        found["max_mb"] = number(data["max_mb"], keys, where, 0.0, MAX_CACHE_MB, above=True)
    if "replay_pace" in data:
        found["replay_pace"] = _choice(
            data["replay_pace"], "replay_pace", REPLAY_PACE_SETTINGS, where
        )
    if "embeddings" in data:
        found["embeddings"] = _choice(data["embeddings"], "embeddings", EMBEDDINGS_SOURCES, where)
    if "embedding_model" in data:
        found["embedding_model"] = string(
            data["embedding_model"], ("cache", "embedding_model"), where
        )
    return CacheSettings(**found)


def _flag(value: Any, key: str, where: Where) -> bool:
    if not isinstance(value, bool):
        raise where.error(("cache", key), f"must be true or false, got {shown(value)}")
    return value


def _ttl(value: Any, where: Where) -> float:
    keys = ("cache", "ttl")
    if isinstance(value, str):
        seconds = parse_duration(value)
        if seconds is not None and seconds <= MAX_TTL_S:
            return seconds
        raise where.error(keys, f'must be a duration like "90m", "12h" or "7d", got {shown(value)}')
    return number(value, keys, where, 0.0, MAX_TTL_S, above=True)


def _choice(value: Any, key: str, choices: tuple[T, ...], where: Where) -> T:
    for choice in choices:
        if value == choice:
            return choice
    said = " or ".join(f'"{choice}"' for choice in choices)
    raise where.error(("cache", key), f"must be {said}, got {shown(value)}")
