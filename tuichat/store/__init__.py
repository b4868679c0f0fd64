"""The local SQLite log: schema and migrations, the event writer, queries.

Everything tuichat does is written here by :class:`LogWriter`, which consumes
the same turn events as the UI, and read back for replay, stats and export.
Streamed text is committed while it streams, and opening the log marks the
turns of a process that died ``interrupted`` (:func:`recover_interrupted_turns`).
What is written passes a :class:`LogPolicy` first (redaction, metrics-only,
timeline sampling).

Reading back: :func:`resolve_session` and :func:`list_sessions` find sessions
(:mod:`tuichat.store.sessions`, search in :mod:`tuichat.store.search`),
:func:`logged_turns` rebuilds a session's turns as events for replay, resume
and rerun (:mod:`tuichat.store.replay_rows`), :func:`fork_session` starts a
session from another's first turns.

The response cache keeps its entries in a sibling file (:func:`open_cache_store`,
:mod:`tuichat.store.cache_db`); the log records each turn's cache verdict in
``cache_lookups``, summed by :func:`cache_summary`. Errors a front end prints as one line are
:class:`StoreError`s (:mod:`tuichat.store.errors`).
"""

from tuichat.store.cache_db import SqliteCacheStore, cache_path_beside, open_cache_store
from tuichat.store.cache_lookups import cache_summary, cache_summary_sync
from tuichat.store.database import open_database, open_database_sync, prepare_database_file
from tuichat.store.errors import (
    AmbiguousSession,
    CorruptLogError,
    CorruptTimeline,
    NewerLogError,
    SessionNotFound,
    SessionRefError,
    StoreError,
    TurnNotFound,
)
from tuichat.store.migrations import MIGRATIONS, applied_migrations, migrate, migration
from tuichat.store.policy import LogPolicy
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
from tuichat.store.replay_rows import logged_turns, logged_turns_sync
from tuichat.store.search import search_note, search_note_sync
from tuichat.store.sessions import (
    SessionSummary,
    fork_session,
    fork_session_sync,
    list_sessions,
    list_sessions_sync,
    resolve_session,
    resolve_session_sync,
)
from tuichat.store.writer import LogWriter

__all__ = [
    "MIGRATIONS",
    "AmbiguousSession",
    "AttemptRow",
    "CorruptLogError",
    "CorruptTimeline",
    "LogPolicy",
    "LogWriter",
    "MessageRow",
    "NewerLogError",
    "SessionNotFound",
    "SessionRefError",
    "SessionRow",
    "SessionSummary",
    "SqliteCacheStore",
    "StoreError",
    "TurnNotFound",
    "applied_migrations",
    "attempts_for_trace",
    "cache_path_beside",
    "cache_summary",
    "cache_summary_sync",
    "cached_answer",
    "fork_session",
    "fork_session_sync",
    "list_sessions",
    "list_sessions_sync",
    "logged_turns",
    "logged_turns_sync",
    "migrate",
    "migration",
    "open_cache_store",
    "open_database",
    "open_database_sync",
    "prepare_database_file",
    "recent_sessions",
    "recover_interrupted_turns",
    "resolve_session",
    "resolve_session_sync",
    "search_note",
    "search_note_sync",
    "session_messages",
]
