"""Turns left running by a dead process: found when the log opens, marked interrupted.

Every :class:`~tuichat.store.writer.LogWriter` registers itself in ``writers``
(its process: pid, the process's start identity, host; and ``seen_at``, the
wall time of its latest commit) in every transaction it commits, and lists
each turn it has started in ``open_turns`` in the same transaction as the
turn's first rows. The transaction that writes a turn's final rows deletes
its ``open_turns`` row; a clean close interrupts the writer's own unfinished
turns and deletes its ``writers`` row (:meth:`Registration.retire`).

The rule, applied by :func:`recover_interrupted_turns` whenever a tuichat
command opens the log:

* a writer is **dead** when it ran on this host and its pid is gone (or a
  zombie), or the pid now belongs to another process: the process start
  identity (Linux: boot id + start time from ``/proc``) differs from the one
  recorded. ``open_turns`` rows whose writer row is missing are dead too;
* every other writer is **alive** and its turns are never touched: a live
  chat in another window, a writer on another host (a shared home folder),
  and, where ``/proc`` is missing, a pid that exists (pid reuse cannot be
  told apart there, so such a turn waits until the pid is gone).

A dead writer's turns are recovered in one transaction: their ``running``
attempts become ``interrupted`` with ``ended_at`` = the writer's ``seen_at``
(the last moment it was known to work); a ``streaming`` answer becomes
``interrupted`` and keeps the text it had; a turn with no answer row gets an
empty ``interrupted`` one (as an empty cancelled turn does), so the log shows
the turn was cut. A locked database skips recovery: the next open does it.
"""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tuichat.core.clock import Clock
from tuichat.store.commit import Statement
from tuichat.store.statements import WRITER_SQL

logger = logging.getLogger(__name__)

RECOVERY_BUSY_TIMEOUT_MS = 500
"""How long recovery waits for another process's write lock before leaving it for later."""

_TRACES = "SELECT trace_id FROM open_turns WHERE writer_id = :writer"
_LATEST_MODEL = (
    "SELECT a.model FROM attempts AS a WHERE a.trace_id = u.trace_id ORDER BY a.attempt DESC"
    " LIMIT 1"
)
INTERRUPT_SQL: tuple[str, ...] = (
    "UPDATE attempts SET status = 'interrupted', ended_at = COALESCE(ended_at, :ended)"
    f" WHERE status = 'running' AND trace_id IN ({_TRACES})",
    "UPDATE messages SET status = 'interrupted'"
    f" WHERE role = 'assistant' AND status = 'streaming' AND trace_id IN ({_TRACES})",
    "INSERT INTO messages (session_id, trace_id, role, content, status, model, created_at)"
    f" SELECT u.session_id, u.trace_id, 'assistant', '', 'interrupted',"
    f" COALESCE(({_LATEST_MODEL}), u.model), COALESCE(:ended, u.created_at)"
    f" FROM messages AS u WHERE u.role = 'user' AND u.trace_id IN ({_TRACES})"
    " AND NOT EXISTS (SELECT 1 FROM messages AS m"
    " WHERE m.trace_id = u.trace_id AND m.role = 'assistant')",
    "DELETE FROM open_turns WHERE writer_id = :writer",
    "DELETE FROM writers WHERE id = :writer",
)
"""Interrupt every open turn of writer ``:writer`` at wall time ``:ended``; forget the writer."""


@dataclass(frozen=True, slots=True)
class ProcessIdentity:
    """Who writes: enough to tell later whether that process still runs."""

    pid: int
    process_start: str | None
    """Boot id and start time of the process (Linux), None where unknown."""
    host: str


def this_process() -> ProcessIdentity:
    """The identity of the running process."""
    pid = os.getpid()
    return ProcessIdentity(pid, process_start(pid), socket.gethostname())


def process_start(pid: int) -> str | None:
    """``boot-id:start-ticks`` of ``pid`` from ``/proc``; None if unknown or gone."""
    stat = _proc_stat(pid)
    boot = _boot_id()
    if stat is None or boot is None or len(stat) < 20:
        return None
    return f"{boot}:{stat[19]}"


def is_alive(writer: ProcessIdentity) -> bool:
    """False only when the writer's process is known to be gone (see the module rule)."""
    if writer.host != socket.gethostname():
        return True
    try:
        os.kill(writer.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process holds the pid
    stat = _proc_stat(writer.pid)
    if stat is not None and stat[0] in ("Z", "X"):
        return False  # exited, not yet reaped
    now = process_start(writer.pid)
    return writer.process_start is None or now is None or now == writer.process_start


class Registration:
    """One writer's row in ``writers``: stamped by each transaction, removed on close."""

    def __init__(self, clock: Clock) -> None:
        self.id = uuid.uuid4().hex
        self._clock = clock
        self._process = this_process()
        self._opened_at = clock.wall()

    def stamp(self) -> Statement:
        """Create the row, or move its ``seen_at`` to now (a heartbeat per commit)."""
        process = self._process
        row = (process.pid, process.process_start, process.host, self._opened_at)
        return (WRITER_SQL, [(self.id, *row, self._clock.wall())])

    def retire(self) -> list[Statement]:
        """Interrupt this writer's turns that never ended, and remove its row."""
        params = {"writer": self.id, "ended": self._clock.wall()}
        return [(sql, [params]) for sql in INTERRUPT_SQL]


def recover_interrupted_turns(conn: sqlite3.Connection) -> int:
    """Mark the open turns of dead writers interrupted; return how many turns.

    Never raises for a database error: a log that cannot be repaired now is
    still readable, and the next open tries again.
    """
    try:
        dead = _dead_writers(conn)
        if not dead:
            return 0
        return _interrupt(conn, dead)
    except sqlite3.Error as exc:
        if conn.in_transaction:
            conn.rollback()
        logger.warning("could not mark interrupted turns in the log: %s", exc)
        return 0


def _dead_writers(conn: sqlite3.Connection) -> list[tuple[str, float | None]]:
    """``(writer id, ended_at)`` of each dead writer with state to recover."""
    rows = conn.execute(
        "SELECT id, pid, process_start, host, seen_at FROM writers"
        " UNION ALL SELECT DISTINCT writer_id, NULL, NULL, NULL, NULL FROM open_turns"
        " WHERE writer_id NOT IN (SELECT id FROM writers)"
    ).fetchall()
    dead: list[tuple[str, float | None]] = []
    for writer_id, pid, start, host, seen_at in rows:
        if pid is None or not is_alive(ProcessIdentity(pid, start, host)):
            dead.append((writer_id, seen_at))
    return dead


def _interrupt(conn: sqlite3.Connection, dead: Sequence[tuple[str, float | None]]) -> int:
    """One write transaction for all dead writers, waiting only briefly for the lock."""
    (timeout,) = conn.execute("PRAGMA busy_timeout").fetchone()
    conn.execute(f"PRAGMA busy_timeout={RECOVERY_BUSY_TIMEOUT_MS}")
    try:
        conn.execute("BEGIN IMMEDIATE")
        turns = 0
        for writer_id, seen_at in dead:
            (count,) = conn.execute(
                "SELECT count(*) FROM open_turns WHERE writer_id = ?", (writer_id,)
            ).fetchone()
            ended = seen_at if seen_at is not None else _latest_stamp(conn, writer_id)
            for sql in INTERRUPT_SQL:
                conn.execute(sql, {"writer": writer_id, "ended": ended})
            turns += int(count)
        conn.execute("COMMIT")
    finally:
        conn.execute(f"PRAGMA busy_timeout={int(timeout)}")
    if turns:
        logger.info("marked %d turn(s) of a process that ended as interrupted", turns)
    return turns


def _latest_stamp(conn: sqlite3.Connection, writer_id: str) -> float | None:
    """An orphan's end time: the latest time its turns are known to have been alive."""
    (stamp,) = conn.execute(
        "SELECT max(s) FROM (SELECT max(m.created_at) AS s FROM messages AS m"
        f" WHERE m.trace_id IN ({_TRACES}) UNION ALL SELECT max(a.started_at)"
        f" FROM attempts AS a WHERE a.trace_id IN ({_TRACES}))",
        {"writer": writer_id},
    ).fetchone()
    return None if stamp is None else float(stamp)


def _proc_stat(pid: int) -> list[str] | None:
    """Fields of ``/proc/<pid>/stat`` after the command name (state first)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    _, _, rest = raw.rpartition(")")  # the name may hold spaces and parentheses
    return rest.split()


@cache
def _boot_id() -> str | None:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
    except OSError:
        return None
