"""The limiter's queue, piece by piece: waiters, tickets, and the forecast of when each may go.

Kept apart from :mod:`tuichat.core.limits.limiter` (which runs the queue) so
each reads on its own: a :class:`Waiter` is a request in the queue, a
:class:`Ticket` the permission it gets, a :class:`Projection` a bucket's level
as the forecast deducts everyone ahead, and :class:`Forecast` the result.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tuichat.core.limits.buckets import Bucket
from tuichat.core.limits.limit_scopes import Limit, Scope
from tuichat.core.limits.limiter_types import Priority, QueueListener

RANK: dict[Priority, int] = {"interactive": 0, "normal": 1, "background": 2}
EPS = 1e-9
MOVE_NOTICE = 1.0  # report a queued request again when its forecast shifts this much (s)


class Ticket:
    """Permission to send one request; :meth:`settle` it with the real usage."""

    def __init__(
        self,
        waiter: Waiter,
        limits: Sequence[Limit],
        granted_at: float,
        on_refill: Callable[[], None],
    ) -> None:
        self.ticket_id = waiter.ticket_id
        self.model = waiter.model
        self.profile = waiter.profile
        self.priority = waiter.priority
        self.est_tokens = waiter.est_tokens
        self.granted_at = granted_at
        self.waited = granted_at - waiter.enqueued_at
        self._limits = tuple(limits)
        self._on_refill = on_refill
        self._settled = False

    def settle(self, actual_tokens: int) -> None:
        """Correct the token buckets by ``actual - estimated`` (once per ticket)."""
        if self._settled:
            raise RuntimeError(f"ticket {self.ticket_id} is already settled")
        self._settled = True
        delta = actual_tokens - self.est_tokens
        for limit in self._limits:
            if limit.unit == "tokens":
                limit.bucket.adjust(delta)
        if delta < 0:
            self._on_refill()

    def refund(self) -> None:
        """Give everything back: the request was never sent."""
        if self._settled:
            return
        self._settled = True
        for limit in self._limits:
            limit.bucket.give_back(limit.need(self.est_tokens))
        self._on_refill()


@dataclass(eq=False)
class Waiter:
    """A request in (or about to enter) the queue."""

    ticket_id: str
    model: str
    profile: str
    priority: Priority
    est_tokens: int
    rank: tuple[int, int]
    enqueued_at: float
    budget: float | None = None
    label: str | None = None
    on_update: QueueListener | None = None
    future: asyncio.Future[Ticket] | None = None
    reported: tuple[int, float] | None = None
    """(position, eta) last reported, so unchanged forecasts are not re-sent."""


@dataclass(frozen=True, slots=True)
class Forecast:
    eta: float
    position: int
    limited_by: str | None


class Projection:
    """A bucket's level as the forecast deducts the queue from it."""

    def __init__(self, bucket: Bucket, now: float) -> None:
        self.level, self.at = bucket.level, now
        self.capacity, self.rate = bucket.capacity, bucket.refill_per_second

    def ready_at(self, need: float, not_before: float) -> float:
        need = min(need, self.capacity)  # oversized requests wait for a full bucket
        level = min(self.capacity, self.level + (not_before - self.at) * self.rate)
        if level + EPS >= need:
            return not_before
        return math.inf if self.rate == 0 else self.at + (need - self.level) / self.rate

    def take(self, n: float, at: float) -> None:
        self.level = min(self.capacity, self.level + (at - self.at) * self.rate) - n
        self.at = at


def lane_start(
    scopes: frozenset[Scope], lane_free: dict[Scope, tuple[float, str | None]], now: float
) -> tuple[float, str | None]:
    """The earliest a waiter may go: after everyone ahead of it in any of its scopes."""
    start: tuple[float, str | None] = (now, None)
    for scope in scopes:
        free = lane_free.get(scope)
        if free is not None and free[0] > start[0]:
            start = free
    return start


def over_budget(waiter: Waiter, eta: float) -> bool:
    return waiter.budget is not None and eta - waiter.enqueued_at > waiter.budget + EPS


def moved(reported: tuple[int, float] | None, forecast: Forecast) -> bool:
    if reported is None:
        return True
    position, eta = reported
    return position != forecast.position or abs(eta - forecast.eta) >= MOVE_NOTICE
