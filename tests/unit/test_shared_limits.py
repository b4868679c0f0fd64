"""Limits and breakers shared by processes: the core's rules, on the manual clock.

Two limiters (or two breaker boards) on one :class:`MemoryBuckets` /
``LocalHealth(wall_clock=True)`` stand for two tuichat processes on one store.
"""

from __future__ import annotations

import asyncio

import pytest

from tuichat.core.clock import ManualClock
from tuichat.core.health.breaker import PROBE_LEASE, BreakerBoard
from tuichat.core.health.breaker_health import LocalHealth
from tuichat.core.limit_state import LimitWindow, RateLimitState
from tuichat.core.limits.buckets import LimitSpec
from tuichat.core.limits.limiter import LoadShed, RateLimiter
from tuichat.core.limits.shared_buckets import BucketDraw, BucketLevel, MemoryBuckets, apply_draws
from tuichat.core.limits.shared_readings import ReadingBoard

RPM2 = LimitSpec(requests_per_minute=2)


def limiter(clock: ManualClock, shared: MemoryBuckets, spec: LimitSpec = RPM2) -> RateLimiter:
    lim = RateLimiter(clock, shared=shared)
    lim.configure(model="m", spec=spec)
    return lim


def test_a_draw_refills_by_wall_time_and_never_exceeds_capacity() -> None:
    stored = {"k": BucketLevel(0.0, 100.0)}
    changed = apply_draws(stored, [BucketDraw("k", 2.0, 2 / 60, 1.0, need=1.0)], now=145.0)
    assert changed == {"k": BucketLevel(0.5, 145.0)}  # 45 s refilled 1.5, then took 1
    assert apply_draws(stored, [BucketDraw("k", 2.0, 2 / 60, 1.0, need=1.0)], now=110.0) is None


def test_a_clock_stepping_back_adds_nothing_and_keeps_the_later_stamp() -> None:
    stored = {"k": BucketLevel(1.0, 100.0)}
    changed = apply_draws(stored, [BucketDraw("k", 2.0, 1.0, 1.0)], now=50.0)
    assert changed == {"k": BucketLevel(0.0, 100.0)}


def test_a_grant_takes_from_every_bucket_or_none() -> None:
    buckets = MemoryBuckets()
    draws = [BucketDraw("a", 2.0, 0.0, 1.0, need=1.0), BucketDraw("b", 1.0, 0.0, 1.0, need=1.0)]
    assert buckets.draw(draws, 0.0)
    assert not buckets.draw(draws, 0.0)  # b is empty: a keeps its last unit
    assert buckets.level("a", 2.0, 0.0, 0.0) == 1.0


async def test_the_third_request_of_another_process_waits_for_the_refill() -> None:
    clock, shared = ManualClock(), MemoryBuckets()
    for _ in range(2):  # two earlier processes, one request each
        await limiter(clock, shared).acquire("m", "default", 10)
    third = limiter(clock, shared)
    assert third.expected_wait("m", "default", 10) == pytest.approx(30.0)
    task = asyncio.create_task(third.acquire("m", "default", 10))
    await asyncio.sleep(0)
    assert not task.done() and third.queue_depth == 1
    ticket = await task  # the pump sleeps on the manual clock until the refill
    assert ticket.waited == pytest.approx(30.0)


async def test_the_third_request_with_a_budget_is_shed() -> None:
    clock, shared = ManualClock(), MemoryBuckets()
    for _ in range(2):
        await limiter(clock, shared).acquire("m", "default", 10)
    with pytest.raises(LoadShed, match="requests/minute of model m"):
        await limiter(clock, shared).acquire("m", "default", 10, budget=5.0)


async def test_a_waiter_beaten_by_another_process_stays_queued_and_replans() -> None:
    clock, shared = ManualClock(), MemoryBuckets()
    mine, theirs = limiter(clock, shared), limiter(clock, shared)
    for _ in range(2):
        await mine.acquire("m", "default", 10)
    task = asyncio.create_task(mine.acquire("m", "default", 10))
    await asyncio.sleep(0)  # queued for 30 s
    clock.advance(30.0)
    await theirs.acquire("m", "default", 10)  # the other process is first to the refill
    ticket = await task  # the other process took the refill: another 30 s
    assert ticket.waited == pytest.approx(60.0)


async def test_settling_corrects_the_shared_token_bucket() -> None:
    clock, shared = ManualClock(), MemoryBuckets()
    spec = LimitSpec(tokens_per_minute=1000)
    ticket = await limiter(clock, shared, spec).acquire("m", "default", 600)
    ticket.settle(100)
    assert limiter(clock, shared, spec).expected_wait("m", "default", 900) == 0.0


def boards(clock: ManualClock) -> tuple[BreakerBoard, BreakerBoard]:
    records = LocalHealth(wall_clock=True)
    return (
        BreakerBoard(clock, records=records, failure_threshold=2, cooldown=30.0),
        BreakerBoard(clock, records=records, failure_threshold=2, cooldown=30.0),
    )


def test_a_breaker_opened_by_one_process_is_open_in_the_next() -> None:
    clock = ManualClock()
    first, second = boards(clock)
    for _ in range(2):
        first.get("sim@h").record_failure("server_error")
    assert not second.get("sim@h").allow()
    assert second.snapshot()["sim@h"].retry_in == pytest.approx(30.0)
    clock.advance(30.0)
    assert second.get("sim@h").allow()  # the one probe, for both processes
    assert not first.get("sim@h").allow()
    second.get("sim@h").record_success()
    assert first.get("sim@h").state == "closed"


def test_failures_of_two_processes_add_up() -> None:
    clock = ManualClock()
    first, second = boards(clock)
    first.get("sim@h").record_failure("timeout")
    second.get("sim@h").record_failure("timeout")
    assert first.get("sim@h").state == "open"
    assert [t.to_state for t in second.drain_transitions()] == ["open"]  # who tripped it says so


def test_a_probe_of_a_process_that_died_is_freed_after_its_lease() -> None:
    clock = ManualClock()
    first, second = boards(clock)
    for _ in range(2):
        first.get("sim@h").record_failure("server_error")
    clock.advance(30.0)
    assert first.get("sim@h").allow()  # ... and the process dies
    assert not second.get("sim@h").allow()
    clock.advance(PROBE_LEASE + 1)
    assert second.get("sim@h").allow()


def test_the_hud_lists_breakers_other_processes_opened() -> None:
    clock = ManualClock()
    first, second = boards(clock)
    first.get("a@h").record_failure("server_error")
    assert set(second.snapshot()) == {"a@h"}
    assert second.snapshot()["a@h"].failures_in_window == 1


def test_a_reading_shared_through_wall_time_comes_back_on_each_clock() -> None:
    store = _Readings()
    mine, other = ManualClock(start=1000.0), ManualClock(start=50.0)  # same wall, other monotonic
    state = RateLimitState(LimitWindow(10, 3, 1030.0), None, None, None, 1000.0, "openai")
    ReadingBoard(store, mine).record("p@h", state)
    seen = ReadingBoard(store, other).latest("p@h")
    assert seen is not None and seen.requests is not None
    assert seen.observed_at == pytest.approx(50.0)
    assert seen.requests.seconds_to_reset(other.now()) == pytest.approx(30.0)


class _Readings:
    def __init__(self) -> None:
        self.kept: dict[str, RateLimitState] = {}

    def record_reading(self, key: str, reading: RateLimitState) -> None:
        self.kept[key] = reading

    def latest_reading(self, key: str) -> RateLimitState | None:
        return self.kept.get(key)
