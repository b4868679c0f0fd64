"""The turn pipeline with a scripted provider and a manual clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import pytest

from tests.helpers.scripted_provider import OK_SCRIPT, ScriptedProvider, Step, run
from tuichat.core import errors
from tuichat.core.clock import ManualClock
from tuichat.core.conversation import ChatRequest
from tuichat.core.events import (
    AttemptEnded,
    AttemptStarted,
    Event,
    FirstToken,
    HeadersReceived,
    TextDelta,
    TextReleased,
    TurnCancelled,
    TurnFailed,
    TurnFinished,
    TurnStarted,
    UsageReported,
)
from tuichat.core.metrics.session_metrics import TurnMetrics
from tuichat.core.provider import FinishPart, ResponseHead, StreamPart, TextPart
from tuichat.core.turn.chat import ChatSession
from tuichat.core.turn.deadline import Timeouts
from tuichat.core.turn.retry import RetryPolicy
from tuichat.core.turn.services import TurnServices


def session_for(script: Sequence[Step], clock: ManualClock | None = None):
    clock = clock or ManualClock()
    provider = ScriptedProvider(clock, script)
    seen: list[Event] = []
    session = ChatSession(
        provider, "model-x", services=TurnServices(clock=clock, taps=(seen.append,))
    )
    return session, provider, seen


async def test_a_finished_turn_emits_the_documented_sequence() -> None:
    session, _, seen = session_for(OK_SCRIPT)
    turn = session.start_turn("hi")
    events = await run(turn)
    kinds = [type(e) for e in events if not isinstance(e, TextDelta | TextReleased)]
    assert kinds == [
        TurnStarted,
        AttemptStarted,
        HeadersReceived,
        FirstToken,
        UsageReported,
        AttemptEnded,
        TurnFinished,
    ]
    assert events == seen  # observers saw exactly the same stream
    assert {e.trace_id for e in events} == {turn.trace_id}
    assert [e.ts for e in events] == sorted(e.ts for e in events)
    final = events[-1]
    assert isinstance(final, TurnFinished)
    assert final.text == "Hello there. How are you?" and final.model == "served"


async def test_released_text_equals_delta_text() -> None:
    session, _, _ = session_for(OK_SCRIPT)
    events = await run(session.start_turn("hi"))
    deltas = "".join(e.text for e in events if isinstance(e, TextDelta))
    released = "".join(e.text for e in events if isinstance(e, TextReleased))
    assert deltas == released == "Hello there. How are you?"


async def test_metrics_from_events() -> None:
    session, _, _ = session_for(OK_SCRIPT)
    metrics = TurnMetrics()
    for event in await run(session.start_turn("hi")):
        metrics.observe(event)
    snap = metrics.snapshot(0)
    assert snap.ttft_ms == 250.0
    assert snap.output_tokens == 3 and snap.input_tokens == 12 and not snap.output_estimated
    assert snap.tokens_per_s == pytest.approx(2 / 0.2)  # two tokens after the first in 200 ms
    assert snap.status == "ok"


async def test_history_keeps_answers() -> None:
    session, provider, _ = session_for(OK_SCRIPT)
    await run(session.start_turn("first"))
    await run(session.start_turn("second"))
    roles = [m.role for m in provider.requests[1].messages]
    assert roles == ["user", "assistant", "user"]


async def test_cancel_mid_stream_keeps_the_partial() -> None:
    session, provider, _ = session_for([ResponseHead(200), TextPart("Partial answer"), "hang"])
    turn = session.start_turn("hi")
    events: list[Event] = []
    async for event in turn:
        events.append(event)
        if isinstance(event, TextDelta):
            turn.cancel()
    assert isinstance(events[-1], TurnCancelled)
    assert events[-1].text == "Partial answer"
    ended = [e for e in events if isinstance(e, AttemptEnded)]
    assert ended[0].status == "cancelled"
    assert provider.closed_by_cancel
    assert session.conversation.messages[-1].content == "Partial answer"


async def test_provider_error_ends_in_one_failed_event() -> None:
    session, _, _ = session_for([TextPart("half"), errors.ServerError("boom", status_code=500)])
    events = await run(session.start_turn("hi"))
    final = events[-1]
    assert isinstance(final, TurnFailed)
    assert final.error_type == "server_error" and final.text == "half"
    assert final.message == "server_error (500): boom"
    attempt = next(e for e in events if isinstance(e, AttemptEnded))
    assert attempt.status == "failed" and attempt.error_type == "server_error"


async def test_truncated_stream_is_marked_truncated() -> None:
    session, _, _ = session_for([TextPart("cut"), errors.StreamTruncated("ended early")])
    events = await run(session.start_turn("hi"))
    assert isinstance(events[-1], TurnFailed) and events[-1].status == "truncated"


async def test_failed_turn_without_text_drops_the_prompt_from_history() -> None:
    session, _, _ = session_for([errors.AuthFailed("bad key", status_code=401)])
    await run(session.start_turn("hi"))
    assert session.conversation.messages == []


async def test_unexpected_exception_becomes_a_failed_turn() -> None:
    class Broken(ScriptedProvider):
        async def stream(self, request: ChatRequest) -> AsyncIterator[StreamPart]:
            yield TextPart("x")
            raise ValueError("bug")

    clock = ManualClock()
    session = ChatSession(Broken(clock, []), "m", services=TurnServices(clock=clock))
    events = await run(session.start_turn("hi"))
    assert isinstance(events[-1], TurnFailed) and "bug" in events[-1].message


async def test_escapes_are_logged_as_sent_and_shown_visibly_even_when_split() -> None:
    script: list[Step] = [
        TextPart("red \x1b"),
        TextPart("[31mtext\x1b]52;c;aGk"),
        TextPart("=\x07!\x9b\ud800"),
    ]
    session, _, _ = session_for([*script, FinishPart("stop")])
    events = await run(session.start_turn("hi"))
    logged = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert logged == "red \x1b[31mtext\x1b]52;c;aGk=\x07!\x9b\ufffd"  # as sent (storable)
    shown = "".join(e.text for e in events if isinstance(e, TextReleased))
    assert shown == "red ␛[31mtext␛]52;c;aGk=␇!\\x9b\ufffd"
    assert isinstance(events[-1], TurnFinished) and events[-1].text == logged


async def test_held_text_is_released_by_the_timer() -> None:
    clock = ManualClock()
    script: list[Step] = [TextPart("First."), TextPart(" no boundary"), 0.02, "hang"]
    provider = ScriptedProvider(clock, script)
    session = ChatSession(provider, "m", services=TurnServices(clock=clock, max_delay=0.01))
    turn = session.start_turn("hi")
    released: list[str] = []
    async for event in turn:
        if isinstance(event, TextReleased):
            released.append(event.text)
            if "".join(released) == "First. no boundary":
                turn.cancel()
    assert "".join(released) == "First. no boundary"


# --- timeouts on the manual clock (no real waiting) ------------------------------------


def _timed_session(script: Sequence[Step], timeouts: Timeouts) -> tuple[ChatSession, ManualClock]:
    clock = ManualClock()
    provider = ScriptedProvider(clock, script)
    policy = RetryPolicy(max_retries=0)
    return ChatSession(
        provider, "m", services=TurnServices(clock=clock, timeouts=timeouts, policy=policy)
    ), clock


async def test_first_token_timeout_fires_when_the_clock_passes_it() -> None:
    script: list[Step] = [ResponseHead(200), 30.0, 30.0, 30.0, TextPart("late")]
    session, clock = _timed_session(script, Timeouts(60, 5))
    start = clock.now()
    events = [event async for event in session.start_turn("hi")]
    final = events[-1]
    assert isinstance(final, TurnFailed) and final.error_type == "timeout"
    assert "no first token from scripted@fake:1 within 60 s" in final.message
    ended = next(e for e in events if isinstance(e, AttemptEnded))
    assert ended.ts == start + 60  # noticed in the 30 s step that crossed the limit


async def test_idle_timeout_keeps_the_partial() -> None:
    script: list[Step] = [ResponseHead(200), TextPart("Half"), 4.0, TextPart(" more"), 6.0, "x"]
    session, _ = _timed_session(script, Timeouts(60, 5))
    events = [event async for event in session.start_turn("hi")]
    final = events[-1]
    assert isinstance(final, TurnFailed) and final.text == "Half more"
    assert "no text for 5 s" in final.message


async def test_a_paced_stream_within_its_limits_finishes() -> None:
    script: list[Step] = [ResponseHead(200)]
    for i in range(50):
        script += [0.2, TextPart(f"w{i} ")]
    script.append(FinishPart("stop"))
    session, clock = _timed_session(script, Timeouts(1, 0.5, total=11))
    start = clock.now()
    events = [event async for event in session.start_turn("hi")]
    assert isinstance(events[-1], TurnFinished)
    assert events[-1].ts == pytest.approx(start + 10.0)


async def test_the_total_limit_ends_a_long_stream() -> None:
    script: list[Step] = [ResponseHead(200)] + [0.2, TextPart("w ")] * 100
    session, _ = _timed_session(script, Timeouts(1, 0.5, total=5))
    events = [event async for event in session.start_turn("hi")]
    final = events[-1]
    assert isinstance(final, TurnFailed) and "longer than 5 s" in final.message
