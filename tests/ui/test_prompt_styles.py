"""The prompt fills its theme's styles in from CSS once per restyle, not on every paint."""

from __future__ import annotations

import dataclasses
import inspect

from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widgets import Button, TextArea

from tuichat.ui.widgets.prompt import PromptArea


class PromptApp(App[None]):
    CSS = "PromptArea.loud { background: red; }"

    def compose(self) -> ComposeResult:
        yield PromptArea(id="prompt")
        yield Button("elsewhere")


def paint(area: PromptArea) -> None:
    area.render_lines(Region(0, 0, area.size.width, area.size.height))


async def test_the_theme_css_is_applied_once_until_the_styles_change(monkeypatch):
    app = PromptApp()
    async with app.run_test() as pilot:
        area = app.query_one(PromptArea)
        await pilot.pause()
        applied: list[int] = []
        theme = area._theme
        original = theme.apply_css
        monkeypatch.setattr(theme, "apply_css", lambda ta: (applied.append(1), original(ta)))
        for _ in range(3):
            paint(area)
        assert applied == []  # painted before, nothing changed since: kept

        area.add_class("loud")
        await pilot.pause()
        paint(area)
        paint(area)
        assert len(applied) == 1
        assert area._theme.base_style.bgcolor is not None
        assert area._theme.base_style.bgcolor.triplet == (
            255,
            0,
            0,
        )  # the restyle reached the theme


def current(area: PromptArea) -> bool:
    """True when the theme holds what applying the CSS now would give it."""
    fresh = dataclasses.replace(area._theme)
    fresh.apply_css(area)
    fields = [
        field.name
        for field in dataclasses.fields(fresh)
        if field.name != "_theme_configured_attributes"
    ]
    return all(getattr(fresh, name) == getattr(area._theme, name) for name in fields)


async def test_the_theme_follows_focus_the_app_theme_and_classes():
    app = PromptApp()
    async with app.run_test() as pilot:
        area = app.query_one(PromptArea)
        changes = [
            lambda: area.focus(),
            lambda: setattr(app, "theme", "textual-light"),
            lambda: app.query_one(Button).focus(),
            lambda: area.add_class("loud"),
            lambda: setattr(app, "theme", "textual-dark"),
            lambda: area.remove_class("loud"),
        ]
        for change in changes:
            before = dataclasses.replace(area._theme)
            change()
            await pilot.pause()
            paint(area)
            assert current(area)
        assert area._theme != before  # the last change did change the colours


def test_textarea_render_lines_only_applies_the_theme_css():
    """PromptArea skips TextArea.render_lines when the CSS is current: it must do nothing else."""
    body = inspect.getsource(TextArea.render_lines).split("]:", 1)[1]
    statements = [line.strip() for line in body.splitlines() if line.strip()]
    assert statements == [
        "theme = self._theme",
        "if theme:",
        "theme.apply_css(self)",
        "return super().render_lines(crop)",
    ], "TextArea.render_lines changed: review PromptArea.render_lines"
