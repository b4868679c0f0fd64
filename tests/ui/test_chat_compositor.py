"""The chat screen's compositor (``chat_compositor``): less work per frame, the same screen.

The screen is checked the way a terminal sees it: every update the app
writes is applied to a model of the terminal's cells, which must equal a
full render of the screen whenever the app is idle."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip
from textual.widgets import Static

from tests.helpers.answer_app import counting_layouts
from tests.helpers.chat_pilot import make_app, send, wait_until
from tests.helpers.terminal_model import (
    Cell,
    TerminalModel,
    fresh_render,
    full_render,
    watching_terminal,
)
from tuichat.sim.thread import SimServerThread
from tuichat.ui.widgets.chat_compositor import (
    ChatCompositor,
    bands,
    changed_regions,
    hidden,
    install_compositor,
)
from tuichat.ui.widgets.messages import AssistantMessage
from tuichat.ui.widgets.transcript import Transcript


class EitherCompositor(App[None]):
    """An app on the chat compositor (``chat``) or on Textual's own."""

    def __init__(self, chat: bool) -> None:
        super().__init__()
        self.chat = chat

    def get_default_screen(self) -> Screen[Any]:
        screen = super().get_default_screen()
        if self.chat:
            install_compositor(screen)
        return screen


class Column(EitherCompositor):
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


async def test_the_chat_screen_has_the_chat_compositor(
    sim: SimServerThread, tmp_path: Path
) -> None:
    app = make_app(sim, "sim?tokens=5", tmp_path / "t.db")
    async with app.run_test(size=(80, 24)):
        assert isinstance(app.screen._compositor, ChatCompositor)


def _different_rows(model: TerminalModel, app: App[Any]) -> list[int]:
    return [
        y
        for y, (shown, full) in enumerate(zip(model.cells, fresh_render(app), strict=True))
        if shown != full
    ]


async def _idle(pilot: Any, app: Any) -> None:
    """The answer is all on screen and nothing waits to be painted."""
    await wait_until(pilot, lambda: app.turn is not None and not app.turn.running, timeout=30)
    await wait_until(
        pilot, lambda: not app.query_one(AssistantMessage).markdown.streaming, timeout=30
    )
    for _ in range(5):
        await pilot.pause(0.05)


async def test_the_terminal_shows_what_a_full_render_shows(
    sim: SimServerThread, tmp_path: Path
) -> None:
    """Streamed markdown (lists, fences, tables), the HUD beside it, a second answer, a scroll."""
    app = make_app(sim, "sim?content=markdown&tokens=700&tps=2000", tmp_path / "t.db")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen._compositor, ChatCompositor)
        with watching_terminal(app) as terminal:
            await send(pilot, "first")
            await _idle(pilot, app)
            assert _different_rows(terminal, app) == []
            await send(pilot, "second")
            await _idle(pilot, app)
            assert _different_rows(terminal, app) == []
            app.query_one(Transcript).scroll_home(animate=False)
            for _ in range(5):
                await pilot.pause(0.05)
            assert _different_rows(terminal, app) == []


class TwoColumns(EitherCompositor):
    """A column of lines beside a one-line panel: two changes far apart."""

    CSS = "#panel { width: 15; }"

    def __init__(self, chat: bool) -> None:
        super().__init__(chat)
        self.rendered: list[str] = []

    def compose(self) -> ComposeResult:
        with Horizontal():
            with Vertical(id="left"):
                for row in range(10):
                    yield Counted(f"line {row}", id=f"line{row}")
            yield Counted("panel", id="panel")


class Counted(Static):
    def render_lines(self, crop: Region) -> list[Strip]:
        app: Any = self.app
        app.rendered.append(self.id)
        return super().render_lines(crop)


async def _after_updates(
    app: TwoColumns, size: tuple[int, int], updates: dict[str, str]
) -> tuple[list[str], list[list[Cell]], list[list[Cell]]]:
    """Update each ``#id`` to its text (no layout), once idle.

    Returns the widgets rendered for it, the terminal's cells and the screen
    rendered afresh.
    """
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        with watching_terminal(app) as terminal:
            app.rendered.clear()
            for selector, text in updates.items():
                app.query_one(selector, Static).update(text, layout=False)
            await pilot.pause()
            return list(app.rendered), terminal.cells, fresh_render(app)


async def _rendered_for_two_changes(
    chat: bool,
) -> tuple[list[str], list[list[Cell]], list[list[Cell]]]:
    changes = {"#panel": "panel, changed", "#line9": "line 9, changed"}
    return await _after_updates(TwoColumns(chat), (40, 10), changes)


async def test_a_frame_renders_only_the_rows_that_changed() -> None:
    rendered, shown, full = await _rendered_for_two_changes(chat=True)
    assert shown == full
    assert sorted(rendered) == ["line9", "panel"]
    rendered, shown, full = await _rendered_for_two_changes(chat=False)  # Textual's own
    assert shown == full
    assert {"line0", "line5"} <= set(rendered)  # in the box around both changes


class ColumnsOverFooter(TwoColumns):
    """The two columns above a full-width footer (the transcript and HUD over the prompt)."""

    CSS = "#panel { width: 30; } #footer { height: 1; }"

    def compose(self) -> ComposeResult:
        with Vertical():
            with Horizontal():
                with Vertical(id="left"):
                    for row in range(29):
                        yield Counted(f"line {row}", id=f"line{row}")
                yield Counted("panel", id="panel")
            yield Counted("footer", id="footer")


async def test_a_full_width_row_under_a_scrolled_column_leaves_the_panel_beside_it() -> None:
    """Every row of the column changed (a scroll), and the footer under it: not the panel."""
    changes = {f"#line{row}": f"row {row}" for row in range(29)} | {"#footer": "footer, changed"}
    rendered, shown, fresh = await _after_updates(ColumnsOverFooter(chat=True), (120, 30), changes)
    assert shown == fresh
    assert "panel" not in rendered
    assert {"line0", "line28", "footer"} <= set(rendered)


def test_a_row_starts_a_band_of_its_own_rather_than_widen_one_by_many_cells() -> None:
    column = [(y, 1, 89) for y in range(36)]  # a scrolled transcript and its scrollbar
    prompt = [(y, 0, 120) for y in range(36, 39)]  # the prompt, the screen's whole width
    assert bands(column + prompt, Region(0, 0, 120, 40)) == [(0, 36, 1, 89), (36, 39, 0, 120)]
    lines = [(30, 2, 80), (31, 2, 87), (32, 87, 89)]  # a paragraph's lines and a scrollbar
    assert bands(lines, Region(0, 0, 120, 40)) == [(30, 33, 2, 89)]


class CountedColumn(Vertical):
    def render_lines(self, crop: Region) -> list[Strip]:
        app: Any = self.app
        app.rendered.append(self.id)
        return super().render_lines(crop)


class Nested(TwoColumns):
    """A line in a column that it fills, beside a line in a padded column it does not."""

    CSS = "#padded { padding: 0 1; } Vertical { height: auto; width: 1fr; }"

    def compose(self) -> ComposeResult:
        with Horizontal():
            with CountedColumn(id="filled"):
                yield Counted("filled line", id="inner")
            with CountedColumn(id="padded"):
                yield Counted("padded line", id="inside")


async def test_a_widget_under_the_widgets_in_front_of_it_is_not_rendered() -> None:
    changes = {"#inner": "filled, changed", "#inside": "padded, changed"}
    rendered, shown, fresh = await _after_updates(Nested(chat=True), (60, 6), changes)
    assert shown == fresh
    assert sorted(rendered) == ["inner", "inside", "padded"]  # not "filled": all under "inner"


def test_hidden_means_covered_in_every_row_by_covers_side_by_side() -> None:
    beside = [(0, 10, 0, 5), (10, 20, 0, 5)]
    assert hidden(beside, 2, 18, 1, 4)
    assert not hidden(beside, 2, 21, 1, 4)  # a column past them
    assert not hidden([(0, 10, 0, 5), (12, 20, 0, 5)], 2, 18, 1, 4)  # a gap between them
    assert not hidden([(0, 20, 0, 2), (0, 20, 2, 5)], 2, 18, 1, 4)  # stacked: rendered anyway
    assert not hidden([], 0, 1, 0, 1)


class Flow(Vertical):
    """A column marked as only stacking (as an answer's view is)."""

    _flow_only = True


class Stack(App[None]):
    CSS = """
    #flow, #column { height: auto; }
    #column { background: red; }
    .spaced { margin-top: 1; }
    """

    def compose(self) -> ComposeResult:
        with Flow(id="flow"), Vertical(id="column"):
            for row in range(5):
                yield Static(f"block {row}")


async def test_a_block_appended_to_a_column_changes_only_its_own_rows() -> None:
    app = Stack()
    async with app.run_test(size=(30, 12)) as pilot:
        await pilot.pause()
        compositor = app.screen._compositor
        before = dict(compositor._full_map)
        with watching_terminal(app) as terminal:
            await app.query_one("#column").mount(Static("block 5", classes="spaced"))
            await pilot.pause()
            assert terminal.cells == full_render(app)  # the column's new margin row too
        after = compositor._full_map
        changed = changed_regions(before, after)  # the margin row and the block: rows 5 and 6
        assert Region.from_union(list(changed)) == Region(0, 5, 30, 2)
        # Textual's rule: every block above (their order changed) and both columns, whole.
        textual = {g.visible_region for _, g in after.items() ^ before.items()}
        assert {Region(0, 0, 30, 1), Region(0, 0, 30, 5), Region(0, 0, 30, 7)} <= textual


def recording_frames(compositor: Any) -> list[set[str]]:
    """The widgets each painted frame of ``compositor`` was asked to paint (filled as it paints)."""
    frames: list[set[str]] = []
    pending: set[str] = set()
    painting = [False]
    update, render = compositor.update_widgets, compositor.render_update

    def update_widgets(widgets: Any) -> None:
        (frames[-1] if painting[0] else pending).update(type(w).__name__ for w in widgets)
        update(widgets)

    def render_update(*args: Any, **kwargs: Any) -> Any:
        frames.append(set(pending))
        pending.clear()
        painting[0] = True
        try:
            return render(*args, **kwargs)
        finally:
            painting[0] = False

    compositor.update_widgets = update_widgets
    compositor.render_update = render_update
    return frames


class Feed(EitherCompositor):
    """A scrolling column, as the transcript is."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="feed"):
            for row in range(12):
                yield Static(f"row {row}")


async def _late_repaint(chat: bool) -> tuple[set[str], bool]:
    """A frame's widgets when the scrollbar asks for a repaint after the frame took them."""
    app = Feed(chat)
    async with app.run_test(size=(30, 8)) as pilot:
        await pilot.pause()
        bar = app.query_one("#feed", VerticalScroll).vertical_scrollbar
        compositor = app.screen._compositor
        frames = recording_frames(compositor)
        compositor.update_widgets({app.query(Static).first()})
        bar.refresh()  # as a layout moving the thumb does, while sizes are updated
        compositor.render_update()
        return frames[-1], bar._repaint_required


async def test_a_repaint_asked_for_during_a_frame_is_painted_in_it() -> None:
    """A growing transcript's scrollbar thumb had a frame of its own (52 of 374 in a stream)."""
    painted, still_asking = await _late_repaint(chat=True)
    assert "ScrollBar" in painted and not still_asking
    painted, still_asking = await _late_repaint(chat=False)  # Textual's own: at the next tick
    assert "ScrollBar" not in painted and still_asking


def test_bands_are_runs_of_rows_with_their_columns() -> None:
    spans = [(0, 30, 40), (1, 30, 40), (1, 2, 5), (5, 0, 10), (6, 4, 8), (12, 0, 1)]
    assert bands(spans, Region(0, 0, 40, 10)) == [(0, 2, 2, 40), (5, 7, 0, 10)]
