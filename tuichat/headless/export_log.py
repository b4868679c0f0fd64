"""What ``tuichat export`` reads from the log besides the turns: tags and feedback.

The turns come through the logbook like every front end's; the session's
tag and the feedback rows are read here, on the logbook's connection. The
feedback table does not exist yet (it comes with thumbs up/down): until it
does, :func:`session_extras` says None and the export leaves the key out;
once it does, its rows for the session are included as they are.
"""

from __future__ import annotations

from typing import Any

from tuichat.headless.export_formats import SessionExtras
from tuichat.logbook import Logbook


async def session_extras(book: Logbook, session_id: str) -> SessionExtras:
    """The session's tag and its feedback rows (None when the log has no feedback table)."""
    tags: tuple[str, ...] = ()
    async with book.db.execute("SELECT tag FROM sessions WHERE id = ?", (session_id,)) as cursor:
        row = await cursor.fetchone()
    if row is not None and row[0]:
        tags = (str(row[0]),)
    return SessionExtras(tags=tags, feedback=await _feedback(book, session_id))


async def _feedback(book: Logbook, session_id: str) -> tuple[dict[str, Any], ...] | None:
    """Rows of a ``feedback`` table with a ``session_id`` column, if the log has one."""
    query = "SELECT name FROM pragma_table_info('feedback') WHERE name = 'session_id'"
    async with book.db.execute(query) as cursor:
        if await cursor.fetchone() is None:
            return None
    async with book.db.execute(
        "SELECT * FROM feedback WHERE session_id = ? ORDER BY rowid", (session_id,)
    ) as cursor:
        names = [column[0] for column in cursor.description]
        rows = await cursor.fetchall()
    return tuple(dict(zip(names, row, strict=True)) for row in rows)
