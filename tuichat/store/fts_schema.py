"""The log's full-text index (FTS5) over prompts and answers, and whether SQLite has it.

Built by migration ``m011_replay_log`` (:mod:`tuichat.store.migrations`,
which re-exports these names) and read by :mod:`tuichat.store.search`.
"""

from __future__ import annotations

import sqlite3
from functools import cache

FTS_TABLE = "messages_fts"
_INDEXED = "status != 'streaming'"
FTS_STATEMENTS: tuple[str, ...] = (
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(content, content='messages',"
    " content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.{_INDEXED} BEGIN"
    f" INSERT INTO {FTS_TABLE} (rowid, content) VALUES (new.id, new.content); END",
    f"CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.{_INDEXED} BEGIN"
    f" INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, content)"
    " VALUES ('delete', old.id, old.content); END",
    "CREATE TRIGGER messages_fts_update_old AFTER UPDATE OF content, status ON messages"
    f" WHEN old.{_INDEXED} BEGIN INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, content)"
    " VALUES ('delete', old.id, old.content); END",
    "CREATE TRIGGER messages_fts_update_new AFTER UPDATE OF content, status ON messages"
    f" WHEN new.{_INDEXED} BEGIN"
    f" INSERT INTO {FTS_TABLE} (rowid, content) VALUES (new.id, new.content); END",
    f"INSERT INTO {FTS_TABLE} (rowid, content) SELECT id, content FROM messages WHERE {_INDEXED}",
)
"""The full-text index and the triggers that keep it equal to the indexed rows."""


def has_fts5(conn: sqlite3.Connection | None = None) -> bool:
    """True when this Python's SQLite can build FTS5 tables (probed once, in memory)."""
    return _fts5_available()


@cache
def _fts5_available() -> bool:
    probe = sqlite3.connect(":memory:")
    try:
        probe.execute("CREATE VIRTUAL TABLE probe USING fts5(x)")
    except sqlite3.OperationalError:
        return False
    finally:
        probe.close()
    return True
