"""A key's edit is painted at once, not at the screen's next tick (or an answer's next step).

The first test holds the screen's own update timer, so only the prompt's
echo can paint what was typed; a terminal model applies every update the app
writes. Its waits sleep on the event loop: ``pilot.pause`` would run the
screen's update itself.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.chat_pilot import make_app, wait_until
from tests.helpers.terminal_model import TerminalModel, watching_terminal
from tuichat.sim.thread import SimServerThread
from tuichat.ui.widgets import prompt as prompt_module
from tuichat.ui.widgets.prompt import PromptArea

SIZE = (100, 30)


@contextmanager
def ticks_held(screen: Any) -> Iterator[None]:
    """The screen's update timer never fires while inside (what it would paint waits)."""
    timer = screen._update_timer
    timer.pause()
    timer.resume = lambda: None
    try:
        yield
    finally:
        del timer.resume
        timer.resume()


async def painted(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Sleep until ``predicate`` holds (a guard, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("never painted")
        await asyncio.sleep(0.01)


@asynccontextmanager
async def started_app(sim: SimServerThread, tmp_path: Path) -> AsyncIterator[tuple[Any, Any]]:
    """The chat app on a short simulated answer, started and settled (the app, its pilot)."""
    app = make_app(sim, "sim?tokens=5", tmp_path / "t.db")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.2)
        yield app, pilot


def prompt_text(app: Any, terminal: TerminalModel) -> str:
    """What the terminal shows in the prompt's rows."""
    region = app.query_one(PromptArea).region
    rows = terminal.cells[region.y : region.bottom]
    return "\n".join("".join(char for char, _ in row) for row in rows)


async def test_typed_keys_are_painted_without_waiting_for_the_screens_tick(
    sim: SimServerThread, tmp_path: Path
) -> None:
    async with started_app(sim, tmp_path) as (app, pilot):
        with watching_terminal(app) as terminal, ticks_held(app.screen):
            await pilot.press("h", "i")
            await painted(lambda: "hi" in prompt_text(app, terminal))
            await pilot.press("backspace")  # a binding, not a typed character
            await painted(lambda: "hi" not in prompt_text(app, terminal))
            assert "h" in prompt_text(app, terminal)


async def test_the_cleared_prompt_of_a_send_is_not_echoed(
    sim: SimServerThread, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Enter clears the prompt: that paints with the send's frame (one frame with the answer).

    An echo of the clearing would paint the prompt and the empty exchange
    first, and a cache hit's answer in a frame of its own, 3-5 ms later.
    """
    echoes: list[object] = []

    async def recorded(root: object, **_: object) -> None:
        echoes.append(root)

    monkeypatch.setattr(prompt_module, "paint_now", recorded)
    async with started_app(sim, tmp_path) as (app, pilot):
        await pilot.press(*"question")
        typed = len(echoes)
        assert typed >= len("question")  # each key's edit was echoed
        await pilot.press("enter")
        await wait_until(pilot, lambda: not app.query_one(PromptArea).text)
        await pilot.pause(0.1)
        assert len(echoes) == typed


async def test_keys_count_as_typing_and_enter_does_not(
    sim: SimServerThread, tmp_path: Path
) -> None:
    """Typed keys put the answers' idle work off; Enter (a send) ends the typing."""
    async with started_app(sim, tmp_path) as (app, pilot):
        answers = app.transcript.answers
        await pilot.press("h")
        typed = answers.typed_at
        assert typed > 0
        await pilot.press("enter")
        assert answers.typed_at == typed
