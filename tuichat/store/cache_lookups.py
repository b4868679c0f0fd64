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

import math
import sqlite3
from dataclasses import dataclass
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
_SUMMARY_SQL = (
    "SELECT TOTAL(verdict = 'exact'), TOTAL(verdict = 'semantic'), TOTAL(verdict = 'miss'),"
    " TOTAL(verdict = 'bypass'), TOTAL(verdict = 'unavailable'), TOTAL(rejects IS NOT NULL),"
    f" TOTAL(CASE WHEN {_HIT} THEN saved_ms END), TOTAL(CASE WHEN {_HIT} THEN saved_usd END)"
    " FROM cache_lookups WHERE ts_wall >= ? AND (? IS NULL OR session_id = ?)"
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


@dataclass(frozen=True, slots=True)
class CacheSummary:
    """What the response cache did over a window: verdicts counted, savings summed."""

    exact_hits: int = 0
    semantic_hits: int = 0
    misses: int = 0
    bypasses: int = 0
    unavailable: int = 0
    false_hits: int = 0
    """Hits the user rejected ("not what I asked")."""
    saved_ms: float = 0.0
    saved_usd: float = 0.0

    @property
    def hits(self) -> int:
        """Exact and semantic hits together."""
        return self.exact_hits + self.semantic_hits

    @property
    def lookups(self) -> int:
        """Every turn that asked the cache (or skipped it), whatever the verdict."""
        return self.hits + self.misses + self.bypasses + self.unavailable

    @property
    def hit_rate(self) -> float | None:
        """Hits among the turns the cache could have answered (None before any)."""
        served = self.hits + self.misses
        return self.hits / served if served else None

    def tally(self) -> CacheTally:
        """The same figures in the core's shape (the HUD's "today", the debug verdict)."""
        return CacheTally(
            exact=self.exact_hits,
            semantic=self.semantic_hits,
            misses=self.misses,
            bypasses=self.bypasses,
            unavailable=self.unavailable,
            false_hits=self.false_hits,
            saved_ms=self.saved_ms,
            saved_usd=self.saved_usd,
        )


def _summary_params(since_wall: float | None, session_id: str | None) -> tuple[object, ...]:
    return (-math.inf if since_wall is None else since_wall, session_id, session_id)


def _summary(row: tuple[object, ...] | None) -> CacheSummary:
    if row is None:
        return CacheSummary()
    exact, semantic, misses, bypasses, unavailable, false_hits = (
        int(_float(value)) for value in row[:6]
    )
    return CacheSummary(
        exact, semantic, misses, bypasses, unavailable, false_hits, _float(row[6]), _float(row[7])
    )


def _float(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


async def cache_summary(
    db: aiosqlite.Connection, since_wall: float | None = None, session_id: str | None = None
) -> CacheSummary:
    """The cache's figures from ``since_wall`` (epoch s; None: ever), for one session or all."""
    async with db.execute(_SUMMARY_SQL, _summary_params(since_wall, session_id)) as cursor:
        row = await cursor.fetchone()
    return _summary(None if row is None else tuple(row))


def cache_summary_sync(
    conn: sqlite3.Connection, since_wall: float | None = None, session_id: str | None = None
) -> CacheSummary:
    """:func:`cache_summary` on a blocking connection (headless commands, tests)."""
    row = conn.execute(_SUMMARY_SQL, _summary_params(since_wall, session_id)).fetchone()
    return _summary(row)
