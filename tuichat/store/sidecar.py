"""The small SQLite files beside the log (the response cache, the shared limits): opened one way.

Each is private (0600 in a 0700 folder), WAL, in autocommit mode (its store
opens its own ``BEGIN IMMEDIATE`` transactions, so a writer never has to
upgrade a read lock, which SQLite cannot wait for), and versioned by
``user_version``: step ``i`` of its schema takes the file from version i to
i + 1, each in a write-locked transaction that re-reads the version, so two
processes opening a new file together apply each step once. A file written
by a newer tuichat is refused (:class:`NewerFile`). Callers turn every error
into their own one-line "unavailable" exception.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

from tuichat.store.database import prepare_database_file, use_wal

SchemaStep = Callable[[sqlite3.Connection], None]


class NewerFile(Exception):
    """The file's schema is newer than this tuichat knows."""


def connect_sidecar(
    path: Path, steps: Sequence[SchemaStep], busy_timeout_ms: int
) -> sqlite3.Connection:
    """Open (creating and upgrading) ``path``; raises sqlite3.Error, OSError or NewerFile."""
    prepare_database_file(path)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        conn.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        if user_version(conn) > len(steps):
            raise NewerFile(f"{path} was written by a newer tuichat; upgrade it")
        use_wal(conn, busy_timeout_ms)
        conn.execute("PRAGMA synchronous=NORMAL")  # current state / a cache: the last change may go
        upgrade(conn, steps)
    except BaseException:
        conn.close()
        raise
    return conn


def user_version(conn: sqlite3.Connection) -> int:
    """The file's ``user_version`` (0: a new, empty file)."""
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    return int(version)


def upgrade(conn: sqlite3.Connection, steps: Sequence[SchemaStep]) -> None:
    """Apply the missing steps, each in a write-locked transaction that re-reads the version."""
    while user_version(conn) < len(steps):
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = user_version(conn)  # another process may have upgraded meanwhile
            if version < len(steps):
                steps[version](conn)
                conn.execute(f"PRAGMA user_version={version + 1}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
