"""An exact cache hit on screen: the same renderer as a live answer, marked CACHED.

Two runs of the snapshot app on manual clocks share a log and its cache file:
the first answers live (the scripted provider moves the clock, so TTFT and
duration are fixed), the second, three hours later on its wall clock, asks
the same question and is answered from the cache. The transcript's status
line, the HUD's cache panel and the zero cost are what the SVG holds.
"""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from tests.helpers.hud_snapshot import FixedAnswerProvider, SnapshotApp, one_turn, settle
from tuichat.config import ModelSpec, Settings
from tuichat.core.clock import ManualClock
from tuichat.core.metrics.cache_tally import CacheTally
from tuichat.ui.chat_options import ChatOptions

WALL = 1_700_000_000.0
SPEC = ModelSpec("example", "openai-compat", "example-model-1", origin="test")
SETTINGS = Settings(models={"example": SPEC}, chains={}, selected=("example",),
                    selection="example", selection_source="test")  # fmt: skip


class CachedSnapshotApp(SnapshotApp):
    """Today's lookups as the log would give them (the real figure depends on the day)."""

    def cache_today(self) -> CacheTally | None:
        return CacheTally(exact=1, misses=3, saved_ms=1234.0)


def cached_app(tmp_path: Path, wall: float) -> CachedSnapshotApp:
    clock = ManualClock(wall_start=wall)
    options = ChatOptions(model=SPEC, settings=SETTINGS, database=tmp_path / "t.db")
    return CachedSnapshotApp(options.chat(FixedAnswerProvider(clock), clock=clock))


async def store_one_answer(tmp_path: Path) -> None:
    app = cached_app(tmp_path, WALL)
    async with app.run_test() as pilot:
        await app.log_ready.wait()  # the cache opens with the log: a send before it goes live
        await one_turn(pilot)


def test_a_cached_answer_on_screen(snap_compare, tmp_path: Path) -> None:
    import asyncio

    asyncio.run(store_one_answer(tmp_path))

    async def cached_turn(pilot: Pilot[None]) -> None:
        """The same question; no cost is injected (a hit costs nothing)."""
        app = pilot.app
        assert isinstance(app, CachedSnapshotApp)
        await app.log_ready.wait()  # the cache opens with the log
        prompt = app.query_one("#prompt")
        prompt.cursor_blink = False  # type: ignore[attr-defined]
        prompt.text = "How did this answer go?"  # type: ignore[attr-defined]
        await pilot.press("enter")
        while app.turn is None or app.turn.running:
            await pilot.pause(0.01)
        assert app.session.last_hit is not None
        await settle(pilot)

    app = cached_app(tmp_path, WALL + 3 * 3600)
    assert snap_compare(app, terminal_size=(120, 42), run_before=cached_turn)
