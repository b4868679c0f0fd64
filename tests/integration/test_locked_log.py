"""Another process holds the log's write lock: ``ask`` answers anyway and loses nothing.

The test holds the lock (``BEGIN IMMEDIATE`` on its own connection) from
before ``ask`` starts until the whole answer is on stdout, so the answer
cannot have waited for the log; then it lets go, and ``ask`` must still
write every row (the session's tag and system prompt included) before it
exits 0.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tuichat.sim.answers import answer_text
from tuichat.sim.thread import SimServerThread
from tuichat.store import open_database_sync

WAIT_S = 30.0


def test_ask_answers_while_the_log_is_locked_and_writes_everything_after(
    sim: SimServerThread, tuichat_home: Path
) -> None:
    path = tuichat_home / "tuichat.db"
    open_database_sync(path).close()
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    command = [sys.executable, "-m", "tuichat", "ask", "hello", "--base-url", sim.base_url]
    command += ["--model", "sim?tokens=10", "--system", "be brief", "--tag", "demo"]
    env = {**os.environ, "TUICHAT_HOME": str(tuichat_home)}
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None
    try:
        expected = (answer_text("prose", 10) + "\n").encode()
        printed = b""
        while len(printed) < len(expected) and (chunk := os.read(proc.stdout.fileno(), 4096)):
            printed += chunk
        assert printed == expected  # the whole answer, while the lock is still held
    finally:
        blocker.execute("COMMIT")
        blocker.close()
    _, err = proc.communicate(timeout=WAIT_S)

    assert proc.returncode == 0, err
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT system_prompt, tag FROM sessions").fetchall() == [
            ("be brief", "demo")
        ]
        roles = db.execute("SELECT role, status FROM messages ORDER BY id").fetchall()
        assert roles == [("user", "ok"), ("assistant", "ok")]
        assert db.execute("SELECT status FROM attempts").fetchall() == [("ok",)]
        assert db.execute("SELECT count(*) FROM writers").fetchone() == (0,)
