"""Client-side rate limiting: token buckets, a priority queue and load shedding.

Sending a request the provider will 429 wastes a round trip and, with
retries, makes bursts worse. So before sending, a request *acquires* a
:class:`Ticket` from the :class:`RateLimiter`: one request plus its estimated
tokens from every bucket that applies to it. Buckets exist per *scope*: a
model (shared by every profile), a user profile (across models), or one
profile on one model; each scope may limit requests/minute, tokens/minute and
requests/day (:class:`LimitSpec`).

Decisions:

- Buckets start full and refill continuously, so a burst up to the capacity
  goes out at once and the rest is spread evenly (2 rpm → every 30 s). The
  day limit is a rolling day, not the provider's calendar reset.
- Waiting requests queue by priority (interactive, normal, background), FIFO
  within one. A request waits behind every earlier one that shares a scope
  with it (no overtaking by small requests), never behind unrelated ones.
- A request estimated at more tokens than a bucket holds waits for a full
  bucket and then takes it into debt, instead of waiting forever.
- Expected waits are a forecast of the queue as it stands (later settlements
  and higher-priority arrivals change them). A request with a ``budget`` is
  refused with :class:`LoadShed` when its forecast exceeds the budget: up
  front, or later while queued when interactive work jumps ahead of it.
- One internal pump task sleeps (through the injected clock) until the next
  request can go, so waiters never sleep on their own.
- With a :class:`~tuichat.core.limits.shared_buckets.SharedBuckets` store the
  buckets are those of every tuichat process of the user: the forecast reads
  their levels as the other processes left them, and a grant draws from all
  of a request's buckets atomically; when another process drew first, the
  request stays queued and the pump re-plans from the new levels.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import math
from collections.abc import Sequence

from tuichat.core.clock import Clock
from tuichat.core.limits.buckets import LimitSpec, TokenBucket
from tuichat.core.limits.limit_scopes import (
    Limit,
    Scope,
    human_seconds,
    limits_for,
    scope_of,
    take,
)
from tuichat.core.limits.limiter_types import (
    LoadShed,
    Priority,
    QueueListener,
    QueueStatus,
    QueueUpdate,
)
from tuichat.core.limits.shared_buckets import SharedBuckets
from tuichat.core.limits.waiters import (
    EPS,
    RANK,
    Forecast,
    Projection,
    Ticket,
    Waiter,
    lane_start,
    moved,
    over_budget,
)

__all__ = [
    "LimitSpec",
    "LoadShed",
    "Priority",
    "QueueListener",
    "QueueStatus",
    "QueueUpdate",
    "RateLimiter",
    "Ticket",
    "TokenBucket",
]


class RateLimiter:
    """Buckets per model / profile, and a priority queue in front of them."""

    def __init__(
        self,
        clock: Clock,
        *,
        on_queue_update: QueueListener | None = None,
        shared: SharedBuckets | None = None,
    ) -> None:
        self._clock = clock
        self._listener = on_queue_update
        self._shared = shared
        self._limits: dict[Scope, tuple[Limit, ...]] = {}
        self._waiters: list[Waiter] = []
        self._seq = itertools.count(1)
        self._wake = asyncio.Event()
        self._pump_task: asyncio.Task[None] | None = None

    def configure(
        self, *, model: str | None = None, profile: str | None = None, spec: LimitSpec
    ) -> None:
        """Set the limits of a model, a profile, or a profile on one model."""
        scope = scope_of(model, profile)
        limits = limits_for(scope, spec, self._clock, self._shared)
        if limits:
            self._limits[scope] = limits
        else:
            self._limits.pop(scope, None)
        self._kick()

    @property
    def shared(self) -> bool:
        """True when the buckets are shared by every tuichat process of the user."""
        return self._shared is not None

    @property
    def queue_depth(self) -> int:
        """Requests waiting, all lanes together."""
        return len(self._waiters)

    def position(self, ticket_id: str) -> int | None:
        """1-based place of a waiting request in its lane; None when not waiting."""
        for index, waiter in enumerate(self._waiters):
            if waiter.ticket_id == ticket_id:
                return self._position(waiter, self._waiters[:index])
        return None

    def expected_wait(
        self, model: str, profile: str, est_tokens: int, priority: Priority = "normal"
    ) -> float:
        """Forecast seconds a request like this would wait if sent now."""
        probe = self._new_waiter(model, profile, est_tokens, priority, "?")
        return self._forecast_with(probe).eta - self._clock.now()

    async def acquire(
        self,
        model: str,
        profile: str,
        est_tokens: int,
        *,
        priority: Priority = "normal",
        budget: float | None = None,
        label: str | None = None,
        ticket_id: str | None = None,
        on_update: QueueListener | None = None,
    ) -> Ticket:
        """Wait for a turn to send; raises :class:`LoadShed` when over ``budget``.

        ``label`` names the work in messages ("bench"); ``ticket_id`` (e.g. the
        trace id) names it for :meth:`position` and in :class:`QueueUpdate`.
        """
        if est_tokens < 0:
            raise ValueError("est_tokens must be >= 0")
        waiter = self._new_waiter(model, profile, est_tokens, priority, ticket_id)
        waiter.budget, waiter.label, waiter.on_update = budget, label, on_update
        self._refuse_ifover_budget(waiter)
        waiter.future = asyncio.get_running_loop().create_future()
        bisect.insort(self._waiters, waiter, key=lambda w: w.rank)
        self._dispatch()
        return await self._await_grant(waiter, waiter.future)

    # -- queue mechanics -------------------------------------------------------------------

    def _new_waiter(
        self, model: str, profile: str, est_tokens: int, priority: Priority, ticket_id: str | None
    ) -> Waiter:
        seq = next(self._seq)
        rank = (RANK[priority], seq)
        now = self._clock.now()
        return Waiter(ticket_id or f"t{seq}", model, profile, priority, est_tokens, rank, now)

    def _refuse_ifover_budget(self, waiter: Waiter) -> None:
        forecast = self._forecast_with(waiter)
        if over_budget(waiter, forecast.eta):
            raise self._shed(waiter, forecast)

    async def _await_grant(self, waiter: Waiter, future: asyncio.Future[Ticket]) -> Ticket:
        try:
            return await future
        except asyncio.CancelledError:
            self._withdraw(waiter, future)
            raise

    def _withdraw(self, waiter: Waiter, future: asyncio.Future[Ticket]) -> None:
        """Cancellation: leave the queue, or hand back a grant that arrived too late."""
        if waiter in self._waiters:
            self._waiters.remove(waiter)
            self._report(waiter, "cancelled", None)
            self._dispatch()
        elif future.done() and not future.cancelled() and future.exception() is None:
            future.result().refund()

    def _dispatch(self) -> None:
        """Shed, grant what can go now, report the rest, and keep the pump running."""
        self._purge_cancelled()
        plan = self._plan_after_shedding()
        now, granting = self._clock.now(), True
        for waiter in list(self._waiters):
            forecast = plan[waiter]
            if granting and forecast.eta <= now + EPS:
                granting = self._grant(waiter, now)  # False: another process drew first
            if waiter in self._waiters:
                self._report(waiter, "queued" if waiter.reported is None else "moved", forecast)
        if self._waiters:
            self._ensure_pump()
            self._wake.set()

    def _purge_cancelled(self) -> None:
        """Drop waiters whose task was cancelled before it could withdraw itself."""
        for waiter in [w for w in self._waiters if w.future is not None and w.future.done()]:
            self._waiters.remove(waiter)
            self._report(waiter, "cancelled", None)

    def _plan_after_shedding(self) -> dict[Waiter, Forecast]:
        """Forecast the queue, refusing the first over-budget waiter until none is."""
        while True:
            plan = self._forecast(self._waiters)
            victim = next((w for w in self._waiters if over_budget(w, plan[w].eta)), None)
            if victim is None:
                return plan
            self._waiters.remove(victim)
            assert victim.future is not None
            victim.future.set_exception(self._shed(victim, plan[victim]))

    def _grant(self, waiter: Waiter, now: float) -> bool:
        """Take the waiter's tickets and let it go; False when the buckets no longer hold it."""
        limits = self._limits_of(waiter)
        if not take(limits, waiter.est_tokens, self._clock):
            return False
        self._waiters.remove(waiter)
        assert waiter.future is not None
        waiter.future.set_result(Ticket(waiter, limits, now, self._kick))
        self._report(waiter, "granted", None)
        return True

    def _shed(self, waiter: Waiter, forecast: Forecast) -> LoadShed:
        budget = waiter.budget or 0.0
        wait = forecast.eta - waiter.enqueued_at
        why = f", waiting for {forecast.limited_by}" if forecast.limited_by else ""
        message = (
            f"{waiter.label or waiter.priority} request refused: expected wait "
            f"{human_seconds(wait)} exceeds its {human_seconds(budget)} budget "
            f"(queue position {forecast.position}{why})"
        )
        self._report(waiter, "shed", forecast)
        return LoadShed(message, expected_wait=wait, position=forecast.position, budget=budget)

    def _report(self, waiter: Waiter, status: QueueStatus, forecast: Forecast | None) -> None:
        """Tell the request's own listener and the limiter's listener, skipping no-op moves."""
        now = self._clock.now()
        if forecast is not None and status in ("queued", "moved"):
            if status == "moved" and not moved(waiter.reported, forecast):
                return
            waiter.reported = (forecast.position, forecast.eta)
        update = QueueUpdate(
            ticket_id=waiter.ticket_id,
            status=status,
            priority=waiter.priority,
            position=forecast.position if forecast else None,
            expected_wait=max(0.0, forecast.eta - now) if forecast else 0.0,
            limited_by=forecast.limited_by if forecast else None,
            at=now,
        )
        for listener in (waiter.on_update, self._listener):
            if listener is not None:
                listener(update)

    # -- forecasting -----------------------------------------------------------------------

    def _forecast_with(self, waiter: Waiter) -> Forecast:
        queue = sorted([*self._waiters, waiter], key=lambda w: w.rank)
        return self._forecast(queue)[waiter]

    def _forecast(self, queue: Sequence[Waiter]) -> dict[Waiter, Forecast]:
        """When each waiter may go, deducting everyone ahead of it in rank order."""
        now = self._clock.now()
        projections: dict[int, Projection] = {}
        lane_free: dict[Scope, tuple[float, str | None]] = {}
        plan: dict[Waiter, Forecast] = {}
        for index, waiter in enumerate(queue):
            scopes = self._scopes_of(waiter)
            eta, why = lane_start(scopes, lane_free, now)
            for limit in self._limits_of(waiter):
                proj = projections.setdefault(id(limit.bucket), Projection(limit.bucket, now))
                ready = proj.ready_at(limit.need(waiter.est_tokens), eta)
                eta, why = (ready, limit.label) if ready > eta else (eta, why)
            for limit in self._limits_of(waiter):
                projections[id(limit.bucket)].take(limit.need(waiter.est_tokens), eta)
            lane_free.update(dict.fromkeys(scopes, (eta, why)))
            plan[waiter] = Forecast(eta, self._position(waiter, queue[:index]), why)
        return plan

    def _position(self, waiter: Waiter, ahead: Sequence[Waiter]) -> int:
        scopes = self._scopes_of(waiter)
        return 1 + sum(1 for other in ahead if scopes & self._scopes_of(other))

    def _scopes_of(self, waiter: Waiter) -> frozenset[Scope]:
        candidates = (
            scope_of(waiter.model, None),
            scope_of(None, waiter.profile),
            scope_of(waiter.model, waiter.profile),
        )
        return frozenset(s for s in candidates if s in self._limits)

    def _limits_of(self, waiter: Waiter) -> tuple[Limit, ...]:
        return tuple(lim for s in sorted(self._scopes_of(waiter)) for lim in self._limits[s])

    # -- the pump --------------------------------------------------------------------------

    def _ensure_pump(self) -> None:
        if self._pump_task is None or self._pump_task.done():
            loop = asyncio.get_running_loop()
            self._pump_task = loop.create_task(self._pump(), name="rate-limiter-queue")

    def _kick(self) -> None:
        """Something changed (refund, settlement, new limits): re-plan the queue."""
        if self._waiters:
            self._wake.set()

    async def _pump(self) -> None:
        """Sleep until the next waiter can go, grant it, repeat while anyone waits."""
        try:
            while self._waiters:
                delay = min(f.eta for f in self._forecast(self._waiters).values())
                self._wake.clear()
                await self._sleep_or_wake(delay - self._clock.now())
                self._dispatch()
        except Exception as exc:  # a bug here must not leave waiters hanging forever
            for waiter in self._waiters:
                if waiter.future is not None and not waiter.future.done():
                    waiter.future.set_exception(exc)
            self._waiters.clear()

    async def _sleep_or_wake(self, delay: float) -> None:
        tasks: set[asyncio.Future[object]] = {asyncio.ensure_future(self._wake.wait())}
        if math.isfinite(delay):
            tasks.add(asyncio.ensure_future(self._clock.sleep(max(0.0, delay))))
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
