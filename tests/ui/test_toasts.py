"""Toasts keep clear of the prompt: its border carries the pre-send estimate."""

from __future__ import annotations

from pathlib import Path

from textual.widgets._toast import Toast

from tests.helpers.hud_snapshot import snapshot_app


async def test_nothing_to_cancel_leaves_the_prompt_border_visible(tmp_path: Path) -> None:
    app = snapshot_app(tmp_path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("ctrl+c")
        await pilot.pause()
        toasts = list(app.screen.query(Toast))
        assert toasts, "the 'Nothing to cancel' toast was not shown"
        prompt = app.query_one("#prompt").region
        for toast in toasts:
            assert not toast.region.overlaps(prompt), (toast.region, prompt)
