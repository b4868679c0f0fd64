"""A kept local model: the second ``tuichat ask`` uses the server the first one started.

Needs the ``local`` extra (skipped cleanly without it). Each process is a real
``python -m tuichat``; answers are capped at a few tokens.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.local_extra import needs_local_extra
from tuichat import paths
from tuichat.local import ensure_bundled_model
from tuichat.local.discovery import process_alive, read_record, record_path

pytestmark = needs_local_extra


def tuichat(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tuichat", *args],
        capture_output=True,
        text=True,
        timeout=180,
        env=dict(os.environ),
    )


@pytest.fixture
def kept_home(tuichat_home: Path) -> Iterator[Path]:
    """A home with the bundled model assembled and a one-minute keep-alive; stops the keeper."""
    tuichat_home.mkdir(parents=True, exist_ok=True)
    (tuichat_home / "config.toml").write_text('[local]\nkeep_alive = "60s"\n')
    ensure_bundled_model(paths.cache_dir())
    yield tuichat_home
    tuichat("local", "stop")


def ask(question: str) -> subprocess.CompletedProcess[str]:
    return tuichat("ask", question, "--model", "local", "--max-tokens", "4", "--no-cache")


def test_a_second_process_reuses_the_kept_server(kept_home: Path) -> None:
    path = record_path(paths.runtime_dir())
    first = ask("What is the capital of France?")
    assert first.returncode == 0, first.stderr
    started = read_record(path)
    assert started is not None and process_alive(started.pid)
    assert path.stat().st_mode & 0o777 == 0o600

    second = ask("What is the capital of Italy?")
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() and not second.stdout.startswith(" ")
    reused = read_record(path)
    assert reused is not None
    assert (reused.pid, reused.started_at) == (started.pid, started.started_at)

    status = tuichat("local", "status")
    assert status.returncode == 0 and f"pid {started.pid}" in status.stdout

    stopped = tuichat("local", "stop")
    assert stopped.returncode == 0 and "stopped" in stopped.stdout
    assert not process_alive(started.pid) and not path.exists()


def test_a_stale_record_is_replaced(kept_home: Path) -> None:
    path = record_path(paths.runtime_dir())
    assert ask("Name a colour.").returncode == 0
    first = read_record(path)
    assert first is not None
    os.kill(first.pid, 9)  # dies without removing its record
    deadline = time.monotonic() + 10
    while process_alive(first.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ask("Name a fruit.").returncode == 0
    second = read_record(path)
    assert second is not None and second.pid != first.pid and process_alive(second.pid)
