"""Streamed text reaches the log while it streams: one growing row, paced by the clock.

The writer waits only through its :class:`ManualClock`, so "not yet written"
and "written once the interval passed" are decided by the test advancing
time, never by real waiting.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
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
from tuichat.core.events import HeadersReceived, TextReleased, TurnCancelled
from tuichat.store import LogWriter, cached_answer, open_database

INTERVAL = 0.75


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[aiosqlite.Connection]:
    connection = await open_database(tmp_path / "log.db")
    yield connection
    await connection.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=T0, wall_start=WALL)


@pytest.fixture
async def writer(db: aiosqlite.Connection, clock: ManualClock) -> AsyncIterator[LogWriter]:
    log = LogWriter(db, clock=clock, text_interval=INTERVAL)
    await log.start()
    observe_all(log, [started(), attempt()])
    await log.flush()
    yield log
    await log.close()


async def test_a_turns_rows_exist_before_its_first_token(
    writer: LogWriter, db: aiosqlite.Connection
) -> None:
    assert await fetch(db, "SELECT role, status FROM messages") == [("user", "ok")]
    assert await fetch(db, "SELECT attempt, status FROM attempts") == [(1, "running")]
    assert await fetch(db, "SELECT trace_id FROM open_turns") == [("t1",)]
    assert await answer(db) is None


async def test_text_is_written_one_interval_after_it_arrived(
    writer: LogWriter, db: aiosqlite.Connection, clock: ManualClock
) -> None:
    observe_all(writer, [delta("Hel", T0 + 1.0), delta("lo", T0 + 1.25)])
    clock.advance(INTERVAL - 0.25)
    await settle()
    assert await answer(db) is None  # not due yet

    clock.advance(0.25)

    assert await eventually(lambda: answer(db), ("Hello", "streaming", WALL + 1.25)) == (
        "Hello",
        "streaming",
        WALL + 1.25,
    )


async def test_the_row_grows_in_place_and_the_end_replaces_it(
    writer: LogWriter, db: aiosqlite.Connection, clock: ManualClock
) -> None:
    writer.observe(delta("Hello", T0 + 1.0))
    clock.advance(INTERVAL)
    await eventually(lambda: answer(db), ("Hello", "streaming", WALL + 1.0))
    writer.observe(delta(" world", T0 + 1.5))
    clock.advance(INTERVAL)
    assert await eventually(lambda: answer(db), ("Hello world", "streaming", WALL + 1.5)) == (
        "Hello world",
        "streaming",
        WALL + 1.5,
    )

    observe_all(writer, finished("Hello world", T0 + 2.0))
    await writer.flush()

    assert await answer(db) == ("Hello world", "ok", WALL + 2.0)
    assert await fetch(db, "SELECT role FROM messages ORDER BY id") == [("user",), ("assistant",)]
    assert await fetch(db, "SELECT * FROM open_turns") == []


async def test_text_is_written_at_most_once_per_interval(
    writer: LogWriter, db: aiosqlite.Connection, clock: ManualClock
) -> None:
    statements: list[str] = []
    await db.set_trace_callback(statements.append)
    text = ""
    for i in range(300):  # 3 s at 100 deltas per second
        piece = f"w{i} "
        text += piece
        writer.observe(delta(piece, clock.now()))
        writer.observe(TextReleased(trace_id="t1", ts=clock.now(), text=piece))
        clock.advance(0.01)
        if i % 25 == 0:
            await settle()  # let the due commits happen as time passes
    await writer.flush(everything=True)

    updates = [s for s in executed(statements) if s.startswith("UPDATE messages")]
    assert 3 <= len(updates) <= 5  # 3 s / 0.75 s, plus the final flush
    assert (await answer(db) or ("",))[0] == text


async def test_text_rides_along_with_an_earlier_commit(
    writer: LogWriter, db: aiosqlite.Connection
) -> None:
    writer.observe(delta("Hel", T0 + 1.0))
    writer.observe(attempt(n=2, ts=T0 + 1.25))  # a milestone: committed at once

    await writer.flush()

    assert await answer(db) == ("Hel", "streaming", WALL + 1.0)


async def test_flush_is_free_when_every_milestone_is_written(
    writer: LogWriter, db: aiosqlite.Connection
) -> None:
    statements: list[str] = []
    await db.set_trace_callback(statements.append)
    writer.observe(HeadersReceived(trace_id="t1", ts=T0 + 0.75, attempt=1, status_code=200))
    writer.observe(delta("Hel", T0 + 1.0))

    await writer.flush()  # what the core does before the first text is shown

    assert statements == []
    await writer.flush(everything=True)
    assert await answer(db) == ("Hel", "streaming", WALL + 1.0)
    assert await fetch(db, "SELECT http_status FROM attempts") == [(200,)]


async def test_an_answer_is_written_by_the_flush_that_follows_its_end(
    writer: LogWriter, db: aiosqlite.Connection
) -> None:
    cancelled = TurnCancelled(trace_id="t1", ts=T0 + 1.5, text="Hel")
    observe_all(writer, [delta("Hel", T0 + 1.0), cancelled])

    await writer.flush()

    assert await answer(db) == ("Hel", "cancelled", WALL + 1.5)


async def test_close_marks_a_turn_it_never_saw_end_interrupted(
    db: aiosqlite.Connection, clock: ManualClock
) -> None:
    writer = LogWriter(db, clock=clock, text_interval=INTERVAL)
    await writer.start()
    observe_all(writer, [started(), attempt(), delta("Hel", T0 + 1.0)])
    await writer.flush()

    await writer.close()

    assert await answer(db) == ("Hel", "interrupted", WALL + 1.0)
    [(status, ended_at)] = await fetch(db, "SELECT status, ended_at FROM attempts")
    assert (status, ended_at) == ("interrupted", clock.wall())
    assert await fetch(db, "SELECT * FROM open_turns") == []
    assert await fetch(db, "SELECT * FROM writers") == []


async def test_a_partial_answer_is_never_offered_as_an_earlier_answer(
    writer: LogWriter, db: aiosqlite.Connection
) -> None:
    writer.observe(delta("Hel", T0 + 1.0))
    await writer.flush(everything=True)
    assert (await answer(db) or ("", ""))[1] == "streaming"
    assert await cached_answer(db, "hi") is None

    await writer.close()

    assert (await answer(db) or ("", ""))[1] == "interrupted"
    assert await cached_answer(db, "hi") is None
