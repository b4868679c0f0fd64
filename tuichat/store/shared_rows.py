"""Breaker records and rate-limit readings as the shared limits file stores them (JSON).

The file is the user's own, but it is read back as untrusted input all the
same: a value of the wrong type, a NaN, an unknown state or a list too long
makes the row unreadable (None), never an exception; the caller then treats
the breaker as new (closed) or the reading as absent.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from typing import Any

from tuichat.core.health.breaker_health import BREAKER_STATES, BreakerHealth
from tuichat.core.limit_state import WINDOWS, LimitWindow, RateLimitState

_MAX_TIMES = 1000
_MAX_TEXT = 64


def health_json(health: BreakerHealth) -> str:
    """The record as one JSON object."""
    return json.dumps(asdict(health), separators=(",", ":"))


def health_from_json(text: object) -> BreakerHealth | None:
    """The record in ``text``, or None when it is not one."""
    data = _object(text)
    if data is None or data.get("state") not in BREAKER_STATES:
        return None
    recent, probes = _times(data.get("recent")), _times(data.get("probes"))
    numbers = [_number(data.get(name)) for name in ("streak", "opened_at", "probe_successes")]
    cooldown = data.get("cooldown")
    if recent is None or probes is None or None in numbers:
        return None
    if cooldown is not None and _number(cooldown) is None:
        return None
    streak, opened_at, successes = (n or 0.0 for n in numbers)
    return BreakerHealth(
        state=data["state"],
        recent=recent,
        streak=int(streak),
        opened_at=opened_at,
        cooldown=None if cooldown is None else float(cooldown),
        probes=probes,
        probe_successes=int(successes),
    )


def reading_json(reading: RateLimitState) -> str:
    """The reading as one JSON object (windows that are unknown left out)."""
    windows = {name: asdict(window) for name, window in reading.windows().items()}
    data = {"observed_at": reading.observed_at, "source": reading.source, "windows": windows}
    return json.dumps(data, separators=(",", ":"))


def reading_from_json(text: object) -> RateLimitState | None:
    """The reading in ``text``, or None when it is not one."""
    data = _object(text)
    if data is None:
        return None
    observed, source, windows = (
        _number(data.get("observed_at")),
        data.get("source"),
        data.get("windows"),
    )
    if observed is None or not isinstance(source, str) or len(source) > _MAX_TEXT:
        return None
    if not isinstance(windows, dict) or not set(windows) <= set(WINDOWS):
        return None
    parsed = {name: _window(value) for name, value in windows.items()}
    if None in parsed.values():
        return None
    return RateLimitState(
        requests=parsed.get("requests"),
        tokens=parsed.get("tokens"),
        input_tokens=parsed.get("input_tokens"),
        output_tokens=parsed.get("output_tokens"),
        observed_at=observed,
        source=source,
    )


def _window(value: object) -> LimitWindow | None:
    if not isinstance(value, dict) or set(value) != {"limit", "remaining", "reset_at"}:
        return None
    limit, remaining, reset_at = value["limit"], value["remaining"], value["reset_at"]
    for count in (limit, remaining):
        if count is not None and (type(count) is not int or count < 0):
            return None
    if reset_at is not None and _number(reset_at) is None:
        return None
    return LimitWindow(limit, remaining, None if reset_at is None else float(reset_at))


def _object(text: object) -> dict[str, Any] | None:
    if not isinstance(text, str) or len(text) > 100_000:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _times(value: object) -> list[float] | None:
    if not isinstance(value, list) or len(value) > _MAX_TIMES:
        return None
    times = [_number(item) for item in value]
    return None if None in times else [t for t in times if t is not None]
