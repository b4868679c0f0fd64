"""The response cache in the log: one ``cache_lookups`` row per turn, and their sums.

The writer maps each :class:`~tuichat.core.events.CacheLookedUp` to a row
(:func:`cache_lookup_row`, batched with the turn's other rows; table from
migration ``m012_cache_lookups``). :func:`cache_summary` (aiosqlite) and
:func:`cache_summary_sync` (sqlite3) sum them over a time window and
optionally one session: hits by kind, misses, bypasses, false hits and what
the hits saved — the HUD's "today" figure, ``tuichat cache stats`` and
``stats`` read the same numbers.

Sums use ``TOTAL`` (a float, 0 for no rows, non-numbers ignored), so a log
edited by hand cannot make a report fail.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from tuichat.core.events import CacheLookedUp
from tuichat.core.metrics.cache_tally import CacheTally

if TYPE_CHECKING:
    import aiosqlite

CACHE_LOOKUP_SQL = (
    "INSERT OR REPLACE INTO cache_lookups (trace_id, session_id, ts_wall, verdict, entry_key,"
    " similarity, age_s, saved_ms, saved_usd, reason, rejects)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_HIT = "verdict IN ('exact', 'semantic')"
_SUMMARY_SELECT = (
    "SELECT TOTAL(verdict = 'exact'), TOTAL(verdict = 'semantic'), TOTAL(verdict = 'miss'),"
    " TOTAL(verdict = 'bypass'), TOTAL(verdict = 'unavailable'), TOTAL(rejects IS NOT NULL),"
    f" TOTAL(CASE WHEN {_HIT} THEN saved_ms END), TOTAL(CASE WHEN {_HIT} THEN saved_usd END),"
    f" TOTAL({_HIT} AND saved_usd IS NULL)"
    " FROM cache_lookups"
)


def cache_lookup_row(
    event: CacheLookedUp, session_id: str | None, ts_wall: float, reason: str | None
) -> tuple[object, ...]:
    """The ``cache_lookups`` row of ``event`` (``reason`` already redacted by the policy)."""
    return (
        event.trace_id,
        session_id,
        ts_wall,
        event.verdict,
        event.entry_key,
        event.similarity,
        event.age_s,
        event.saved_ms,
        event.saved_usd,
        reason,
        event.rejects,
    )


def _summary_query(
    since_wall: float | None, session_id: str | None
) -> tuple[str, tuple[object, ...]]:
    """The summary's SQL and parameters: each condition only when asked (each has an index)."""
    conditions: list[str] = []
    params: list[object] = []
    if session_id is not None:
        conditions.append("session_id = ?")
        params.append(session_id)
    if since_wall is not None:
        conditions.append("ts_wall >= ?")
        params.append(since_wall)
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return _SUMMARY_SELECT + where, tuple(params)


def _summary(row: tuple[object, ...] | None) -> CacheTally:
    if row is None:
        return CacheTally()
    exact, semantic, misses, bypasses, unavailable, false_hits = (
        int(_float(value)) for value in row[:6]
    )
    return CacheTally(
        exact, semantic, misses, bypasses, unavailable, false_hits,
        _float(row[6]), _float(row[7]), int(_float(row[8])),
    )  # fmt: skip


def _float(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


async def cache_summary(
    db: aiosqlite.Connection, since_wall: float | None = None, session_id: str | None = None
) -> CacheTally:
    """The cache's figures from ``since_wall`` (epoch s; None: ever), for one session or all."""
    async with db.execute(*_summary_query(since_wall, session_id)) as cursor:
        row = await cursor.fetchone()
    return _summary(None if row is None else tuple(row))


def cache_summary_sync(
    conn: sqlite3.Connection, since_wall: float | None = None, session_id: str | None = None
) -> CacheTally:
    """:func:`cache_summary` on a blocking connection (headless commands, tests)."""
    row = conn.execute(*_summary_query(since_wall, session_id)).fetchone()
    return _summary(row)
