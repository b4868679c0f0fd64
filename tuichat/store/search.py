"""Full-text search over prompts and answers: FTS5 where SQLite has it, LIKE where not.

``messages_fts`` (migration ``m011``) indexes every prompt and every answer
whose turn has ended. A search text is split on whitespace and each word
becomes a quoted FTS5 phrase, so the words are matched as words (``rate-limit``
is the phrase ``rate limit``), all of them in the same message, in any order,
case- and accent-insensitively; nothing the user types is FTS5 syntax.

A log created where SQLite lacked FTS5 has no index: :func:`session_filter`
then matches each word with ``LIKE`` (slower, ASCII-only case folding) and
:func:`search_note` gives the one line a front end shows about it.
"""

from __future__ import annotations

import sqlite3

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


def session_filter(conn: sqlite3.Connection, text: str) -> tuple[str, list[object]]:
    """An SQL condition on ``s`` (a sessions row): a message of it holds every word of ``text``."""
    if has_index(conn):
        clause = (
            "s.id IN (SELECT m.session_id FROM messages AS m WHERE m.id IN"
            f" (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?))"
        )
        return clause, [fts_query(text)]
    likes = " AND ".join("m.content LIKE ? ESCAPE '\\'" for _ in words(text))
    clause = f"EXISTS (SELECT 1 FROM messages AS m WHERE m.session_id = s.id AND {likes})"
    return clause, [f"%{_escaped(word)}%" for word in words(text)]


def _escaped(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
