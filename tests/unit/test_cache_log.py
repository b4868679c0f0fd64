"""The response cache in the log: the writer records every verdict, the summary sums them."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest

from tests.helpers.log_events import (
    T0,
    WALL,
    attempt,
    eventually,
    fetch,
    finished,
    observe_all,
    started,
)
from tuichat.core.clock import ManualClock
from tuichat.core.events import CacheLookedUp, CacheVerdict
from tuichat.core.metrics.cache_tally import CacheTally
from tuichat.store import LogPolicy, LogWriter, open_database, open_database_sync
from tuichat.store.cache_lookups import cache_summary, cache_summary_sync


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[aiosqlite.Connection]:
    connection = await open_database(tmp_path / "log.db")
    yield connection
    await connection.close()


def looked_up(
    trace: str = "t1", verdict: CacheVerdict = "exact", **fields: object
) -> CacheLookedUp:
    """The cache's verdict for ``trace``, a quarter second into the turn."""
    return CacheLookedUp(trace_id=trace, ts=T0 + 0.25, verdict=verdict, **fields)  # type: ignore[arg-type]


async def write(
    db: aiosqlite.Connection, events: list[object], policy: LogPolicy | None = None
) -> None:
    writer = LogWriter(db, clock=ManualClock(), policy=policy)
    await writer.start()
    observe_all(writer, events)
    await writer.close()


async def test_the_writer_records_each_verdict_with_the_turn(db: aiosqlite.Connection) -> None:
    hit = looked_up(
        entry_key="abc123",
        similarity=0.93,
        age_s=3600.0,
        saved_ms=1250.0,
        saved_usd=0.004,
        original_ttft_ms=300.0,
    )
    rejected = looked_up("t2", "bypass", reason="re-sent", rejects="abc123")
    await write(
        db,
        [
            started(),
            hit,
            attempt(),
            *finished("cached words", T0 + 1),
            started("t2", ts=T0 + 2),
            rejected,
            *finished("live words", T0 + 3, trace="t2"),
        ],
    )

    rows = await fetch(db, "SELECT * FROM cache_lookups ORDER BY trace_id")
    assert rows == [
        ("t1", "s1", WALL + 0.25, "exact", "abc123", 0.93, 3600.0, 1250.0, 0.004, None, None),
        ("t2", "s1", WALL + 0.25 - 2, "bypass", None, None, None, None, None, "re-sent", "abc123"),
    ]


async def test_a_verdict_is_written_without_waiting_for_the_turn_end(
    db: aiosqlite.Connection,
) -> None:
    writer = LogWriter(db, clock=ManualClock(), batch_window=0.0)
    await writer.start()
    observe_all(writer, [started(), looked_up(verdict="miss", reason="no entry")])
    await writer.flush(everything=True)

    read = lambda: fetch(db, "SELECT verdict, reason FROM cache_lookups")  # noqa: E731
    assert await eventually(read, [("miss", "no entry")]) == [("miss", "no entry")]
    await writer.close()


async def test_reasons_are_redacted_and_dropped_in_metrics_only_mode(
    db: aiosqlite.Connection, tmp_path: Path
) -> None:
    secret = "sk-abcdefghijklmnop1234"
    await write(
        db,
        [started(), looked_up(verdict="miss", reason=f"numbers differ: {secret}")],
        LogPolicy(secrets=(secret,)),
    )
    [(reason,)] = await fetch(db, "SELECT reason FROM cache_lookups")
    assert secret not in reason and reason.startswith("numbers differ")

    other = await open_database(tmp_path / "metrics.db")
    await write(
        other, [started(), looked_up(verdict="miss", reason="5 vs 7")], LogPolicy(content="metrics")
    )
    assert await fetch(other, "SELECT verdict, reason FROM cache_lookups") == [("miss", None)]
    await other.close()


def _seed(conn: sqlite3.Connection) -> None:
    rows = [
        ("a", "s1", 100.0, "exact", 1000.0, 0.01, None),
        ("b", "s1", 200.0, "semantic", 500.0, None, None),
        ("c", "s2", 300.0, "miss", None, None, None),
        ("d", "s2", 400.0, "bypass", 9999.0, 9.0, "a"),
        ("e", "s2", 500.0, "exact", 250.0, 0.002, None),
        ("f", "s1", 600.0, "unavailable", None, None, None),
    ]
    conn.executemany(
        "INSERT INTO cache_lookups (trace_id, session_id, ts_wall, verdict, saved_ms,"
        " saved_usd, rejects) VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.commit()


def test_the_summary_counts_verdicts_and_sums_what_hits_saved(tmp_path: Path) -> None:
    conn = open_database_sync(tmp_path / "log.db")
    _seed(conn)

    everything = cache_summary_sync(conn)
    assert everything == CacheTally(
        exact=2,
        semantic=1,
        misses=1,
        bypasses=1,
        unavailable=1,
        false_hits=1,
        saved_ms=1750.0,
        saved_usd=0.012,
        unpriced_hits=1,  # "b": a hit whose original answer had no price
    )
    assert everything.hits == 3 and everything.lookups == 6
    assert everything.hit_rate == 0.75
    assert cache_summary_sync(conn, since_wall=250.0) == CacheTally(
        exact=1,
        misses=1,
        bypasses=1,
        unavailable=1,
        false_hits=1,
        saved_ms=250.0,
        saved_usd=0.002,
    )
    assert cache_summary_sync(conn, session_id="s1").hits == 2
    assert cache_summary_sync(conn, since_wall=150.0, session_id="s1").semantic == 1
    conn.close()


async def test_the_async_summary_reads_the_same_figures(db: aiosqlite.Connection) -> None:
    assert await cache_summary(db) == CacheTally()
    assert CacheTally().hit_rate is None
    await db.execute(
        "INSERT INTO cache_lookups (trace_id, session_id, ts_wall, verdict, saved_ms)"
        " VALUES ('x', 's', 1.0, 'exact', 'not a number')"
    )
    await db.commit()

    expected = CacheTally(exact=1, unpriced_hits=1)  # a hit without a price is counted apart
    assert await cache_summary(db, since_wall=0.0, session_id="s") == expected
