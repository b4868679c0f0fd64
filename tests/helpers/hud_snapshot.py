"""A chat app whose one turn always shows the same figures, for snapshots and HUD tests.

A scripted provider moves a manual clock, so every number on screen comes
from fixed timestamps (the simulator's real timing would change the figures
on each run); the budget figures are fixed as the cost log would give them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

from textual.pilot import Pilot

from tuichat.config import ModelSpec
from tuichat.core.clock import ManualClock
from tuichat.core.conversation import ChatRequest
from tuichat.core.cost.budget_status import BudgetLine
from tuichat.core.events import CostReported
from tuichat.core.metrics.hud_view import SpendStatus
from tuichat.core.provider import FinishPart, ResponseHead, StreamPart, TextPart, UsagePart
from tuichat.ui.app import TuichatApp
from tuichat.ui.chat_options import ChatOptions

ANSWER = (
    "The first token took a while; the rest streamed at a steady pace. "
    "Every number in the panels on the right comes from this one turn."
)
HEADERS = {
    "x-ratelimit-limit-requests": "500",
    "x-ratelimit-remaining-requests": "431",
    "x-ratelimit-reset-requests": "42s",
    "x-ratelimit-limit-tokens": "30000",
    "x-ratelimit-remaining-tokens": "4200",
    "x-ratelimit-reset-tokens": "6m0s",
}


class FixedAnswerProvider:
    """Answers every request the same way, moving the manual clock between parts."""

    name = "scripted"
    base_url_host = "api.example.test"

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamPart]:
        self.clock.advance(0.012)  # connect + request sent
        yield ResponseHead(200, HEADERS, connect_ms=4.0, connection_reused=False)
        self.clock.advance(0.280)
        for i, word in enumerate(ANSWER.split(" ")):
            yield TextPart(word if i == 0 else " " + word)
            self.clock.advance(0.012 + 0.004 * (i % 5))
            await asyncio.sleep(0)
        yield UsagePart(1240, len(ANSWER.split(" ")), cached_input_tokens=1024)
        self.clock.advance(0.003)
        yield FinishPart("stop", "example-model-1")

    async def aclose(self) -> None:
        pass


class SnapshotApp(TuichatApp):
    """The chat app with a manual clock, and budget figures as the cost log will give."""

    def spend_status(self) -> SpendStatus:
        return SpendStatus(0.42, (BudgetLine("day", 0.42, 0.40, 1.00),))


def snapshot_app(tmp_path: Path) -> SnapshotApp:
    """The snapshot app on a manual clock, logging under ``tmp_path``."""
    clock = ManualClock()
    spec = ModelSpec("example", "openai-compat", "example-model-1", origin="test")
    options = ChatOptions(model=spec, database=tmp_path / "t.db")
    return SnapshotApp(options.chat(FixedAnswerProvider(clock), clock=clock))


async def one_turn(pilot: Pilot[None]) -> None:
    """Send one prompt, wait for the answer and its cost, and settle the HUD."""
    app = pilot.app
    assert isinstance(app, SnapshotApp)
    prompt = app.query_one("#prompt")
    prompt.cursor_blink = False  # type: ignore[attr-defined]  # a blink phase is not a look
    prompt.text = "How did this answer go?"  # type: ignore[attr-defined]
    await pilot.press("enter")
    while app.turn is None or app.turn.running:
        await pilot.pause(0.01)
    app.metrics.observe(
        CostReported(
            trace_id=app.turn.trace_id,
            ts=app.hud_now(),
            attempt=1,
            model="example-model-1",
            cost_usd=0.0031,
            input_cost_usd=0.0025,
            output_cost_usd=0.0006,
            input_tokens=1240,
            output_tokens=23,
            cached_input_tokens=1024,
            price_source="test",
            estimated=False,
        )
    )
    await settle(pilot)


async def settle(pilot: Pilot[None]) -> None:
    """Let the start-up warm-up finish (it waits for a quiet chat), then the estimate and HUD."""
    app = pilot.app
    assert isinstance(app, SnapshotApp)
    deadline = time.monotonic() + 60.0
    while not app.spending.estimator.loaded():  # a hang guard, not a timing
        if time.monotonic() > deadline:
            raise TimeoutError("the warm-up did not load the estimate's encodings")
        await pilot.pause(0.05)
    app.send_hint.changed()
    await pilot.pause(0.3)  # past the pre-send estimate's debounce
    await app.workers.wait_for_complete()
    app.refresh_hud()
    await pilot.pause()
