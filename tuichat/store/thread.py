"""Run a blocking read or write function on an aiosqlite connection's own thread.

The readers (:mod:`tuichat.store.sessions`, :mod:`tuichat.store.turn_rows`)
are plain functions of a :class:`sqlite3.Connection`, so headless tools can
call them on :func:`~tuichat.store.database.open_database_sync`'s connection.
For the event loop, :func:`on_thread` runs one of them as a single trip to the
aiosqlite connection's thread: many small queries cost one hand-over, and a
function that writes (a fork) runs as one transaction that the log writer's
transactions, also one trip each, can never interleave with.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from typing import Concatenate, ParamSpec, TypeVar

import aiosqlite

P = ParamSpec("P")
T = TypeVar("T")


async def on_thread(
    db: aiosqlite.Connection,
    fn: Callable[Concatenate[sqlite3.Connection, P], T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """``fn(conn, *args, **kwargs)`` on ``db``'s thread, with its blocking connection."""

    def call() -> T:
        return fn(db._conn, *args, **kwargs)

    # aiosqlite has no public "run this on your thread"; ``_execute`` is the call
    # every public method goes through (tuichat.store.commit relies on it too).
    run: Callable[[Callable[[], T]], Awaitable[T]] = db._execute
    return await run(call)
