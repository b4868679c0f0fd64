"""The UI state file: remembered across runs, private, and never a reason to crash."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tuichat.ui.ui_state import UiState, load_ui_state, save_theme, ui_state_path


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_file_lives_in_the_data_dir(tuichat_home: Path) -> None:
    assert ui_state_path() == tuichat_home / "ui-state.json"


def test_nothing_is_remembered_at_first() -> None:
    assert load_ui_state() == UiState(theme=None)
    assert not ui_state_path().exists()


def test_a_saved_theme_is_loaded_back() -> None:
    save_theme("tuichat-light")
    assert load_ui_state() == UiState(theme="tuichat-light")
    save_theme("nord")
    assert load_ui_state().theme == "nord"


def test_the_file_is_private_and_its_folder_too(tuichat_home: Path) -> None:
    save_theme("tuichat-light")
    assert mode(ui_state_path()) == 0o600
    assert mode(tuichat_home) == 0o700


def test_a_write_leaves_no_temporary_files(tuichat_home: Path) -> None:
    save_theme("a")
    save_theme("b")
    assert os.listdir(tuichat_home) == ["ui-state.json"]


def test_other_keys_in_the_file_are_kept() -> None:
    path = ui_state_path()
    path.parent.mkdir(parents=True)
    path.write_text('{"hud": {"wide": true}, "theme": "old"}', encoding="utf-8")
    save_theme("new")
    assert json.loads(path.read_text(encoding="utf-8")) == {"hud": {"wide": True}, "theme": "new"}


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{not json",
        b'["theme", "x"]',
        b'{"theme": 3}',
        b'{"theme": ""}',
        b'{"theme": "evil\\u001b[2J"}',
        b'{"theme": "' + b"x" * 65 + b'"}',
        b'{"theme": "caf\xe9"}',
        b'{"theme": "big", "pad": "' + b"x" * 70_000 + b'"}',
        b"[" * 10_000 + b"]" * 10_000,
    ],
)
def test_a_damaged_file_reads_as_nothing_remembered(content: bytes) -> None:
    path = ui_state_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    assert load_ui_state() == UiState(theme=None)
    save_theme("tuichat-dark")  # and it is simply replaced by the next save
    assert load_ui_state().theme == "tuichat-dark"


def test_a_folder_in_place_of_the_file_reads_as_nothing_and_fails_to_save() -> None:
    ui_state_path().mkdir(parents=True)
    assert load_ui_state() == UiState(theme=None)
    with pytest.raises(OSError):
        save_theme("tuichat-dark")
    assert [p.name for p in ui_state_path().parent.iterdir()] == ["ui-state.json"]


def test_an_explicit_path_is_honoured(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "state.json"
    save_theme("x", path)
    assert load_ui_state(path).theme == "x"
    assert mode(path.parent) == 0o700
