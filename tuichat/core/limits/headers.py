"""Rate-limit state read from response headers, for the HUD and the limiter.

Three header families are understood, tried in this order (the first that
yields any value wins, and names the state's ``source``):

- ``anthropic``: ``anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-
  {limit,remaining,reset}``, resets as RFC 3339 times;
- ``openai``: ``x-ratelimit-{limit,remaining,reset}-{requests,tokens}``, resets
  as Go-style durations (``6m0s``, ``12ms``). LiteLLM proxy sends the same
  names, and forwards the backend's own headers with an ``llm_provider-`` prefix,
  which are used when the unprefixed ones are missing;
- ``generic``: ``ratelimit-{limit,remaining,reset}`` (IETF draft) and
  ``x-ratelimit-{limit,remaining,reset}``, read as a request window.

Headers are hostile input: every value is parsed on its own, a bad one is
dropped, and nothing here raises. Resets become *monotonic* times (``now`` +
the distance from ``wall_now``) so they compare with the clock the core runs on.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime

from tuichat.core.limit_state import WINDOWS, LimitWindow, RateLimitState

_MAX_VALUE_LEN = 64
_EPOCH_FLOOR = 1e9  # a bare reset number above this is an epoch time (2001+), not a delay
_FORWARDED_PREFIX = "llm_provider-"


def parse_rate_limit_headers(
    headers: Mapping[str, str], now: float, wall_now: float
) -> RateLimitState | None:
    """The rate-limit state in ``headers``, or None when they carry no usable value.

    ``now`` is the monotonic time and ``wall_now`` the epoch time at which the
    response arrived; both are injected so tests need no real clock.
    """
    lowered = _lower_keys(headers)
    if lowered.keys().isdisjoint(_ALL_NAMES):  # most responses: no rate-limit header at all
        return None
    for source, names in _FAMILIES:
        found = {name: _window(lowered, keys, now, wall_now) for name, keys in names.items()}
        if any(window is not None for window in found.values()):
            return RateLimitState(
                requests=found.get("requests"),
                tokens=found.get("tokens"),
                input_tokens=found.get("input_tokens"),
                output_tokens=found.get("output_tokens"),
                observed_at=now,
                source=source,
            )
    return None


def _lower_keys(headers: Mapping[str, str]) -> dict[str, str]:
    """Lower-cased string items; forwarded ``llm_provider-`` headers fill the gaps."""
    lowered: dict[str, str] = {}
    forwarded: dict[str, str] = {}
    for key, value in headers.items():
        if isinstance(key, str) and isinstance(value, str):
            key = key.lower()
            if key.startswith(_FORWARDED_PREFIX):
                forwarded.setdefault(key.removeprefix(_FORWARDED_PREFIX), value)
            else:
                lowered.setdefault(key, value)
    return forwarded | lowered


_Keys = tuple[str, str, str]  # header names for limit, remaining, reset


def _anthropic(window: str) -> _Keys:
    """``anthropic-ratelimit-<window>-{limit,remaining,reset}``."""
    base = f"anthropic-ratelimit-{window}"
    return (f"{base}-limit", f"{base}-remaining", f"{base}-reset")


def _openai(window: str) -> _Keys:
    """``x-ratelimit-{limit,remaining,reset}-<window>``."""
    base = "x-ratelimit-{}-" + window
    return (base.format("limit"), base.format("remaining"), base.format("reset"))


_FAMILIES: tuple[tuple[str, dict[str, tuple[_Keys, ...]]], ...] = (
    (
        "anthropic",
        {
            "requests": (_anthropic("requests"),),
            "tokens": (_anthropic("tokens"),),
            "input_tokens": (_anthropic("input-tokens"),),
            "output_tokens": (_anthropic("output-tokens"),),
        },
    ),
    ("openai", {"requests": (_openai("requests"),), "tokens": (_openai("tokens"),)}),
    (
        "generic",
        {
            "requests": (
                ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"),
                ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"),
            )
        },
    ),
)
"""Header family → window → candidate header-name triples (first with a value wins)."""

_ALL_NAMES = frozenset(
    name for _, windows in _FAMILIES for triples in windows.values() for keys in triples
    for name in keys
)  # fmt: skip
"""Every header name a family reads: a response with none of them says nothing."""


def _window(
    headers: Mapping[str, str], candidates: tuple[_Keys, ...], now: float, wall_now: float
) -> LimitWindow | None:
    """The first candidate triple that yields any value, as a window."""
    for limit_key, remaining_key, reset_key in candidates:
        window = LimitWindow(
            limit=_parse_count(headers.get(limit_key)),
            remaining=_parse_count(headers.get(remaining_key)),
            reset_at=_parse_reset(headers.get(reset_key), now, wall_now),
        )
        if window != LimitWindow(None, None, None):
            return window
    return None


def _clean(text: str | None) -> str | None:
    """The first comma-separated element, trimmed; None for empty or oversized values.

    Repeated headers arrive joined by ``", "``; the first occurrence is used.
    """
    if text is None or len(text) > _MAX_VALUE_LEN * 4:
        return None
    first = text.split(",", 1)[0].strip()
    return first if first and len(first) <= _MAX_VALUE_LEN else None


def _parse_count(text: str | None) -> int | None:
    """A non-negative integer count, or None."""
    value = _clean(text)
    if value is None or not (value.isascii() and value.isdigit()):
        return None
    return int(value)


def _parse_reset(text: str | None, now: float, wall_now: float) -> float | None:
    """A reset in any form servers send, as a monotonic time.

    RFC 3339 time, Go duration, bare seconds, or (above 1e9) epoch seconds.
    """
    value = _clean(text)
    if value is None:
        return None
    seconds = parse_duration(value)
    if seconds is not None:
        is_epoch = _is_bare_number(value) and seconds > _EPOCH_FLOOR
        return now + (seconds - wall_now if is_epoch else seconds)
    wall = parse_rfc3339(value)
    return None if wall is None else now + (wall - wall_now)


def _is_bare_number(value: str) -> bool:
    """Digits with an optional fraction: no sign, exponent, ``inf`` or ``nan``."""
    return _NUMBER.fullmatch(value) is not None


_NUMBER = re.compile(r"\d+(?:\.\d*)?|\.\d+")
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|h|m|s)")
_UNIT_SECONDS = {
    "h": 3600.0,
    "m": 60.0,
    "s": 1.0,
    "ms": 1e-3,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "ns": 1e-9,
}


def parse_duration(text: str) -> float | None:
    """Seconds in a Go-style duration (``1h2m3.5s``, ``6m0s``, ``12ms``) or a bare number.

    OpenAI writes its resets this way. Returns None for anything else,
    including negative, empty or non-finite values.
    """
    value = text.strip().lower() if isinstance(text, str) else ""
    if not value or len(value) > _MAX_VALUE_LEN:
        return None
    if _is_bare_number(value):
        return _finite(float(value))
    total, pos = 0.0, 0
    while pos < len(value):
        match = _DURATION_PART.match(value, pos)
        if match is None:
            return None
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        pos = match.end()
    return _finite(total)


def parse_rfc3339(text: str) -> float | None:
    """Epoch seconds of an RFC 3339 time (``2024-08-20T12:00:30Z``, offsets, fractions).

    A time without an offset is taken as UTC. Returns None for anything else.
    """
    value = text.strip().upper() if isinstance(text, str) else ""
    if not value or len(value) > _MAX_VALUE_LEN or not value[:4].isdigit():
        return None
    try:
        when = datetime.fromisoformat(value)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return _finite(when.timestamp())
    except (ValueError, OverflowError, OSError):
        return None


def _finite(value: float) -> float | None:
    """``value``, or None for inf/NaN (e.g. a 400-digit count of seconds)."""
    return value if math.isfinite(value) else None


__all__ = [
    "WINDOWS",
    "LimitWindow",
    "RateLimitState",
    "parse_duration",
    "parse_rate_limit_headers",
    "parse_rfc3339",
]
