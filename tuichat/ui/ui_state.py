"""Small UI choices that outlive a session (today: the theme), in one JSON file.

The file is ``<data dir>/ui-state.json``: a cache of preferences, not
configuration, so it is never required. A missing, unreadable, oversized or
corrupt file reads as "nothing remembered" and a value of the wrong shape is
dropped, never raised. Writes go to a private temporary file that replaces
the old one (``os.replace``), so a crash mid-write leaves the previous state,
and keys written by other parts of the UI are kept.
"""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuichat import paths
from tuichat.ui.small_file import read_small_file

__all__ = ["UiState", "load_ui_state", "save_theme", "ui_state_path"]

STATE_NAME = "ui-state.json"
MAX_STATE_BYTES = 64 * 1024
MAX_THEME_NAME = 64


@dataclass(frozen=True, slots=True)
class UiState:
    """What the UI remembered; ``None`` means nothing (or nothing usable) was."""

    theme: str | None = None


def ui_state_path() -> Path:
    """The state file, next to the SQLite log."""
    return paths.data_dir() / STATE_NAME


def load_ui_state(path: Path | None = None) -> UiState:
    """The remembered state; an absent or damaged file gives an empty UiState."""
    raw = _read_raw(path or ui_state_path())
    theme = raw.get("theme")
    usable = isinstance(theme, str) and 0 < len(theme) <= MAX_THEME_NAME and theme.isprintable()
    return UiState(theme=theme if usable else None)


def save_theme(name: str, path: Path | None = None) -> None:
    """Remember ``name`` as the theme; raises OSError if the file cannot be written."""
    target = path or ui_state_path()
    raw = _read_raw(target)
    raw["theme"] = name
    _write_private_json(target, raw)


def _read_raw(path: Path) -> dict[str, Any]:
    """The file's JSON object, or ``{}`` when it is missing, too big or not a JSON object."""
    try:
        data = read_small_file(path, MAX_STATE_BYTES)
    except OSError:
        return {}
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return {}
    return raw if isinstance(raw, dict) else {}


def _write_private_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` atomically: a 0600 temporary file in a 0700 folder, then a rename."""
    folder = paths.ensure_private_dir(path.parent)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(data, file, indent=2, sort_keys=True)
            file.write("\n")
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary)
        raise
