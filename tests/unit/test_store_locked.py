"""Another process holds the database's write lock: rows wait, nothing is dropped.

The lock is real: a second sqlite3 connection in ``BEGIN IMMEDIATE``. The
writer's busy slice is cut to a few milliseconds, and its retries wait on a
:class:`ManualClock`, so the test decides when time passes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiosqlite
import pytest

from tests.helpers.log_events import (
    T0,
    WALL,
    answer,
    attempt,
    delta,
    eventually,
    fetch,
    finished,
    observe_all,
    settle,
    started,
)
from tests.helpers.sql_trace import executed
from tuichat.core.clock import ManualClock
from tuichat.store import LogWriter, open_database
from tuichat.store.backlog import RETRY_BACKOFF_S


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[aiosqlite.Connection]:
    connection = await open_database(tmp_path / "log.db")
    yield connection
    await connection.close()


@pytest.fixture
def blocker(db: aiosqlite.Connection, tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """Another process's connection, holding the write lock until the test releases it."""
    connection = sqlite3.connect(tmp_path / "log.db", isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    yield connection
    if connection.in_transaction:
        connection.execute("COMMIT")
    connection.close()


async def sessions(db: aiosqlite.Connection) -> list[tuple[object, ...]]:
    return await fetch(db, "SELECT id, system_prompt, tag FROM sessions")


async def test_rows_wait_for_the_lock_and_are_all_written_after_it(
    db: aiosqlite.Connection, blocker: sqlite3.Connection
) -> None:
    clock = ManualClock(start=T0, wall_start=WALL)
    notices: list[str | None] = []

    def on_late() -> None:
        notices.append(writer.late_notice())

    writer = LogWriter(db, clock=clock, busy_slice_ms=5, on_late=on_late)
    await writer.start()

    await writer.ensure_session("s1", model="gpt-x", system_prompt="be brief", tag="demo")
    observe_all(writer, [started(), attempt(), delta("Hel", T0 + 1.0)])
    observe_all(writer, finished("Hello", T0 + 2.0))
    await writer.flush()  # returns: the chat never waits for another process's lock

    assert writer.late_since == T0
    assert notices == [
        "the log is 0 s behind: another process holds the database"
        " (nothing is lost while tuichat runs)"
    ]
    clock.advance(14.0)
    assert "is 14 s behind" in str(writer.late_notice())
    assert writer.failed_writes == 0

    blocker.execute("COMMIT")
    clock.advance(RETRY_BACKOFF_S[1])

    assert await eventually(lambda: sessions(db), [("s1", "be brief", "demo")])
    assert await eventually(lambda: answer(db), ("Hello", "ok", WALL + 2.0))
    assert writer.late_since is None and writer.late_notice() is None
    assert writer.failed_writes == 0
    assert len(notices) == 1
    await writer.close()


async def test_retries_back_off_on_the_clock(
    db: aiosqlite.Connection, blocker: sqlite3.Connection
) -> None:
    clock = ManualClock(start=T0, wall_start=WALL)
    writer = LogWriter(db, clock=clock, busy_slice_ms=5)
    await writer.start()
    statements: list[str] = []
    await db.set_trace_callback(statements.append)
    observe_all(writer, [started()])
    await settle()
    tries = statements.count("BEGIN ")

    clock.advance(RETRY_BACKOFF_S[0] / 2)
    await settle()
    assert statements.count("BEGIN ") == tries  # not before the backoff

    clock.advance(RETRY_BACKOFF_S[0] / 2)
    await eventually(lambda: _count(statements, tries + 1), True)
    assert statements.count("BEGIN ") == tries + 1
    blocker.execute("COMMIT")
    await writer.close()
    assert await fetch(db, "SELECT role, status FROM messages ORDER BY id") == [
        ("user", "ok"),
        ("assistant", "interrupted"),  # closed before the turn ended
    ]


async def _count(statements: list[str], tries: int) -> bool:
    return statements.count("BEGIN ") >= tries


async def test_close_gives_up_at_its_deadline_and_counts_what_it_lost(
    db: aiosqlite.Connection, blocker: sqlite3.Connection
) -> None:
    clock = ManualClock(start=T0, wall_start=WALL)
    writer = LogWriter(db, clock=clock, busy_slice_ms=5)
    await writer.start()
    observe_all(writer, [started(), attempt()])

    await writer.close(deadline=3.0)

    assert clock.now() <= T0 + 3.0 + RETRY_BACKOFF_S[1]
    assert writer.failed_writes == 3  # the session, the prompt, the attempt
    blocker.execute("COMMIT")
    assert await fetch(db, "SELECT count(*) FROM messages") == [(0,)]


async def test_a_refused_row_is_still_dropped_and_counted(db: aiosqlite.Connection) -> None:
    await db.execute(
        "CREATE TRIGGER reject_tag BEFORE INSERT ON sessions WHEN NEW.tag = 'bad'"
        " BEGIN SELECT RAISE(ABORT, 'rejected'); END"
    )
    await db.commit()
    writer = LogWriter(db, clock=ManualClock(), busy_slice_ms=5)
    await writer.start()

    await writer.ensure_session("s1", model="gpt-x", system_prompt=None, tag="bad")

    assert writer.failed_writes == 1 and writer.late_since is None
    await writer.close()


async def test_a_transaction_is_one_trip_to_the_database_thread(
    db: aiosqlite.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    trips: list[object] = []
    run_on_thread = db._execute  # aiosqlite's private entry point (pinned here)

    async def counted(fn: object, *args: object) -> object:
        trips.append(fn)
        return await run_on_thread(fn, *args)  # type: ignore[arg-type]

    writer = LogWriter(db, clock=ManualClock())
    await writer.start()
    monkeypatch.setattr(db, "_execute", counted)
    observe_all(writer, [started(), attempt(), delta("Hel", T0 + 1.0)])

    await writer.flush()

    assert len(trips) == 1  # writer row, session, open turn, prompt, attempt, answer
    assert await answer(db) == ("Hel", "streaming", WALL + 1.0)
    await writer.close()


async def test_a_long_lock_keeps_one_copy_of_the_streamed_text(
    db: aiosqlite.Connection, blocker: sqlite3.Connection
) -> None:
    clock = ManualClock(start=T0, wall_start=WALL)
    writer = LogWriter(db, clock=clock, busy_slice_ms=5)
    await writer.start()
    observe_all(writer, [started(), attempt()])
    text = ""
    for i in range(10):  # ten seconds of text, a failing retry every second
        text += f"w{i} "
        writer.observe(delta(f"w{i} ", clock.now()))
        clock.advance(RETRY_BACKOFF_S[1])
        await settle()
    statements: list[str] = []
    await db.set_trace_callback(statements.append)

    blocker.execute("COMMIT")
    clock.advance(RETRY_BACKOFF_S[1])

    assert await eventually(lambda: answer(db), (text, "streaming", WALL + 9.0)) == (
        text,
        "streaming",
        WALL + 9.0,
    )
    # the text taken before the lock was known, and the text since: not a copy per retry
    assert sum(s.startswith("UPDATE messages SET content") for s in executed(statements)) <= 2
    assert sum(s.startswith("INSERT INTO writers") for s in statements) <= 2
    assert writer.failed_writes == 0
    await writer.close()
