"""Themes in the real TuichatApp: palette switch, remembered across runs, bad files survive."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from textual.color import Color
from textual.command import CommandPalette

from tests.helpers.chat_pilot import wait_until
from tuichat.config import ModelSpec
from tuichat.providers.openai_compat import OpenAICompatProvider
from tuichat.ui.app import TuichatApp
from tuichat.ui.chat_options import ChatOptions
from tuichat.ui.themes import user_themes_dir
from tuichat.ui.ui_state import load_ui_state, save_theme, ui_state_path

SHIPPED = ("tuichat-dark", "tuichat-light", "tuichat-high-contrast")


@dataclass(frozen=True)
class Note:
    """One notification the app raised."""

    message: str
    severity: str
    markup: bool


def make_app(tmp_path: Path) -> tuple[TuichatApp, list[Note]]:
    """The real app on a provider that is never called; its notifications are recorded."""
    base_url = "http://127.0.0.1:9/v1"
    spec = ModelSpec("sim-test", "openai-compat", "sim", origin="test", base_url=base_url)
    provider = OpenAICompatProvider(base_url, None, name="unused")
    app = TuichatApp(ChatOptions(model=spec, database=tmp_path / "t.db").chat(provider))
    notes: list[Note] = []
    notify = app.notify

    def record(message: str, **kwargs: Any) -> None:
        severity, markup = kwargs.get("severity", "information"), kwargs.get("markup", True)
        notes.append(Note(message, severity, markup))
        notify(message, **kwargs)

    app.notify = record  # type: ignore[method-assign]
    return app, notes


def saved_theme() -> str | None:
    return load_ui_state().theme


async def test_the_app_starts_in_tuichat_dark_and_writes_nothing(tmp_path: Path) -> None:
    app, notes = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.theme == "tuichat-dark"
        assert set(SHIPPED) <= set(app.available_themes)
        assert app.screen.styles.background == Color.parse("#14171c")
    assert notes == []
    assert not ui_state_path().exists()


async def test_the_palette_switches_the_theme_and_it_is_saved(tmp_path: Path) -> None:
    app, _ = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"theme")
        await pilot.pause(0.3)
        await pilot.press("enter")  # "Theme: change the current theme"
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"tuichat-light")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.theme == "tuichat-light")
        await wait_until(pilot, lambda: saved_theme() == "tuichat-light")
        assert not isinstance(app.screen, CommandPalette)


async def test_a_new_app_starts_with_the_remembered_theme(tmp_path: Path) -> None:
    first, _ = make_app(tmp_path)
    async with first.run_test(size=(100, 30)) as pilot:
        first.theme = "tuichat-high-contrast"
        await wait_until(pilot, lambda: saved_theme() == "tuichat-high-contrast")
    second, notes = make_app(tmp_path)
    assert second.theme == "tuichat-high-contrast"  # already before the first frame
    async with second.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert second.theme == "tuichat-high-contrast"
        assert second.screen.styles.background == Color.parse("#000000")
    assert notes == []


async def test_a_textual_theme_is_remembered_too(tmp_path: Path) -> None:
    first, _ = make_app(tmp_path)
    async with first.run_test(size=(100, 30)) as pilot:
        first.theme = "nord"
        await wait_until(pilot, lambda: saved_theme() == "nord")
    second, _ = make_app(tmp_path)
    assert second.theme == "nord"


async def test_a_remembered_theme_that_is_gone_falls_back_to_tuichat_dark(tmp_path: Path) -> None:
    save_theme("my-deleted-theme")
    app, notes = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.theme == "tuichat-dark"
    assert notes == [Note("theme 'my-deleted-theme' is not available any more", "warning", False)]
    assert saved_theme() == "my-deleted-theme"  # kept until the user picks another


async def test_a_corrupt_state_file_is_ignored(tmp_path: Path) -> None:
    ui_state_path().parent.mkdir(parents=True, exist_ok=True)
    ui_state_path().write_bytes(b"\x00\xff{{{")
    app, notes = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.theme == "tuichat-dark"
    assert notes == []


async def test_a_bad_user_theme_is_a_warning_and_the_app_still_starts(tmp_path: Path) -> None:
    folder = user_themes_dir()
    folder.mkdir(parents=True)
    (folder / "broken.toml").write_text('name = "broken"\nprimary = "[b]blurple"\n')
    (folder / "ocean.toml").write_text('name = "ocean"\nprimary = "#0077be"\n')
    app, notes = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.theme == "tuichat-dark"
        assert "ocean" in app.available_themes and "broken" not in app.available_themes
        assert app.query_one("#prompt").has_focus
    (note,) = notes
    assert note.severity == "warning" and note.markup is False  # file content is not markup
    assert note.message.startswith("theme broken.toml: primary: cannot parse '[b]blurple'")


async def test_a_theme_tcss_applies_only_while_its_theme_is_active(tmp_path: Path) -> None:
    folder = user_themes_dir()
    folder.mkdir(parents=True)
    (folder / "ocean.toml").write_text('name = "ocean"\nprimary = "#0077be"\n')
    (folder / "ocean.tcss").write_text("Screen { background: #102030; }\n")
    app, notes = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        dark = app.screen.styles.background
        app.theme = "ocean"
        await wait_until(pilot, lambda: app.screen.styles.background == Color.parse("#102030"))
        app.theme = "tuichat-dark"
        await wait_until(pilot, lambda: app.screen.styles.background == dark)
    assert notes == []


async def test_high_contrast_makes_the_prompt_frame_heavy(tmp_path: Path) -> None:
    app, _ = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        prompt = app.query_one("#prompt")
        await wait_until(pilot, lambda: prompt.has_focus)
        assert prompt.styles.border.top[0] == "round"
        app.theme = "tuichat-high-contrast"
        await wait_until(pilot, lambda: prompt.styles.border.top[0] == "heavy")


async def test_a_failed_save_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    app, notes = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        ui_state_path().mkdir(parents=True)  # a folder where the file should go
        app.theme = "tuichat-light"
        await wait_until(pilot, lambda: bool(notes))
        assert app.theme == "tuichat-light"
    (note,) = notes
    assert note.severity == "warning" and note.message.startswith("cannot remember the theme")


@pytest.mark.parametrize("name", SHIPPED)
async def test_each_shipped_theme_renders_the_chat_screen(tmp_path: Path, name: str) -> None:
    save_theme(name)
    app, notes = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.theme == name
        assert app.screen.styles.background.a == 1
    assert notes == []
    assert json.loads(ui_state_path().read_text()) == {"theme": name}
