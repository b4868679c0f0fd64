"""The debug screen over a fixed, seeded log: keys, scopes, errors, hostile text, looks."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Label, Static

from tests.helpers.seeded_log import T0, LogSeeder, seed_showcase
from tuichat.ui.screens import DebugScreen

SESSION = "s-showcase"
NOW = T0 + 4 * 3600


class DebugApp(App[None]):
    """A bare app that opens the debug screen, the way the chat app will."""

    def __init__(self, database: Path, session_id: str | None) -> None:
        super().__init__()
        self.database = database
        self.session_id = session_id

    def on_mount(self) -> None:
        self.push_screen(DebugScreen(self.database, self.session_id, clock=lambda: NOW))


@pytest.fixture
def showcase(tmp_path: Path) -> Path:
    path = tmp_path / "log.db"
    seed_showcase(path, SESSION)
    with LogSeeder(path) as log:  # another session: only the 24 h window sees it
        log.turn(T0 + 100, session_id="s-other")
    return path


async def loaded(pilot: Pilot[None]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def text_of(screen: DebugScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_open_toggle_refresh_and_close(showcase: Path) -> None:
    app = DebugApp(showcase, SESSION)
    async with app.run_test(size=(120, 60)) as pilot:
        await loaded(pilot)
        screen = app.screen
        assert isinstance(screen, DebugScreen)
        assert f"session {SESSION}: 49 attempts" in text_of(screen, "#debug-title")
        errors = screen.query_one("#debug-errors")
        assert errors.has_class("-warn")
        assert str(errors.query_one(".badge", Label).render()) == "WARN"
        assert "1 spike" in text_of(screen, "#debug-errors .headline")

        await pilot.press("s")
        await loaded(pilot)
        assert "last 24 h: 50 attempts" in text_of(screen, "#debug-title")

        first = screen.diagnosis
        await pilot.press("r")
        await loaded(pilot)
        assert screen.diagnosis is not first and screen.diagnosis == first

        await pilot.press("s")
        await loaded(pilot)
        assert f"session {SESSION}" in text_of(screen, "#debug-title")

        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, DebugScreen)


async def test_the_footer_shows_the_keys(showcase: Path) -> None:
    app = DebugApp(showcase, SESSION)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        ids = {binding.id for binding in DebugScreen.BINDINGS}
        assert ids == {"debug-close", "debug-refresh", "debug-scope"}
        shown = {b.binding.key for b in app.screen.active_bindings.values() if b.binding.show}
        assert {"escape", "r", "s"} <= shown


async def test_without_a_session_only_the_window_is_shown(showcase: Path) -> None:
    app = DebugApp(showcase, None)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        screen = app.screen
        assert isinstance(screen, DebugScreen)
        assert "last 24 h: 50 attempts" in text_of(screen, "#debug-title")
        assert screen.check_action("toggle_scope", ()) is None  # shown disabled


async def test_a_missing_log_is_one_line_not_a_crash(tmp_path: Path) -> None:
    app = DebugApp(tmp_path / "nothing.db", SESSION)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        screen = app.screen
        assert isinstance(screen, DebugScreen)
        status = screen.query_one("#debug-status", Static)
        assert status.has_class("-error") and "no log at" in str(status.render())
        assert not (tmp_path / "nothing.db").exists()


async def test_text_from_the_log_is_shown_inert(showcase: Path) -> None:
    app = DebugApp(showcase, SESSION)
    async with app.run_test(size=(120, 60)) as pilot:
        await loaded(pilot)
        screen = app.screen
        assert isinstance(screen, DebugScreen)
        details = text_of(screen, "#debug-tokens .details") + text_of(
            screen, "#debug-errors .details"
        )
        assert "[b]evil[/b]" in details  # markup shown as the text it is
        assert "upstream exploded" in details  # the colour codes are gone
        assert "\x1b" not in details and "\x07" not in details


def test_snapshot(showcase: Path, snap_compare) -> None:
    assert snap_compare(DebugApp(showcase, SESSION), terminal_size=(120, 64), run_before=loaded)


async def test_opentelemetry_line_when_export_is_on(showcase: Path) -> None:
    line = "OTel → http://c:4318: 12 spans sent, 3 dropped (queue full), 0 failed"

    class OtelDebugApp(App[None]):  # not a DebugApp: Textual would run both on_mount
        def __init__(self, database: Path, session_id: str | None) -> None:
            super().__init__()
            self.database, self.session_id = database, session_id

        def on_mount(self) -> None:
            self.push_screen(
                DebugScreen(
                    self.database, self.session_id, clock=lambda: NOW, telemetry=lambda: line
                )
            )

    app = OtelDebugApp(showcase, SESSION)
    async with app.run_test(size=(120, 60)) as pilot:
        await loaded(pilot)
        screen = app.screen
        assert isinstance(screen, DebugScreen)
        assert text_of(screen, "#debug-otel") == line
