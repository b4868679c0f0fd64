"""What ``tuichat cache`` asks of the cache file beyond the core's port.

Counting, listing newest first, clearing and invalidating by tag, model,
age or key, on a :class:`~tuichat.store.cache_db.SqliteCacheStore`. Listing
is for people: a corrupt row is counted and left out rather than hiding
every other entry; the port's reads (``get``) refuse it instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from tuichat.core.cache.ports import CacheEntry, CacheUnavailable
from tuichat.store.cache_db import SqliteCacheStore
from tuichat.store.cache_rows import READ_COLUMNS, entry_from_row


@dataclass(frozen=True, slots=True)
class CacheStats:
    """The cache file's contents at a glance."""

    entries: int
    size_bytes: int
    hits: int
    """Hits served, summed over the entries still stored."""
    false_hits: int
    """Entries marked "not what I asked" (kept, never served)."""
    expired: int


@dataclass(frozen=True, slots=True)
class Listing:
    """Entries newest first, and how many rows could not be read."""

    entries: tuple[CacheEntry, ...]
    corrupt: int = 0


@dataclass(frozen=True, slots=True)
class Invalidation:
    """Which entries ``tuichat cache invalidate`` drops: all the criteria given must hold."""

    tag: str | None = None
    model: str | None = None
    created_before: float | None = None
    key: str | None = None

    @property
    def empty(self) -> bool:
        """True when no criterion is given (which would drop everything)."""
        return all(v is None for v in (self.tag, self.model, self.created_before, self.key))

    def where(self) -> tuple[str, list[object]]:
        """The SQL condition and its parameters."""
        clauses: list[str] = []
        params: list[object] = []
        for clause, value in (
            ("key IN (SELECT key FROM entry_tags WHERE tag = ?)", self.tag),
            ("model = ?", self.model),
            ("created_at < ?", self.created_before),
            ("key = ?", self.key),
        ):
            if value is not None:
                clauses.append(clause)
                params.append(value)
        return " AND ".join(clauses) or "0", params


def cache_stats(store: SqliteCacheStore, now: float) -> CacheStats:
    """Entries, size, hits, false hits and expired entries of the cache."""
    [row] = store.read(
        "SELECT count(*), TOTAL(size_bytes), TOTAL(hits), TOTAL(false_hit),"
        " TOTAL(expires_at IS NOT NULL AND expires_at <= ?) FROM entries",
        (now,),
    )
    entries, size, hits, false_hits, expired = (_whole(value) for value in row)
    return CacheStats(entries, size, hits, false_hits, expired)


def list_entries(store: SqliteCacheStore, limit: int) -> Listing:
    """The ``limit`` newest entries (false hits and expired ones included)."""
    rows = store.read(
        f"SELECT {READ_COLUMNS} FROM entries e ORDER BY e.created_at DESC LIMIT ?", (limit,)
    )
    entries: list[CacheEntry] = []
    corrupt = 0
    for row in rows:
        try:
            entries.append(entry_from_row(row))
        except CacheUnavailable:
            corrupt += 1
    return Listing(tuple(entries), corrupt)


def clear(store: SqliteCacheStore) -> int:
    """Delete every entry (and the remembered embeddings); returns how many entries."""
    with store.write() as conn:
        count = conn.execute("DELETE FROM entries").rowcount
        conn.execute("DELETE FROM embeddings")
    return count


def invalidate(store: SqliteCacheStore, which: Invalidation) -> int:
    """Delete the entries matching every criterion of ``which``; returns how many."""
    where, params = which.where()
    with store.write() as conn:
        return conn.execute(f"DELETE FROM entries WHERE {where}", params).rowcount


def _whole(value: object) -> int:
    return int(value) if isinstance(value, int | float) else 0
