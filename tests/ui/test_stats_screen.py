"""The stats screen over a fixed, seeded log: tabs, refresh, errors, hostile text, looks."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Static

from tests.helpers.seeded_log import T0, LogSeeder, seed_showcase
from tuichat.ui.screens.stats_screen import StatsScreen

SESSION = "s-showcase"
NOW = T0 + 4 * 3600


class StatsApp(App[None]):
    """A bare app that opens the stats screen, as the chat app's f9 does."""

    def __init__(self, database: Path, session_id: str | None) -> None:
        super().__init__()
        self.database = database
        self.session_id = session_id

    def on_mount(self) -> None:
        self.push_screen(StatsScreen(self.database, self.session_id, clock=lambda: NOW))


@pytest.fixture
def showcase(tmp_path: Path) -> Path:
    path = tmp_path / "log.db"
    seed_showcase(path, SESSION)
    with LogSeeder(path) as log:
        log.turn(T0 - 3 * 86_400, session_id="s-older")  # only the 7-day tab sees it
        log.turn(NOW - 60, session_id="s-other", model="evil\x1b[2J[b]model")
    return path


async def loaded(pilot: Pilot[None]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def text_of(screen: StatsScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_tabs_refresh_and_close(showcase: Path) -> None:
    app = StatsApp(showcase, SESSION)
    async with app.run_test(size=(120, 60)) as pilot:
        await loaded(pilot)
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        assert screen.report is not None and screen.report.scope == f"session {SESSION}"
        session_requests = screen.report.requests
        assert "[1 session]" in text_of(screen, "#stats-tabs")

        await pilot.press("3")
        await loaded(pilot)
        assert screen.report.scope.startswith("since") and "[3 7 days]" in text_of(
            screen, "#stats-tabs"
        )
        assert screen.report.requests == session_requests + 2

        await pilot.press("tab")  # wraps to the session tab
        await loaded(pilot)
        assert screen.report.requests == session_requests

        first = screen.report
        await pilot.press("r")
        await loaded(pilot)
        assert screen.report is not first and screen.report == first

        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, StatsScreen)


async def test_hostile_model_names_are_shown_inert(showcase: Path) -> None:
    app = StatsApp(showcase, None)
    async with app.run_test(size=(120, 60)) as pilot:
        await loaded(pilot)
        screen = app.screen
        assert isinstance(screen, StatsScreen) and screen.scope_name == "today"
        body = text_of(screen, "#stats-report")
        assert "␛[2J[b]model" in body and "\x1b" not in body
        assert "1 session" not in text_of(screen, "#stats-tabs")  # no session: no tab
        await pilot.press("1")
        await loaded(pilot)
        assert screen.scope_name == "today"


async def test_a_missing_log_is_one_line(tmp_path: Path) -> None:
    app = StatsApp(tmp_path / "nothing.db", SESSION)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        status = text_of(app.screen, "#stats-status")  # type: ignore[arg-type]
        assert status.startswith("Cannot read the log: no log at") and "\n" not in status
        assert not (tmp_path / "nothing.db").exists()


def test_snapshot(showcase: Path, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(StatsApp(showcase, SESSION), terminal_size=(110, 80), run_before=loaded)


async def test_f9_in_the_chat_shows_this_sessions_turn(sim: object, tmp_path: Path) -> None:
    """The real chat app: a turn against the simulator, then f9 and the palette entry."""
    from tests.helpers.chat_pilot import make_app, send, wait_until
    from tuichat.sim.thread import SimServerThread

    assert isinstance(sim, SimServerThread)
    app = make_app(sim, "sim?tokens=5", tmp_path / "chat.db")
    async with app.run_test(size=(120, 50)) as pilot:
        await send(pilot, "hello")
        await wait_until(pilot, lambda: not app.streaming and app.turn is not None)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Stats view (f9)" in titles
        await pilot.press("f9")
        await wait_until(pilot, lambda: isinstance(app.screen, StatsScreen) and app.screen.report)
        screen = app.screen
        assert isinstance(screen, StatsScreen) and screen.report is not None
        assert screen.report.requests == 1 and screen.report.ttft_ms.count == 1
        assert screen.report.scope == f"session {app.session.session_id}"
