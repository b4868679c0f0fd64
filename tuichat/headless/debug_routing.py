"""``tuichat debug``'s routing lines: which rule sent how many turns where.

Read from the log (:mod:`tuichat.store.route_choices`); nothing is printed
when the scope has no routed turn. A log that cannot be read gives one line.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tuichat.core.untrusted import one_line
from tuichat.store.route_choices import RouteCount, route_tally

if TYPE_CHECKING:
    from tuichat.store.diagnostics import Scope


def routed_turns(path: Path, scope: Scope) -> list[RouteCount] | str:
    """The scope's routed turns, or one line saying why they cannot be read."""
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            return route_tally(
                conn, session_id=scope.session_id, since=scope.since, until=scope.until
            )
    except sqlite3.Error as exc:
        return one_line(f"routing not read: {exc}")


def routing_lines(counts: list[RouteCount] | str) -> list[str]:
    """``routing:`` then ``  8 × rule 2 · tag=support → cheap`` per way (nothing if none)."""
    if isinstance(counts, str):
        return ["", "routing:", f"  {counts}"]
    if not counts:
        return []
    return ["", "routing:", *(f"  {c.turns} × {one_line(c.choice.line())}" for c in counts)]


def routing_json(counts: list[RouteCount] | str) -> list[dict[str, Any]] | str:
    """The same for ``--json``: each way's rule, why, model and turns."""
    if isinstance(counts, str):
        return counts
    return [{**c.choice.as_json(), "turns": c.turns} for c in counts]
