"""A cache hit paints its prompt and its answer in one frame, and never freezes the screen.

The hit's text waits for the log (the pump's durable wait); a screen tick in
that wait used to paint the prompt and an empty answer first. The log's
flush is held here by hand, so the tick surely comes while it waits.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.cache_app import answers, ask, cached_app
from tests.helpers.chat_pilot import send, wait_until
from tuichat.backends import Backends
from tuichat.ui import turn_view
from tuichat.ui.app import TuichatApp
from tuichat.ui.widgets.messages import UserMessage

QUESTION = "What is a token bucket?"


def painted(app: TuichatApp, widget: object) -> bool:
    """True once a frame has laid ``widget`` out on the screen."""
    return widget in app.screen._compositor.visible_widgets


def held_flush(app: TuichatApp, go: asyncio.Event) -> None:
    """The log's flush waits for ``go`` (the turn's text waits with it)."""
    writer = app.chat.writer
    assert writer is not None
    flush = writer.flush

    async def slow(*, everything: bool = False) -> None:
        await go.wait()
        await flush(everything=everything)

    writer.flush = slow  # type: ignore[method-assign]


@asynccontextmanager
async def hit_waiting_for_log(
    sim: object, tmp_path: Path
) -> AsyncIterator[tuple[TuichatApp, Any, asyncio.Event, UserMessage]]:
    """A question answered from the cache, its text held until ``go`` lets the log flush.

    Yields the app, its pilot, ``go`` and the prompt's widget.
    """
    db = tmp_path / "log.db"
    with Backends(env={}) as backends:
        first = cached_app(sim, backends, db)
        async with first.run_test() as pilot:
            await ask(pilot, first, QUESTION)
        app = cached_app(sim, backends, db)
        async with app.run_test() as pilot:
            await app.log_ready.wait()
            go = asyncio.Event()
            held_flush(app, go)
            await send(pilot, QUESTION)
            await wait_until(pilot, lambda: app.query(UserMessage))
            yield app, pilot, go, app.query(UserMessage).last()


async def test_the_prompt_waits_for_the_hits_answer_to_paint_with_it(
    sim: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(turn_view, "HIT_HOLD_S", 30.0)
    async with hit_waiting_for_log(sim, tmp_path) as (app, pilot, go, prompt):
        await pilot.pause(0.1)  # several screen ticks while the log is not yet durable
        assert not painted(app, prompt)
        go.set()
        await wait_until(pilot, lambda: answers(app) and answers(app)[-1].text)
        await wait_until(pilot, lambda: painted(app, prompt))
        assert answers(app)[-1].status is not None


async def test_a_hit_whose_text_is_late_still_lets_the_screen_paint(
    sim: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(turn_view, "HIT_HOLD_S", 0.01)
    async with hit_waiting_for_log(sim, tmp_path) as (app, pilot, go, prompt):
        await wait_until(pilot, lambda: painted(app, prompt))  # the hold gave up
        assert not answers(app)[-1].text  # the text still waits for the log
        go.set()
        await wait_until(pilot, lambda: answers(app)[-1].text)
