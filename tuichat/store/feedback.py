"""Feedback in the log: ratings and follow-ups written, and the two reads others use.

Rows (tables from migration ``m015_feedback``) come from
:class:`~tuichat.core.feedback.records.FeedbackGiven` and
:class:`~tuichat.core.feedback.records.FollowUpSeen`, which the writer maps
like a turn's events (:func:`feedback_row`, :func:`follow_up_row`), so they are
queued on the loop and committed off it. A turn's rating is replaced by a later
one (latest wins).

The read seams, each with a blocking (``sqlite3``) and an ``aiosqlite`` form:

* :func:`feedback_summary` ``(conn, since=None, session=None) -> FeedbackSummary``
  — ``(ups, downs, follow_ups, answered_turns)`` from ``since`` (epoch s) for
  one session or all: the thumbs-up and follow-up rates of ``tuichat stats``;
* :func:`feedback_for` ``(conn, traces) -> dict[trace_id, FeedbackMark]`` —
  each rated turn's rating and comment, for ``tuichat export``.

``answered_turns`` counts the assistant rows of live turns (a trace id: a
fork's copies have none) that ended (not ``streaming``): every answer shown,
the base of both rates. A follow-up counts by the time of its own turn.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

from tuichat.core.feedback.records import FeedbackGiven, FollowUpSeen

if TYPE_CHECKING:
    import aiosqlite

FEEDBACK_SQL = (
    "INSERT OR REPLACE INTO feedback (trace_id, session_id, ts_wall, rating, comment)"
    " VALUES (?, ?, ?, ?, ?)"
)
FOLLOW_UP_SQL = (
    "INSERT OR REPLACE INTO follow_ups"
    " (trace_id, session_id, ts_wall, follow_up_of, similarity, method)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)
_ANSWERED = (
    "SELECT COUNT(*) FROM messages WHERE role = 'assistant' AND trace_id IS NOT NULL"
    " AND status != 'streaming'"
)
_RATINGS = "SELECT TOTAL(rating > 0), TOTAL(rating < 0) FROM feedback WHERE 1"
_FOLLOW_UPS = "SELECT COUNT(*) FROM follow_ups WHERE 1"
_MARKS = "SELECT trace_id, rating, comment FROM feedback WHERE trace_id IN ({})"
_CHUNK = 500
"""Trace ids per ``IN (...)`` query (SQLite's variable limit is far above)."""


class FeedbackSummary(NamedTuple):
    """Ratings, follow-ups and the answered turns they are counted against."""

    ups: int
    downs: int
    follow_ups: int
    answered_turns: int

    @property
    def thumbs_up_rate(self) -> float | None:
        """Ups over rated answers (None: nothing rated)."""
        rated = self.ups + self.downs
        return self.ups / rated if rated else None

    @property
    def follow_up_rate(self) -> float | None:
        """Follow-ups over answered turns (None: no answer)."""
        return self.follow_ups / self.answered_turns if self.answered_turns else None


class FeedbackMark(NamedTuple):
    """One turn's latest rating (+1/-1) and its comment (None: none kept)."""

    rating: int
    comment: str | None


def feedback_row(event: FeedbackGiven, comment: str | None) -> tuple[object, ...]:
    """The ``feedback`` row of ``event`` (``comment`` already redacted by the policy)."""
    return (event.trace_id, event.session_id, event.wall_time, event.rating, comment)


def follow_up_row(event: FollowUpSeen) -> tuple[object, ...]:
    """The ``follow_ups`` row of ``event``."""
    return (
        event.trace_id,
        event.session_id,
        event.wall_time,
        event.follow_up_of,
        event.similarity,
        event.method,
    )


def _where(
    time_column: str, since: float | None, session: str | None
) -> tuple[str, tuple[object, ...]]:
    """`` AND ...`` conditions for the window and the session (each has an index)."""
    sql, params = "", list[object]()
    if session is not None:
        sql += " AND session_id = ?"
        params.append(session)
    if since is not None:
        sql += f" AND {time_column} >= ?"
        params.append(since)
    return sql, tuple(params)


def _queries(since: float | None, session: str | None) -> list[tuple[str, tuple[object, ...]]]:
    """Ratings, follow-ups, answered turns: three indexed one-row queries."""
    stamped, params = _where("ts_wall", since, session)
    created, created_params = _where("created_at", since, session)
    return [
        (_RATINGS + stamped, params),
        (_FOLLOW_UPS + stamped, params),
        (_ANSWERED + created, created_params),
    ]


def _summary(rows: list[tuple[object, ...] | None]) -> FeedbackSummary:
    ratings, follow_ups, answered = (row or (0, 0) for row in rows)
    return FeedbackSummary(
        _int(ratings[0]), _int(ratings[1]), _int(follow_ups[0]), _int(answered[0])
    )


def _int(value: object) -> int:
    return int(value) if isinstance(value, int | float) else 0


def feedback_summary(
    conn: sqlite3.Connection, since: float | None = None, session: str | None = None
) -> FeedbackSummary:
    """``(ups, downs, follow_ups, answered_turns)`` from ``since`` (epoch s; None: ever)."""
    return _summary(
        [conn.execute(sql, params).fetchone() for sql, params in _queries(since, session)]
    )


async def feedback_summary_async(
    db: aiosqlite.Connection, since: float | None = None, session: str | None = None
) -> FeedbackSummary:
    """:func:`feedback_summary` on the event loop's connection."""
    rows = []
    for sql, params in _queries(since, session):
        async with db.execute(sql, params) as cursor:
            row = await cursor.fetchone()
        rows.append(None if row is None else tuple(row))
    return _summary(rows)


def _chunks(traces: Iterable[str]) -> list[list[str]]:
    unique = list(dict.fromkeys(traces))
    return [unique[start : start + _CHUNK] for start in range(0, len(unique), _CHUNK)]


def _marks(rows: Iterable[tuple[object, ...]]) -> dict[str, FeedbackMark]:
    return {
        str(trace): FeedbackMark(_int(rating), comment if isinstance(comment, str) else None)
        for trace, rating, comment in rows
    }


def feedback_for(conn: sqlite3.Connection, traces: Iterable[str]) -> dict[str, FeedbackMark]:
    """Each rated turn of ``traces`` → its latest rating and comment (unrated: absent)."""
    marks: dict[str, FeedbackMark] = {}
    for chunk in _chunks(traces):
        sql = _MARKS.format(", ".join("?" * len(chunk)))
        marks.update(_marks(conn.execute(sql, chunk).fetchall()))
    return marks


async def feedback_for_async(
    db: aiosqlite.Connection, traces: Iterable[str]
) -> dict[str, FeedbackMark]:
    """:func:`feedback_for` on the event loop's connection."""
    marks: dict[str, FeedbackMark] = {}
    for chunk in _chunks(traces):
        sql = _MARKS.format(", ".join("?" * len(chunk)))
        async with db.execute(sql, chunk) as cursor:
            marks.update(_marks([tuple(row) for row in await cursor.fetchall()]))
    return marks
