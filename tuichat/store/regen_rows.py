"""Regenerations in the log: the link rows of migration ``m017_regenerations``.

:class:`~tuichat.core.regen.records.RegenerationMade` becomes a row linking
the new turn to the original; :class:`~tuichat.core.regen.records.AlternativeKept`
marks the kept alternative among the original's rows (and unmarks the others:
the latest choice wins). Both are queued like a turn's events and committed
off the loop.
"""

from __future__ import annotations

from tuichat.core.regen.records import AlternativeKept, RegenerationMade

REGENERATION_SQL = (
    "INSERT OR REPLACE INTO regenerations"
    " (trace_id, session_id, ts_wall, regenerates, strategy, model) VALUES (?, ?, ?, ?, ?, ?)"
)
KEPT_SQL = "UPDATE regenerations SET kept = (trace_id = ?) WHERE regenerates = ?"


def regeneration_row(event: RegenerationMade) -> tuple[object, ...]:
    """The ``regenerations`` row of ``event``."""
    return (
        event.trace_id,
        event.session_id,
        event.wall_time,
        event.regenerates,
        event.strategy,
        event.model,
    )


def kept_row(event: AlternativeKept) -> tuple[object, ...]:
    """The parameters of :data:`KEPT_SQL` for ``event``."""
    return (event.trace_id, event.regenerates)
