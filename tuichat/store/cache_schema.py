"""The response cache's file: opening it, its versioned schema, its errors as one line.

The cache lives in its own SQLite file beside the log (``cache.sqlite3``), so
clearing or losing it never touches the log, and a chat that reads the cache
on the event loop never waits on the log writer's transactions. Like the log
it is created 0600 in a 0700 folder before SQLite touches it, runs in WAL
(a ``tuichat cache list`` reads while a chat writes), and waits a short
``busy_timeout`` for another process's lock: the cache is asked on the event
loop, so a lock held longer makes it unavailable for that request instead.

The schema is versioned by ``PRAGMA user_version``: :data:`SCHEMA_STEPS`
holds one function per version, applied in order, each in a write-locked
transaction that re-reads the version first (two processes opening a new
file at once both succeed). A file of a newer version is refused untouched.

Every ``sqlite3`` failure (not a database, locked beyond the timeout, a
full disk) reaches callers as :class:`~tuichat.core.cache.ports.CacheUnavailable`
with one line, via :func:`unavailable_on_error`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tuichat.core.cache.ports import CacheUnavailable
from tuichat.core.untrusted import one_line
from tuichat.store.sidecar import NewerFile, SchemaStep, connect_sidecar

CACHE_FILE_NAME = "cache.sqlite3"
"""The cache's file name, beside the log database."""
CACHE_BUSY_TIMEOUT_MS = 200
"""How long a cache read or write waits for another process's lock (on the event loop)."""


def cache_path_beside(log_path: Path) -> Path:
    """Where the response cache of the log at ``log_path`` lives."""
    return log_path.parent / CACHE_FILE_NAME


def _v1_entries(conn: sqlite3.Connection) -> None:
    """Entries, their tags, their question vectors, and embeddings by text hash.

    ``cache_totals`` (one row) keeps the total ``size_bytes`` and the count,
    maintained by triggers, so the size cap is checked without a scan; deleting
    an entry (evicted, cleared, invalidated) deletes its tags and vectors.
    """
    for statement in _V1_STATEMENTS:
        conn.execute(statement)


_V1_STATEMENTS = (
    """
    CREATE TABLE entries (
        key TEXT PRIMARY KEY,
        scope TEXT NOT NULL,
        question TEXT NOT NULL,
        answer TEXT NOT NULL,
        model TEXT NOT NULL,
        served_model TEXT,
        created_at REAL NOT NULL,
        last_used_at REAL NOT NULL,
        expires_at REAL,
        ttft_ms REAL,
        duration_ms REAL,
        cost_usd REAL,
        finish_reason TEXT,
        chunks TEXT NOT NULL,
        input_tokens INTEGER,
        output_tokens INTEGER,
        hits INTEGER NOT NULL DEFAULT 0,
        false_hit INTEGER NOT NULL DEFAULT 0,
        size_bytes INTEGER NOT NULL
    )
    """,
    "CREATE INDEX idx_entries_scope ON entries (scope)",
    "CREATE INDEX idx_entries_lru ON entries (last_used_at)",
    "CREATE INDEX idx_entries_model ON entries (model, served_model)",
    "CREATE INDEX idx_entries_created ON entries (created_at)",
    "CREATE INDEX idx_entries_expiry ON entries (expires_at) WHERE expires_at IS NOT NULL",
    """
    CREATE TABLE entry_tags (
        key TEXT NOT NULL,
        tag TEXT NOT NULL,
        PRIMARY KEY (key, tag)
    ) WITHOUT ROWID
    """,
    "CREATE INDEX idx_entry_tags_tag ON entry_tags (tag)",
    """
    CREATE TABLE vectors (
        key TEXT NOT NULL,
        embedder TEXT NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (key, embedder)
    )
    """,
    """
    CREATE TABLE embeddings (
        text_hash TEXT NOT NULL,
        embedder TEXT NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (text_hash, embedder)
    )
    """,
    """
    CREATE TABLE cache_totals (
        id INTEGER PRIMARY KEY CHECK (id = 0),
        bytes INTEGER NOT NULL,
        entries INTEGER NOT NULL
    )
    """,
    "INSERT INTO cache_totals (id, bytes, entries) VALUES (0, 0, 0)",
    "CREATE TRIGGER entries_added AFTER INSERT ON entries BEGIN"
    " UPDATE cache_totals SET bytes = bytes + new.size_bytes, entries = entries + 1; END",
    "CREATE TRIGGER entries_resized AFTER UPDATE OF size_bytes ON entries BEGIN"
    " UPDATE cache_totals SET bytes = bytes - old.size_bytes + new.size_bytes; END",
    "CREATE TRIGGER entries_removed AFTER DELETE ON entries BEGIN"
    " UPDATE cache_totals SET bytes = bytes - old.size_bytes, entries = entries - 1;"
    " DELETE FROM entry_tags WHERE key = old.key;"
    " DELETE FROM vectors WHERE key = old.key; END",
)

SCHEMA_STEPS: tuple[SchemaStep, ...] = (_v1_entries,)
"""Step ``i`` takes the file from ``user_version`` i to i + 1. Append only."""
SCHEMA_VERSION = len(SCHEMA_STEPS)


@contextmanager
def unavailable_on_error(path: Path | str) -> Iterator[None]:
    """Turn any SQLite or file error into :class:`CacheUnavailable` (one line, no traceback)."""
    try:
        yield
    except (sqlite3.Error, OSError, UnicodeError, OverflowError) as exc:
        raise CacheUnavailable(one_line(f"response cache at {path}: {_reason(exc)}")) from None


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if "locked" in text or "busy" in text:
        return f"{text} (another process holds it)"
    return text


def connect_cache(path: Path, busy_timeout_ms: int = CACHE_BUSY_TIMEOUT_MS) -> sqlite3.Connection:
    """Open (creating and upgrading if needed) the cache file; CacheUnavailable if unusable."""
    try:
        with unavailable_on_error(path):
            return connect_sidecar(path, SCHEMA_STEPS, busy_timeout_ms)
    except NewerFile as exc:
        raise CacheUnavailable(one_line(f"response cache at {exc}")) from None
