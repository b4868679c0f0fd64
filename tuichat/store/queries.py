"""Reading the log back: rows as frozen dataclasses.

Each dataclass lists the table's columns in order, and the SELECTs are built
from those fields, so a row class and its query cannot drift apart. Replay
and stats queries join later; these are the building blocks.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, TypeVar

import aiosqlite


@dataclass(frozen=True, slots=True)
class SessionRow:
    """A row of ``sessions``; ``created_at`` is epoch seconds."""

    id: str
    created_at: float
    title: str | None
    model: str | None
    system_prompt: str | None
    tag: str | None


@dataclass(frozen=True, slots=True)
class MessageRow:
    """A row of ``messages``: a prompt or an answer.

    An answer's ``status`` is ok, cancelled, failed or truncated once its turn
    ended; ``streaming`` while the turn runs (the text so far, at most about
    a second behind); ``interrupted`` when the process died mid-turn (the text
    it had). Only ``ok`` is a complete answer.
    """

    id: int
    session_id: str
    trace_id: str | None
    role: str
    content: str
    status: str
    model: str | None
    created_at: float


@dataclass(frozen=True, slots=True)
class AttemptRow:
    """A row of ``attempts``: one request to one provider/model; times in epoch seconds.

    ``status`` is ``running`` until the attempt ends, ``interrupted`` when its
    process died before that (``ended_at`` is then the last time it was seen).
    """

    id: int
    trace_id: str
    session_id: str | None
    attempt: int
    model: str
    provider: str
    base_url_host: str | None
    started_at: float
    ended_at: float | None
    ttft_ms: float | None
    ttfb_ms: float | None
    duration_ms: float | None
    http_status: int | None
    input_tokens: int | None
    output_tokens: int | None
    cached_input_tokens: int | None
    status: str
    finish_reason: str | None
    served_model: str | None
    error_type: str | None
    error_message: str | None


_RowT = TypeVar("_RowT", SessionRow, MessageRow, AttemptRow)


def _columns(row_type: type[Any]) -> str:
    return ", ".join(field.name for field in fields(row_type))


async def _fetch(
    db: aiosqlite.Connection, row_type: type[_RowT], sql: str, params: tuple[object, ...]
) -> list[_RowT]:
    async with db.execute(sql.format(columns=_columns(row_type)), params) as cursor:
        return [row_type(*row) for row in await cursor.fetchall()]


async def session_messages(db: aiosqlite.Connection, session_id: str) -> list[MessageRow]:
    """The session's messages in the order they were written."""
    sql = "SELECT {columns} FROM messages WHERE session_id = ? ORDER BY id"
    return await _fetch(db, MessageRow, sql, (session_id,))


async def attempts_for_trace(db: aiosqlite.Connection, trace_id: str) -> list[AttemptRow]:
    """Every attempt of one turn, first attempt first."""
    sql = "SELECT {columns} FROM attempts WHERE trace_id = ? ORDER BY attempt"
    return await _fetch(db, AttemptRow, sql, (trace_id,))


async def recent_sessions(db: aiosqlite.Connection, limit: int = 20) -> list[SessionRow]:
    """The ``limit`` most recently created sessions, newest first."""
    sql = "SELECT {columns} FROM sessions ORDER BY created_at DESC, id DESC LIMIT ?"
    return await _fetch(db, SessionRow, sql, (limit,))


_CACHED_ANSWER_SQL = """
SELECT a.content, a.created_at, a.model
FROM messages AS u
JOIN messages AS a ON a.trace_id = u.trace_id AND a.role = 'assistant' AND a.status = 'ok'
WHERE u.role = 'user' AND u.content = ?
ORDER BY a.id DESC
LIMIT 1
"""


async def cached_answer(
    db: aiosqlite.Connection, prompt: str
) -> tuple[str, float, str | None] | None:
    """The latest complete answer to exactly ``prompt``: ``(text, created_at, model)``.

    Only ``ok`` answers count: a ``streaming`` or ``interrupted`` row is partial.
    """
    async with db.execute(_CACHED_ANSWER_SQL, (prompt,)) as cursor:
        row = await cursor.fetchone()
    return None if row is None else (str(row[0]), float(row[1]), row[2])
