"""A layout arranges the chat screen once, and leaves a map that is right (``fresh_map``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Static

from tests.helpers.answer_app import counting_layouts
from tests.helpers.chat_pilot import make_app
from tuichat.sim.thread import SimServerThread
from tuichat.ui.widgets.fresh_map import FreshMapCompositor, keep_map_fresh


class Column(App[None]):
    def __init__(self, fresh: bool) -> None:
        super().__init__()
        self.fresh = fresh

    def get_default_screen(self) -> Screen[Any]:
        screen = super().get_default_screen()
        if self.fresh:
            keep_map_fresh(screen)
        return screen

    def compose(self) -> ComposeResult:
        yield Vertical(Static("first"), id="column")


async def _arrangements_for_a_mount(fresh: bool) -> tuple[int, int]:
    """Whole-screen arrangements and layouts while a widget is mounted and looked up."""
    app = Column(fresh)
    async with app.run_test(size=(40, 10)) as pilot:
        compositor = app.screen._compositor
        real = compositor._arrange_root
        arranged: list[object] = []

        def arrange_root(*args: Any, **kwargs: Any) -> Any:
            arranged.append(args)
            return real(*args, **kwargs)

        compositor._arrange_root = arrange_root  # type: ignore[method-assign]
        frames: list[str] = []
        with counting_layouts(frames):
            second = Static("second")
            await app.query_one("#column").mount(second)
            second.update("second, updated")  # painted before it was ever placed
            await pilot.pause()
            assert second.region.y == 1 and second.region.height == 1  # placed right
            whole, _ = real(app.screen, app.screen.size, visible_only=False)
            assert compositor.full_map == whole  # the map is the screen's
        return len(arranged), frames.count("layout")


async def test_a_layout_arranges_the_screen_once() -> None:
    arranged, layouts = await _arrangements_for_a_mount(fresh=True)
    assert layouts >= 1 and arranged == layouts
    arranged, layouts = await _arrangements_for_a_mount(fresh=False)  # Textual's own
    assert arranged > layouts


async def test_the_chat_screen_keeps_its_map_fresh(sim: SimServerThread, tmp_path: Path) -> None:
    app = make_app(sim, "sim?tokens=5", tmp_path / "t.db")
    async with app.run_test(size=(80, 24)):
        assert isinstance(app.screen._compositor, FreshMapCompositor)
