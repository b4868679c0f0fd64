"""Timeouts that fail in human time: headers, first token, along a route (manual clock)."""

from __future__ import annotations

from collections.abc import Sequence

from tests.helpers.scripted_provider import ScriptedProvider, Step
from tuichat.core.clock import ManualClock
from tuichat.core.events import (
    AttemptEnded,
    AttemptStarted,
    Event,
    FallbackTaken,
    RetryScheduled,
    TurnFailed,
    TurnFinished,
)
from tuichat.core.provider import FinishPart, ResponseHead, TextPart
from tuichat.core.turn.chat import ChatSession, RouteModel
from tuichat.core.turn.deadline import Timeouts
from tuichat.core.turn.retry import RetryPolicy
from tuichat.core.turn.services import TurnServices

SILENT: list[Step] = [1.0] * 300  # accepted, then nothing for five minutes
SLOW: list[Step] = [ResponseHead(200)] + [30.0] * 10  # headers, then no text
OK: list[Step] = [ResponseHead(200), 1.0, TextPart("Hello."), FinishPart("stop")]


def _provider(clock: ManualClock, script: list[Step], name: str) -> ScriptedProvider:
    provider = ScriptedProvider(clock, script)
    provider.name, provider.base_url_host = name, f"{name}.test"
    return provider


def _session(
    clock: ManualClock, providers: Sequence[ScriptedProvider], timeouts: Timeouts
) -> ChatSession:
    services = TurnServices(clock=clock, timeouts=timeouts, policy=RetryPolicy(jitter=0.0))
    chat = ChatSession(providers[0], "m", services=services)
    chat.set_route([RouteModel(p.name, p, f"{p.name}-model") for p in providers])
    return chat


async def _run(chat: ChatSession) -> list[Event]:
    return [event async for event in chat.start_turn("hi")]


async def test_a_hang_before_headers_ends_in_two_tries_naming_provider_and_timeout() -> None:
    clock = ManualClock()
    hung = _provider(clock, SILENT, "hung")
    start = clock.now()
    events = await _run(_session(clock, [hung], Timeouts(headers=10.0)))
    final = events[-1]
    assert isinstance(final, TurnFailed) and final.error_type == "timeout"
    assert final.message == (
        "timeout: no response headers from hung@hung.test within 10 s"
        " — tried hung: timeout, waited 0.5 s, timeout"
    )
    assert len(hung.requests) == 2
    assert final.ts - start == 20.5  # two 10 s waits and one backoff, far under 45 s


async def test_a_first_token_timeout_moves_to_the_next_model_without_a_retry() -> None:
    clock = ManualClock()
    slow, backup = _provider(clock, SLOW, "slow"), _provider(clock, OK, "backup")
    start = clock.now()
    events = await _run(_session(clock, [slow, backup], Timeouts(first_token=60.0)))
    assert not any(isinstance(e, RetryScheduled) for e in events)
    fallback = next(e for e in events if isinstance(e, FallbackTaken))
    assert (fallback.from_model, fallback.to_model, fallback.ts) == ("slow", "backup", start + 60)
    failed = next(e for e in events if isinstance(e, AttemptEnded) and e.status == "failed")
    assert failed.error_message == "timeout: no first token from slow@slow.test within 60 s"
    assert isinstance(events[-1], TurnFinished) and events[-1].text == "Hello."
    assert len(slow.requests) == 1


async def test_headers_end_the_headers_wait_and_the_first_token_wait_counts_from_sending() -> None:
    clock = ManualClock()
    script: list[Step] = [8.0, ResponseHead(200), 8.0, TextPart("ok"), FinishPart("stop")]
    events = await _run(_session(clock, [_provider(clock, script, "p")], Timeouts(headers=10.0)))
    assert isinstance(events[-1], TurnFinished)
    late: list[Step] = [8.0, ResponseHead(200), 8.0, "hang"]
    events = await _run(
        _session(clock, [_provider(clock, late, "p")], Timeouts(first_token=15, headers=10))
    )
    final = events[-1]
    assert isinstance(final, TurnFailed)
    assert "no first token from p@p.test within 15 s" in final.message


async def test_text_without_headers_ends_the_headers_wait() -> None:
    clock = ManualClock()
    script: list[Step] = [5.0, TextPart("a"), 20.0, TextPart("b"), FinishPart("stop")]
    timeouts = Timeouts(first_token=60, idle=30, headers=10)
    events = await _run(_session(clock, [_provider(clock, script, "p")], timeouts))
    assert isinstance(events[-1], TurnFinished) and events[-1].text == "ab"


async def test_attempts_carry_their_limits_for_the_countdown() -> None:
    clock = ManualClock()
    events = await _run(
        _session(clock, [_provider(clock, OK, "p")], Timeouts(first_token=45, headers=12))
    )
    started = next(e for e in events if isinstance(e, AttemptStarted))
    assert (started.headers_timeout_s, started.first_token_timeout_s) == (12, 45)
