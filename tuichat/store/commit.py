"""One transaction of log rows, telling a held lock apart from a bad row.

Two things can stop a commit, and they are handled in opposite ways:

* **another process holds the write lock** (``SQLITE_BUSY``/``SQLITE_LOCKED``):
  nothing is wrong with the rows. :meth:`Transaction.run` keeps every row it
  did not write as a *backlog*, in order, for the writer to retry later;
* **a row is refused** (a constraint, a trigger, a bug): the transaction is
  rolled back and retried row by row, so one bad row costs only itself; the
  rows that still fail are counted and dropped.

Rolled-back work was never applied, so rerunning a backlog writes each row
exactly once.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping, Sequence
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
    """Runs statement lists on one connection, one transaction at a time."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def run(self, statements: Sequence[Statement]) -> Outcome:
        """Write ``statements`` in one transaction; see the module doc for failures."""
        outcome = Outcome()
        if not statements:
            return outcome
        try:
            for sql, rows in statements:
                await self._db.executemany(sql, rows)
            await self._db.commit()
        except Exception as exc:
            await self.rollback()
            if is_locked(exc):
                outcome.backlog, outcome.lock_error = list(statements), exc
                return outcome
            logger.warning("log batch failed (%s); retrying row by row", exc)
            await self._row_by_row(statements, outcome)
        return outcome

    async def _row_by_row(self, statements: Sequence[Statement], outcome: Outcome) -> None:
        """Each row in its own transaction; a lock keeps the rest for later."""
        for index, (sql, rows) in enumerate(statements):
            for position, row in enumerate(rows):
                error = await self._one(sql, row)
                if error is None:
                    continue
                if is_locked(error):
                    rest = [(sql, list(rows[position:])), *statements[index + 1 :]]
                    outcome.backlog, outcome.lock_error = rest, error
                    return
                outcome.failures.append(error)

    async def _one(self, sql: str, row: Params) -> Exception | None:
        try:
            await self._db.execute(sql, row)
            await self._db.commit()
        except Exception as exc:
            await self.rollback()
            return exc
        return None

    async def rollback(self) -> None:
        """Roll back whatever is open; a failing rollback is only logged."""
        try:
            await self._db.rollback()
        except Exception:
            logger.debug("rollback of the log failed", exc_info=True)
