"""What the log's read-only commands say when nothing has been logged yet.

``cost``, ``debug`` (and any report over the log) agree: no log file is not
an error but an empty history. They print one line on stderr, nothing on
stdout (``--json`` included), and exit 0. Naming one session that cannot
exist (``debug --session X``) stays an error.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

NOTHING_LOGGED = "no turns logged yet"


def say_nothing_logged(path: Path, err: TextIO) -> None:
    """``tuichat: no turns logged yet (no log at PATH)`` on ``err``."""
    err.write(f"tuichat: {NOTHING_LOGGED} (no log at {path})\n")
