"""Scopes and their buckets: what a model's or a profile's limits are made of.

A scope is ``("model", m)``, ``("profile", p)`` or ``("profile_model", "p/m")``;
each gets one bucket per configured limit (requests/minute, tokens/minute,
requests/day), named for the messages a waiting or refused request shows.
With a :class:`~tuichat.core.limits.shared_buckets.SharedBuckets` store the
buckets are shared by the user's processes, keyed by scope and limit
(``model:gpt-4o|requests/minute``), and a grant takes from all of a
request's buckets atomically (:func:`take`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, cast

from tuichat.core.clock import Clock
from tuichat.core.limits.buckets import Bucket, LimitSpec, TokenBucket
from tuichat.core.limits.shared_buckets import SharedBucket, SharedBuckets

Scope = tuple[str, str]
"""(kind, key): ("model", m), ("profile", p) or ("profile_model", "p/m")."""

_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class Limit:
    """One bucket of one scope and what a request takes from it."""

    bucket: Bucket
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


def limits_for(
    scope: Scope, spec: LimitSpec, clock: Clock, shared: SharedBuckets | None = None
) -> tuple[Limit, ...]:
    """The buckets of ``scope`` (in this process, or in ``shared`` when given)."""
    where = scope_label(scope)
    rows: list[tuple[int | None, float, Literal["requests", "tokens"], str]] = [
        (spec.requests_per_minute, 60.0, "requests", "requests/minute"),
        (spec.tokens_per_minute, 60.0, "tokens", "tokens/minute"),
        (spec.requests_per_day, 86_400.0, "requests", "requests/day"),
    ]
    return tuple(
        Limit(_bucket(scope, name, amount, period, clock, shared), unit, f"{name} of {where}")
        for amount, period, unit, name in rows
        if amount is not None
    )


def _bucket(
    scope: Scope, name: str, amount: int, period: float, clock: Clock, shared: SharedBuckets | None
) -> Bucket:
    if shared is None:
        return TokenBucket(amount, amount / period, clock)
    kind, key = scope
    return SharedBucket(f"{kind}:{key}|{name}", amount, amount / period, clock, shared)


def take(limits: Sequence[Limit], est_tokens: int, clock: Clock) -> bool:
    """Take a request from all its buckets, or (another process was first) from none.

    Buckets of this process always give what the forecast saw; shared ones
    are drawn from in one transaction, which fails when the level moved.
    """
    shared = [lim for lim in limits if isinstance(lim.bucket, SharedBucket)]
    if shared:
        store = cast(SharedBucket, shared[0].bucket).store
        draws = [cast(SharedBucket, lim.bucket).draw_for(lim.need(est_tokens)) for lim in shared]
        if not store.draw(draws, clock.wall()):
            return False
    for limit in limits:
        if not isinstance(limit.bucket, SharedBucket):
            limit.bucket.adjust(limit.need(est_tokens))  # take; may go into debt
    return True


def human_seconds(seconds: float) -> str:
    """``42 s``, ``12 min``, ``3.5 h``: rounded up, so a promise is never too short."""
    if math.isinf(seconds):
        return "forever"
    if seconds < 120:
        return f"{math.ceil(seconds - _EPS)} s"
    if seconds < 7200:
        return f"{math.ceil(seconds / 60 - _EPS)} min"
    return f"{seconds / 3600:.1f} h"
