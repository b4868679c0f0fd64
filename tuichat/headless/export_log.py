"""What ``tuichat export`` reads from the log besides the turns: tags and feedback.

The turns come through the logbook like every front end's; the session's
tag, the ratings (:func:`tuichat.store.feedback.feedback_for_async`) and the
follow-ups (migration m015) are read here, on the logbook's connection.
"""

from __future__ import annotations

from collections.abc import Sequence

from tuichat.headless.export_formats import SessionExtras
from tuichat.logbook import Logbook
from tuichat.store.feedback import feedback_for_async


async def session_extras(book: Logbook, session_id: str, traces: Sequence[str]) -> SessionExtras:
    """The session's tag, its turns' ratings (``traces``) and its follow-ups."""
    tags: tuple[str, ...] = ()
    async with book.db.execute("SELECT tag FROM sessions WHERE id = ?", (session_id,)) as cursor:
        row = await cursor.fetchone()
    if row is not None and row[0]:
        tags = (str(row[0]),)
    return SessionExtras(
        tags=tags,
        feedback=await _feedback(book, traces),
        follow_ups=await _follow_ups(book, session_id),
    )


async def _feedback(book: Logbook, traces: Sequence[str]) -> dict[str, tuple[int, str | None]]:
    """The session's rated turns: trace → (rating, comment); the log's own reader (m015)."""
    marks = await feedback_for_async(book.db, traces)
    return {trace: (mark.rating, mark.comment) for trace, mark in marks.items()}


async def _follow_ups(book: Logbook, session_id: str) -> dict[str, str]:
    """The session's follow-ups: the re-asking turn's trace → the earlier turn's."""
    sql = "SELECT trace_id, follow_up_of FROM follow_ups WHERE session_id = ?"
    async with book.db.execute(sql, (session_id,)) as cursor:
        return {str(trace): str(earlier) for trace, earlier in await cursor.fetchall()}
