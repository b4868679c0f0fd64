"""The response cache's SQLite store: :class:`~tuichat.core.cache.ports.CacheStore`.

:func:`open_cache_store` opens (creating and upgrading) the cache file
(:mod:`tuichat.store.cache_schema`; by default ``cache.sqlite3`` beside the
log, see :func:`cache_path_beside`). The core asks it on the event loop, so
every method is one or two indexed statements on a private connection:

* ``get`` is one primary-key read (tags come along in a sub-select);
* ``put`` is an upsert in a ``BEGIN IMMEDIATE`` transaction — two processes
  storing the same key both succeed and the last one wins — followed, in the
  same transaction, by removing expired entries and evicting the least
  recently used ones while the total size exceeds ``max_bytes`` (the total is
  kept by triggers, so checking it costs no scan);
* ``record_hit`` and ``mark_false_hit`` are single-row updates.

Deleting an entry, however it happens, deletes its tags and vectors
(a trigger). Every failure — a corrupt row (:mod:`tuichat.store.cache_rows`),
a file that is not SQLite, a lock held beyond the short busy timeout —
raises :class:`~tuichat.core.cache.ports.CacheUnavailable` with one line.
The connection is guarded by a lock, so a worker thread may use the store
too; :mod:`tuichat.store.cache_admin` holds what ``tuichat cache`` needs beyond the port.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from tuichat.core.cache.ports import CacheEntry, CacheUnavailable
from tuichat.store.cache_rows import (
    READ_COLUMNS,
    WRITE_COLUMNS,
    Row,
    entry_from_row,
    entry_values,
    unique_tags,
)
from tuichat.store.cache_schema import (
    CACHE_BUSY_TIMEOUT_MS,
    cache_path_beside,
    connect_cache,
    unavailable_on_error,
)

__all__ = ["SqliteCacheStore", "cache_path_beside", "open_cache_store"]

MAX_EMBEDDINGS = 20_000
"""Remembered embeddings beyond this are forgotten, oldest first (they are recomputable)."""
_KEYS_PER_STATEMENT = 500
_LIVE = "e.false_hit = 0 AND (e.expires_at IS NULL OR e.expires_at > ?)"
_GET_SQL = f"SELECT {READ_COLUMNS} FROM entries e WHERE e.key = ? AND {_LIVE}"
_UPSERT_SQL = (
    f"INSERT INTO entries ({', '.join(WRITE_COLUMNS)})"
    f" VALUES ({', '.join('?' for _ in WRITE_COLUMNS)})"
    " ON CONFLICT (key) DO UPDATE SET "
    + ", ".join(f"{column} = excluded.{column}" for column in WRITE_COLUMNS[1:])
)
_EVICTION_BATCH = 64


def open_cache_store(
    path: Path, *, max_bytes: int, busy_timeout_ms: int = CACHE_BUSY_TIMEOUT_MS
) -> SqliteCacheStore:
    """The cache at ``path`` (created 0600, folder 0700, if missing), capped at ``max_bytes``.

    Raises :class:`~tuichat.core.cache.ports.CacheUnavailable` (one line) when
    the file cannot be used: not SQLite, a newer schema, locked, unwritable.
    """
    return SqliteCacheStore(connect_cache(path, busy_timeout_ms), path, max_bytes=max_bytes)


class SqliteCacheStore:
    """Entries, vectors and embeddings in one SQLite file (see the module doc)."""

    def __init__(self, conn: sqlite3.Connection, path: Path, *, max_bytes: int) -> None:
        self._conn = conn
        self.path = path
        self.max_bytes = max_bytes
        self._lock = threading.Lock()

    # --- the port ---------------------------------------------------------

    def get(self, key: str, now: float) -> CacheEntry | None:
        """The live entry of ``key``: not expired at ``now``, not a false hit (else None)."""
        rows = self._read(_GET_SQL, (key, now))
        return entry_from_row(rows[0]) if rows else None

    def entries(self, keys: Sequence[str], now: float) -> list[CacheEntry]:
        """The live entries among ``keys`` (semantic candidates), any order."""
        found: list[CacheEntry] = []
        for start in range(0, len(keys), _KEYS_PER_STATEMENT):
            batch = list(keys[start : start + _KEYS_PER_STATEMENT])
            marks = ", ".join("?" for _ in batch)
            sql = f"SELECT {READ_COLUMNS} FROM entries e WHERE e.key IN ({marks}) AND {_LIVE}"
            found += [entry_from_row(row) for row in self._read(sql, (*batch, now))]
        return found

    def put(self, entry: CacheEntry, vector: bytes | None = None, embedder: str = "") -> None:
        """Store ``entry`` (the last writer of a key wins), then evict down to the cap.

        ``vector`` (the question's embedding by ``embedder``) is stored with it;
        without one, a vector stored earlier for the key is kept.
        """
        values, _ = entry_values(entry, vector)
        with self._write() as conn:
            conn.execute(_UPSERT_SQL, values)
            conn.execute("DELETE FROM entry_tags WHERE key = ?", (values[0],))
            conn.executemany(
                "INSERT INTO entry_tags (key, tag) VALUES (?, ?)",
                [(values[0], tag) for tag in unique_tags(entry.tags)],
            )
            if vector is not None:
                conn.execute(
                    "INSERT OR REPLACE INTO vectors (key, embedder, vector) VALUES (?, ?, ?)",
                    (values[0], embedder, vector),
                )
            conn.execute("DELETE FROM entries WHERE expires_at <= ?", (entry.created_at,))
            self._evict(conn)

    def record_hit(self, key: str, now: float) -> None:
        """Count a hit and make the entry most recently used."""
        with self._write() as conn:
            conn.execute(
                "UPDATE entries SET hits = hits + 1, last_used_at = max(last_used_at, ?)"
                " WHERE key = ?",
                (now, key),
            )

    def mark_false_hit(self, key: str) -> None:
        """Never serve this entry again; it is kept (and counted) for the stats."""
        with self._write() as conn:
            conn.execute("UPDATE entries SET false_hit = 1 WHERE key = ?", (key,))

    def vectors(self, scope: str, embedder: str) -> list[tuple[str, bytes]]:
        """``(key, vector)`` of the entries of ``scope`` embedded by ``embedder``.

        False hits are left out; expiry is checked when the candidates are
        read with :meth:`entries` (this port method has no ``now``).
        """
        rows = self._read(
            "SELECT v.key, v.vector FROM entries e JOIN vectors v ON v.key = e.key"
            " WHERE e.scope = ? AND v.embedder = ? AND e.false_hit = 0",
            (scope, embedder),
        )
        return [(_text_of(key), _blob_of(vector)) for key, vector in rows]

    def embedding(self, text_hash: str, embedder: str) -> bytes | None:
        """A text's embedding computed before, or None."""
        rows = self._read(
            "SELECT vector FROM embeddings WHERE text_hash = ? AND embedder = ?",
            (text_hash, embedder),
        )
        return _blob_of(rows[0][0]) if rows else None

    def save_embedding(self, text_hash: str, embedder: str, vector: bytes) -> None:
        """Remember a text's embedding (the oldest are forgotten beyond :data:`MAX_EMBEDDINGS`)."""
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT OR REPLACE INTO embeddings (text_hash, embedder, vector) VALUES (?, ?, ?)",
                (text_hash, embedder, vector),
            )
            if (cursor.lastrowid or 0) % 1000 == 0:  # an occasional trim is enough
                conn.execute(
                    "DELETE FROM embeddings WHERE rowid <= (SELECT max(rowid) FROM embeddings) - ?",
                    (MAX_EMBEDDINGS,),
                )

    def invalidate_other_versions(self, model: str, served_model: str) -> int:
        """Drop entries of ``model`` answered by another served version; returns how many."""
        with self._write() as conn:
            cursor = conn.execute(
                "DELETE FROM entries WHERE model = ? AND served_model IS NOT NULL"
                " AND served_model != ?",
                (model, served_model),
            )
            return cursor.rowcount

    # --- beyond the port --------------------------------------------------

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock, unavailable_on_error(self.path):
            self._conn.close()

    def read(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        """Rows of a read-only statement (for :mod:`tuichat.store.cache_admin`)."""
        return self._read(sql, params)

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write-locked transaction (for :mod:`tuichat.store.cache_admin`)."""
        with self._write() as conn:
            yield conn

    # --- internals --------------------------------------------------------

    def _read(self, sql: str, params: Sequence[object]) -> list[Row]:
        with self._lock, unavailable_on_error(self.path):
            return self._conn.execute(sql, params).fetchall()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT`` (rolled back on any error)."""
        with self._lock, unavailable_on_error(self.path):
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def _evict(self, conn: sqlite3.Connection) -> None:
        """Delete least recently used entries while the total exceeds ``max_bytes``."""
        while (total := _total_bytes(conn)) > self.max_bytes:
            rows = conn.execute(
                "SELECT key, size_bytes FROM entries ORDER BY last_used_at LIMIT ?",
                (_EVICTION_BATCH,),
            ).fetchall()
            if not rows:
                return
            doomed = []
            for key, size in rows:
                doomed.append((key,))
                total -= size if isinstance(size, int) else 0
                if total <= self.max_bytes:
                    break
            conn.executemany("DELETE FROM entries WHERE key = ?", doomed)


def _total_bytes(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT bytes FROM cache_totals WHERE id = 0").fetchone()
    if row is None or isinstance(row[0], bool) or not isinstance(row[0], int):
        raise _corrupt("its size total is missing")
    return row[0]


def _text_of(value: object) -> str:
    if not isinstance(value, str):
        raise _corrupt("a vector's key is not text")
    return value


def _blob_of(value: object) -> bytes:
    if not isinstance(value, bytes):
        raise _corrupt("a vector is not a blob")
    return value


def _corrupt(what: str) -> CacheUnavailable:
    return CacheUnavailable(f"response cache: {what}")
