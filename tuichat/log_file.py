"""Warnings and tracebacks go to ``tuichat.log`` next to the database, never to the terminal.

The file holds error details (hosts, model ids, stack traces), so it is
created 0600 in a 0700 folder, and a file an older version left readable by
others is narrowed to 0600 before anything is appended. When it cannot be
opened privately, nothing is logged rather than logged in the open.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from tuichat import paths

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging() -> None:
    """Send warnings and above from every logger to the private log file."""
    try:
        paths.ensure_private_dir(paths.data_dir())
        handler: logging.Handler = logging.FileHandler(
            open_private(paths.log_path()), encoding="utf-8"
        )
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)


def open_private(path: Path) -> Path:
    """Create ``path`` 0600 if absent, narrow it to 0600 if present; return it."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    return path
