"""Retries, fallbacks and the circuit breaker along a turn's route (manual clock)."""

from __future__ import annotations

from tests.helpers.scripted_provider import ScriptedProvider, Step
from tuichat.core import errors
from tuichat.core.clock import ManualClock
from tuichat.core.events import (
    AttemptEnded,
    Event,
    FallbackTaken,
    RateLimitObserved,
    RetryScheduled,
    TurnFailed,
    TurnFinished,
)
from tuichat.core.health.breaker import BreakerBoard
from tuichat.core.provider import FinishPart, ResponseHead, TextPart
from tuichat.core.turn.chat import ChatSession, RouteModel
from tuichat.core.turn.retry import RetryPolicy
from tuichat.core.turn.services import TurnServices

OK: list[Step] = [ResponseHead(200), TextPart("Hello."), FinishPart("stop")]


class Flaky(ScriptedProvider):
    """Fails with the given errors on successive calls, then plays the script."""

    def __init__(self, clock: ManualClock, failures: list[errors.ProviderError], name: str):
        super().__init__(clock, OK)
        self.failures = list(failures)
        self.name = name
        self.base_url_host = f"{name}.test"

    async def stream(self, request):  # type: ignore[no-untyped-def, override]
        self.requests.append(request)
        if self.failures:
            raise self.failures.pop(0)
        async for part in super().stream(request):
            yield part


def session(clock: ManualClock, *providers: Flaky, breakers: BreakerBoard | None = None):
    chat = ChatSession(
        providers[0],
        "m",
        services=TurnServices(clock=clock, policy=RetryPolicy(jitter=0.0), breakers=breakers),
    )
    chat.set_route([RouteModel(p.name, p, f"{p.name}-model") for p in providers])
    return chat


async def run(chat: ChatSession) -> list[Event]:
    return [event async for event in chat.start_turn("hi")]


async def test_429_waits_what_the_server_asked_then_answers() -> None:
    clock = ManualClock()
    limited = errors.RateLimited(
        "slow down",
        status_code=429,
        retry_after=2.1,
        headers={
            "x-ratelimit-remaining-requests": "0",
            "x-ratelimit-limit-requests": "60",
            "x-ratelimit-reset-requests": "2s",
        },
    )
    events = await run(session(clock, Flaky(clock, [limited], "gpt")))
    retry = next(e for e in events if isinstance(e, RetryScheduled))
    assert retry.wait_s == 2.1 and "429" in retry.reason
    assert 2.1 in clock.sleeps
    limits = next(e for e in events if isinstance(e, RateLimitObserved))
    assert limits.state.requests is not None and limits.state.requests.remaining == 0
    final = events[-1]
    assert isinstance(final, TurnFinished)
    assert final.summary == "gpt: 429, waited 2.1 s, answered"
    assert [e.status for e in events if isinstance(e, AttemptEnded)] == ["failed", "ok"]


async def test_server_errors_exhaust_retries_then_fall_back() -> None:
    clock = ManualClock()
    boom = [errors.ServerError("boom", status_code=500) for _ in range(3)]
    first, second = Flaky(clock, boom, "a"), Flaky(clock, [], "b")
    events = await run(session(clock, first, second))
    assert [e.wait_s for e in events if isinstance(e, RetryScheduled)] == [0.5, 1.0]
    fallback = next(e for e in events if isinstance(e, FallbackTaken))
    assert (fallback.from_model, fallback.to_model) == ("a", "b")
    final = events[-1]
    assert isinstance(final, TurnFinished) and final.text == "Hello."
    assert final.summary == "a: 500, waited 0.5 s, 500, waited 1.0 s, 500; b: answered"
    assert second.requests[0].model == "b-model"


async def test_retry_after_over_the_cap_falls_back_without_sleeping() -> None:
    clock = ManualClock()
    long_wait = errors.RateLimited("later", status_code=429, retry_after=600)
    events = await run(session(clock, Flaky(clock, [long_wait], "a"), Flaky(clock, [], "b")))
    assert clock.sleeps == [] or max(clock.sleeps) < 1
    assert any(isinstance(e, FallbackTaken) for e in events)
    assert isinstance(events[-1], TurnFinished)


async def test_auth_failure_falls_back_at_once() -> None:
    clock = ManualClock()
    denied = errors.AuthFailed("bad key", status_code=401)
    events = await run(session(clock, Flaky(clock, [denied], "a"), Flaky(clock, [], "b")))
    assert not any(isinstance(e, RetryScheduled) for e in events)
    assert isinstance(events[-1], TurnFinished) and events[-1].summary == "a: 401; b: answered"


async def test_everything_failing_ends_in_one_line_saying_what_was_tried() -> None:
    clock = ManualClock()
    a = Flaky(clock, [errors.AuthFailed("bad key", status_code=401)], "a")
    b = Flaky(clock, [errors.ModelNotFound("no model", status_code=404)], "b")
    events = await run(session(clock, a, b))
    final = events[-1]
    assert isinstance(final, TurnFailed)
    assert final.summary == "a: 401; b: 404"
    assert "tried a: 401; b: 404" in final.message and "\n" not in final.message


async def test_no_silent_retry_after_text_was_shown() -> None:
    clock = ManualClock()

    class CutMidStream(Flaky):
        async def stream(self, request):  # type: ignore[no-untyped-def, override]
            self.requests.append(request)
            yield TextPart("Half an ans")
            raise errors.ConnectionFailed("reset")

    a, b = CutMidStream(clock, [], "a"), Flaky(clock, [], "b")
    events = await run(session(clock, a, b))
    final = events[-1]
    assert isinstance(final, TurnFailed) and final.text == "Half an ans"
    assert not any(isinstance(e, RetryScheduled | FallbackTaken) for e in events)
    assert b.requests == []


async def test_an_open_breaker_skips_the_provider() -> None:
    clock = ManualClock()
    board = BreakerBoard(clock, failure_threshold=1, cooldown=60)
    down = Flaky(clock, [errors.ConnectionFailed("refused")] * 10, "a")
    up = Flaky(clock, [], "b")
    chat = session(clock, down, up, breakers=board)
    chat.policy = RetryPolicy(max_retries=0)
    await run(chat)  # opens a's breaker
    calls_before = len(down.requests)
    events = await run(chat)
    assert len(down.requests) == calls_before  # not even tried
    assert isinstance(events[-1], TurnFinished)
    assert "a: skipped (circuit open)" in events[-1].summary


async def test_the_retry_after_a_429_asks_for_a_smaller_answer() -> None:
    clock = ManualClock()
    limited = errors.RateLimited("slow down", status_code=429, retry_after=1.0)
    provider = Flaky(clock, [limited], "gpt")
    chat = session(clock, provider)
    chat.route[0] = RouteModel("gpt", provider, "gpt-model", max_tokens=800)
    events = await run(chat)
    assert (provider.requests[0].max_tokens, provider.requests[-1].max_tokens) == (800, 400)
    retry = next(e for e in events if isinstance(e, RetryScheduled))
    assert "retrying with max_tokens 400" in retry.reason
