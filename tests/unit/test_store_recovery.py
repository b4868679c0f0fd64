"""Opening the log marks the turns of dead processes interrupted, never a live one's."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tuichat.store import open_database, open_database_sync
from tuichat.store.recovery import ProcessIdentity, is_alive, this_process

SEEN = 1_700_000_100.0


@pytest.fixture
def path(tmp_path: Path) -> Path:
    path = tmp_path / "log.db"
    open_database_sync(path).close()
    return path


@pytest.fixture
def dead_pid() -> int:
    """The pid of a process that has ended and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture
def zombie_pid() -> Iterator[int]:
    """The pid of a process that has ended but was not reaped yet."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    stat = Path(f"/proc/{child.pid}/stat")
    for _ in range(500):
        if not stat.exists() or stat.read_text().rpartition(")")[2].split()[0] == "Z":
            break
        time.sleep(0.01)
    yield child.pid
    child.wait()


def add_writer(conn: sqlite3.Connection, writer: str, identity: ProcessIdentity) -> None:
    conn.execute(
        "INSERT INTO writers (id, pid, process_start, host, opened_at, seen_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (writer, identity.pid, identity.process_start, identity.host, SEEN - 100, SEEN),
    )


def add_turn(
    conn: sqlite3.Connection, trace: str, writer: str, *, answer: str | None = None
) -> None:
    """A turn cut mid-way: attempt 1 failed, attempt 2 running, maybe some text."""
    conn.execute("INSERT OR IGNORE INTO sessions (id, created_at) VALUES ('s1', 1.0)")
    conn.execute(
        "INSERT INTO open_turns (trace_id, writer_id, session_id, started_at)"
        " VALUES (?, ?, 's1', 1.0)",
        (trace, writer),
    )
    conn.execute(
        "INSERT INTO messages (session_id, trace_id, role, content, status, model, created_at)"
        " VALUES ('s1', ?, 'user', 'hi', 'ok', 'gpt-x', 1.0)",
        (trace,),
    )
    for n, model, status in ((1, "gpt-x", "failed"), (2, "claude-y", "running")):
        conn.execute(
            "INSERT INTO attempts (trace_id, session_id, attempt, model, provider, started_at,"
            " status, ended_at) VALUES (?, 's1', ?, ?, 'p', 2.0, ?, ?)",
            (trace, n, model, status, 3.0 if status == "failed" else None),
        )
    if answer is not None:
        conn.execute(
            "INSERT INTO messages (session_id, trace_id, role, content, status, model, created_at)"
            " VALUES ('s1', ?, 'assistant', ?, 'streaming', 'claude-y', 5.0)",
            (trace, answer),
        )
    conn.commit()


def rows(path: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, params).fetchall()


def seed(path: Path, writer: str, identity: ProcessIdentity, answer: str | None) -> None:
    with sqlite3.connect(path) as conn:
        add_writer(conn, writer, identity)
        add_turn(conn, f"trace-{writer}", writer, answer=answer)


def turn_state(path: Path, writer: str) -> tuple[list[tuple[object, ...]], ...]:
    trace = f"trace-{writer}"
    answers = rows(
        path,
        "SELECT content, status, model, created_at FROM messages"
        " WHERE trace_id = ? AND role = 'assistant'",
        trace,
    )
    attempts = rows(
        path, "SELECT attempt, status, ended_at FROM attempts WHERE trace_id = ? ORDER BY 1", trace
    )
    return answers, attempts


def test_a_dead_writers_turn_is_interrupted_with_its_text(path: Path, dead_pid: int) -> None:
    seed(path, "w1", ProcessIdentity(dead_pid, None, this_process().host), answer="Hel")

    open_database_sync(path).close()

    answers, attempts = turn_state(path, "w1")
    assert answers == [("Hel", "interrupted", "claude-y", 5.0)]
    assert attempts == [(1, "failed", 3.0), (2, "interrupted", SEEN)]
    assert rows(path, "SELECT * FROM open_turns") == []
    assert rows(path, "SELECT * FROM writers") == []


def test_a_turn_without_text_gets_an_empty_interrupted_answer(path: Path, dead_pid: int) -> None:
    seed(path, "w1", ProcessIdentity(dead_pid, None, this_process().host), answer=None)

    open_database_sync(path).close()

    answers, _ = turn_state(path, "w1")
    assert answers == [("", "interrupted", "claude-y", SEEN)]


def test_a_live_writers_turn_is_left_alone(path: Path, dead_pid: int) -> None:
    seed(path, "live", this_process(), answer="Hel")
    seed(path, "dead", ProcessIdentity(dead_pid, None, this_process().host), answer="Bye")

    open_database_sync(path).close()

    answers, attempts = turn_state(path, "live")
    assert answers == [("Hel", "streaming", "claude-y", 5.0)]
    assert attempts == [(1, "failed", 3.0), (2, "running", None)]
    assert rows(path, "SELECT trace_id FROM open_turns") == [("trace-live",)]
    assert turn_state(path, "dead")[0] == [("Bye", "interrupted", "claude-y", 5.0)]


def test_a_reused_pid_is_a_dead_writer(path: Path) -> None:
    me = this_process()
    if me.process_start is None:
        pytest.skip("no /proc: a reused pid cannot be told apart here")
    seed(path, "w1", ProcessIdentity(os.getpid(), "another-boot:1", me.host), answer="Hel")

    open_database_sync(path).close()

    assert turn_state(path, "w1")[0] == [("Hel", "interrupted", "claude-y", 5.0)]


def test_a_writer_on_another_host_is_never_judged(path: Path, dead_pid: int) -> None:
    seed(path, "w1", ProcessIdentity(dead_pid, None, "another-host"), answer="Hel")

    open_database_sync(path).close()

    assert turn_state(path, "w1")[0] == [("Hel", "streaming", "claude-y", 5.0)]


def test_an_unreaped_process_is_dead(zombie_pid: int) -> None:
    assert not is_alive(ProcessIdentity(zombie_pid, None, this_process().host))
    assert is_alive(this_process())


def test_open_turns_without_a_writer_row_are_recovered(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        add_turn(conn, "trace-orphan", "orphan", answer="Hel")

    open_database_sync(path).close()

    assert turn_state(path, "orphan")[0] == [("Hel", "interrupted", "claude-y", 5.0)]
    assert turn_state(path, "orphan")[1][1] == (2, "interrupted", 5.0)  # its latest stamp


async def test_the_async_open_recovers_too(path: Path, dead_pid: int) -> None:
    seed(path, "w1", ProcessIdentity(dead_pid, None, this_process().host), answer="Hel")

    db = await open_database(path)
    await db.close()

    assert turn_state(path, "w1")[0] == [("Hel", "interrupted", "claude-y", 5.0)]


def test_a_locked_log_opens_and_is_recovered_later(
    path: Path, dead_pid: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tuichat.store.recovery.RECOVERY_BUSY_TIMEOUT_MS", 10)
    seed(path, "w1", ProcessIdentity(dead_pid, None, this_process().host), answer="Hel")
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        conn = open_database_sync(path)
        assert conn.execute("PRAGMA busy_timeout").fetchone() == (5000,)  # restored
        conn.close()
        assert turn_state(path, "w1")[0] == [("Hel", "streaming", "claude-y", 5.0)]
    finally:
        blocker.execute("COMMIT")
        blocker.close()

    open_database_sync(path).close()

    assert turn_state(path, "w1")[0] == [("Hel", "interrupted", "claude-y", 5.0)]
