"""The client-side limiter inside a turn: queueing, settlement, load shedding."""

from __future__ import annotations

from tests.helpers.scripted_provider import ScriptedProvider
from tuichat.core.clock import ManualClock
from tuichat.core.conversation import ChatMessage, ChatRequest
from tuichat.core.events import AttemptStarted, Event, Queued, TurnFailed, TurnFinished
from tuichat.core.limits.admission import Admission, estimate_tokens
from tuichat.core.limits.buckets import LimitSpec
from tuichat.core.limits.limiter import RateLimiter
from tuichat.core.provider import FinishPart, TextPart, UsagePart
from tuichat.core.turn.chat import ChatSession
from tuichat.core.turn.services import TurnServices

SCRIPT = [TextPart("Hi."), UsagePart(10, 2), FinishPart("stop")]


def limited_session(clock: ManualClock, **admission: object) -> ChatSession:
    limiter = RateLimiter(clock)
    limiter.configure(model="m", spec=LimitSpec(requests_per_minute=1))
    gate = Admission(limiter, **admission)  # type: ignore[arg-type]
    services = TurnServices(clock=clock, admission=gate)
    session = ChatSession(ScriptedProvider(clock, SCRIPT), "m", services=services)
    return session


async def run(session: ChatSession) -> list[Event]:
    return [event async for event in session.start_turn("hi")]


async def test_a_second_request_in_the_minute_is_queued_then_sent() -> None:
    clock = ManualClock()
    session = limited_session(clock)
    first = await run(session)
    assert not any(isinstance(e, Queued) for e in first)
    second = await run(session)
    queued = [e for e in second if isinstance(e, Queued)]
    assert queued and queued[0].position == 1 and 50 <= queued[0].expected_wait_s <= 60
    assert "requests/minute" in (queued[0].limited_by or "")
    assert second.index(queued[0]) < next(
        i for i, e in enumerate(second) if isinstance(e, AttemptStarted)
    )
    assert isinstance(second[-1], TurnFinished)


async def test_background_work_over_budget_is_refused_with_one_line() -> None:
    clock = ManualClock()
    session = limited_session(clock, priority="background", budget=5.0, label="bench")
    await run(session)
    events = await run(session)
    final = events[-1]
    assert isinstance(final, TurnFailed) and final.error_type == "load_shed"
    assert "bench request refused" in final.message and "budget" in final.message
    assert not any(isinstance(e, AttemptStarted) for e in events)


def test_estimate_counts_prompt_and_answer_cap() -> None:
    request = ChatRequest(model="m", messages=(ChatMessage("user", "x" * 400),), max_tokens=100)
    assert estimate_tokens(request) == 200


async def test_the_report_shows_the_queue_until_the_request_goes() -> None:
    from tuichat.core.metrics.turn_report import TurnReport

    clock = ManualClock()
    session = limited_session(clock)
    await run(session)
    report = TurnReport()
    seen = []
    for event in await run(session):
        report.observe(event)
        if isinstance(event, Queued):
            seen.append(report.queue_position)
    assert seen and seen[0] == 1
    assert report.queue_position is None  # sent: no longer queued


def test_estimate_uses_tiktoken_when_a_counter_is_given(tmp_path) -> None:
    from tuichat.core.cost.tokens import TokenCounter

    counter = TokenCounter(tmp_path)
    request = ChatRequest(
        model="gpt-4o", messages=(ChatMessage("user", "hello world"),), max_tokens=100
    )
    expected = counter.count_messages([("user", "hello world")], "gpt-4o").tokens + 100
    assert estimate_tokens(request, counter) == expected == 2 + 1 + 3 + 3 + 100
