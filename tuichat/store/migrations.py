"""The log's schema, built by an ordered list of named migrations.

The steps themselves are in :mod:`tuichat.store.schema_core` (m001-m010)
and :mod:`tuichat.store.schema_features` (m011 on; new ones are appended
there). Each step's name is recorded in ``_migrations`` once it has run,
so :func:`migrate` applies each one exactly once, in order; all the pending
ones in one transaction.

Migrations take a plain :class:`sqlite3.Connection` so headless tools, tests
and the async opener (which runs them in a worker thread) share one code path.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

from tuichat.store.errors import NewerLogError
from tuichat.store.fts_schema import FTS_STATEMENTS, FTS_TABLE, has_fts5
from tuichat.store.schema_core import CORE_STEPS
from tuichat.store.schema_features import FEATURE_STEPS

__all__ = [
    "FTS_STATEMENTS",
    "FTS_TABLE",
    "MIGRATIONS",
    "applied_migrations",
    "check_not_newer",
    "has_fts5",
    "migrate",
    "migration",
    "unknown_migrations",
]

Migration = Callable[[sqlite3.Connection], None]

MIGRATIONS: list[Migration] = [*CORE_STEPS, *FEATURE_STEPS]
"""Every migration, in the order it must run (tests replace the list)."""


def migration(fn: Migration) -> Migration:
    """Register ``fn`` as the next migration; its ``__name__`` is its identity."""
    MIGRATIONS.append(fn)
    return fn


def applied_migrations(conn: sqlite3.Connection) -> set[str]:
    """Names of the migrations already recorded in ``conn``'s database."""
    _create_migrations_table(conn)
    return {name for (name,) in conn.execute("SELECT name FROM _migrations")}


def unknown_migrations(conn: sqlite3.Connection) -> list[str]:
    """Migrations recorded in ``conn``'s log that this version does not know (read only)."""
    found = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migrations'"
    ).fetchone()
    if found is None:
        return []
    known = {fn.__name__ for fn in MIGRATIONS}
    recorded = [name for (name,) in conn.execute("SELECT name FROM _migrations")]
    return sorted(name for name in recorded if name not in known)


def check_not_newer(conn: sqlite3.Connection, where: str = "the log") -> None:
    """Raise :class:`NewerLogError` when a newer tuichat migrated this log (nothing is written)."""
    unknown = unknown_migrations(conn)
    if unknown:
        names = ", ".join(unknown[:3]) + (", ..." if len(unknown) > 3 else "")
        raise NewerLogError(
            f"{where} was written by a newer tuichat (it has migration {names});"
            " upgrade tuichat to open it"
        )


def migrate(conn: sqlite3.Connection) -> list[str]:
    """Apply every pending migration in order; return the names applied now.

    All of them in one transaction: a first launch runs the whole schema in
    one commit (15 → 5 ms), and a failing migration leaves the log as it
    was. Idempotent, and safe when two processes start at once: the records
    are re-read inside the write-locked transaction, so a migration another
    process applied meanwhile is skipped. A log a newer version migrated
    raises :class:`NewerLogError` untouched.
    """
    if conn.in_transaction:
        raise RuntimeError("migrate() needs a connection with no open transaction")
    check_not_newer(conn)
    done = applied_migrations(conn)
    if all(fn.__name__ in done for fn in MIGRATIONS):
        return []
    return _apply_pending(conn)


def _create_migrations_table(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at REAL)")


def _apply_pending(conn: sqlite3.Connection) -> list[str]:
    """Run the migrations not recorded yet, in one write-locked transaction."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        done = {name for (name,) in conn.execute("SELECT name FROM _migrations")}
        applied = []
        for fn in MIGRATIONS:
            if fn.__name__ in done:  # another process applied it meanwhile
                continue
            fn(conn)
            conn.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                (fn.__name__, time.time()),
            )
            applied.append(fn.__name__)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return applied
