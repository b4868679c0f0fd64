"""Where tuichat keeps its files.

``$TUICHAT_HOME`` puts everything (config, database, caches) in one folder;
otherwise the XDG base directories are used. These helpers only compute paths:
nothing is created at import time, and callers create what they need.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "tuichat"
DATABASE_NAME = "tuichat.db"
CONFIG_NAME = "config.toml"


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


def database_path() -> Path:
    """The SQLite log file."""
    return data_dir() / DATABASE_NAME


def config_path() -> Path:
    """The TOML configuration file."""
    return config_dir() / CONFIG_NAME


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) readable by its owner only; return it."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
