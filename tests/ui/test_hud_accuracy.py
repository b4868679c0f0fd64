"""The HUD shows the truth, and exactly the numbers the log keeps.

A scripted provider moves the chat's manual clock: the response head after a
known time to first byte, the first token after a known prefill, then one
token per fixed step. Every figure the HUD renders (TTFT now and p50, the
average tokens/s, the waterfall) and every figure the log wrote for the same
turn are then known exactly: the test checks equality, not a tolerance, and
no real time is measured, so a loaded machine cannot change the outcome.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

from tuichat.config import ModelSpec
from tuichat.core.clock import ManualClock
from tuichat.core.conversation import ChatRequest
from tuichat.core.provider import FinishPart, ResponseHead, StreamPart, TextPart, UsagePart
from tuichat.ui.app import TuichatApp
from tuichat.ui.chat_options import ChatOptions
from tuichat.ui.widgets.hud_panel import HudPanel

# Binary fractions, so every sum and difference of clock readings is exact.
CONNECT_S = 1 / 128
TTFB_S = 3 / 128  # request sent → response head (after connect)
PREFILL_S = 44 / 128  # response head → first token: TTFT = 375 ms
STEP_S = 1 / 128  # one token per step: 128 tok/s
TOKENS = 80
TURNS = 4


class PacedProvider:
    """Streams TOKENS tokens on the manual clock with the timings above."""

    name = "paced"
    base_url_host = "api.example.test"

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamPart]:
        self.clock.advance(CONNECT_S + TTFB_S)
        yield ResponseHead(200, {}, connect_ms=CONNECT_S * 1000, connection_reused=False)
        self.clock.advance(PREFILL_S)
        for i in range(TOKENS):
            if i:
                self.clock.advance(STEP_S)
            yield TextPart(f"w{i} ")
            await asyncio.sleep(0)
        yield UsagePart(12, TOKENS)
        yield FinishPart("stop", "paced-model")

    async def aclose(self) -> None:
        pass


def rendered(app: TuichatApp, panel_id: str) -> str:
    return str(app.query_one(f"#{panel_id}", HudPanel).render())


def number(pattern: str, text: str) -> float:
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not in {text!r}"
    return float(match.group(1).replace(",", ""))


async def run_turns(app: TuichatApp, pilot, turns: int) -> None:  # type: ignore[no-untyped-def]
    for turn in range(turns):
        app.query_one("#prompt").text = f"turn {turn}"  # type: ignore[attr-defined]
        await pilot.press("enter")
        while app.turn is None or app.turn.running:
            await pilot.pause(0.01)
    await app.workers.wait_for_complete()
    app.refresh_hud()
    await pilot.pause()


async def test_hud_figures_equal_the_scripted_truth_and_the_log(tmp_path: Path) -> None:
    clock = ManualClock()
    db = tmp_path / "t.db"
    spec = ModelSpec("paced", "openai-compat", "paced-model", origin="test")
    app = TuichatApp(ChatOptions(model=spec, database=db).chat(PacedProvider(clock), clock=clock))
    async with app.run_test(size=(120, 40)) as pilot:
        await run_turns(app, pilot, TURNS)
        latency, throughput = rendered(app, "hud-latency"), rendered(app, "hud-throughput")
        snap = app.metrics.hud_snapshot(app.hud_now(), {})
    ttft_ms = (CONNECT_S + TTFB_S + PREFILL_S) * 1000
    rate = (TOKENS - 1) / ((TOKENS - 1) * STEP_S)

    assert snap.latency.samples == TURNS
    assert snap.latency.ttft_ms == ttft_ms
    assert number(r"TTFT (\d+(?:\.\d+)?) ms", latency) == round(ttft_ms)
    assert number(r"p50/p95\s+(\d+(?:\.\d+)?)/", latency) == round(ttft_ms)
    assert snap.throughput.rate_avg == rate
    assert number(r"average\s+([\d,.]+) tok/s", throughput) == round(rate)

    [(logged_ttft, ttfb_ms, output_tokens, last_token_ms, connect_ms)] = (
        sqlite3.connect(db)
        .execute(
            "select ttft_ms, ttfb_ms, output_tokens, last_token_ms, connect_ms"
            " from attempts order by id desc limit 1"
        )
        .fetchall()
    )
    assert logged_ttft == snap.latency.ttft_ms
    assert output_tokens == snap.throughput.output_tokens == TOKENS
    fall = snap.latency.waterfall
    assert fall is not None
    assert fall.phase("connect").ms == connect_ms == CONNECT_S * 1000
    assert (fall.phase("connect").ms or 0.0) + (fall.phase("TTFB").ms or 0.0) == ttfb_ms
    logged_rate = (output_tokens - 1) / ((last_token_ms - logged_ttft) / 1000)
    assert snap.throughput.rate_avg == logged_rate
