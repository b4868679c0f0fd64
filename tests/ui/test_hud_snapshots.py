"""SVG snapshots of the chat screen with the HUD: 80x24, 120x42 and 200x50, in each theme.

Stable across runs and machines: see ``tests.helpers.hud_snapshot``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.helpers.hud_snapshot import one_turn, snapshot_app

THEMES = ["tuichat-dark", "tuichat-light", "tuichat-high-contrast"]


def themed(theme: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    """Switch to ``theme``, then play the one turn."""

    async def themed_turn(pilot: Pilot[None]) -> None:
        pilot.app.theme = theme
        await one_turn(pilot)

    return themed_turn


@pytest.mark.parametrize("theme", THEMES)
def test_chat_screen_with_the_hud(snap_compare, tmp_path: Path, theme: str) -> None:
    app = snapshot_app(tmp_path)
    assert snap_compare(app, terminal_size=(120, 42), run_before=themed(theme))


def test_chat_screen_at_80x24(snap_compare, tmp_path: Path) -> None:
    assert snap_compare(snapshot_app(tmp_path), terminal_size=(80, 24), run_before=one_turn)


@pytest.mark.parametrize("theme", THEMES[1:])
def test_chat_screen_at_80x24_themed(snap_compare, tmp_path: Path, theme: str) -> None:
    app = snapshot_app(tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=themed(theme))


@pytest.mark.parametrize("theme", THEMES)
def test_chat_screen_at_200x50(snap_compare, tmp_path: Path, theme: str) -> None:
    app = snapshot_app(tmp_path)
    assert snap_compare(app, terminal_size=(200, 50), run_before=themed(theme))
