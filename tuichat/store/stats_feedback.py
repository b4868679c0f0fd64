"""Where feedback (thumbs up/down, follow-ups) joins ``tuichat stats``.

The figures come from :func:`tuichat.store.feedback.feedback_summary` (the
``feedback`` and ``follow_ups`` tables of migration m015), over the report's
window and session. Feedback rows carry no model or tag, so ``--model``,
``--provider`` and ``--tag`` narrow the request figures but not these: the
report's line says "in the window", not "for this model". A log from before
m015 (opened read-only by an older tool) has no such tables: None, and the
report says "no feedback yet".
"""

from __future__ import annotations

import sqlite3

from tuichat.core.metrics.stats_report import FeedbackFigures
from tuichat.store.feedback import feedback_summary
from tuichat.store.stats_sql import StatsFilter


def has_feedback_table(conn: sqlite3.Connection) -> bool:
    """True once migration m015 has created ``feedback``."""
    sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'feedback'"
    return conn.execute(sql).fetchone() is not None


def feedback_figures(conn: sqlite3.Connection, scope: StatsFilter) -> FeedbackFigures | None:
    """Thumbs and follow-ups in the scope's window and session; None before m015."""
    if not has_feedback_table(conn):
        return None
    summary = feedback_summary(conn, since=scope.since, session=scope.session_id)
    if summary.ups + summary.downs + summary.follow_ups == 0:
        return None
    return FeedbackFigures(summary.answered_turns, summary.ups, summary.downs, summary.follow_ups)
