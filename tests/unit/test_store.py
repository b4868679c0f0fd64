"""The log writer: scripted turns become exactly the expected rows.

Events are built by hand with explicit ``ts`` values chosen to be exact in
binary floating point, so timings compare with ``==``.
"""

from __future__ import annotations

import asyncio
import inspect
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest

from tests.helpers.log_events import eventually
from tuichat.core.clock import ManualClock, SystemClock
from tuichat.core.events import (
    AttemptEnded,
    AttemptStarted,
    Event,
    FirstToken,
    HeadersReceived,
    TextDelta,
    TextReleased,
    TurnCancelled,
    TurnFailed,
    TurnFinished,
    TurnStarted,
    UsageReported,
)
from tuichat.store import (
    AttemptRow,
    LogWriter,
    MessageRow,
    SessionRow,
    attempts_for_trace,
    open_database,
    recent_sessions,
    session_messages,
)
from tuichat.store.batch import EventMapper, LogBatch

WALL = 1_700_000_000.0
T0 = 100.0


class FixedWall(SystemClock):
    """Real pacing; every wall-clock stamp is ``WALL``."""

    def wall(self) -> float:
        return WALL


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[aiosqlite.Connection]:
    connection = await open_database(tmp_path / "log.db")
    yield connection
    await connection.close()


@pytest.fixture
async def writer(db: aiosqlite.Connection) -> AsyncIterator[LogWriter]:
    log = LogWriter(db, batch_window=0.01, clock=FixedWall())
    await log.start()
    yield log
    await log.close()


def started(trace: str, *, session: str = "s1", ts: float = T0, prompt: str = "hi") -> TurnStarted:
    return TurnStarted(
        trace_id=trace, ts=ts, session_id=session, prompt=prompt, model="gpt-x", wall_time=WALL
    )


def attempt(trace: str, n: int, ts: float, model: str = "gpt-x") -> AttemptStarted:
    return AttemptStarted(
        trace_id=trace,
        ts=ts,
        attempt=n,
        model=model,
        provider="openai",
        base_url_host="api.example.com",
    )


def finished_turn(trace: str = "t1", session: str = "s1") -> list[Event]:
    return [
        started(trace, session=session),
        attempt(trace, 1, T0 + 0.5),
        HeadersReceived(trace_id=trace, ts=T0 + 0.75, attempt=1, status_code=200),
        FirstToken(trace_id=trace, ts=T0 + 1.0, attempt=1),
        TextDelta(trace_id=trace, ts=T0 + 1.0, attempt=1, text="Hello"),
        TextReleased(trace_id=trace, ts=T0 + 1.125, text="Hello"),
        TextDelta(trace_id=trace, ts=T0 + 1.5, attempt=1, text=" world"),
        UsageReported(
            trace_id=trace,
            ts=T0 + 2.0,
            attempt=1,
            input_tokens=12,
            output_tokens=2,
            cached_input_tokens=8,
        ),
        AttemptEnded(
            trace_id=trace,
            ts=T0 + 2.25,
            attempt=1,
            status="ok",
            finish_reason="stop",
            served_model="gpt-x-2024",
        ),
        TextReleased(trace_id=trace, ts=T0 + 2.25, text=" world"),
        TurnFinished(
            trace_id=trace, ts=T0 + 2.5, text="Hello world", finish_reason="stop", model="gpt-x"
        ),
    ]


def observe_all(writer: LogWriter, events: list[Event]) -> None:
    for event in events:
        writer.observe(event)


def message(
    id: int,
    role: str,
    content: str,
    *,
    status: str = "ok",
    at: float = WALL,
    trace: str = "t1",
    model: str = "gpt-x",
) -> MessageRow:
    return MessageRow(id, "s1", trace, role, content, status, model, at)


def attempt_row(id: int, trace: str, n: int, **overrides: object) -> AttemptRow:
    values: dict[str, object] = dict.fromkeys(AttemptRow.__slots__)
    values.update(
        id=id,
        trace_id=trace,
        session_id="s1",
        attempt=n,
        model="gpt-x",
        provider="openai",
        base_url_host="api.example.com",
        status="running",
    )
    values.update(overrides)
    return AttemptRow(**values)  # type: ignore[arg-type]


async def count(db: aiosqlite.Connection, table: str) -> int:
    async with db.execute(f"SELECT count(*) FROM {table}") as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


# --- scripted turns ---------------------------------------------------------


async def test_a_finished_turn(writer: LogWriter, db: aiosqlite.Connection) -> None:
    observe_all(writer, finished_turn())
    await writer.flush()

    assert await recent_sessions(db) == [SessionRow("s1", WALL, None, "gpt-x", None, None)]
    assert await session_messages(db, "s1") == [
        message(1, "user", "hi"),
        message(2, "assistant", "Hello world", at=WALL + 2.5),
    ]
    assert await attempts_for_trace(db, "t1") == [
        attempt_row(
            1,
            "t1",
            1,
            started_at=WALL + 0.5,
            ended_at=WALL + 2.25,
            ttfb_ms=250.0,
            ttft_ms=500.0,
            duration_ms=1750.0,
            http_status=200,
            input_tokens=12,
            output_tokens=2,
            cached_input_tokens=8,
            status="ok",
            finish_reason="stop",
            served_model="gpt-x-2024",
        )
    ]


async def test_a_cancelled_turn_keeps_its_partial_answer(
    writer: LogWriter, db: aiosqlite.Connection
) -> None:
    observe_all(
        writer,
        [
            started("t1"),
            attempt("t1", 1, T0 + 0.5),
            FirstToken(trace_id="t1", ts=T0 + 0.75, attempt=1),
            TextDelta(trace_id="t1", ts=T0 + 0.75, attempt=1, text="Hel"),
            AttemptEnded(trace_id="t1", ts=T0 + 1.0, attempt=1, status="cancelled"),
            TurnCancelled(trace_id="t1", ts=T0 + 1.0, text="Hel"),
        ],
    )
    await writer.flush()

    assert await session_messages(db, "s1") == [
        message(1, "user", "hi"),
        message(2, "assistant", "Hel", status="cancelled", at=WALL + 1.0),
    ]
    assert await attempts_for_trace(db, "t1") == [
        attempt_row(
            1,
            "t1",
            1,
            started_at=WALL + 0.5,
            ended_at=WALL + 1.0,
            ttft_ms=250.0,
            duration_ms=500.0,
            status="cancelled",
        )
    ]


async def test_a_turn_cancelled_before_any_text_is_still_visible(
    writer: LogWriter, db: aiosqlite.Connection
) -> None:
    observe_all(writer, [started("t1"), TurnCancelled(trace_id="t1", ts=T0 + 0.25, text="")])
    await writer.flush()

    assert await session_messages(db, "s1") == [
        message(1, "user", "hi"),
        message(2, "assistant", "", status="cancelled", at=WALL + 0.25),
    ]


async def test_a_failed_turn_after_a_fallback(writer: LogWriter, db: aiosqlite.Connection) -> None:
    observe_all(
        writer,
        [
            started("t1"),
            attempt("t1", 1, T0 + 0.5),
            HeadersReceived(trace_id="t1", ts=T0 + 0.75, attempt=1, status_code=429),
            AttemptEnded(
                trace_id="t1",
                ts=T0 + 0.75,
                attempt=1,
                status="failed",
                error_type="rate_limited",
                error_message="slow down",
            ),
            attempt("t1", 2, T0 + 1.0, model="claude-y"),
            HeadersReceived(trace_id="t1", ts=T0 + 1.5, attempt=2, status_code=401),
            AttemptEnded(
                trace_id="t1",
                ts=T0 + 1.5,
                attempt=2,
                status="failed",
                error_type="auth",
                error_message="invalid key",
            ),
            TurnFailed(
                trace_id="t1",
                ts=T0 + 1.5,
                error_type="auth",
                message="invalid key",
                text="",
            ),
        ],
    )
    await writer.flush()

    assert await session_messages(db, "s1") == [message(1, "user", "hi")]
    assert await attempts_for_trace(db, "t1") == [
        attempt_row(
            1,
            "t1",
            1,
            started_at=WALL + 0.5,
            ended_at=WALL + 0.75,
            ttfb_ms=250.0,
            duration_ms=250.0,
            http_status=429,
            status="failed",
            error_type="rate_limited",
            error_message="slow down",
        ),
        attempt_row(
            2,
            "t1",
            2,
            model="claude-y",
            started_at=WALL + 1.0,
            ended_at=WALL + 1.5,
            ttfb_ms=500.0,
            duration_ms=500.0,
            http_status=401,
            status="failed",
            error_type="auth",
            error_message="invalid key",
        ),
    ]


async def test_a_failed_turn_with_partial_text_stores_it_with_its_status(
    writer: LogWriter, db: aiosqlite.Connection
) -> None:
    observe_all(
        writer,
        [
            started("t1"),
            attempt("t1", 1, T0 + 0.5, model="claude-y"),
            AttemptEnded(
                trace_id="t1", ts=T0 + 1.0, attempt=1, status="truncated", error_type="truncated"
            ),
            TurnFailed(
                trace_id="t1",
                ts=T0 + 1.0,
                error_type="truncated",
                message="cut",
                text="Hal",
                status="truncated",
            ),
        ],
    )
    await writer.flush()

    assert (await session_messages(db, "s1"))[-1] == message(
        2, "assistant", "Hal", status="truncated", at=WALL + 1.0, model="claude-y"
    )


async def test_sessions_are_created_once_and_listed_newest_first(
    writer: LogWriter, db: aiosqlite.Connection
) -> None:
    observe_all(writer, finished_turn("t1", "s1") + finished_turn("t2", "s1"))
    observe_all(writer, [started("t3", session="s2", ts=T0 - 10.0)])
    await writer.flush()
    await db.execute("UPDATE sessions SET created_at = created_at + 5 WHERE id = 's2'")
    await db.commit()

    assert [s.id for s in await recent_sessions(db)] == ["s2", "s1"]
    assert [s.id for s in await recent_sessions(db, limit=1)] == ["s2"]
    assert await count(db, "messages") == 5


async def test_ensure_session_fills_in_what_it_is_given(
    writer: LogWriter, db: aiosqlite.Connection
) -> None:
    await writer.ensure_session("s1", model="gpt-x", system_prompt="be brief")
    observe_all(writer, [started("t1")])  # must not wipe the system prompt
    await writer.flush()
    await writer.ensure_session("s1", model=None, system_prompt=None, title="Greeting", tag="demo")

    assert await recent_sessions(db) == [
        SessionRow("s1", WALL, "Greeting", "gpt-x", "be brief", "demo")
    ]


async def test_a_failing_ensure_session_is_recorded_not_raised(
    writer: LogWriter, db: aiosqlite.Connection
) -> None:
    await db.execute(
        "CREATE TRIGGER reject_tag BEFORE INSERT ON sessions WHEN NEW.tag = 'bad'"
        " BEGIN SELECT RAISE(ABORT, 'rejected'); END"
    )
    await db.commit()

    await writer.ensure_session("s1", model="gpt-x", system_prompt=None, tag="bad")

    assert writer.failed_writes == 1
    assert isinstance(writer.last_error, sqlite3.Error)
    await writer.ensure_session("s1", model="gpt-x", system_prompt=None)
    assert await count(db, "sessions") == 1


# --- queue, batching, flush and close ---------------------------------------


async def test_observe_is_synchronous_and_many_events_are_all_drained(
    writer: LogWriter, db: aiosqlite.Connection
) -> None:
    assert not inspect.iscoroutinefunction(LogWriter.observe)
    turns = [finished_turn(f"t{i}") for i in range(1000)]
    deltas = [TextDelta(trace_id="t0", ts=T0 + 1.0, attempt=1, text="x") for _ in range(10_000)]

    for event in deltas:
        writer.observe(event)
    for events in turns:
        observe_all(writer, events)
    await writer.flush()

    assert await count(db, "messages") == 2000
    assert await count(db, "attempts") == 1000
    assert writer.failed_writes == 0


async def test_a_burst_is_written_in_one_transaction(db: aiosqlite.Connection) -> None:
    statements: list[str] = []
    await db.set_trace_callback(statements.append)
    writer = LogWriter(db)
    for i in range(40):  # 40 x 6 logged events: below one batch
        observe_all(writer, finished_turn(f"t{i}"))
    await writer.start()
    await writer.flush()
    commits = [s for s in statements if s.upper().startswith("COMMIT")]

    assert commits == ["COMMIT"]
    assert await count(db, "attempts") == 40
    await writer.close()


async def http_status(db: aiosqlite.Connection) -> object:
    async with db.execute("SELECT http_status FROM attempts") as cursor:
        row = await cursor.fetchone()
    return None if row is None else row[0]


async def test_details_are_paced_but_flush_cuts_the_wait_short(db: aiosqlite.Connection) -> None:
    clock = ManualClock()
    writer = LogWriter(db, batch_window=5.0, clock=clock)
    await writer.start()
    observe_all(writer, [started("t1"), attempt("t1", 1, T0 + 0.5)])
    await writer.flush()  # milestones: written at once
    assert await count(db, "attempts") == 1

    writer.observe(HeadersReceived(trace_id="t1", ts=T0 + 0.75, attempt=1, status_code=200))
    await asyncio.sleep(0.05)
    clock.advance(4.0)
    await asyncio.sleep(0.05)
    assert await http_status(db) is None  # held back by the batch window

    await writer.flush(everything=True)
    assert await http_status(db) == 200
    await writer.close()


async def test_details_are_written_once_the_window_passes(db: aiosqlite.Connection) -> None:
    clock = ManualClock()
    writer = LogWriter(db, batch_window=5.0, clock=clock)
    await writer.start()
    observe_all(writer, [started("t1"), attempt("t1", 1, T0 + 0.5)])
    await writer.flush()
    writer.observe(HeadersReceived(trace_id="t1", ts=T0 + 0.75, attempt=1, status_code=200))

    clock.advance(5.0)

    assert await eventually(lambda: http_status(db), 200) == 200
    await writer.close()


async def test_close_drains_and_later_events_are_dropped(db: aiosqlite.Connection) -> None:
    writer = LogWriter(db)
    observe_all(writer, finished_turn())  # before start(): queued, not lost

    await writer.close()
    writer.observe(started("t2", session="s2"))
    await writer.flush()
    await writer.close()  # idempotent

    assert await count(db, "messages") == 2
    assert await count(db, "sessions") == 1


async def test_flush_before_start_is_an_error(db: aiosqlite.Connection) -> None:
    with pytest.raises(RuntimeError):
        await LogWriter(db).flush()


async def test_the_loop_keeps_running_while_the_database_is_locked(
    writer: LogWriter, db: aiosqlite.Connection, tmp_path: Path
) -> None:  # (more on locks in test_store_locked.py)
    blocker = sqlite3.connect(tmp_path / "log.db", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # hold the write lock
    try:
        observe_all(writer, finished_turn())
        ticks = 0
        for _ in range(20):  # the loop turns over while the writer waits for the lock
            await asyncio.sleep(0)
            ticks += 1
        await writer.flush()  # returns at once while the log is late, never blocks
        assert ticks == 20 and writer.late_since is not None
        assert writer.failed_writes == 0
    finally:
        blocker.execute("COMMIT")
        blocker.close()
    await writer.close()  # keeps trying until the rows are written

    assert await count(db, "messages") == 2
    assert writer.failed_writes == 0


async def test_the_writer_survives_a_failing_write(
    writer: LogWriter, db: aiosqlite.Connection
) -> None:
    await db.execute(
        "CREATE TRIGGER reject_boom BEFORE INSERT ON messages WHEN NEW.content = 'boom'"
        " BEGIN SELECT RAISE(ABORT, 'rejected'); END"
    )
    await db.commit()

    observe_all(writer, [started("t1", prompt="boom"), attempt("t1", 1, T0 + 0.5)])
    await writer.flush()

    assert writer.failed_writes == 1
    assert isinstance(writer.last_error, sqlite3.Error)
    assert await count(db, "sessions") == 1  # the rest of the batch was written
    assert await count(db, "attempts") == 1
    assert await count(db, "messages") == 0

    observe_all(writer, finished_turn("t2"))
    await writer.flush()
    assert await count(db, "messages") == 2
    assert writer.failed_writes == 1


# --- the event-to-row mapping -----------------------------------------------


def test_the_per_trace_state_is_dropped_at_the_end_of_each_turn() -> None:
    mapper = EventMapper()
    for events in (finished_turn("t1"), finished_turn("t2")):
        batch = LogBatch()
        for event in events[:-1]:
            mapper.add(batch, event)
        assert mapper.open_traces == 1
        mapper.add(batch, events[-1])
        assert mapper.open_traces == 0


def test_a_trace_seen_mid_way_is_anchored_at_the_wall_clock_now() -> None:
    mapper = EventMapper(wall_clock=lambda: WALL + 60.0)
    batch = LogBatch()
    for event in finished_turn("t1")[1:]:  # TurnStarted was missed
        mapper.add(batch, event)

    assert batch.sessions == []
    assert batch.messages == []  # no session to attach the answer to
    assert batch.attempts == [
        ("t1", None, 1, "gpt-x", "openai", "api.example.com", WALL + 60.0, None)
    ]
    assert batch.attempt_updates["t1", 1]["duration_ms"] == 1750.0
    assert mapper.open_traces == 0


def test_unknown_events_are_ignored() -> None:
    mapper = EventMapper()
    batch = LogBatch()

    mapper.add(batch, Event(trace_id="t1", ts=T0))

    assert batch.statements() == []


async def test_usage_details_and_server_timings_are_logged(tmp_path: Path) -> None:
    from tuichat.core.events import (
        AttemptStarted,
        TimingsReported,
        TurnStarted,
        UsageReported,
    )
    from tuichat.store import LogWriter, open_database

    db = await open_database(tmp_path / "t.db")
    writer = LogWriter(db)
    await writer.start()
    common = {"trace_id": "t1"}
    writer.observe(
        TurnStarted(**common, ts=1.0, session_id="s", prompt="p", model="m", wall_time=100.0)
    )
    writer.observe(
        AttemptStarted(**common, ts=1.0, attempt=1, model="m", provider="x", base_url_host="h")
    )
    writer.observe(
        UsageReported(
            **common,
            ts=2.0,
            attempt=1,
            input_tokens=10,
            output_tokens=5,
            cached_input_tokens=4,
            cache_write_tokens=6,
            reasoning_tokens=2,
        )
    )
    writer.observe(
        TimingsReported(
            **common, ts=2.0, attempt=1, prefill_ms=12.5, generation_ms=80.0, cached_prompt_tokens=3
        )
    )
    await writer.close()
    row = await (
        await db.execute(
            "select cached_input_tokens, cache_write_tokens, reasoning_tokens, server_prefill_ms,"
            " server_generation_ms, server_cached_prompt_tokens from attempts"
        )
    ).fetchone()
    await db.close()
    assert tuple(row) == (4, 6, 2, 12.5, 80.0, 3)
