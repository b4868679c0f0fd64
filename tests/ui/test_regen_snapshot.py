"""A regenerated answer on screen: the alternative in place of the original, and its bar.

The snapshot app on a manual clock (one model, so f12 asks again with the
stricter system prompt); the SVG holds ``answer 2/2 · example · strict`` with
the browse keys under the new answer, the original hidden.
"""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from tests.helpers.hud_snapshot import SnapshotApp, one_turn, settle, snapshot_app


def test_a_regenerated_answer_on_screen(snap_compare, tmp_path: Path) -> None:
    async def regenerated(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, SnapshotApp)
        await one_turn(pilot)
        first = app.turn
        await pilot.press("f12")
        while app.turn is first or app.turn is None or app.turn.running:
            await pilot.pause(0.01)
        await app.workers.wait_for_complete()
        await settle(pilot)

    assert snap_compare(snapshot_app(tmp_path), terminal_size=(120, 42), run_before=regenerated)
