"""The client-side limiter: bucket math, the priority queue, load shedding, cancellation."""

from __future__ import annotations

import asyncio
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuichat.core.clock import ManualClock
from tuichat.core.limits.limiter import (
    LimitSpec,
    LoadShed,
    Priority,
    QueueUpdate,
    RateLimiter,
    TokenBucket,
)

T0 = 1000.0

# -- TokenBucket ---------------------------------------------------------------------------


def test_bucket_starts_full_and_refills_linearly() -> None:
    clock = ManualClock(start=T0)
    bucket = TokenBucket(10, 2.0, clock)
    assert bucket.try_take(10)
    assert not bucket.try_take(1)
    clock.advance(1.5)
    assert bucket.level == pytest.approx(3.0)
    clock.advance(100)
    assert bucket.level == 10.0


def test_time_until_is_zero_now_finite_later_and_inf_beyond_capacity() -> None:
    clock = ManualClock(start=T0)
    bucket = TokenBucket(10, 2.0, clock)
    assert bucket.time_until(10) == 0.0
    assert bucket.time_until(11) == math.inf
    assert bucket.try_take(8)
    assert bucket.time_until(6) == pytest.approx(2.0)
    assert TokenBucket(1, 0.0, clock).time_until(0.5) == 0.0


def test_adjust_can_leave_debt_that_refill_pays_off() -> None:
    clock = ManualClock(start=T0)
    bucket = TokenBucket(100, 10.0, clock)
    assert bucket.try_take(100)
    bucket.adjust(50)  # the answer used 50 tokens more than estimated
    assert bucket.level == -50
    assert bucket.time_until(10) == pytest.approx(6.0)
    clock.advance(6)
    assert bucket.try_take(10)


def test_give_back_never_overfills() -> None:
    clock = ManualClock(start=T0)
    bucket = TokenBucket(10, 1.0, clock)
    assert bucket.try_take(3)
    bucket.give_back(30)
    assert bucket.level == 10


Op = tuple[str, float]
ops = st.lists(
    st.one_of(
        st.tuples(st.just("advance"), st.floats(0, 100, allow_nan=False)),
        st.tuples(st.just("take"), st.floats(0, 50, allow_nan=False)),
        st.tuples(st.just("adjust"), st.floats(-50, 50, allow_nan=False)),
    ),
    max_size=40,
)


@given(
    capacity=st.floats(0.5, 1000, allow_nan=False),
    rate=st.floats(0, 100, allow_nan=False),
    steps=ops,
)
def test_bucket_level_bounded_and_monotone_between_takes(
    capacity: float, rate: float, steps: list[Op]
) -> None:
    clock = ManualClock(start=T0)
    bucket = TokenBucket(capacity, rate, clock)
    for op, amount in steps:
        before = bucket.level
        if op == "advance":
            clock.advance(amount)
            assert bucket.level >= before  # time alone never drains a bucket
            assert bucket.level == pytest.approx(min(capacity, before + amount * rate))
        elif op == "take":
            assert bucket.try_take(amount) == (before + 1e-9 >= amount)
        else:
            bucket.adjust(amount)
        assert bucket.level <= capacity


# -- RateLimiter ---------------------------------------------------------------------------


def limiter_with(
    spec: LimitSpec, *, model: str | None = "m", profile: str | None = None
) -> tuple[ManualClock, RateLimiter, list[QueueUpdate]]:
    clock = ManualClock(start=T0)
    updates: list[QueueUpdate] = []
    limiter = RateLimiter(clock, on_queue_update=updates.append)
    limiter.configure(model=model, profile=profile, spec=spec)
    return clock, limiter, updates


def first(updates: list[QueueUpdate], ticket_id: str, status: str) -> QueueUpdate:
    return next(u for u in updates if u.ticket_id == ticket_id and u.status == status)


async def test_unconfigured_requests_go_at_once() -> None:
    limiter = RateLimiter(ManualClock(start=T0))
    ticket = await limiter.acquire("m", "p", 10_000)
    assert ticket.waited == 0 and limiter.queue_depth == 0


async def test_burst_of_five_at_two_rpm_is_spread_every_thirty_seconds() -> None:
    clock, limiter, updates = limiter_with(LimitSpec(requests_per_minute=2))
    assert limiter.expected_wait("m", "p", 1) == 0.0
    tickets = await asyncio.gather(
        *(limiter.acquire("m", "p", 1, ticket_id=f"r{i}") for i in range(5))
    )
    assert [t.granted_at - T0 for t in tickets] == pytest.approx([0, 0, 30, 60, 90])
    queued = [first(updates, f"r{i}", "queued") for i in (2, 3, 4)]
    assert [u.position for u in queued] == [1, 2, 3]
    assert [u.expected_wait for u in queued] == pytest.approx([30, 60, 90])
    assert queued[0].limited_by == "requests/minute of model m"
    assert limiter.queue_depth == 0
    assert clock.now() == pytest.approx(T0 + 90)


async def test_position_and_expected_wait_while_waiting() -> None:
    _, limiter, updates = limiter_with(LimitSpec(requests_per_minute=1))
    await limiter.acquire("m", "p", 1)
    waiting = asyncio.ensure_future(limiter.acquire("m", "p", 1, ticket_id="late"))
    await asyncio.sleep(0)
    assert (limiter.position("late"), limiter.queue_depth) == (1, 1)
    assert limiter.expected_wait("m", "p", 1) == pytest.approx(120)  # behind "late"
    assert (await waiting).waited == pytest.approx(60)
    assert limiter.position("late") is None
    assert first(updates, "late", "granted").expected_wait == 0.0


async def test_interactive_jumps_ahead_of_background() -> None:
    _, limiter, updates = limiter_with(LimitSpec(requests_per_minute=1))
    await limiter.acquire("m", "p", 1)
    order: list[str] = []

    async def go(name: str, priority: Priority) -> None:
        await limiter.acquire("m", "p", 1, priority=priority, ticket_id=name)
        order.append(name)

    await asyncio.gather(go("b1", "background"), go("b2", "background"), go("i", "interactive"))
    assert order == ["i", "b1", "b2"]
    assert first(updates, "b1", "queued").position == 1
    assert first(updates, "b1", "moved").position == 2
    assert first(updates, "i", "queued").position == 1


async def test_load_shedding_refuses_up_front_with_one_clear_line() -> None:
    _, limiter, updates = limiter_with(LimitSpec(requests_per_minute=2))
    await limiter.acquire("m", "p", 1)
    await limiter.acquire("m", "p", 1)
    with pytest.raises(LoadShed) as caught:
        await limiter.acquire("m", "p", 1, priority="background", budget=10, label="bench")
    shed = caught.value
    assert str(shed) == (
        "bench request refused: expected wait 30 s exceeds its 10 s budget "
        "(queue position 1, waiting for requests/minute of model m)"
    )
    assert shed.expected_wait == pytest.approx(30)
    assert (shed.position, shed.budget) == (1, 10)
    assert "\n" not in str(shed)
    assert limiter.queue_depth == 0
    assert updates[-1].status == "shed"


async def test_queued_background_is_shed_when_interactive_pushes_it_past_its_budget() -> None:
    _, limiter, _ = limiter_with(LimitSpec(requests_per_minute=1))
    await limiter.acquire("m", "p", 1)
    bench = asyncio.ensure_future(
        limiter.acquire("m", "p", 1, priority="background", budget=90, label="bench")
    )
    await asyncio.sleep(0)
    assert limiter.queue_depth == 1  # 60 s fits its 90 s budget
    chat = asyncio.ensure_future(limiter.acquire("m", "p", 1, priority="interactive"))
    with pytest.raises(LoadShed, match="expected wait 2 min exceeds its 90 s budget"):
        await bench
    ticket = await chat
    assert ticket.granted_at == pytest.approx(T0 + 60)


async def test_budget_within_wait_is_honoured() -> None:
    _, limiter, _ = limiter_with(LimitSpec(requests_per_minute=1))
    await limiter.acquire("m", "p", 1)
    ticket = await limiter.acquire("m", "p", 1, priority="background", budget=60)
    assert ticket.waited == pytest.approx(60)


async def test_daily_limit_holds_after_the_minute_limit_refills() -> None:
    clock, limiter, _ = limiter_with(
        LimitSpec(requests_per_minute=60, requests_per_day=3), model=None, profile="work"
    )
    for _ in range(3):
        await limiter.acquire("m", "work", 1)
    clock.advance(120)
    assert limiter.expected_wait("m", "work", 1) == pytest.approx(86_400 / 3 - 120)
    with pytest.raises(
        LoadShed, match=r"8\.0 h exceeds its 60 s budget .*requests/day of profile work"
    ):
        await limiter.acquire("m", "work", 1, priority="background", budget=60)


async def test_profiles_are_isolated() -> None:
    clock = ManualClock(start=T0)
    limiter = RateLimiter(clock)
    limiter.configure(profile="work", spec=LimitSpec(requests_per_minute=1))
    limiter.configure(profile="home", spec=LimitSpec(requests_per_minute=1))
    await limiter.acquire("m", "work", 1)
    blocked = asyncio.ensure_future(limiter.acquire("m", "work", 1, ticket_id="w2"))
    await asyncio.sleep(0)
    home = await limiter.acquire("m", "home", 1)
    assert home.waited == 0
    assert limiter.position("w2") == 1
    assert (await blocked).granted_at == pytest.approx(T0 + 60)


async def test_model_and_profile_limits_both_apply() -> None:
    clock = ManualClock(start=T0)
    limiter = RateLimiter(clock)
    limiter.configure(model="m", spec=LimitSpec(requests_per_minute=10))
    limiter.configure(profile="p", spec=LimitSpec(requests_per_minute=1))
    await limiter.acquire("m", "p", 1)
    assert limiter.expected_wait("m", "p", 1) == pytest.approx(60)
    assert limiter.expected_wait("m", "other", 1) == 0.0


async def test_tokens_per_minute_estimate_settled_by_actual_usage() -> None:
    _, limiter, _ = limiter_with(LimitSpec(tokens_per_minute=600))
    ticket = await limiter.acquire("m", "p", 500)
    assert limiter.expected_wait("m", "p", 500) == pytest.approx(40)
    ticket.settle(100)  # it used 400 less: they come back
    assert limiter.expected_wait("m", "p", 500) == 0.0
    with pytest.raises(RuntimeError):
        ticket.settle(100)


async def test_settle_above_estimate_leaves_debt() -> None:
    _, limiter, _ = limiter_with(LimitSpec(tokens_per_minute=600))
    ticket = await limiter.acquire("m", "p", 100)
    ticket.settle(900)  # 900 used against 600/minute: 300 in debt
    assert limiter.expected_wait("m", "p", 60) == pytest.approx(36)


async def test_oversized_request_waits_for_a_full_bucket_not_forever() -> None:
    _, limiter, _ = limiter_with(LimitSpec(tokens_per_minute=600))
    await limiter.acquire("m", "p", 300)
    ticket = await limiter.acquire("m", "p", 5_000)
    assert ticket.waited == pytest.approx(30)


async def test_settlement_wakes_the_queue_early() -> None:
    clock, limiter, _ = limiter_with(LimitSpec(tokens_per_minute=600))
    ticket = await limiter.acquire("m", "p", 600)
    waiting = asyncio.ensure_future(limiter.acquire("m", "p", 300))
    await asyncio.sleep(0)
    ticket.settle(0)
    granted = await waiting
    assert granted.granted_at <= T0 + 30 + 1e-9
    assert clock.now() <= T0 + 30 + 1e-9


async def test_cancelled_waiter_leaves_the_queue_consistent() -> None:
    _, limiter, updates = limiter_with(LimitSpec(requests_per_minute=2))
    await limiter.acquire("m", "p", 1)
    await limiter.acquire("m", "p", 1)
    tasks = {
        name: asyncio.ensure_future(limiter.acquire("m", "p", 1, ticket_id=name))
        for name in ("a", "b", "c")
    }
    await asyncio.sleep(0)
    assert limiter.queue_depth == 3
    tasks["b"].cancel()
    with pytest.raises(asyncio.CancelledError):
        await tasks["b"]
    assert limiter.position("b") is None
    assert limiter.position("c") == limiter.queue_depth  # last in line, b is gone
    a, c = await tasks["a"], await tasks["c"]
    assert (a.granted_at - T0, c.granted_at - T0) == pytest.approx((30, 60))
    assert limiter.queue_depth == 0
    assert first(updates, "b", "cancelled").position is None


async def test_cancelling_the_only_waiter_stops_the_pump() -> None:
    _, limiter, _ = limiter_with(LimitSpec(requests_per_minute=1))
    await limiter.acquire("m", "p", 1)
    waiting = asyncio.ensure_future(limiter.acquire("m", "p", 1))
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert limiter.queue_depth == 0
    for _ in range(20):  # let the pump notice the empty queue and end
        await asyncio.sleep(0)
    assert asyncio.all_tasks() == {asyncio.current_task()}


async def test_grant_that_races_a_cancel_is_refunded() -> None:
    _, limiter, _ = limiter_with(LimitSpec(requests_per_minute=1))
    first_ticket = await limiter.acquire("m", "p", 1)
    waiting = asyncio.ensure_future(limiter.acquire("m", "p", 1))
    await asyncio.sleep(0)
    first_ticket.refund()  # the bucket is full again ...
    await limiter.acquire("unlimited", "p", 1)  # ... and this re-plan grants the waiter,
    waiting.cancel()  # which is cancelled before it runs: its grant must come back
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert limiter.expected_wait("m", "p", 1) == 0.0


def test_limit_spec_rejects_nonpositive_limits() -> None:
    with pytest.raises(ValueError):
        LimitSpec(requests_per_minute=0)
    with pytest.raises(ValueError):
        RateLimiter(ManualClock()).configure(spec=LimitSpec(requests_per_minute=1))
