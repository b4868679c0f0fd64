"""The ``[resilience]`` table: retries, timeouts and circuit breakers.

Every key is optional; what is left out keeps the built-in default (the
official SDKs' retry settings, generous streaming timeouts).
"""

from __future__ import annotations

from typing import Any

from tuichat.config.fields import Where, check_keys, number, positive_int, table
from tuichat.config.model import ProfileLimits, Resilience

INT_FIELDS = ("max_retries", "breaker_failures")
SECONDS_FIELDS = (
    "initial_delay",
    "max_delay",
    "max_retry_after",
    "connect_timeout",
    "first_token_timeout",
    "idle_timeout",
    "total_timeout",
    "breaker_cooldown",
)


def parse_resilience(value: Any, where: Where) -> Resilience:
    """Validate ``[resilience]``; raise ``ConfigError`` at the bad key."""
    keys = ("resilience",)
    data = table(value, keys, where)
    check_keys(data, INT_FIELDS + SECONDS_FIELDS, keys, where, {})
    values: dict[str, Any] = {}
    for name in INT_FIELDS:
        if name in data:
            values[name] = _count(data[name], (*keys, name), where)
    for name in SECONDS_FIELDS:
        if name in data:
            values[name] = number(data[name], (*keys, name), where, 0.0, None)
    return Resilience(**values)


def _count(value: Any, keys: tuple[str, ...], where: Where) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise where.error(keys, f"must be a whole number of at least 0, got {value!r}")
    return value


LIMIT_FIELDS = ("requests_per_minute", "tokens_per_minute", "requests_per_day")


def parse_profiles(value: Any, where: Where) -> dict[str, ProfileLimits]:
    """Validate ``[profiles.NAME]`` tables of per-user limits."""
    profiles = table(value, ("profiles",), where)
    return {name: _profile(name, body, where) for name, body in profiles.items()}


def _profile(name: str, value: Any, where: Where) -> ProfileLimits:
    keys = ("profiles", name)
    data = table(value, keys, where)
    check_keys(data, LIMIT_FIELDS, keys, where, {})
    limits = {}
    for field_name in LIMIT_FIELDS:
        if field_name in data:
            limits[field_name] = positive_int(data[field_name], (*keys, field_name), where)
    return ProfileLimits(**limits)
