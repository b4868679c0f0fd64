"""The seam where feedback (thumbs up/down, follow-ups) joins ``tuichat stats``.

Feedback is not logged yet: until a migration creates a ``feedback`` table,
:func:`feedback_figures` returns None and the report says "no feedback yet".
The helper that adds feedback owns this function: it is the only place that
reads the table for stats. It assumes one row per rated or followed-up
answer — ``trace_id``, ``at`` (epoch s), ``rating`` (+1 up, −1 down, NULL
none) and ``follow_up`` (1 when the user re-asked) — and reads nothing at
all from a table of another shape (one line in the report, not a failure).
"""

from __future__ import annotations

import sqlite3

from tuichat.core.metrics.stats_report import FeedbackFigures
from tuichat.store.stats_sql import StatsFilter


def has_feedback_table(conn: sqlite3.Connection) -> bool:
    """True once a migration has created ``feedback``."""
    sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'feedback'"
    return conn.execute(sql).fetchone() is not None


def feedback_figures(conn: sqlite3.Connection, scope: StatsFilter) -> FeedbackFigures | None:
    """Thumbs and follow-ups in the scope's window, or None when there is no feedback table."""
    if not has_feedback_table(conn):
        return None
    window = StatsFilter(scope.since, scope.until)
    where, params = window.where("f", "at")
    sql = (
        "SELECT count(*), sum(f.rating > 0), sum(f.rating < 0), sum(f.follow_up = 1)"
        f" FROM feedback AS f WHERE {where}"
    )
    try:
        n, up, down, follow = conn.execute(sql, params).fetchone()
    except sqlite3.OperationalError:  # a feedback table of another shape
        return None
    return FeedbackFigures(int(n), int(up or 0), int(down or 0), int(follow or 0))
