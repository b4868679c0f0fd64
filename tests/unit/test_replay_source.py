"""A replayed turn is an answer source: the logged events, at the logged pace, same stamps."""

from __future__ import annotations

import asyncio

import pytest

from tuichat.core.clock import ManualClock
from tuichat.core.events import (
    AttemptEnded,
    AttemptStarted,
    Event,
    FirstToken,
    TextDelta,
    TextReleased,
    TurnCancelled,
    TurnFinished,
    TurnStarted,
)
from tuichat.core.metrics.session_metrics import SessionMetrics
from tuichat.core.turn.replay import ReplayControl, ReplayedTurn

T0 = 50.0  # the logged turn's own monotonic stamps


def logged_turn() -> list[Event]:
    trace = "t" * 32
    chunks = [(0.5, "Hello"), (0.625, " there."), (0.75, " Bye.")]
    events: list[Event] = [
        TurnStarted(trace_id=trace, ts=T0, session_id="s", prompt="hi", model="m", wall_time=1e9),
        AttemptStarted(
            trace_id=trace, ts=T0 + 0.125, attempt=1, model="m", provider="p", base_url_host="h"
        ),
        FirstToken(trace_id=trace, ts=T0 + 0.5, attempt=1),
    ]
    events += [TextDelta(trace_id=trace, ts=T0 + at, attempt=1, text=text) for at, text in chunks]
    events += [
        AttemptEnded(trace_id=trace, ts=T0 + 1.0, attempt=1, status="ok", last_text_at=T0 + 0.75),
        TurnFinished(
            trace_id=trace, ts=T0 + 1.0, text="Hello there. Bye.", finish_reason="stop", model="m"
        ),
    ]
    return events


async def replay(speed: float | None) -> tuple[list[Event], ManualClock, SessionMetrics]:
    clock = ManualClock()
    metrics = SessionMetrics()
    source = ReplayedTurn(
        logged_turn(), clock=clock, control=ReplayControl(speed), observers=[metrics.observe]
    )
    return [event async for event in source], clock, metrics


async def test_original_pacing_at_1x_and_the_logged_stamps() -> None:
    events, clock, metrics = await replay(1.0)
    assert [s for s in clock.sleeps if s] == [0.125, 0.375, 0.125, 0.125, 0.25]
    start = events[0].ts
    offsets = [e.ts - start for e in events if not isinstance(e, TextReleased)]
    assert offsets == [e.ts - T0 for e in logged_turn()]
    turn = metrics.current
    assert (
        turn is not None and turn.snapshot(clock.now()).ttft_ms == 375.0
    )  # attempt sent → first token, as logged


@pytest.mark.parametrize(("speed", "total"), [(2.0, 0.5), (10.0, 0.1), (None, 0.0)])
async def test_speed_divides_the_waits_not_the_figures(speed: float | None, total: float) -> None:
    _, clock, metrics = await replay(speed)
    assert sum(clock.sleeps) == pytest.approx(total)
    turn = metrics.current
    assert (
        turn is not None and turn.snapshot(clock.now()).ttft_ms == 375.0
    )  # attempt sent → first token, as logged


async def test_released_text_follows_every_delta_and_adds_up() -> None:
    events, _, _ = await replay(None)
    released = "".join(e.text for e in events if isinstance(e, TextReleased))
    assert released == "Hello there. Bye." == events[-1].text  # type: ignore[attr-defined]


async def test_pause_holds_and_skip_plays_the_rest_at_once() -> None:
    clock = ManualClock()
    control = ReplayControl(1.0)
    source = ReplayedTurn(logged_turn(), clock=clock, control=control)
    seen: list[Event] = []

    async def consume() -> None:
        async for event in source:
            seen.append(event)
            if isinstance(event, FirstToken):
                control.pause()

    task = asyncio.create_task(consume())
    for _ in range(20):
        await asyncio.sleep(0)
    assert control.paused and not isinstance(seen[-1], TurnFinished)
    held = len(seen)
    for _ in range(5):
        await asyncio.sleep(0)
    assert len(seen) <= held + 1  # nothing moves while paused
    control.skip_turn()
    await task
    assert isinstance(seen[-1], TurnFinished)


async def test_cancel_ends_with_the_text_replayed_so_far() -> None:
    clock = ManualClock()
    source = ReplayedTurn(logged_turn(), clock=clock, control=ReplayControl(1.0))
    seen: list[Event] = []
    async for event in source:
        seen.append(event)
        if isinstance(event, TextDelta):
            source.cancel()
    final = seen[-1]
    assert isinstance(final, TurnCancelled) and final.text == "Hello"


def test_a_bad_log_is_refused() -> None:
    events = logged_turn()
    with pytest.raises(ValueError, match="starts with TurnStarted"):
        ReplayedTurn(events[1:], clock=ManualClock())
    with pytest.raises(ValueError, match="ends with a terminal"):
        ReplayedTurn(events[:-1], clock=ManualClock())
    with pytest.raises(ValueError, match="positive"):
        ReplayControl(0.0)


def test_speed_cycles_through_the_offered_speeds() -> None:
    control = ReplayControl(1.0)
    assert [control.next_speed() for _ in range(4)] == [2.0, 10.0, None, 1.0]
