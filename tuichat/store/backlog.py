"""Rows waiting for another process's lock, and how late that makes the log.

When a transaction finds the database locked (:mod:`tuichat.store.commit`),
its rows become the :class:`Backlog`: kept in order, retried after a backoff
that doubles up to a second, and reported: ``since`` says from when the log
is behind, ``on_late`` is called once per episode, :meth:`Backlog.notice` is
the line a front end shows. All times are read from the writer's clock.

The backlog stays proportional to what was observed: each retry carries one
fresh heartbeat (:meth:`Backlog.rows` drops the old one), and the writer
leaves streamed text in memory while it is late rather than queueing a
growing copy of it on every retry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from tuichat.core.clock import Clock
from tuichat.store.commit import Statement
from tuichat.store.recovery import INTERRUPT_SQL
from tuichat.store.statements import CLOSE_TURN_SQL, OPEN_TURN_SQL, WRITER_SQL

logger = logging.getLogger(__name__)

RETRY_BACKOFF_S = (0.1, 1.0)
"""First and longest wait between tries while another process holds the lock."""

_BOOKKEEPING = frozenset((WRITER_SQL, OPEN_TURN_SQL, CLOSE_TURN_SQL, *INTERRUPT_SQL))
"""Statements about the writer itself, not the log's content (not counted as lost rows)."""


class Backlog:
    """The rows a locked database did not take yet, in the order they must be written."""

    def __init__(self, clock: Clock, on_late: Callable[[], None] | None = None) -> None:
        self._clock = clock
        self._on_late = on_late
        self._backoff = RETRY_BACKOFF_S[0]
        self.statements: list[Statement] = []
        self.since: float | None = None
        """Clock time of the first try that found the lock; None while up to date."""
        self.retry_due: float | None = None

    def __bool__(self) -> bool:
        return bool(self.statements)

    def rows(self) -> list[Statement]:
        """What to write again, without the writer's old heartbeat (a new one goes first)."""
        return [statement for statement in self.statements if statement[0] != WRITER_SQL]

    def locked(self, statements: list[Statement], tried_at: float, error: object) -> None:
        """The lock refused ``statements`` (tried at ``tried_at``): keep them, retry later."""
        self.statements = statements
        self.retry_due = self._clock.now() + self._backoff
        self._backoff = min(self._backoff * 2, RETRY_BACKOFF_S[1])
        if self.since is not None:
            return
        self.since = tried_at
        logger.warning("the log is behind: another process holds the database (%s)", error)
        if self._on_late is not None:
            try:
                self._on_late()
            except Exception:
                logger.exception("the log's on_late callback failed")

    def written(self) -> None:
        """Everything kept went in: the log is up to date again."""
        if self.since is not None:
            logger.info("the log caught up after %.1f s", self.behind_s())
        self.statements = []
        self.since = self.retry_due = None
        self._backoff = RETRY_BACKOFF_S[0]

    def give_up(self) -> int:
        """Drop what is kept (a deadline passed); return how many log rows were lost."""
        lost = sum(len(rows) for sql, rows in self.statements if sql not in _BOOKKEEPING)
        if self.statements:
            logger.warning(
                "%d log row(s) not written: another process held the database for %.0f s",
                lost,
                self.behind_s(),
            )
        self.statements = []
        self.since = self.retry_due = None
        return lost

    def behind_s(self) -> float:
        """Seconds the log has been waiting for the lock (0 while up to date)."""
        return 0.0 if self.since is None else self._clock.now() - self.since

    def notice(self) -> str | None:
        """The one line a front end shows while the log is late, else None."""
        if self.since is None:
            return None
        return (
            f"the log is {self.behind_s():.0f} s behind: another process holds the database"
            " (nothing is lost while tuichat runs)"
        )
