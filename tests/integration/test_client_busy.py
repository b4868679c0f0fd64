"""Client busy time end to end: a blocked loop during a real request is booked as ours."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest

from tests.helpers.chat_pilot import sim_spec
from tuichat.core.events import AttemptStarted, Event, FirstToken
from tuichat.providers.openai_compat import OpenAICompatProvider
from tuichat.sim.thread import SimServerThread
from tuichat.ui.chat_options import ChatOptions


async def test_a_blocking_call_during_the_request_shows_up_as_client_busy(
    sim: SimServerThread, tmp_path: Path
) -> None:
    db = tmp_path / "log.db"
    provider = OpenAICompatProvider(sim.base_url, None, name="simulator")
    chat = ChatOptions(model=sim_spec(sim, "sim?tokens=5&ttft_ms=150"), database=db).chat(provider)
    assert await chat.open_log() is None
    loop = asyncio.get_running_loop()

    def block_while_waiting(event: Event) -> None:
        if isinstance(event, AttemptStarted):  # the request is in flight 20 ms later
            loop.call_later(0.02, time.sleep, 0.2)  # a deliberate stall: the loop is ours

    chat.session.tap(block_while_waiting)
    events = [event async for event in chat.session.start_turn("hi")]
    await chat.aclose()

    [first] = [e for e in events if isinstance(e, FirstToken)]
    assert first.client_busy_ms is not None and first.client_busy_ms > 0
    assert chat.metrics.current is not None
    snap = chat.metrics.current.snapshot(0.0)
    assert snap.waterfall is not None
    phases = {p.name: p.ms for p in snap.waterfall.phases}
    assert phases["client busy"] == first.client_busy_ms  # attributed, not booked as network
    assert sum(ms or 0.0 for ms in phases.values()) == pytest.approx(snap.waterfall.total_ms)
    with sqlite3.connect(db) as conn:
        [(logged,)] = conn.execute("SELECT client_busy_ms FROM attempts").fetchall()
    assert logged == first.client_busy_ms  # the log holds what the HUD shows


async def test_an_unblocked_request_has_next_to_no_client_busy_time(
    sim: SimServerThread, tmp_path: Path
) -> None:
    provider = OpenAICompatProvider(sim.base_url, None, name="simulator")
    chat = ChatOptions(model=sim_spec(sim, "sim?tokens=5&ttft_ms=50")).chat(provider)
    events = [event async for event in chat.session.start_turn("hi")]
    await chat.aclose()
    [first] = [e for e in events if isinstance(e, FirstToken)]
    assert first.client_busy_ms is not None  # measured (a loaded machine may add a little)
