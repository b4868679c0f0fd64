"""How turns were routed, read back from the log (m016's columns on prompt rows).

``tuichat debug`` lists, for its scope, how many turns each ``[[routing]]``
rule sent where (and how many no rule matched, or an explicit choice
overrode). Turns logged without routing rules (NULL ``route_why``) are not
counted. Strings come from the log: callers make them inert before showing.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from tuichat.core.route_choice import RouteChoice

_TALLY_SQL = (
    "SELECT route_rule, MAX(route_why), route_model, COUNT(*) FROM messages"
    " WHERE role = 'user' AND route_why IS NOT NULL AND trace_id IS NOT NULL"
    " AND (? IS NULL OR session_id = ?) AND (? IS NULL OR created_at >= ?)"
    " AND (? IS NULL OR created_at < ?)"
    " GROUP BY route_rule, route_model, CASE WHEN route_rule IS NULL THEN route_why END"
    " ORDER BY COUNT(*) DESC, route_rule"
)


@dataclass(frozen=True, slots=True)
class RouteCount:
    """Turns routed one way: the choice (one example reason for a rule) and how many."""

    choice: RouteChoice
    turns: int


def route_tally(
    conn: sqlite3.Connection,
    *,
    session_id: str | None = None,
    since: float | None = None,
    until: float | None = None,
) -> list[RouteCount]:
    """Routed turns of a session or a time window, most frequent first."""
    params = (session_id, session_id, since, since, until, until)
    return [
        RouteCount(RouteChoice(rule, why, model), turns)
        for rule, why, model, turns in conn.execute(_TALLY_SQL, params)
    ]
