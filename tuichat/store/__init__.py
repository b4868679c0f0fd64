"""The local SQLite log: schema and migrations, the event writer, queries.

Everything tuichat does is written here by :class:`LogWriter`, which consumes
the same turn events as the UI, and read back for replay, stats and export.
Streamed text is committed while it streams, and opening the log marks the
turns of a process that died ``interrupted`` (:func:`recover_interrupted_turns`).
"""

from tuichat.store.database import open_database, open_database_sync, prepare_database_file
from tuichat.store.migrations import MIGRATIONS, applied_migrations, migrate, migration
from tuichat.store.queries import (
    AttemptRow,
    MessageRow,
    SessionRow,
    attempts_for_trace,
    cached_answer,
    recent_sessions,
    session_messages,
)
from tuichat.store.recovery import recover_interrupted_turns
from tuichat.store.writer import LogWriter

__all__ = [
    "MIGRATIONS",
    "AttemptRow",
    "LogWriter",
    "MessageRow",
    "SessionRow",
    "applied_migrations",
    "attempts_for_trace",
    "cached_answer",
    "migrate",
    "migration",
    "open_database",
    "open_database_sync",
    "prepare_database_file",
    "recent_sessions",
    "recover_interrupted_turns",
    "session_messages",
]
