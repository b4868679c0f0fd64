"""Turn events and database reads for the log writer's durability tests.

Stamps are exact binary fractions, so wall times compare with ``==``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import aiosqlite

from tuichat.core.events import AttemptEnded, AttemptStarted, TextDelta, TurnFinished, TurnStarted
from tuichat.store import LogWriter

WALL = 1_700_000_000.0
T0 = 100.0


def started(trace: str = "t1", *, session: str = "s1", ts: float = T0) -> TurnStarted:
    """A turn's start, at wall time ``WALL`` for ``ts``."""
    return TurnStarted(
        trace_id=trace, ts=ts, session_id=session, prompt="hi", model="gpt-x", wall_time=WALL
    )


def attempt(trace: str = "t1", n: int = 1, ts: float = T0 + 0.5) -> AttemptStarted:
    """Attempt ``n`` of ``trace`` starts."""
    return AttemptStarted(
        trace_id=trace, ts=ts, attempt=n, model="gpt-x", provider="openai", base_url_host="h"
    )


def delta(text: str, ts: float, trace: str = "t1") -> TextDelta:
    """A piece of streamed text."""
    return TextDelta(trace_id=trace, ts=ts, attempt=1, text=text)


def finished(text: str, ts: float, trace: str = "t1") -> list[AttemptEnded | TurnFinished]:
    """The attempt and the turn end with ``text`` as the whole answer."""
    return [
        AttemptEnded(trace_id=trace, ts=ts, attempt=1, status="ok", finish_reason="stop"),
        TurnFinished(trace_id=trace, ts=ts, text=text, finish_reason="stop", model="gpt-x"),
    ]


def observe_all(writer: LogWriter, events: list[Any]) -> None:
    """Hand every event to the writer, as the turn's observer list does."""
    for event in events:
        writer.observe(event)


async def fetch(db: aiosqlite.Connection, sql: str, *params: object) -> list[tuple[Any, ...]]:
    """All rows of ``sql``, read in one trip to aiosqlite's thread.

    ``execute`` then ``fetchall`` are two trips: the writer's transaction may
    run between them, on this same connection, while the SELECT is half
    stepped, and SQLite leaves what such a read returns undefined (it saw one
    row twice once the schema grew).
    """
    return [tuple(row) for row in await db.execute_fetchall(sql, params)]


async def answer(db: aiosqlite.Connection, trace: str = "t1") -> tuple[Any, ...] | None:
    """``(content, status, created_at)`` of the turn's assistant row, or None."""
    rows = await fetch(
        db,
        "SELECT content, status, created_at FROM messages"
        " WHERE trace_id = ? AND role = 'assistant'",
        trace,
    )
    assert len(rows) <= 1, rows  # one growing row, never a row per delta
    return rows[0] if rows else None


async def eventually(read: Callable[[], Awaitable[object]], expected: object) -> object:
    """Poll ``read`` until it returns ``expected`` (writes run on aiosqlite's thread).

    Returns the last value read, so a failing ``assert ... == expected`` shows it.
    """
    value: object = None
    for _ in range(500):
        value = await read()
        if value == expected:
            break
        await asyncio.sleep(0.01)
    return value


async def settle() -> None:
    """Give the writer's task and thread time to act, when a test checks it did not."""
    for _ in range(5):
        await asyncio.sleep(0.01)
