"""Full-text search over prompts and answers: FTS5 where SQLite has it, LIKE where not.

``messages_fts`` (migration ``m011``) indexes every prompt and every answer
whose turn has ended. A search text is split on whitespace and each word
becomes a quoted FTS5 phrase, so the words are matched as words (``rate-limit``
is the phrase ``rate limit``), all of them in the same message, in any order,
case- and accent-insensitively; nothing the user types is FTS5 syntax.

**Plans.** The listing wants the newest ``limit`` sessions that match, so
the cost should follow what is shown, not how common a word is:

* a search with fewer than :data:`DENSE_MATCHES` matching messages (most
  searches) turns its matches into their sessions: cost grows with the
  matches (0.1 ms for a rare word; ~3 ms for 5,000 messages);
* a denser one ("the", a project name used everywhere) walks the candidate
  sessions newest first, asking the index whether each has a matching message
  (a rowid-range lookup, ~50 µs), and stops at ``limit``: a word in every
  other message fills 50 rows in about a hundred lookups. If the first
  :data:`SCAN_BUDGET` sessions yield too few, it falls back to the first plan.

A log created where SQLite lacked FTS5 has no index: :func:`session_filter`
then matches each word with ``LIKE`` (slower, ASCII-only case folding) and
:func:`search_note` gives the one line a front end shows about it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

import aiosqlite

from tuichat.store.migrations import FTS_TABLE
from tuichat.store.thread import on_thread

LIKE_NOTE = (
    "note: this log has no full-text index (SQLite without FTS5); searching with LIKE instead"
)


def has_index(conn: sqlite3.Connection) -> bool:
    """True when the log has its full-text index."""
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (FTS_TABLE,)
    ).fetchone()
    return row is not None


def search_note_sync(conn: sqlite3.Connection) -> str | None:
    """The line to show before search results made without the index, else None."""
    return None if has_index(conn) else LIKE_NOTE


async def search_note(db: aiosqlite.Connection) -> str | None:
    """Async twin of :func:`search_note_sync`."""
    return await on_thread(db, search_note_sync)


def words(text: str) -> list[str]:
    """The words of a search text."""
    return text.split()


def fts_query(text: str) -> str:
    """``text`` as an FTS5 query: every word a quoted phrase, all required."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in words(text))


DENSE_MATCHES = 5_000
"""Matching messages from which the newest-first walk is the cheaper plan."""
SCAN_BUDGET = 400
"""Sessions the newest-first walk checks before falling back to the match set."""

_MATCHED = (
    "s.id IN (SELECT m.session_id FROM messages AS m WHERE m.id IN"
    f" (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?))"
)
_COUNT = f"SELECT count(*) FROM (SELECT 1 FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ? LIMIT ?)"
_CANDIDATES = (
    "SELECT s.id, (SELECT min(m.id) FROM messages AS m WHERE m.session_id = s.id),"
    " (SELECT max(m.id) FROM messages AS m WHERE m.session_id = s.id)"
    " FROM sessions AS s WHERE {where} ORDER BY s.created_at DESC, s.id DESC"
)
_HAS_MATCH = (
    "SELECT 1 FROM messages AS m WHERE m.session_id = ? AND m.id IN (SELECT rowid"
    f" FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ? AND rowid BETWEEN ? AND ?) LIMIT 1"
)


def session_filter(
    conn: sqlite3.Connection,
    text: str,
    *,
    where: str = "1",
    params: Sequence[object] = (),
    limit: int | None = None,
) -> tuple[str, list[object]]:
    """An SQL condition on ``s`` (a sessions row): a message of it holds every word of ``text``.

    ``where``/``params`` are the listing's other conditions on ``s`` and
    ``limit`` how many sessions it shows: they let a dense search stop early.
    """
    if not has_index(conn):
        likes = " AND ".join("m.content LIKE ? ESCAPE '\\'" for _ in words(text))
        clause = f"EXISTS (SELECT 1 FROM messages AS m WHERE m.session_id = s.id AND {likes})"
        return clause, [f"%{_escaped(word)}%" for word in words(text)]
    query = fts_query(text)
    dense = conn.execute(_COUNT, (query, DENSE_MATCHES)).fetchone()[0] >= DENSE_MATCHES
    found = _newest_matching(conn, query, where, params, limit) if dense and limit else None
    if found is None:
        return _MATCHED, [query]
    return f"s.id IN ({', '.join('?' * len(found))})", list(found)


def _newest_matching(
    conn: sqlite3.Connection, query: str, where: str, params: Sequence[object], limit: int
) -> list[str] | None:
    """The newest ``limit`` matching sessions, or None when the walk would cost too much."""
    found: list[str] = []
    candidates = conn.execute(_CANDIDATES.format(where=where), tuple(params))
    for checked, (sid, low, high) in enumerate(candidates, 1):
        if low is not None and conn.execute(_HAS_MATCH, (sid, query, low, high)).fetchone():
            found.append(sid)
            if len(found) == limit:
                return found
        if checked >= SCAN_BUDGET:
            return None
    return found


def _escaped(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
