"""A prompt-cache break found live and read back by ``tuichat debug``, over a real log.

Turns run through the real pipeline (``ChatSession``, the Anthropic adapter
over loopback to the simulator, whose prompt cache keys on the system prompt
marked ``cache_control``, and the ``LogWriter``). The second turn reads the
system prompt from cache; the third changes it, so the provider writes
instead of reading: the HUD's metrics and the debug view must both call it a
break caused by the system prompt.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json

import pytest

from tuichat import paths
from tuichat.core.clock import SystemClock
from tuichat.core.metrics.session_metrics import SessionMetrics
from tuichat.core.turn.chat import ChatSession
from tuichat.core.turn.services import TurnServices
from tuichat.headless.debug import run_debug
from tuichat.providers.anthropic import AnthropicProvider
from tuichat.sim.thread import SimServerThread
from tuichat.store import LogWriter, open_database

SESSION = "s-promptcache"
SYSTEM = "You are a careful assistant. " * 20


async def three_turns(sim: SimServerThread, metrics: SessionMetrics) -> None:
    db = await open_database(paths.database_path())
    writer = LogWriter(db)
    await writer.start()
    provider = AnthropicProvider(sim.root_url, "key")
    services = TurnServices(clock=SystemClock(), log=writer, metrics=metrics.observe)
    chat = ChatSession(
        provider, "sim?tokens=5", services=services, system=SYSTEM, session_id=SESSION
    )
    try:
        for prompt in ("one", "two"):
            [event async for event in chat.start_turn(prompt)]
        chat.conversation.system = SYSTEM + "Answer in French."
        [event async for event in chat.start_turn("three")]
    finally:
        await writer.close()
        await provider.aclose()
        await db.close()


@pytest.fixture
def logged(sim: SimServerThread) -> SessionMetrics:
    """The metrics of three turns logged in this test's own home (conftest)."""
    metrics = SessionMetrics()
    asyncio.run(three_turns(sim, metrics))
    return metrics


def debug_output(*, as_json: bool) -> str:
    args = argparse.Namespace(session=SESSION, since=None, json=as_json)
    out, err = io.StringIO(), io.StringIO()
    assert run_debug(args, out, err) == 0, err.getvalue()
    return out.getvalue()


def test_the_hud_and_the_debug_view_name_the_same_break(logged: SessionMetrics) -> None:
    [live] = logged.prompt_cache.breaks
    assert (live.turn, live.cause, live.detail) == (3, "system", "system prompt changed")
    assert live.due_tokens > 0 and live.cached_tokens == 0
    report = debug_output(as_json=False)
    assert "[WARN] cache: response cache no lookups; prompt cache" in report
    assert "1 break" in report
    assert f"turn 3 (sim?tokens=5): system prompt changed; {live.lost_tokens:,} tokens" in report
    data = json.loads(debug_output(as_json=True))
    assert data["cache_verdict"]["verdict"] == "warn"
    assert any("system prompt changed" in line for line in data["cache_verdict"]["details"])
