"""Scopes and their buckets: what a model's or a profile's limits are made of.

A scope is ``("model", m)``, ``("profile", p)`` or ``("profile_model", "p/m")``;
each gets one bucket per configured limit (requests/minute, tokens/minute,
requests/day), named for the messages a waiting or refused request shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from tuichat.core.clock import Clock
from tuichat.core.limits.buckets import LimitSpec, TokenBucket

Scope = tuple[str, str]
"""(kind, key): ("model", m), ("profile", p) or ("profile_model", "p/m")."""

_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class Limit:
    """One bucket of one scope and what a request takes from it."""

    bucket: TokenBucket
    unit: Literal["requests", "tokens"]
    label: str

    def need(self, est_tokens: int) -> float:
        return float(est_tokens) if self.unit == "tokens" else 1.0


def scope_of(model: str | None, profile: str | None) -> Scope:
    if model is not None and profile is not None:
        return ("profile_model", f"{profile}/{model}")
    if model is not None:
        return ("model", model)
    if profile is not None:
        return ("profile", profile)
    raise ValueError("configure() needs a model, a profile, or both")


def scope_label(scope: Scope) -> str:
    kind, key = scope
    if kind == "profile_model":
        profile, _, model = key.partition("/")
        return f"profile {profile} on model {model}"
    return f"{kind} {key}"


def limits_for(scope: Scope, spec: LimitSpec, clock: Clock) -> tuple[Limit, ...]:
    where = scope_label(scope)
    rows: list[tuple[int | None, float, Literal["requests", "tokens"], str]] = [
        (spec.requests_per_minute, 60.0, "requests", "requests/minute"),
        (spec.tokens_per_minute, 60.0, "tokens", "tokens/minute"),
        (spec.requests_per_day, 86_400.0, "requests", "requests/day"),
    ]
    return tuple(
        Limit(TokenBucket(amount, amount / period, clock), unit, f"{name} of {where}")
        for amount, period, unit, name in rows
        if amount is not None
    )


def human_seconds(seconds: float) -> str:
    """``42 s``, ``12 min``, ``3.5 h``: rounded up, so a promise is never too short."""
    if math.isinf(seconds):
        return "forever"
    if seconds < 120:
        return f"{math.ceil(seconds - _EPS)} s"
    if seconds < 7200:
        return f"{math.ceil(seconds / 60 - _EPS)} min"
    return f"{seconds / 3600:.1f} h"
