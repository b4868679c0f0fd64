"""A prompt that is not UTF-8 is sent, logged and answered: U+FFFD per bad byte, one note line.

Before, ``printf 'caf\\xe9' | tuichat ask -`` failed as "provider_error:
internal error: ... surrogates not allowed", was not logged, and counted
against the provider.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tuichat.sim.thread import SimServerThread


def ask(
    home: Path, sim: SimServerThread, *args: str | bytes, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    argv: list[str | bytes] = [sys.executable, "-m", "tuichat", "ask", *args]
    argv += ["--json", "--base-url", sim.base_url, "--model", "sim?tokens=5"]
    return subprocess.run(
        argv,
        input=stdin,
        capture_output=True,
        env={**os.environ, "TUICHAT_HOME": str(home)},
        timeout=60,
    )


def logged(home: Path, role: str) -> list[tuple[str, str]]:
    with sqlite3.connect(home / "tuichat.db") as db:
        sql = "select content, status from messages where role = ?"
        return db.execute(sql, (role,)).fetchall()


def test_stdin_bytes_that_are_not_utf8_are_replaced_sent_and_logged(
    tuichat_home: Path, sim: SimServerThread
) -> None:
    result = ask(tuichat_home, sim, "-", stdin=b"caf\xe9 \xff\xfe")
    assert result.returncode == 0, result.stderr
    assert result.stderr.decode() == (
        "tuichat: note: 3 bytes of the prompt on stdin were not UTF-8 and replaced with U+FFFD\n"
    )
    assert json.loads(result.stdout)["status"] == "ok"
    [record] = sim.records()
    assert record.body is not None
    assert record.body["messages"][-1]["content"] == "caf\ufffd \ufffd\ufffd"
    assert [content for content, _ in logged(tuichat_home, "user")] == ["caf\ufffd \ufffd\ufffd"]
    assert [status for _, status in logged(tuichat_home, "assistant")] == ["ok"]


def test_argv_prompt_and_system_bytes_are_replaced_too(
    tuichat_home: Path, sim: SimServerThread
) -> None:
    result = ask(tuichat_home, sim, b"caf\xe9", "--system", b"be \xff brief")
    assert result.returncode == 0, result.stderr
    assert result.stderr.decode().splitlines() == [
        "tuichat: note: 1 byte of the prompt argument was not UTF-8 and replaced with U+FFFD",
        "tuichat: note: 1 byte of --system was not UTF-8 and replaced with U+FFFD",
    ]
    [record] = sim.records()
    assert record.body is not None
    assert [m["content"] for m in record.body["messages"]] == ["be \ufffd brief", "caf\ufffd"]


def test_valid_utf8_on_stdin_needs_no_note(tuichat_home: Path, sim: SimServerThread) -> None:
    result = ask(tuichat_home, sim, "-", stdin="café ✓".encode())
    assert result.returncode == 0 and result.stderr == b""
    assert logged(tuichat_home, "user") == [("café ✓", "ok")]


def test_undecodable_bytes_in_a_name_are_one_usage_line(
    tuichat_home: Path, sim: SimServerThread
) -> None:
    result = ask(tuichat_home, sim, "hi", "--tag", b"caf\xe9")
    assert result.returncode == 2
    assert result.stderr.decode() == (
        "tuichat ask: error: argument --tag: not valid UTF-8 text (see tuichat ask --help)\n"
    )
    assert sim.records() == []
