"""Where tuichat keeps its files.

``$TUICHAT_HOME`` puts everything (config, database, caches) in one folder;
otherwise the XDG base directories are used. These helpers only compute paths:
nothing is created at import time, and callers create what they need —
folders through :func:`ensure_private_dir`, so every folder tuichat creates
(parents included) is owner-only. ``tuichat.cli`` also sets the umask to 077,
which covers files and folders made by code that sets no mode.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

APP_NAME = "tuichat"
DATABASE_NAME = "tuichat.db"
CONFIG_NAME = "config.toml"
LOG_NAME = "tuichat.log"
PRIVATE_DIR_MODE = 0o700


def _home_override() -> Path | None:
    value = os.environ.get("TUICHAT_HOME")
    return Path(value).expanduser() if value else None


def _xdg(var: str, fallback: str) -> Path:
    value = os.environ.get(var)
    base = Path(value).expanduser() if value else Path.home() / fallback
    return base / APP_NAME


def data_dir() -> Path:
    """Folder for the SQLite log."""
    return _home_override() or _xdg("XDG_DATA_HOME", ".local/share")


def config_dir() -> Path:
    """Folder for ``config.toml`` and the user's themes."""
    return _home_override() or _xdg("XDG_CONFIG_HOME", ".config")


def cache_dir() -> Path:
    """Folder for caches (assembled model files, ...)."""
    home = _home_override()
    return home / "cache" if home else _xdg("XDG_CACHE_HOME", ".cache")


def runtime_dir() -> Path:
    """Folder for files that describe running processes (the kept local model).

    ``$XDG_RUNTIME_DIR/tuichat`` (per user, emptied at logout) when it is set;
    else, and under ``$TUICHAT_HOME``, a ``run`` folder of the cache.
    """
    if _home_override() is None:
        value = os.environ.get("XDG_RUNTIME_DIR")
        if value and Path(value).is_dir():
            return Path(value) / APP_NAME
    return cache_dir() / "run"


def database_path() -> Path:
    """The SQLite log file."""
    return data_dir() / DATABASE_NAME


def config_path() -> Path:
    """The TOML configuration file."""
    return config_dir() / CONFIG_NAME


def log_path() -> Path:
    """The warnings log, next to the database."""
    return data_dir() / LOG_NAME


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` and each missing parent readable by its owner only; return it.

    ``mkdir(parents=True)`` would give the parents the umask's mode (often
    0755); existing folders are left as they are.
    """
    for parent in reversed(path.parents):
        if not parent.exists():
            with contextlib.suppress(FileExistsError):  # another process was quicker
                parent.mkdir(mode=PRIVATE_DIR_MODE)
    path.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
    return path
