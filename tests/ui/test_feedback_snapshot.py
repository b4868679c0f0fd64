"""A rated answer on screen: its mark in the status line, the HUD's feedback line.

The snapshot app on a manual clock: one answer, rated 👍 with a comment
through the ctrl+f dialog; the SVG holds the answer's status line and the cost
panel's ``feedback`` row under the session's spend.
"""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from tests.helpers.hud_snapshot import SnapshotApp, one_turn, settle, snapshot_app
from tuichat.ui.screens.feedback import FeedbackDialog


async def _dialog_after_one_turn(pilot: Pilot[None]) -> SnapshotApp:
    """One answer, then ctrl+f: returns once the feedback dialog is the screen."""
    app = pilot.app
    assert isinstance(app, SnapshotApp)
    await one_turn(pilot)
    await pilot.press("ctrl+f")
    while not isinstance(app.screen, FeedbackDialog):
        await pilot.pause(0.01)
    return app


def test_a_rated_answer_on_screen(snap_compare, tmp_path: Path) -> None:
    async def rated_turn(pilot: Pilot[None]) -> None:
        app = await _dialog_after_one_turn(pilot)
        await pilot.press("plus", *"spot on", "enter")
        while isinstance(app.screen, FeedbackDialog):
            await pilot.pause(0.01)
        await settle(pilot)

    assert snap_compare(snapshot_app(tmp_path), terminal_size=(120, 42), run_before=rated_turn)


def test_the_dialog_on_screen(snap_compare, tmp_path: Path) -> None:
    async def open_dialog(pilot: Pilot[None]) -> None:
        app = await _dialog_after_one_turn(pilot)
        await pilot.press("minus", *"too long")
        app.screen.query_one("#feedback-comment").cursor_blink = False  # type: ignore[attr-defined]
        await pilot.pause(0.1)

    assert snap_compare(snapshot_app(tmp_path), terminal_size=(100, 30), run_before=open_dialog)
