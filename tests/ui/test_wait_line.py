"""The chat says what it waits for while a model is silent; the line goes with the first text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.await_remove import AwaitRemove

from tests.helpers.chat_pilot import make_app, send, wait_until
from tuichat.sim.thread import SimServerThread
from tuichat.ui.widgets.messages import AssistantMessage
from tuichat.ui.widgets.wait_line import TICK, WaitLine


async def test_a_silent_model_shows_its_wait_then_the_answer(
    sim: SimServerThread, tmp_path: Path
) -> None:
    app = make_app(sim, "sim?ttft_ms=2500&tokens=5", tmp_path / "t.db")
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "slow one")
        await wait_until(pilot, lambda: any(w.shown_text for w in app.query(WaitLine)), 20.0)
        [line] = app.query(WaitLine)
        assert line.shown_text.startswith("waiting for the first token:")
        assert "(gives up at 60 s)" in line.shown_text
        await wait_until(pilot, lambda: app.turn is not None and not app.turn.running, 20.0)
        answer = app.query_one(AssistantMessage)
        await wait_until(pilot, lambda: answer.text != "", 20.0)
        await wait_until(pilot, lambda: not list(app.query(WaitLine)), 20.0)  # gone with the text


async def test_the_wait_line_is_taken_away_once_not_per_token(
    sim: SimServerThread, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    removals: list[WaitLine] = []
    remove = WaitLine.remove

    def counted(self: WaitLine) -> AwaitRemove:
        removals.append(self)
        return remove(self)

    monkeypatch.setattr(WaitLine, "remove", counted)
    app = make_app(sim, "sim?ttft_ms=600&tokens=200&tps=2000", tmp_path / "t.db")
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "two hundred tokens")
        await wait_until(pilot, lambda: bool(list(app.query(WaitLine))), 20.0)  # a tick's wait
        await wait_until(pilot, lambda: app.turn is not None and not app.turn.running, 20.0)
        await wait_until(pilot, lambda: len(app.query_one(AssistantMessage).text) > 200, 20.0)
        assert len(removals) == 1  # the wait ended once; every later token left it alone
        assert not list(app.query(WaitLine))


async def test_a_wait_shorter_than_a_tick_mounts_no_line(
    sim: SimServerThread, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[WaitLine] = []
    init = WaitLine.__init__

    def counted(self: WaitLine, *args: Any) -> None:
        built.append(self)
        init(self, *args)

    monkeypatch.setattr(WaitLine, "__init__", counted)
    app = make_app(sim, "sim?ttft_ms=5&tokens=20", tmp_path / "t.db")
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "quick one")
        await wait_until(pilot, lambda: app.turn is not None and not app.turn.running, 20.0)
        await pilot.pause(TICK * 2)  # a line scheduled but not cancelled would be mounted by now
        assert app.query_one(AssistantMessage).text
        assert built == []  # nothing to say about a wait that short: nothing was mounted
