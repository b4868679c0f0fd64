"""Run a ``tuichat`` subcommand in a child process with its own home, and read its log back.

Integration tests of the command line go through the real entry point
(``python -m tuichat``), so argument parsing, exit codes and stderr lines are
what a user gets.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path


def run_tuichat(
    command: str, *args: str, home: Path, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    """``tuichat COMMAND ARGS`` with ``TUICHAT_HOME=home``; output captured as text."""
    env = {**os.environ, "TUICHAT_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "tuichat", command, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


def log_rows(home: Path, sql: str) -> list[tuple[object, ...]]:
    """Rows of ``sql`` on the log under ``home``."""
    with sqlite3.connect(home / "tuichat.db") as db:
        return db.execute(sql).fetchall()
