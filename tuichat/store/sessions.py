"""Finding sessions: resolve a reference, list newest first, search, fork.

Each reader is a function of a blocking :class:`sqlite3.Connection` (``*_sync``)
with an async twin that runs it in one trip on an aiosqlite connection's
thread (:func:`~tuichat.store.thread.on_thread`).

* :func:`resolve_session`: ``last`` (the session of the latest prompt), a
  full id, or a unique prefix of one (``s-`` may be left out);
* :func:`list_sessions`: :class:`SessionSummary` rows, newest first, filtered
  by start time, model, tag and full-text search over prompts and answers
  (:mod:`tuichat.store.search`). The filters pick at most ``limit`` sessions
  through the ``created_at`` index; only those are summed up, so the cost does
  not grow with the log;
* :func:`fork_session`: a new session sharing the first turns of another.

A session's **status** is its last turn's: ``ok``; ``failed`` (an error, a
truncated stream, or no request sent); ``cancelled``; ``interrupted`` (its
process died mid-turn); ``running`` (still being written); ``empty`` (no turn).

**Forks** copy the shared messages into the new session (so resume, titles,
turn counts and search need no special case) with ``trace_id`` NULL and
``source_id`` pointing at the original row, so nothing keyed by trace (stats,
diagnosis, the stale-answer lookup) counts a turn twice, and replay finds each
shared turn's attempts and timeline through its original. Attempts are not
copied: spending stays with the session that spent it.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aiosqlite

from tuichat.store.errors import AmbiguousSession, SessionNotFound, TurnNotFound, quoted
from tuichat.store.policy import KEPT_NONE
from tuichat.store.search import session_filter
from tuichat.store.thread import on_thread

LAST = "last"
"""The reference that names the session of the latest prompt."""
ID_PREFIX = "s-"
"""How session ids begin (``tuichat.core.turn.chat.new_session_id``)."""
TITLE_LIMIT = 80
"""Longest title, in characters."""
NOT_LOGGED_TITLE = "(text not logged)"
"""The title of a metrics-only session."""
_CANDIDATES = 5


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """One line of ``tuichat sessions``."""

    id: str
    started: float
    """Epoch seconds when the session was created."""
    title: str
    """The first prompt (or the session's title) on one line, at most 80 characters."""
    models: tuple[str, ...]
    """Models its attempts used, in order of first use (the session's model if none)."""
    turns: int
    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    """None when no attempt of it was priced."""
    status: str
    """The last turn's: ok, failed, cancelled, interrupted, running, empty (module doc)."""
    forked_from: str | None = None
    rerun_of: str | None = None

    @property
    def session_id(self) -> str:
        """The session's id (``id``, under the name front ends use)."""
        return self.id


# --- resolve ---------------------------------------------------------------


def resolve_session_sync(conn: sqlite3.Connection, ref: str) -> str:
    """The id ``ref`` names; :class:`SessionNotFound` or :class:`AmbiguousSession`."""
    ref = ref.strip()
    if not ref:
        raise SessionNotFound("no session given (an id, a prefix of one, or 'last')")
    if ref == LAST:
        return _last_session(conn)
    exact = conn.execute("SELECT id FROM sessions WHERE id = ?", (ref,)).fetchone()
    if exact is not None:
        return str(exact[0])
    matches = _prefixed(conn, ref)
    if not matches and not ref.startswith(ID_PREFIX):
        matches = _prefixed(conn, ID_PREFIX + ref)
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise SessionNotFound(f"no session matches {quoted(ref)} (tuichat sessions lists them)")
    shown = ", ".join(matches[: _CANDIDATES - 1]) + (", ..." if len(matches) >= _CANDIDATES else "")
    raise AmbiguousSession(
        f"{quoted(ref)} matches several sessions ({shown}); give more of the id",
        tuple(matches[: _CANDIDATES - 1]),
    )


async def resolve_session(db: aiosqlite.Connection, ref: str) -> str:
    """Async twin of :func:`resolve_session_sync`."""
    return await on_thread(db, resolve_session_sync, ref)


def _last_session(conn: sqlite3.Connection) -> str:
    row = conn.execute(
        "SELECT session_id FROM messages WHERE role = 'user' ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        row = conn.execute("SELECT id FROM sessions ORDER BY created_at DESC LIMIT 1").fetchone()
    if row is None:
        raise SessionNotFound("the log has no session yet")
    return str(row[0])


def _prefixed(conn: sqlite3.Connection, prefix: str) -> list[str]:
    """Up to a few ids starting with ``prefix`` (a range scan of the primary key)."""
    rows = conn.execute(
        "SELECT id FROM sessions WHERE id >= ? ORDER BY id LIMIT ?", (prefix, _CANDIDATES)
    ).fetchall()
    return [str(row[0]) for row in rows if str(row[0]).startswith(prefix)]


# --- list ------------------------------------------------------------------

_SUMMARY_SQL = """
WITH picked AS (
    SELECT s.id, s.created_at, s.title, s.model, s.forked_from, s.rerun_of FROM sessions AS s
    WHERE {where} ORDER BY s.created_at DESC, s.id DESC LIMIT ?
), users AS (
    SELECT p.*,
        (SELECT count(*) FROM messages AS m WHERE m.session_id = p.id AND m.role = 'user')
            AS turns,
        (SELECT min(m.id) FROM messages AS m WHERE m.session_id = p.id AND m.role = 'user')
            AS first_id,
        (SELECT max(m.id) FROM messages AS m WHERE m.session_id = p.id AND m.role = 'user')
            AS last_id
    FROM picked AS p
)
SELECT u.id, u.created_at, u.title, u.model, u.forked_from, u.rerun_of, u.turns,
    f.content, f.content_kept,
    (SELECT a.status FROM messages AS a WHERE a.session_id = u.id AND a.role = 'assistant'
        AND a.id > u.last_id ORDER BY a.id LIMIT 1),
    (SELECT x.status FROM attempts AS x WHERE x.trace_id = COALESCE(l.trace_id, src.trace_id)
        ORDER BY x.attempt DESC LIMIT 1),
    (SELECT sum(x.input_tokens) FROM attempts AS x WHERE x.session_id = u.id),
    (SELECT sum(x.output_tokens) FROM attempts AS x WHERE x.session_id = u.id),
    (SELECT sum(x.cost_usd) FROM attempts AS x WHERE x.session_id = u.id),
    (SELECT group_concat(model, char(31)) FROM (SELECT x.model FROM attempts AS x
        WHERE x.session_id = u.id GROUP BY x.model ORDER BY min(x.id)))
FROM users AS u
LEFT JOIN messages AS f ON f.id = u.first_id
LEFT JOIN messages AS l ON l.id = u.last_id
LEFT JOIN messages AS src ON src.id = l.source_id
ORDER BY u.created_at DESC, u.id DESC
"""


def list_sessions_sync(
    conn: sqlite3.Connection,
    *,
    search: str | None = None,
    since: float | None = None,
    model: str | None = None,
    tag: str | None = None,
    limit: int | None = 50,
) -> list[SessionSummary]:
    """Sessions newest first: started at or after ``since`` (epoch s), that used ``model``,
    tagged ``tag``, whose prompts or answers hold every word of ``search``; at most ``limit``.
    """
    clauses, params = ["1"], list[object]()
    if since is not None:
        clauses.append("s.created_at >= ?")
        params.append(since)
    if tag is not None:
        clauses.append("s.tag = ?")
        params.append(tag)
    if model is not None:
        clauses.append(
            "(s.model = ? COLLATE NOCASE OR EXISTS (SELECT 1 FROM attempts AS a"
            " WHERE a.session_id = s.id AND (a.model = ? COLLATE NOCASE"
            " OR a.served_model = ? COLLATE NOCASE)))"
        )
        params += [model, model, model]
    if search is not None and search.strip():
        where = " AND ".join(clauses)
        clause, values = session_filter(conn, search, where=where, params=params, limit=limit)
        clauses.append(clause)
        params += values
    params.append(-1 if limit is None else max(0, limit))
    sql = _SUMMARY_SQL.format(where=" AND ".join(clauses))
    return [_summary(row) for row in conn.execute(sql, params)]


async def list_sessions(
    db: aiosqlite.Connection,
    *,
    search: str | None = None,
    since: float | None = None,
    model: str | None = None,
    tag: str | None = None,
    limit: int | None = 50,
) -> list[SessionSummary]:
    """Async twin of :func:`list_sessions_sync`."""
    return await on_thread(
        db, list_sessions_sync, search=search, since=since, model=model, tag=tag, limit=limit
    )


def _summary(row: Sequence[Any]) -> SessionSummary:
    (sid, created, title, model, forked, rerun, turns, prompt, kept) = row[:9]
    (answer_status, attempt_status, tokens_in, tokens_out, cost, models) = row[9:]
    used = tuple(str(models).split("\x1f")) if models else ((str(model),) if model else ())
    return SessionSummary(
        id=str(sid),
        started=float(created),
        title=_title(title, prompt, kept),
        models=used,
        turns=int(turns),
        input_tokens=int(tokens_in or 0),
        output_tokens=int(tokens_out or 0),
        cost_usd=None if cost is None else float(cost),
        status=_status(int(turns), answer_status, attempt_status),
        forked_from=forked,
        rerun_of=rerun,
    )


def one_line_title(text: str, limit: int = TITLE_LIMIT) -> str:
    """``text`` on one line (whitespace runs become one space), at most ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _title(title: object, prompt: object, kept: object) -> str:
    if isinstance(title, str) and title.strip():
        return one_line_title(title)
    if kept == KEPT_NONE:
        return NOT_LOGGED_TITLE
    return one_line_title(prompt) if isinstance(prompt, str) else ""


_ANSWER_STATUS = {
    "ok": "ok",
    "failed": "failed",
    "truncated": "failed",
    "cancelled": "cancelled",
    "interrupted": "interrupted",
    "streaming": "running",
}
_ATTEMPT_STATUS = {"running": "running", "interrupted": "interrupted", "cancelled": "cancelled"}


def _status(turns: int, answer: object, attempt: object) -> str:
    """The last turn's status (see the module doc)."""
    if turns == 0:
        return "empty"
    if isinstance(answer, str):
        return _ANSWER_STATUS.get(answer, "failed")
    return _ATTEMPT_STATUS.get(attempt, "failed") if isinstance(attempt, str) else "failed"


# --- fork ------------------------------------------------------------------

_COPY_SQL = (
    "INSERT INTO messages (session_id, trace_id, role, content, status, model, created_at,"
    " content_kept, source_id) SELECT ?, NULL, role, content, status, model, created_at,"
    " content_kept, COALESCE(source_id, id) FROM messages WHERE session_id = ? AND id < ?"
    " ORDER BY id"
)
_FORK_SESSION_SQL = (
    "INSERT INTO sessions (id, created_at, title, model, system_prompt, tag, profile,"
    " forked_from, forked_at) SELECT ?, ?, title, model, system_prompt, tag, profile, id, ?"
    " FROM sessions WHERE id = ?"
)


def fork_session_sync(
    conn: sqlite3.Connection,
    session_id: str,
    upto_turn: int,
    new_session_id: str,
    *,
    created_at: float | None = None,
) -> None:
    """Create ``new_session_id`` sharing turns 1..``upto_turn`` of ``session_id``.

    One transaction. Raises :class:`SessionNotFound`, :class:`TurnNotFound`
    (no such turn, or it is still running) before writing anything, and
    ``ValueError`` when ``new_session_id`` exists.
    """
    if conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone() is None:
        raise SessionNotFound(f"no session {quoted(session_id)}")
    if conn.execute("SELECT 1 FROM sessions WHERE id = ?", (new_session_id,)).fetchone():
        raise ValueError(f"session {new_session_id!r} already exists")
    end, trace = _fork_point(conn, session_id, upto_turn)
    stamp = time.time() if created_at is None else created_at
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(_FORK_SESSION_SQL, (new_session_id, stamp, trace, session_id))
        conn.execute(_COPY_SQL, (new_session_id, session_id, end))
    except BaseException:
        conn.rollback()
        raise
    conn.commit()


async def fork_session(
    db: aiosqlite.Connection,
    session_id: str,
    upto_turn: int,
    new_session_id: str,
    *,
    created_at: float | None = None,
) -> None:
    """Async twin of :func:`fork_session_sync` (safe on the log writer's connection)."""
    await on_thread(
        db, fork_session_sync, session_id, upto_turn, new_session_id, created_at=created_at
    )


def _fork_point(conn: sqlite3.Connection, session_id: str, turn: int) -> tuple[int, str | None]:
    """``(first message id not shared, trace of the last turn shared)``; refuses a bad turn."""
    prompts = conn.execute(
        "SELECT m.id, COALESCE(m.trace_id, src.trace_id) FROM messages AS m"
        " LEFT JOIN messages AS src ON src.id = m.source_id"
        " WHERE m.session_id = ? AND m.role = 'user' ORDER BY m.id",
        (session_id,),
    ).fetchall()
    if not 1 <= turn <= len(prompts):
        raise TurnNotFound(
            f"session {session_id} has {len(prompts)} turn(s); cannot fork at turn {turn}"
        )
    end = prompts[turn][0] if turn < len(prompts) else 2**62
    trace = prompts[turn - 1][1]
    _check_not_running(conn, session_id, end, trace, turn)
    return end, trace


def _check_not_running(
    conn: sqlite3.Connection, session_id: str, end: int, trace: str | None, turn: int
) -> None:
    streaming = conn.execute(
        "SELECT 1 FROM messages WHERE session_id = ? AND id < ? AND status = 'streaming'",
        (session_id, end),
    ).fetchone()
    open_turn = (
        trace is not None
        and conn.execute("SELECT 1 FROM open_turns WHERE trace_id = ?", (trace,)).fetchone()
    )
    if streaming or open_turn:
        raise TurnNotFound(f"turn {turn} of session {session_id} is still running")
