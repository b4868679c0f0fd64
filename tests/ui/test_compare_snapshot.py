"""The live comparison on screen at 120x40: two answers, their figures, the word diff.

Stable across runs: each compared model is a scripted provider moving a
manual clock of its own (the compare seat's services use it), so every
figure comes from fixed timestamps, whatever order the two columns run in.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

from textual.pilot import Pilot

from tests.helpers.hud_snapshot import SnapshotApp, settle
from tuichat.backends import Backends
from tuichat.config import ModelSpec, Settings
from tuichat.config.model import Price
from tuichat.core.clock import ManualClock
from tuichat.core.conversation import ChatRequest
from tuichat.core.provider import (
    FinishPart,
    Provider,
    ResponseHead,
    StreamPart,
    TextPart,
    UsagePart,
)
from tuichat.core.turn.services import TurnServices
from tuichat.ui.chat_options import ChatOptions
from tuichat.ui.screens.compare_live import CompareLiveScreen

ANSWERS = {
    "quick": (
        "A split view sends one prompt to each model at once. Each column streams on its own, "
        "so the quick model is done while the careful one still thinks.",
        0.120,
        0.004,
    ),
    "careful": (
        "A split view sends the same prompt to every model at once. Each column streams on "
        "its own clock, so a slow model never holds back a fast one; the diff shows where "
        "the answers part.",
        0.900,
        0.030,
    ),
}


PRICES = {"careful": Price(3.0, 15.0), "quick": Price(0.15, 0.6)}
"""USD per million tokens: the figures' cost comes from the configured prices."""


class ScriptedModel:
    """One model's fixed answer: a first-token wait, then one word per ``step``."""

    name = "scripted"
    base_url_host = "api.example.test"

    def __init__(self, clock: ManualClock, answer: str, wait_s: float, step_s: float) -> None:
        self.clock, self.answer, self.wait_s, self.step_s = clock, answer, wait_s, step_s

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamPart]:
        self.clock.advance(0.010)
        yield ResponseHead(200, {}, connect_ms=3.0, connection_reused=True)
        self.clock.advance(self.wait_s)
        words = self.answer.split(" ")
        for i, word in enumerate(words):
            yield TextPart(word if i == 0 else " " + word)
            self.clock.advance(self.step_s)
            await asyncio.sleep(0)
        yield UsagePart(42, len(words))
        yield FinishPart("stop", request.model)

    async def aclose(self) -> None:
        pass


class CompareSnapshotApp(SnapshotApp):
    """The chat app whose compared models are scripted, each on its own manual clock."""

    clocks: dict[str, ManualClock]

    async def compare_provider(self, spec: ModelSpec) -> Provider:
        answer, wait_s, step_s = ANSWERS[spec.name]
        return ScriptedModel(self.clocks[spec.name], answer, wait_s, step_s)

    def compare_services(self, spec: ModelSpec) -> TurnServices:
        return replace(super().compare_services(spec), clock=self.clocks[spec.name])


def compare_snapshot_app(tmp_path: Path) -> CompareSnapshotApp:
    """Configured with ``quick`` and ``careful``; the chat itself on ``quick``."""
    models = {
        name: ModelSpec(name, "openai-compat", f"example-{name}-1", origin="test", price=price)
        for name, price in PRICES.items()
    }
    settings = Settings(models=models, chains={}, selected=("quick",), selection="quick",
                        selection_source="test")  # fmt: skip
    clock = ManualClock()
    backends = Backends(env={})  # routes and tariffs only: the providers are scripted
    options = ChatOptions(model=models["quick"], settings=settings, backends=backends,
                          database=tmp_path / "t.db")  # fmt: skip
    quick = ScriptedModel(clock, *ANSWERS["quick"])
    app = CompareSnapshotApp(options.chat(quick, clock=clock))
    app.clocks = {name: ManualClock() for name in ANSWERS}
    return app


async def compare_and_diff(pilot: Pilot[None]) -> None:
    """``/compare careful quick``, one prompt, both answers done, then ``d``."""
    app = pilot.app
    assert isinstance(app, CompareSnapshotApp)
    await settle(pilot)
    prompt = app.query_one("#prompt")
    prompt.cursor_blink = False  # type: ignore[attr-defined]
    for text in ("/compare careful quick", "What does a split view buy me?"):
        prompt.text = text  # type: ignore[attr-defined]
        await pilot.press("enter")
    while not isinstance(app.screen, CompareLiveScreen):
        await pilot.pause(0.01)
    screen = app.screen
    await screen.all_done()
    await pilot.press("d")
    app.clear_notifications()  # the toasts of the commands: not part of the look
    await pilot.pause(0.3)


def test_the_split_view_at_120x40(snap_compare, tmp_path: Path) -> None:
    app = compare_snapshot_app(tmp_path)
    assert snap_compare(app, terminal_size=(120, 40), run_before=compare_and_diff)
