"""Opening the SQLite log: private file, WAL, pragmas, migrations, crash recovery.

The log holds prompts and answers, so the file is created readable by its
owner only *before* SQLite touches it; SQLite then gives its ``-wal`` and
``-shm`` side files the same mode. WAL lets a ``stats`` or ``replay`` reader
run while a chat session writes.

Every open, by any tuichat command, also marks the turns left running by a
process that died ``interrupted`` (:mod:`tuichat.store.recovery`): turns of
a live process, such as a second chat window, are left alone.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import time
from pathlib import Path

import aiosqlite

from tuichat.paths import ensure_private_dir
from tuichat.store.migrations import check_not_newer, migrate
from tuichat.store.recovery import recover_interrupted_turns

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
"""How long a write waits for another process's lock before failing."""

_CONNECTION_PRAGMAS = (
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",  # safe with WAL: a crash loses at most the last commits
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
)


def prepare_database_file(path: Path) -> None:
    """Create the folder (0700) and an empty file (0600) if they are missing.

    Modes are set explicitly rather than trusted to the umask. Existing
    folders and files are left as the user has them.
    """
    parent = path.parent
    if not parent.exists():
        ensure_private_dir(parent)
        parent.chmod(0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def use_wal(conn: sqlite3.Connection, patience_ms: int) -> None:
    """Switch to WAL, waiting for another process doing the same on a new file.

    SQLite does not call the busy handler while a second connection holds a
    new file's lock during the switch: it answers "database is locked" at
    once, so two tuichat processes started together would lose their cache.
    """
    deadline = time.monotonic() + patience_ms / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def open_database_sync(path: Path) -> sqlite3.Connection:
    """Open (creating, migrating and recovering if needed) the log for blocking use.

    A log written by a newer tuichat raises :class:`~tuichat.store.errors.NewerLogError`
    before anything is written to it.
    """
    prepare_database_file(path)
    conn = sqlite3.connect(path)
    try:
        check_not_newer(conn, f"the log at {path}")  # before anything is written
        _enable_wal(conn, path)
        for pragma in _CONNECTION_PRAGMAS:
            conn.execute(pragma)
        migrate(conn)
        recover_interrupted_turns(conn)
    except BaseException:
        conn.close()
        raise
    return conn


async def open_database(path: Path, *, prepared: bool = False) -> aiosqlite.Connection:
    """Open (creating, migrating and recovering if needed) the log for the event loop.

    File creation, migrations and recovery run in a worker thread on a
    short-lived blocking connection, so start-up never blocks the loop on disk I/O.
    ``prepared``: :func:`prepare_database` already did them for ``path`` in
    this process (successfully), so they are not done twice.
    """
    if not prepared:
        await asyncio.to_thread(_prepare_and_migrate, path)
    db = await aiosqlite.connect(path)
    try:  # one hop to the connection's thread, not one per pragma (a turn may wait for it)
        await db.executescript(";\n".join(_CONNECTION_PRAGMAS))
    except BaseException:
        await db.close()
        raise
    return db


def _prepare_and_migrate(path: Path) -> None:
    open_database_sync(path).close()


def prepare_database(path: Path) -> bool:
    """Create, migrate and recover the log now (blocking); False if that failed.

    For a thread that is running anyway (the chat's start-up imports): the
    open that follows can then skip these steps (``open_database(prepared=True)``).
    A failure is not reported here: the open that follows, not prepared,
    meets it again and reports it where the user sees it.
    """
    try:
        _prepare_and_migrate(path)
    except Exception:  # reported by the open that follows (see the docstring)
        logger.debug("preparing the log at %s failed; the open will say why", path, exc_info=True)
        return False
    return True


def _enable_wal(conn: sqlite3.Connection, path: Path) -> None:
    """Switch to WAL (persistent in the file); warn where the filesystem refuses."""
    (mode,) = conn.execute("PRAGMA journal_mode=WAL").fetchone()
    if str(mode).lower() != "wal":
        logger.warning("SQLite log %s runs in %s journal mode, not WAL", path, mode)
