"""The shared limits file: where it lives, its versioned schema, opening it.

Rate-limit buckets, circuit breakers and the last rate-limit readings of
every tuichat process of a user live in ``limits.sqlite3`` beside the log,
not in the log itself:

- admission happens on the event loop before each request and must take
  well under a millisecond, so its write lock may only ever wait for other
  admissions (microseconds), never for the log writer's batches, a
  ``stats`` query's checkpoint or a migration of the log;
- the limits must hold when the log is not there (it could not be opened,
  a newer tuichat migrated it, or it keeps metrics only);
- it is current state, not history (the log already records every breaker
  change and reading): deleting the file resets the limits and loses nothing.

Like the log it is created 0600 in a 0700 folder before SQLite touches it
and runs in WAL. Its schema is versioned by ``PRAGMA user_version``
(:data:`SCHEMA_STEPS`, append only); a file of a newer version is refused.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tuichat.core.limits.shared_buckets import SharedStateUnavailable
from tuichat.core.untrusted import one_line
from tuichat.store.sidecar import NewerFile, SchemaStep, connect_sidecar

STATE_FILE_NAME = "limits.sqlite3"
"""The shared state's file name, beside the log database."""
STATE_BUSY_TIMEOUT_MS = 250
"""How long an admission waits for another process's write lock (held for microseconds)."""


def state_path_beside(log_path: Path) -> Path:
    """Where the shared limits of the log at ``log_path`` live."""
    return log_path.parent / STATE_FILE_NAME


def _v1_state(conn: sqlite3.Connection) -> None:
    """Buckets (level at a wall-clock time), breakers and readings (JSON), by key."""
    conn.execute(
        "CREATE TABLE buckets (key TEXT PRIMARY KEY, level REAL NOT NULL, at REAL NOT NULL)"
        " WITHOUT ROWID"
    )
    conn.execute(
        "CREATE TABLE breakers (key TEXT PRIMARY KEY, health TEXT NOT NULL,"
        " updated_at REAL NOT NULL) WITHOUT ROWID"
    )
    conn.execute(
        "CREATE TABLE readings (key TEXT PRIMARY KEY, reading TEXT NOT NULL,"
        " observed_at REAL NOT NULL) WITHOUT ROWID"
    )


SCHEMA_STEPS: tuple[SchemaStep, ...] = (_v1_state,)
"""Step ``i`` takes the file from ``user_version`` i to i + 1. Append only."""
SCHEMA_VERSION = len(SCHEMA_STEPS)


def connect_state(path: Path, busy_timeout_ms: int = STATE_BUSY_TIMEOUT_MS) -> sqlite3.Connection:
    """Open (creating and upgrading) the file; :class:`SharedStateUnavailable` if unusable."""
    try:
        return connect_sidecar(path, SCHEMA_STEPS, busy_timeout_ms)
    except NewerFile as exc:
        raise SharedStateUnavailable(one_line(str(exc))) from None
    except (sqlite3.Error, OSError) as exc:
        raise unavailable(path, exc) from None


def unavailable(path: Path, exc: BaseException) -> SharedStateUnavailable:
    """One line for a file that cannot be used."""
    return SharedStateUnavailable(one_line(f"shared limits at {path}: {exc or type(exc).__name__}"))
