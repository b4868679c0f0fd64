"""SVG snapshots of the chat screen with the HUD, wide and at 80x24.

Stable across runs and machines: see ``tests.helpers.hud_snapshot``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.helpers.hud_snapshot import one_turn, snapshot_app


@pytest.mark.parametrize("theme", ["tuichat-dark", "tuichat-light", "tuichat-high-contrast"])
def test_chat_screen_with_the_hud(snap_compare, tmp_path: Path, theme: str) -> None:
    async def themed_turn(pilot: Pilot[None]) -> None:
        pilot.app.theme = theme
        await one_turn(pilot)

    app = snapshot_app(tmp_path)
    assert snap_compare(app, terminal_size=(120, 42), run_before=themed_turn)


def test_chat_screen_at_80x24(snap_compare, tmp_path: Path) -> None:
    assert snap_compare(snapshot_app(tmp_path), terminal_size=(80, 24), run_before=one_turn)
