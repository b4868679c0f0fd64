"""The ``[resilience]`` table: retries, timeouts and circuit breakers.

Every key is optional; what is left out keeps the built-in default (the
official SDKs' retry settings, generous streaming timeouts). Every value is
finite and bounded (``bounds``): a timeout is above 0 and at most a day, a
delay from 0 to a day, ``max_retries`` from 0 to 20, ``breaker_failures``
from 1 to 1000.
"""

from __future__ import annotations

from typing import Any

from tuichat.config.bounds import MAX_BREAKER_FAILURES, MAX_RATE, MAX_RETRIES, MAX_SECONDS
from tuichat.config.fields import Where, check_keys, number, positive_int, table, whole_number
from tuichat.config.model import ProfileLimits, Resilience

INT_FIELDS = {"max_retries": (0, MAX_RETRIES), "breaker_failures": (1, MAX_BREAKER_FAILURES)}
"""Whole-number fields and their ranges."""
TIMEOUT_FIELDS = (
    "connect_timeout",
    "headers_timeout",
    "first_token_timeout",
    "idle_timeout",
    "total_timeout",
)
"""Seconds above 0: a zero timeout would fail every attempt."""
DELAY_FIELDS = ("initial_delay", "max_delay", "max_retry_after", "breaker_cooldown")
"""Seconds from 0: no wait is a valid choice."""
SECONDS_FIELDS = TIMEOUT_FIELDS + DELAY_FIELDS


def parse_resilience(value: Any, where: Where) -> Resilience:
    """Validate ``[resilience]``; raise ``ConfigError`` at the bad key."""
    keys = ("resilience",)
    data = table(value, keys, where)
    check_keys(data, (*INT_FIELDS, *SECONDS_FIELDS), keys, where, {})
    values: dict[str, Any] = {}
    for name, (low, high) in INT_FIELDS.items():
        if name in data:
            values[name] = whole_number(data[name], (*keys, name), where, low, high)
    for name in SECONDS_FIELDS:
        if name in data:
            above = name in TIMEOUT_FIELDS
            values[name] = number(data[name], (*keys, name), where, 0.0, MAX_SECONDS, above=above)
    return Resilience(**values)


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
            limits[field_name] = positive_int(
                data[field_name], (*keys, field_name), where, MAX_RATE
            )
    return ProfileLimits(**limits)
