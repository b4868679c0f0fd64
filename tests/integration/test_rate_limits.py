"""429s in every Retry-After form, quota errors and rate-limit headers (loopback sim)."""

from __future__ import annotations

import pytest

from tuichat.core.clock import ManualClock
from tuichat.core.events import AttemptEnded, RateLimitObserved, RetryScheduled, TurnFailed
from tuichat.core.turn.chat import ChatSession
from tuichat.core.turn.retry import RetryPolicy
from tuichat.core.turn.services import TurnServices
from tuichat.providers.openai_compat import OpenAICompatProvider
from tuichat.sim.thread import SimServerThread


async def run(sim: SimServerThread, model: str, clock: ManualClock):
    provider = OpenAICompatProvider(sim.base_url)
    session = ChatSession(
        provider, model, services=TurnServices(clock=clock, policy=RetryPolicy(max_retries=1))
    )
    events = [event async for event in session.start_turn("hi")]
    await provider.aclose()
    return events


@pytest.mark.parametrize(
    ("form", "low", "high"), [("seconds", 3, 3), ("ms", 3, 3), ("date", 1.5, 3.5)]
)
async def test_every_retry_after_form_is_honoured(
    sim: SimServerThread, form: str, low: float, high: float
) -> None:
    clock = ManualClock()  # sleeps are recorded, not waited
    model = f"sim?scenario=http_error&status=429&retry_after=3&retry_form={form}"
    events = await run(sim, model, clock)
    [retry] = [e for e in events if isinstance(e, RetryScheduled)]
    assert low <= retry.wait_s <= high
    assert clock.sleeps == [retry.wait_s]
    limits = [e for e in events if isinstance(e, RateLimitObserved)]
    assert limits and limits[0].state.requests is not None
    assert limits[0].state.requests.remaining == 0


async def test_a_quota_429_is_not_retried(sim: SimServerThread) -> None:
    clock = ManualClock()
    events = await run(sim, "sim?scenario=quota", clock)
    assert not any(isinstance(e, RetryScheduled) for e in events)
    [ended] = [e for e in events if isinstance(e, AttemptEnded)]
    assert ended.error_type == "quota_exceeded"
    final = events[-1]
    assert isinstance(final, TurnFailed) and "quota" in final.message


async def test_rate_limit_headers_near_zero_on_a_good_answer(sim: SimServerThread) -> None:
    events = await run(sim, "sim?scenario=near_limit&tokens=5", ManualClock())
    [limits] = [e for e in events if isinstance(e, RateLimitObserved)]
    requests, tokens = limits.state.requests, limits.state.tokens
    assert requests is not None and (requests.remaining, requests.limit) == (1, 60)
    assert tokens is not None and tokens.remaining == 120
    assert limits.state.tightest() is not None
    assert not any(isinstance(e, RetryScheduled) for e in events)
