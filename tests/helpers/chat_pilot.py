"""The chat app on the loopback simulator, and the Pilot steps the UI tests share."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tuichat.config import ModelSpec
from tuichat.providers.openai_compat import OpenAICompatProvider
from tuichat.sim.thread import SimServerThread
from tuichat.ui.app import TuichatApp
from tuichat.ui.chat_options import ChatOptions
from tuichat.ui.widgets.prompt import PromptArea


def sim_spec(sim: SimServerThread, model: str, name: str = "sim-test") -> ModelSpec:
    """A named model served by the test's simulator."""
    return ModelSpec(name, "openai-compat", model, origin="test", base_url=sim.base_url)


def make_app(sim: SimServerThread, model: str, db: Path) -> TuichatApp:
    """The real chat app talking to the simulator's ``model``, logging to ``db``."""
    provider = OpenAICompatProvider(sim.base_url, None, name="simulator")
    options = ChatOptions(model=sim_spec(sim, model), database=db)
    return TuichatApp(options.chat(provider))


async def wait_until(pilot: Any, predicate: Callable[[], object], timeout: float = 10.0) -> None:
    """Let the app run until ``predicate`` holds; a guard, not a timing assertion."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        await pilot.pause(0.01)


async def send(pilot: Any, text: str) -> None:
    """Type ``text`` into the prompt and press Enter."""
    prompt = pilot.app.query_one(PromptArea)
    prompt.text = text
    await pilot.press("enter")
