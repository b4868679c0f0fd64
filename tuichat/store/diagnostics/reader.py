"""Reading a log file for a diagnosis: read-only, never created, never migrated.

The debug view may look at a log another tuichat process is writing (WAL
lets it read alongside), or at a copy someone sent; opening it read-only
guarantees a diagnosis never changes it, and a missing file is reported by
the caller instead of being created empty.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiosqlite

from tuichat.store.diagnostics.diagnose import diagnose
from tuichat.store.diagnostics.model import Diagnosis, Scope
from tuichat.store.queries import recent_sessions

BUSY_TIMEOUT_MS = 2000


class NoSuchSession(LookupError):
    """``last`` was asked for, but the log holds no session."""


def read_only_uri(path: Path) -> str:
    """``file:///abs/path?mode=ro``: SQLite refuses every write through it."""
    return path.absolute().as_uri() + "?mode=ro"


async def open_read_only(path: Path) -> aiosqlite.Connection:
    """A read-only connection to an existing log (``sqlite3.Error`` if it cannot be opened)."""
    db = await aiosqlite.connect(read_only_uri(path), uri=True)
    try:
        await db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    except BaseException:
        await db.close()
        raise
    return db


async def diagnose_file(path: Path, scope: Scope, *, now: float | None = None) -> Diagnosis:
    """Open ``path`` read-only, diagnose ``scope``, close.

    A session id of ``last`` means the most recently created session.
    Cancelling interrupts the query running in aiosqlite's thread, so a
    superseded diagnosis of a huge window stops at once instead of finishing.
    """
    db = await open_read_only(path)
    try:
        if scope.session_id == "last":
            scope = Scope.session(await latest_session_id(db))
        return await diagnose(db, scope, now=now)
    except asyncio.CancelledError:
        await db.interrupt()
        raise
    finally:
        await db.close()


async def latest_session_id(db: aiosqlite.Connection) -> str:
    """The most recently created session (``NoSuchSession`` for an empty log)."""
    sessions = await recent_sessions(db, limit=1)
    if not sessions:
        raise NoSuchSession("the log holds no session yet")
    return sessions[0].id
