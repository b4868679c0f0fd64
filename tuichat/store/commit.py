"""One transaction of log rows, in one trip to aiosqlite's thread.

The whole transaction (every ``executemany``, the commit, and the recovery
from a failure) runs as one function on aiosqlite's thread. A statement per
trip would need the event loop between statements, so a loop busy with
start-up work (a first request's imports) would hold a commit back for as
long; in one trip the loop is needed only to hand the work over and to take
the outcome back.

Two things can stop a commit, and they are handled in opposite ways:

* **another process holds the write lock** (``SQLITE_BUSY``/``SQLITE_LOCKED``):
  nothing is wrong with the rows. :func:`write` keeps every row it did not
  write as a *backlog*, in order, for the writer to retry later;
* **a row is refused** (a constraint, a trigger, a bug): the transaction is
  rolled back and retried row by row, so one bad row costs only itself; the
  rows that still fail are reported and dropped.

Rolled-back work was never applied, so rerunning a backlog writes each row
exactly once.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

import aiosqlite

logger = logging.getLogger(__name__)

Params = tuple[object, ...] | Mapping[str, object]
Statement = tuple[str, Sequence[Params]]
"""An SQL statement and the rows to run it with (one ``executemany``)."""

_LOCK_CODES = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def is_locked(exc: BaseException) -> bool:
    """True when ``exc`` says another connection holds the lock (retry later)."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in _LOCK_CODES
    text = str(exc)
    return "database is locked" in text or "database table is locked" in text


@dataclass
class Outcome:
    """What one transaction did."""

    backlog: list[Statement] = field(default_factory=list)
    """Rows not written because the database was locked, in order (empty: all done)."""
    failures: list[BaseException] = field(default_factory=list)
    """Errors of the rows refused for good (each row counted once)."""
    lock_error: BaseException | None = None

    @property
    def locked(self) -> bool:
        """True when rows wait in the backlog."""
        return bool(self.backlog)


class Transaction:
    """Runs statement lists on one aiosqlite connection, one transaction per trip."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def run(self, statements: Sequence[Statement]) -> Outcome:
        """Write ``statements`` in one transaction; see the module doc for failures."""
        if not statements:
            return Outcome()
        # aiosqlite has no public "run this on your thread"; ``_execute`` is the
        # call every public method goes through (a test pins it).
        run_on_thread: Callable[..., Awaitable[Outcome]] = self._db._execute
        return await run_on_thread(self._write_here, statements)

    def _write_here(self, statements: Sequence[Statement]) -> Outcome:
        return write(self._db._conn, statements)


def write(conn: sqlite3.Connection, statements: Sequence[Statement]) -> Outcome:
    """Write ``statements`` in one transaction on ``conn`` (blocking)."""
    outcome = Outcome()
    try:
        for sql, rows in statements:
            conn.executemany(sql, rows)
        conn.commit()
    except Exception as exc:
        _rollback(conn)
        if is_locked(exc):
            outcome.backlog, outcome.lock_error = list(statements), exc
            return outcome
        logger.warning("log batch failed (%s); retrying row by row", exc)
        _row_by_row(conn, statements, outcome)
    return outcome


def _row_by_row(
    conn: sqlite3.Connection, statements: Sequence[Statement], outcome: Outcome
) -> None:
    """Each row in its own transaction; a lock keeps the rest for later."""
    for index, (sql, rows) in enumerate(statements):
        for position, row in enumerate(rows):
            try:
                conn.execute(sql, row)
                conn.commit()
            except Exception as exc:
                _rollback(conn)
                if is_locked(exc):
                    rest = [(sql, list(rows[position:])), *statements[index + 1 :]]
                    outcome.backlog, outcome.lock_error = rest, exc
                    return
                outcome.failures.append(exc)


def _rollback(conn: sqlite3.Connection) -> None:
    """Roll back whatever is open; a failing rollback is only logged."""
    try:
        conn.rollback()
    except Exception:
        logger.debug("rollback of the log failed", exc_info=True)
