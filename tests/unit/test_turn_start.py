"""A turn started before it is iterated sends at once; its events wait for the front end."""

from __future__ import annotations

import asyncio

import pytest

from tests.helpers.scripted_provider import OK_SCRIPT, ScriptedProvider, run
from tuichat.core.clock import ManualClock
from tuichat.core.events import Event, TurnFinished, TurnStarted
from tuichat.core.turn.chat import ChatSession
from tuichat.core.turn.services import TurnServices


async def test_start_sends_before_iteration_and_the_events_are_all_delivered() -> None:
    clock = ManualClock()
    provider = ScriptedProvider(clock, OK_SCRIPT)
    seen: list[Event] = []
    session = ChatSession(provider, "m", services=TurnServices(clock=clock, taps=(seen.append,)))
    turn = session.start_turn("hi")
    turn.start()
    assert turn.running
    for _ in range(20):  # the front end is busy mounting widgets
        await asyncio.sleep(0)
    assert provider.requests and isinstance(seen[-1], TurnFinished)
    events = await run(turn)
    assert isinstance(events[0], TurnStarted) and events == seen


async def test_a_turn_is_iterated_once_even_when_started_first() -> None:
    clock = ManualClock()
    services = TurnServices(clock=clock)
    session = ChatSession(ScriptedProvider(clock, OK_SCRIPT), "m", services=services)
    turn = session.start_turn("hi")
    turn.start()
    await run(turn)
    with pytest.raises(RuntimeError):
        await run(turn)
