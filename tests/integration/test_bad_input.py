"""Every kind of bad response ends the turn with one line and a log row, never a traceback."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tuichat.sim.settings import SimSettings
from tuichat.sim.thread import SimServerThread

SECRET = "sk-tuichat-test-RECOGNISABLE-0123456789"


def ask(base_url: str, model: str, home: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TUICHAT_HOME": str(home)}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "tuichat",
            "ask",
            "hi",
            "--json",
            "--base-url",
            base_url,
            "--model",
            model,
            *extra,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


# attempts: failures before any text are retried (2 retries; protocol errors
# once); after text was shown, never.
@pytest.mark.parametrize(
    ("scenario", "error_type", "status", "attempts"),
    [
        ("malformed", "protocol_error", "failed", 1),
        ("not_sse", "protocol_error", "failed", 2),
        ("http_html", "server_error", "failed", 3),
        ("error_mid_stream", "server_error", "failed", 1),
        ("context_too_long", "context_too_long", "failed", 1),
        ("http_error&status=429&retry_after=0", "rate_limited", "failed", 3),
        ("http_error&status=529", "overloaded", "failed", 3),
        ("truncate", "truncated", "truncated", 1),
        ("drop", "connection", "failed", 1),
    ],
)
def test_each_fault_is_one_line_and_a_row(
    sim: SimServerThread,
    tuichat_home: Path,
    scenario: str,
    error_type: str,
    status: str,
    attempts: int,
) -> None:
    result = ask(sim.base_url, f"sim?scenario={scenario}&tokens=40", tuichat_home)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("tuichat: ")
    assert "<" not in lines[0]  # never an HTML page
    summary = json.loads(result.stdout)
    assert summary["status"] == status and summary["error_type"] == error_type
    with sqlite3.connect(tuichat_home / "tuichat.db") as db:
        rows = db.execute("select status, error_type, error_message from attempts").fetchall()
    assert len(rows) == attempts  # one row per attempt
    for row_status, row_type, message in rows:
        assert (row_status, row_type) == (status, error_type) and message
    if summary["text"]:  # a partial answer is kept in the log too
        with sqlite3.connect(tuichat_home / "tuichat.db") as db:
            [(content,)] = db.execute(
                "select content from messages where role='assistant'"
            ).fetchall()
        assert content == summary["text"]


def test_a_401_never_leaks_the_key(tuichat_home: Path) -> None:
    with SimServerThread(SimSettings(api_key="sk-the-right-key-000000000000")) as sim:
        result = ask(sim.base_url, "sim", tuichat_home, "--api-key", SECRET)
    assert result.returncode == 1
    assert "auth (401)" in result.stderr
    assert SECRET not in result.stdout and SECRET not in result.stderr
    for path in tuichat_home.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
